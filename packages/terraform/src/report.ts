/** The summary of a run: a table for people, JSON for programs. */
import type { ComponentResult } from './runner.js';

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatSummaryTable(results: readonly ComponentResult[]): string {
  const rows = [
    ['COMPONENT', 'IDENTITY', 'RESULT', 'ADD', 'CHANGE', 'DESTROY', 'DURATION'],
    ...results.map((r) => [
      `${r.stack}/${r.component}`,
      r.identity ?? '-',
      r.exitCode === 0 || r.result === 'skipped' ? r.result : `${r.result} (${r.exitCode})`,
      r.add === null ? '-' : String(r.add),
      r.change === null ? '-' : String(r.change),
      r.destroy === null ? '-' : String(r.destroy),
      r.result === 'skipped' ? '-' : formatDuration(r.durationMs),
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')).join('\n') + '\n';
}

/** The JSON form of a run's results (no error objects). */
export function summaryJson(results: readonly ComponentResult[], exitCode: number): unknown {
  return {
    exitCode,
    components: results.map(({ error, ...rest }) => ({ ...rest, ...(error && !rest.message ? { message: error.message } : {}) })),
  };
}

/**
 * tfwrap's exit code for several results: the first failure's code; else 2 when some plan with
 * `-detailed-exitcode` found changes; else 0. An interrupt wins over everything.
 */
export function combinedExitCode(results: readonly ComponentResult[]): number {
  if (results.some((r) => r.result === 'interrupted')) return 130;
  const failed = results.find((r) => r.result === 'failed');
  if (failed) return failed.exitCode;
  if (results.some((r) => r.result === 'changes')) return 2;
  return 0;
}

/** A Markdown table of a run's results, for GitHub's job summary (`GITHUB_STEP_SUMMARY`). */
export function formatMarkdownSummary(title: string, results: readonly ComponentResult[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const count = (n: number | null) => (n === null ? '-' : String(n));
  const lines = [
    `### ${cell(title)}`,
    '',
    '| Component | Identity | Result | Add | Change | Destroy | Duration |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${cell(`${r.stack}/${r.component}`)} | ${cell(r.identity ?? '-')} | ${cell(r.exitCode === 0 || r.result === 'skipped' ? r.result : `${r.result} (${r.exitCode})`)} | ${count(r.add)} | ${count(r.change)} | ${count(r.destroy)} | ${r.result === 'skipped' ? '-' : formatDuration(r.durationMs)} |`),
  ];
  return lines.join('\n') + '\n\n';
}
