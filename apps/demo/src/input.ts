/**
 * Where the model's input comes from: the drawing canvas, uploads, the bundled samples and files
 * dropped on the page (images become the input; any other file is handed on as a model).
 */
import { preprocessingFor, type CondensedModel, type RgbaImage } from '@condensenet/runtime';
import { AS_STORED, type InputChoices } from './preprocess.js';
import { $, clearPrediction, messageOf, showError } from './views.js';

export interface Input {
  /** null: read the drawing canvas when classifying. */
  image: RgbaImage | null;
  /** A sample's true class. */
  label?: number;
  source: string;
}

interface Sample {
  file: string;
  label: number;
  className: string;
  testIndex: number;
}

/** Larger sides are scaled down to this first: area averaging over a 50-megapixel photo would take seconds. */
const MAX_SIDE = 2048;

const drawCanvas = $<HTMLCanvasElement>('draw');
const draw = drawCanvas.getContext('2d', { willReadFrequently: true })!;
const autoInvert = $<HTMLInputElement>('auto-invert');
const crop = $<HTMLInputElement>('crop');
const hint = $('input-hint');
/** The page's own hint, written for the kept Fashion-MNIST model. */
const FASHION_HINT = hint.textContent ?? '';

export class InputPanel {
  current: Input | undefined;
  /** The bundled samples, or why there are none. */
  private samples: Sample[] | string = [];
  private drawing = false;

