import { describe, expect, it } from 'vitest';
import { referenceClassNames } from './class-names.js';
import { referenceNormalization } from './normalization.js';

describe('reference data descriptions', () => {
  it('normalises as main.py does, per data kind', () => {
    expect(referenceNormalization('cifar10')).toEqual({ mean: [0.4914, 0.4824, 0.4467], std: [0.2471, 0.2435, 0.2616] });
    expect(referenceNormalization('cifar100')).toEqual({ mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] });
    expect(referenceNormalization('imagenet')).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it('names the classes of the CIFAR sets in label order', () => {
    expect(referenceClassNames('cifar10')).toHaveLength(10);
    expect(referenceClassNames('cifar10')?.[3]).toBe('cat');
    const fine = referenceClassNames('cifar100')!;
    expect(fine).toHaveLength(100);
    expect(new Set(fine).size).toBe(100);
    expect([fine[0], fine[1], fine[99]]).toEqual(['apple', 'aquarium_fish', 'worm']);
    expect([...fine].sort()).toEqual(fine);
    expect(referenceClassNames('imagenet')).toBeUndefined();
  });
});
