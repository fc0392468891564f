// Prepares the folder a GPU machine runs: `node scripts/bundle.mjs [--out DIR] [--node] [--vulkan]`.
// DIR (default: the repository's .gpu/, which git ignores) gets gpu-bench.mjs (this package
// and every JavaScript dependency in one file), Dawn's linux-x64 dawn.node, run.sh, and with
// --node this machine's node binary (xz) and with --vulkan Debian's Vulkan loader packages, for
// a machine that has neither. The workspace packages must be built first (`pnpm build`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(here, '..', '..', '..', '.gpu') },
    node: { type: 'boolean', default: false },
    vulkan: { type: 'boolean', default: false },
  },
});
const out = values.out;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, '..', 'src', 'main.ts')],
  outfile: join(out, 'gpu-bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // dawn.node is native and beside the bundle; everything else is JavaScript and inside it.
  external: ['webgpu'],
  // CommonJS parts of tfjs call require(), which an ES module bundle must be given.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

const webgpu = dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
const target = join(out, 'node_modules', 'webgpu');
mkdirSync(join(target, 'dist', 'linux-x64'), { recursive: true });
for (const file of ['package.json', 'index.js']) copyFileSync(join(webgpu, file), join(target, file));
copyFileSync(join(webgpu, 'dist', 'linux-x64', 'dawn.node'), join(target, 'dist', 'linux-x64', 'dawn.node'));
copyFileSync(join(here, 'run.sh'), join(out, 'run.sh'));

if (values.node) {
  const xz = execFileSync('xz', ['-T2', '-6', '-c', process.execPath], { maxBuffer: 1 << 30 });
  const file = createWriteStream(join(out, 'node.xz'));
  await new Promise((resolve, reject) => file.end(xz, (e) => (e ? reject(e) : resolve())));
}
if (values.vulkan) {
  const debs = join(out, 'deb');
  mkdirSync(debs);
  execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: debs, stdio: 'inherit' });
}
console.log(`prepared ${out}: ${readdirSync(out).join(', ')}`);
