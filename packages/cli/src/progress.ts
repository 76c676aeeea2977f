/**
 * Progress of long work over many stacks (validate, describe stacks), on a terminal only: one line
 * on stderr, rewritten in place and cleared before the answer. Not on a pipe or in a file, so CI
 * logs and captured output stay clean.
 */

/** Stacks from which a terminal is shown how far the work is (fewer take well under a second). */
const PROGRESS_FROM_STACKS = 100;

/** `tfwrap: <what>: 430 of 1000 started`, or undefined when stderr is not a terminal. */
export function progressLine(what: string): { update: (started: number, total: number) => void; clear: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  let shown = false;
  let written = 0;
  return {
    update(started, total) {
      // A terminal far away (ssh) is not sent a line per stack: ten a second, and the last.
      const now = Date.now();
      if (total < PROGRESS_FROM_STACKS || (now - written < 100 && started < total)) return;
      process.stderr.write(`\r\x1b[Ktfwrap: ${what}: ${started} of ${total} started`);
      shown = true;
      written = now;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
