import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test-support' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('@condensenet/core stays pure', () => {
  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  const imports = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]).filter((spec) => !spec.startsWith('.'));
  const nodeOnly = (file: string) => file === join(root, 'src', 'node.ts') || file.startsWith(join(root, 'src', 'node') + '/');

  it('imports nothing but its own modules outside the ./node entry (no TensorFlow.js, no Node built-ins)', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((file) => !nodeOnly(file))
      .flatMap((file) => imports(file).map((spec) => `${file}: ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('lets the ./node entry import Node built-ins only', () => {
    const files = sourceFiles(join(root, 'src')).filter(nodeOnly);
    expect(files.length).toBeGreaterThan(1);
    const offenders = files.flatMap((file) => imports(file).filter((spec) => !spec.startsWith('node:')).map((spec) => `${file}: ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the main entry from reaching the ./node entry', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((file) => !nodeOnly(file))
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/from\s*['"](\.{1,2}\/(?:[^'"]*\/)?node(?:\.js|\/[^'"]*))['"]/g)].map((m) => `${file}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });
});
