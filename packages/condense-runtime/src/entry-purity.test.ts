import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('.', import.meta.url));

/** Every bare or node: specifier reachable from `entry` through relative imports. */
function externalImports(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [];
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].flatMap(([, spec]) =>
    spec.startsWith('.') ? externalImports(resolve(dirname(entry), spec.replace(/\.js$/, '.ts')), seen) : [spec],
  );
}

describe('entry points', () => {
  it('keeps Node built-ins out of the browser entry', () => {
    expect(externalImports(resolve(src, 'index.ts')).filter((s) => s.startsWith('node:'))).toEqual([]);
  });

  it('keeps the Node entry of core out of the browser entry', () => {
    expect(externalImports(resolve(src, 'index.ts'))).not.toContain('@condensenet/core/node');
  });

  it('needs only core and tfjs-core at run time', () => {
    const allowed = ['@condensenet/core', '@condensenet/core/node', '@tensorflow/tfjs-core'];
    const all = [...externalImports(resolve(src, 'index.ts')), ...externalImports(resolve(src, 'node.ts'))];
    expect(all.filter((s) => !s.startsWith('node:') && !allowed.includes(s))).toEqual([]);
  });
});