  constructor(private readonly on: { changed(): void; modelFile(file: File): void }) {
    clearCanvas();
    drawCanvas.addEventListener('pointerdown', (event) => {
      // Drawing over an uploaded image or a sample starts a fresh black canvas.
      if (this.current?.image) clearCanvas();
      this.current = { image: null, source: 'drawing' };
      showError(undefined);
      this.drawing = true;
      drawCanvas.setPointerCapture(event.pointerId);
      Object.assign(draw, { strokeStyle: '#fff', lineWidth: Number($<HTMLInputElement>('brush').value), lineCap: 'round', lineJoin: 'round' });
      draw.beginPath();
      draw.moveTo(...canvasPoint(event));
      draw.lineTo(...canvasPoint(event));
      draw.stroke();
      on.changed();
    });
    drawCanvas.addEventListener('pointermove', (event) => {
      if (!this.drawing) return;
      draw.lineTo(...canvasPoint(event));
      draw.stroke();
      on.changed();
    });
    for (const type of ['pointerup', 'pointercancel']) {
      drawCanvas.addEventListener(type, () => {
        if (!this.drawing) return;
        this.drawing = false;
        on.changed();
      });
    }
    // The whole page takes drops, so that a checkpoint need not be aimed at the canvas.
    window.addEventListener('dragover', (event) => {
      event.preventDefault();
      document.body.classList.add('dragging');
    });
    window.addEventListener('dragleave', (event) => {
      if (!event.relatedTarget) document.body.classList.remove('dragging');
    });
    window.addEventListener('drop', (event) => {
      event.preventDefault();
      document.body.classList.remove('dragging');
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      if (file.type.startsWith('image/')) void this.useFile(file);
      else on.modelFile(file);
    });
    $('clear').addEventListener('click', () => {
      clearCanvas();
      this.current = undefined;
      clearPrediction();
    });
    $<HTMLInputElement>('file').addEventListener('change', (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
    const modelFile = $<HTMLInputElement>('model-file');
    modelFile.addEventListener('change', () => {
      const file = modelFile.files?.[0];
      // Cleared, so that picking the same file again (after a fix, or another data kind) reads it again.
      modelFile.value = '';
      if (file) on.modelFile(file);
    });
    for (const box of [autoInvert, crop]) box.addEventListener('change', () => on.changed());
  }

  /** The image to classify for `input` (the canvas as it is now, for a drawing) and how to preprocess it. */
  read(input: Input): { image: RgbaImage; options: InputChoices } {
    const image = input.image ?? draw.getImageData(0, 0, drawCanvas.width, drawCanvas.height);
    // Samples are test images, already as the model takes them: re-cropping one would only blur it.
    const options = input.label === undefined ? { autoInvert: autoInvert.checked, crop: crop.checked } : AS_STORED;
    return { image, options };
  }

  /** Fetches the list of bundled samples once; without it the page says why there are none. */
  async loadSamples(): Promise<void> {
    try {
      const response = await fetch('samples/samples.json');
      if (!response.ok) throw new Error(`samples/samples.json: HTTP ${response.status}`);
      this.samples = ((await response.json()) as { samples: Sample[] }).samples;
    } catch (e) {
      this.samples = `No samples: ${messageOf(e)}`;
    }
  }

  /**
   * Suits the input to a model just put in use: the samples where they are its inputs, and the
   * runtime's preprocessing of its kind of images (Fashion-MNIST's light objects cropped and
   * fitted on black; an RGB model's photos only scaled and centre-cropped, as `condense predict` does).
   */
  fit(model: CondensedModel): void {
    const { inputSize, inputChannels } = model.config;
    const grayscale = inputChannels === 1;
    const defaults = preprocessingFor({ size: inputSize, channels: inputChannels });
    autoInvert.checked = defaults.autoInvert;
    crop.checked = defaults.crop;
    const samples = this.samples;
    const fits = Array.isArray(samples) && inputSize === 28 && grayscale && samples.every((s) => model.classes[s.label] === s.className);
    hint.textContent = fits
      ? FASHION_HINT
      : `This model takes ${inputSize}x${inputSize} ${grayscale ? 'grayscale' : 'RGB'} images: upload or drop one ` +
        '(it is scaled to fit; drawings are fed too, though the model never saw any).';
    const container = $('samples');
    if (!fits) {
      container.textContent =
        typeof samples === 'string' ? samples : 'The bundled samples are Fashion-MNIST images; this model takes other classes or sizes.';
      // A sample's label names a Fashion-MNIST class, not one of this model's.
      if (this.current?.label !== undefined) this.current = { image: this.current.image, source: this.current.source };
      return;
    }
    container.replaceChildren(
      ...samples.map((s) => {
        const button = Object.assign(document.createElement('button'), { type: 'button', title: `sample ${s.className}` });
        button.dataset.label = String(s.label);
        const img = Object.assign(document.createElement('img'), { src: `samples/${s.file}`, alt: s.className });
        button.append(img, s.className);
        button.addEventListener('click', async () => {
          try {
            const response = await fetch(`samples/${s.file}`);
            if (!response.ok) throw new Error(`samples/${s.file}: HTTP ${response.status}`);
            const bitmap = await decodeImage(await response.blob(), s.file);
            this.useImage(bitmap, `sample ${s.className}`, s.label);
            bitmap.close();
          } catch (e) {
            showError(messageOf(e));
          }
        });
        return button;
      }),
    );
    showSamplesPressed(this.current?.source);
  }

  /** Shows `image` on the drawing canvas, fitted and centred, and makes it the input. */
  private useImage(image: ImageBitmap, source: string, label?: number): void {
    const { width, height } = drawCanvas;
    const scale = Math.min(width / image.width, height / image.height);
    clearCanvas();
    // Small images (the 28x28 samples) stay sharp; photos are smoothed.
    draw.imageSmoothingEnabled = scale < 1;
    draw.drawImage(image, (width - image.width * scale) / 2, (height - image.height * scale) / 2, image.width * scale, image.height * scale);
    this.current = { image: pixelsOf(image), source, ...(label === undefined ? {} : { label }) };
    showError(undefined);
    showSamplesPressed(source);
    this.on.changed();
  }

  private async useFile(file: File): Promise<void> {
    try {
      const bitmap = await decodeImage(file, file.name);
      this.useImage(bitmap, `upload ${file.name}`);
      bitmap.close();
    } catch (e) {
      showError(messageOf(e));
    }
  }
}

function showSamplesPressed(source: string | undefined): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#samples button')) b.setAttribute('aria-pressed', String(b.title === source));
}

function pixelsOf(image: ImageBitmap): ImageData {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  context.drawImage(image, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

async function decodeImage(blob: Blob, name: string): Promise<ImageBitmap> {
  try {
    // Exact stored values: no colour management, no premultiplied alpha.
    return await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name}${blob.type ? ` (${blob.type})` : ''} is not an image this browser can decode; expected a PNG, JPEG, GIF, WebP, BMP or AVIF file`);
  }
}

function clearCanvas(): void {
  draw.fillStyle = '#000';
  draw.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
}

function canvasPoint(event: PointerEvent): [number, number] {
  const rect = drawCanvas.getBoundingClientRect();
  return [((event.clientX - rect.left) / rect.width) * drawCanvas.width, ((event.clientY - rect.top) / rect.height) * drawCanvas.height];
}
