import { parseArgs } from 'node:util';
import { buildPlan, countCost } from '@condensenet/core';
import type { ArchitecturePlan, CostForm, CostReport } from '@condensenet/core';
import type { CliIO } from '../io.js';
import { MODEL_FLAGS_HELP, MODEL_FLAG_OPTIONS, configFromFlags } from '../flags/model-flags.js';
import { humanCount, table } from '../format.js';

export const SUMMARY_HELP = `condense summary: layers, FLOPs and parameters of a CondenseNet, training and condensed form

Usage: condense summary (--preset NAME | --stages A-B-C --growth A-B-C) [options] [--json]

${MODEL_FLAGS_HELP}
Output:
  --json                   one JSON object: model, training, condensed, executed
                           (each with integer flops and params, per section and per layer)

FLOPs are multiply-adds at batch 1, counted like the reference's measure_model: "training" credits
each learned group conv with 1/C of its dense cost, "executed" is what the masked training form
really computes (dense 1x1 convs), "condensed" is the converted model.`;

const FORMS: CostForm[] = ['training', 'condensed', 'executed'];

export function summaryCommand(argv: string[], io: CliIO): number {
  const { values } = parseArgs({
    args: argv,
    options: { ...MODEL_FLAG_OPTIONS, json: { type: 'boolean' } },
    allowPositionals: false,
    strict: true,
  });
  const plan = buildPlan(configFromFlags(values));
  const costs = Object.fromEntries(FORMS.map((f) => [f, countCost(plan, f)])) as Record<CostForm, CostReport>;
  if (values.json) {
    io.out(JSON.stringify(summaryJson(plan, costs, values.preset)));
  } else {
    io.out(summaryText(plan, costs, values.preset));
  }
  return 0;
}

function summaryJson(plan: ArchitecturePlan, costs: Record<CostForm, CostReport>, preset?: string) {
  const form = (c: CostReport) => ({ flops: c.flops, params: c.params, sections: c.sections, layers: c.layers });
  return {
    model: { name: modelName(plan, preset), preset: preset ?? null, depth: plan.depth, config: plan.config },
    training: form(costs.training),
    condensed: form(costs.condensed),
    executed: form(costs.executed),
  };
}

function summaryText(plan: ArchitecturePlan, costs: Record<CostForm, CostReport>, preset?: string): string {
  const c = plan.config;
  const title =
    `${modelName(plan, preset)}: ${c.data}, ${c.inputSize}x${c.inputSize}x${c.inputChannels} input, ${c.numClasses} classes; ` +
    `stages ${c.stages.join('-')}, growth ${c.growth.join('-')}, bottleneck ${c.bottleneck}, ` +
    `G ${c.group1x1}, 3x3 groups ${c.group3x3}, C ${c.condenseFactor}`;
  const shapes = sectionShapes(plan);
  const rows = costs.training.sections.map((s, i) => {
    const [channels, maps] = shapes.get(s.section) ?? ['', ''];
    return [
      s.section,
      channels,
      maps,
      humanCount(s.flops),
      humanCount(costs.condensed.sections[i].flops),
      humanCount(costs.executed.sections[i].flops),
      humanCount(s.params),
      humanCount(costs.condensed.sections[i].params),
    ];
  });
  rows.push([
    'total',
    '',
    '',
    humanCount(costs.training.flops),
    humanCount(costs.condensed.flops),
    humanCount(costs.executed.flops),
    humanCount(costs.training.params),
    humanCount(costs.condensed.params),
  ]);
  const header = ['section', 'channels', 'maps', 'FLOPs train', 'FLOPs cond.', 'FLOPs exec.', 'params train', 'params cond.'];
  const ratio = costs.executed.flops / costs.condensed.flops;
  return [
    title,
    '',
    table(header, rows),
    '',
    `condensed: ${costs.condensed.flops.toLocaleString('en-US')} FLOPs, ${costs.condensed.params.toLocaleString('en-US')} parameters ` +
      `(${ratio.toFixed(2)}x fewer FLOPs than the masked training form executes)`,
  ].join('\n');
}

function sectionShapes(plan: ArchitecturePlan): Map<string, [string, string]> {
  const maps = (s: number) => `${s}x${s}`;
  const shapes = new Map<string, [string, string]>();
  shapes.set('init_conv', [`${plan.stem.inChannels} -> ${plan.stem.outChannels}`, maps(plan.stem.outputSize)]);
  for (const b of plan.blocks) {
    shapes.set(b.name, [`${b.inChannels} -> ${b.outChannels}`, maps(b.spatial)]);
    if (b.transition) shapes.set(b.transition.name, [`${b.transition.channels}`, maps(b.transition.outputSize)]);
  }
  shapes.set('head', [`${plan.head.features}`, `${maps(plan.head.spatial)} -> 1x1`]);
  shapes.set('classifier', [`${plan.head.features} -> ${plan.head.classes}`, '']);
  return shapes;
}

function modelName(plan: ArchitecturePlan, preset?: string): string {
  if (preset?.startsWith('densenet')) return preset.replace('densenet-bc', 'DenseNet-BC');
  const suffix = plan.config.data === 'imagenet' ? ` (C=${plan.config.condenseFactor}, G=${plan.config.group1x1})` : '';
  return `CondenseNet-${plan.depth}${suffix}`;
}
