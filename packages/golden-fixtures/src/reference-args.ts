/** The authors' `main.py` settings a golden case was made with (its config.json's `args`). */
export interface ReferenceArgs {
  data: 'cifar10' | 'cifar100' | 'imagenet';
  num_classes: number;
  stages: number[];
  growth: number[];
  bottleneck: number;
  group_1x1: number;
  group_3x3: number;
  condense_factor: number;
  dropout_rate: number;
}

/** Those settings under the names of `@condensenet/core`'s configurations (`resolveConfig`'s input). */
export function configInputOf(args: ReferenceArgs) {
  return {
    data: args.data,
    numClasses: args.num_classes,
    stages: args.stages,
    growth: args.growth,
    bottleneck: args.bottleneck,
    group1x1: args.group_1x1,
    group3x3: args.group_3x3,
    condenseFactor: args.condense_factor,
    dropout: args.dropout_rate,
  };
}
