// CI step: what an npm user gets. Packs every publishable workspace package with pnpm (which
// rewrites workspace: ranges to versions), lints each tarball with publint, installs it alone in
// an empty folder (its tarball, the tarballs of its @condensenet/* dependencies, and from npm the
// peers its smoke needs, pinned to the lockfile) and runs scripts/smoke/<package dir>.mjs there,
// so nothing resolves from the workspace.
//
// It builds nothing: run `npx -y pnpm@10.34.9 build` first (CI does).

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PNPM = ['-y', 'pnpm@10.34.9'];
const PUBLINT = join(ROOT, 'node_modules/.bin/publint');
const SMOKE_TIMEOUT_MS = 180_000;

// Workspace files a smoke reads, copied into its folder under their own names.
const KEPT_MODEL = 'packages/condense-train/results/long-fashion-mnist-model';
const FIXTURES = {
  'condense-runtime': [KEPT_MODEL],
  cli: [KEPT_MODEL, 'apps/demo/public/samples/9-ankle-boot.png'],
  'condense-interop': ['packages/golden-fixtures/golden/pth/converted_checkpoint_006.pth.tar'],
};

// Installed besides each package's required peers: the backends its smoke runs on. Never
// tfjs-node(-gpu), whose install script downloads libtensorflow. Layers declares no backend peer
// (any registered backend works), so its smoke brings cpu itself.
const SMOKE_PEERS = {
  'condense-layers': ['@tensorflow/tfjs-backend-cpu'],
  'condense-runtime': ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
  'condense-train': ['@tensorflow/tfjs-backend-cpu'],
};

const lockfile = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`;
  return { ok: result.status === 0, exit: result.status ?? result.signal, stdout: result.stdout ?? '', output };
}

function seconds(since) {
  return (performance.now() - since) / 1000;
}

function workspacePackages() {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(ROOT, group))
      .map((dir) => ({ dir, path: join(ROOT, group, dir) }))
      .filter(({ path }) => existsSync(join(path, 'package.json')))
      .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8')) })),
  );
}

/** The one version of `name` in the lockfile's packages section. */
function lockedVersion(name) {
  const section = lockfile.slice(lockfile.indexOf('\npackages:\n'), lockfile.indexOf('\nsnapshots:\n'));
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const versions = [...section.matchAll(new RegExp(`^  '?${escaped}@([^'(:]+)'?:$`, 'gm'))].map((m) => m[1]);
  if (versions.length !== 1) throw new Error(`pnpm-lock.yaml holds ${versions.length} versions of ${name}: [${versions}]`);
  return versions[0];
}

function condenseDependencies(pkg, byName, found = new Set()) {
  for (const name of Object.keys(pkg.manifest.dependencies ?? {})) {
    if (name.startsWith('@condensenet/') && !found.has(name)) {
      found.add(name);
      condenseDependencies(byName.get(name), byName, found);
    }
  }
  return found;
}

function peersFor(pkg) {
  const { peerDependencies = {}, peerDependenciesMeta = {} } = pkg.manifest;
  const required = Object.keys(peerDependencies).filter((name) => !peerDependenciesMeta[name]?.optional);
  return [...new Set([...required, ...(SMOKE_PEERS[pkg.dir] ?? [])])].map((name) => `${name}@${lockedVersion(name)}`);
}

/** Packs `pkgs` in one pnpm run; returns [name, tarball path] pairs. */
function pack(pkgs, destination) {
  const filters = pkgs.flatMap((pkg) => ['--filter', pkg.manifest.name]);
  const packed = run('npx', [...PNPM, ...filters, 'pack', '--pack-destination', destination, '--json'], { cwd: ROOT });
  if (!packed.ok) throw new Error(`pnpm pack failed:\n${packed.output}`);
  return [JSON.parse(packed.stdout)].flat().map(({ name, filename }) => [name, filename]);
}

/** publint's errors and warnings (suggestions left out); `ok` is false on any error. */
function publint(tarball) {
  const linted = run(PUBLINT, ['run', tarball, '--level', 'warning']);
  const findings = linted.output.slice(linted.output.indexOf('Linting...') + 'Linting...'.length).trim();
  return { ok: linted.ok, findings: findings === 'All good!' ? '' : findings };
}

/** Installs into `folder`; returns the seconds npm took. */
function install(folder, specs) {
  mkdirSync(folder);
  const init = run('npm', ['init', '-y'], { cwd: folder });
  if (!init.ok) throw new Error(`npm init failed:\n${init.output}`);
  const started = performance.now();
  // Install scripts run as they would for a user, whatever the machine's npm config says;
  // --prefer-offline reuses the one npm cache instead of revalidating every package.
  const installed = run('npm', ['install', '--ignore-scripts=false', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd: folder });
  if (!installed.ok) throw new Error(`npm install ${specs.join(' ')} failed:\n${installed.output}`);
  return seconds(started);
}

