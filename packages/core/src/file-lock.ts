/**
 * A lock shared by processes on one file (proper-lockfile: a directory `<file>.lock`), for caches
 * where running without the lock costs only redundant work (an extra STS call, a second sign-in):
 * when the lock cannot be had in time, or not at all, `work` runs unlocked rather than failing.
 * Used by core's session cache and by plugins' own caches (the IAM Identity Center sign-in cache).
 */

export interface FileLockOptions {
  /** How long to wait while another process holds the lock before working unlocked. */
  waitMs: number;
  /** After how long an unrefreshed lock counts as abandoned by a crashed process (the holder refreshes it). */
  staleMs: number;
  /** Stops the wait (work then runs unlocked; it should check the signal itself). */
  signal?: AbortSignal;
  /** Called once, when another process holds the lock and this one starts waiting. */
  onWait?: () => void;
  /**
   * Called when work is about to run unlocked: `err` is proper-lockfile's (`code` `ELOCKED` when
   * the wait ran out, or the file system's error, e.g. `EACCES`).
   */
  onUnlocked?: (err: unknown) => void;
  /** Called when a held lock was lost (a busy machine delayed its refresh past `staleMs`). */
  onCompromised?: (err: Error) => void;
}

/** Longest pause between two attempts; the first ones are quicker so a short hold costs little. */
const MAX_POLL_MS = 100;

/** Run `work` holding the lock of `file` (which need not exist); see the module comment. */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const deadline = Date.now() + options.waitMs;
  let release: (() => Promise<void>) | undefined;
  let pollMs = 10;
  let waiting = false;
  for (;;) {
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        lockfilePath: `${file}.lock`,
        stale: options.staleMs,
        update: Math.max(1_000, Math.floor(options.staleMs / 4)),
        // The default throws from a timer (a crash); losing a cache lock only costs redundant work.
        onCompromised: (err) => options.onCompromised?.(err),
      });
      break;
    } catch (err) {
      const held = (err as { code?: string }).code === 'ELOCKED';
      if (!held || Date.now() >= deadline || options.signal?.aborted) {
        options.onUnlocked?.(err);
        break;
      }
      if (!waiting) options.onWait?.();
      waiting = true;
      await pause(Math.min(pollMs, deadline - Date.now()), options.signal);
      pollMs = Math.min(MAX_POLL_MS, Math.ceil(pollMs * 1.5));
    }
  }
  try {
    return await work();
  } finally {
    await release?.().catch(() => undefined);
  }
}

/** Resolves after `ms`, or early when `signal` aborts (the caller then sees `signal.aborted`). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
