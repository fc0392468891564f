import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * glibc's malloc hands big blocks back to the kernel (mmap'd chunks, heap trimming) and takes
 * fresh ones again for the next tensor read-back or batch, and every fresh page faults on first
 * touch. On virtual machines where that is slow this halves training and evaluation speed on
 * the wasm backend (measured: 135 -> 295 images/s on one thread, 226 -> 450 on two); keeping the
 * memory in the heap costs nothing elsewhere. glibc reads these only at process start, hence the
 * relaunch.
 */
export const TUNED_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '1073741824',
  MALLOC_TRIM_THRESHOLD_: '4294967295',
};

/**
 * True on glibc when the user has not tuned malloc already (either variable, or glibc tunables
 * naming malloc): then the CLI relaunches itself with TUNED_MALLOC_ENV. Other C libraries ignore
 * the variables, so there is nothing to gain there.
 */
export function mallocNeedsTuning(env: NodeJS.ProcessEnv, glibc: boolean): boolean {
  if (!glibc || env.CONDENSE_NO_MALLOC_TUNING) return false;
  if (Object.keys(TUNED_MALLOC_ENV).some((name) => env[name] !== undefined)) return false;
  return !/glibc\.malloc\./.test(env.GLIBC_TUNABLES ?? '');
}

/** Whether this Node runs on glibc (its own report says which glibc it found at run time). */
export function runsOnGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime !== undefined;
}

/**
 * Runs `node [execArgv] entry ...args` with the tuned malloc variables added to `env`, sharing
 * this terminal, and resolves to its exit code (128 + the signal's number when a signal ended
 * it). SIGINT, SIGTERM and SIGHUP sent to this process are passed on; a terminal's Ctrl-C
 * reaches the child twice that way (directly and passed on), which `condense train` counts once.
 */
export function runWithTunedMalloc(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
    // The IPC channel closes when this process dies in any way, SIGKILL included (which cannot
    // be passed on): the child sees that and ends too (followLauncher).
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, ...TUNED_MALLOC_ENV },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  return new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`could not start ${process.execPath} for ${entry}: ${e.message}`)));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  }).finally(() => {
    for (const signal of signals) process.off(signal, forward);
  });
}

/**
 * In a relaunched child: when the launcher is gone (killed outright, so nothing could pass the
 * signal on), end at once as the launcher did, instead of running on and writing unseen. Files
 * are written atomically, so this is as safe as any crash.
 */
export function followLauncher(): void {
  if (!process.send || !process.channel) return;
  // The channel alone must not keep the child alive once its work is done.
  process.channel.unref();
  process.once('disconnect', () => process.exit(137));
}