function smoke(pkg, folder) {
  const script = join(ROOT, 'scripts/smoke', `${pkg.dir}.mjs`);
  if (!existsSync(script)) throw new Error(`no smoke script: write scripts/smoke/${pkg.dir}.mjs`);
  for (const fixture of FIXTURES[pkg.dir] ?? []) cpSync(join(ROOT, fixture), join(folder, basename(fixture)), { recursive: true });
  copyFileSync(script, join(folder, 'smoke.mjs'));
  const { NODE_PATH, ...env } = process.env;
  const result = run('node', ['smoke.mjs'], { cwd: folder, env, timeout: SMOKE_TIMEOUT_MS });
  if (!result.ok) {
    // Node prints an uncaught error as a stack trace with an `Error: message` line in it.
    const message = result.output.match(/^\w*Error: .*$/m)?.[0] ?? `exit ${result.exit}`;
    throw new Error(`smoke: ${message}\n${result.output}`);
  }
  return result.stdout.trim().split('\n').pop();
}

const indent = (text) => text.trimEnd().replace(/^/gm, '    ');

const started = performance.now();
const packages = workspacePackages();
const byName = new Map(packages.map((p) => [p.manifest.name, p]));
const publishable = packages.filter((p) => !p.manifest.private);

const unbuilt = publishable.filter((p) => !existsSync(join(p.path, 'dist')));
if (unbuilt.length > 0) {
  console.error(`pack-smoke: no dist/ in ${unbuilt.map((p) => p.manifest.name).join(', ')}; run \`npx -y pnpm@10.34.9 build\` first`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'pack-smoke-'));
const tarballs = new Map();
const packErrors = new Map();
mkdirSync(join(work, 'tarballs'));
try {
  for (const [name, tarball] of pack(publishable, join(work, 'tarballs'))) tarballs.set(name, tarball);
} catch {
  // One pnpm run packs everything in a third of the time of one run per package; when it fails,
  // packing each package alone tells which failed.
  for (const pkg of publishable) {
    try {
      for (const [name, tarball] of pack([pkg], join(work, 'tarballs'))) tarballs.set(name, tarball);
    } catch (e) {
      packErrors.set(pkg.manifest.name, e);
    }
  }
}

console.log(`pack-smoke: packed ${tarballs.size} of ${publishable.length} packages in ${seconds(started).toFixed(1)} s`);

const width = Math.max(...publishable.map((p) => p.manifest.name.length));
let failed = 0;
for (const pkg of publishable) {
  const { name } = pkg.manifest;
  const tarball = tarballs.get(name);
  const line = [name.padEnd(width)];
  const problems = [];
  const details = [];
  let result;
  try {
    if (!tarball) throw packErrors.get(name);
    line.push(`${(statSync(tarball).size / 1000).toFixed(1).padStart(6)} kB`);
    // The smoke still runs after publint errors: both findings belong in one report.
    const lint = publint(tarball);
    if (!lint.ok) problems.push('publint errors');
    if (lint.findings) details.push(`publint: ${lint.findings}`);
    const dependencies = [...condenseDependencies(pkg, byName)].map((dep) => {
      if (!tarballs.has(dep)) throw new Error(`needs ${dep}, which did not pack`);
      return tarballs.get(dep);
    });
    const folder = join(work, pkg.dir);
    line.push(`install ${install(folder, [tarball, ...dependencies, ...peersFor(pkg)]).toFixed(1).padStart(5)} s`);
    const smokeStarted = performance.now();
    result = smoke(pkg, folder);
    line.push(`smoke ${seconds(smokeStarted).toFixed(1).padStart(5)} s`);
  } catch (e) {
    const [first, ...rest] = String(e.message).split('\n');
    problems.push(first);
    details.push(rest.join('\n'));
  }
  if (problems.length === 0) {
    line.push(`ok: ${result}`);
  } else {
    failed++;
    line.push(`FAILED: ${problems.join('; ')}`);
  }
  console.log(line.join('  '));
  for (const detail of details) if (detail.trim()) console.log(indent(detail));
}

if (failed === 0) rmSync(work, { recursive: true, force: true });
console.log(`pack-smoke: ${publishable.length} packages, ${publishable.length - failed} ok, ${failed} failed in ${seconds(started).toFixed(0)} s`);
if (failed > 0) {
  console.log(`pack-smoke: folders kept for inspection in ${work}`);
  process.exit(1);
}
