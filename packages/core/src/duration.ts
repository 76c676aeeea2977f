/** Durations as people write them in tfwrap.yaml and environment variables: `1h`, `15m`, `900s`, `1h30m`, `900`. */

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/** Seconds, or undefined when `text` is not a duration. A bare number is seconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^(\d+[hms])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([hms])/g)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  return seconds;
}

/**
 * Milliseconds on a monotonic clock, for measuring how long something took. Not
 * `performance.now()`: the first use of that global loads perf_hooks (nine internal modules), which
 * a run that only times its steps does not need.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** `3600` → `1h`, `5400` → `1h30m`, `90` → `1m30s`. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
