/** Reading what a plan, apply or destroy did from Terraform's human output. */
import type { PlanSummary } from '@tfwrap/core';

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Counts from one line of output, or undefined when the line says nothing about them:
 * `Plan: 1 to add, 0 to change, 2 to destroy.`, `No changes.`,
 * `Apply complete! Resources: 1 added, 0 changed, 0 destroyed.`, `Destroy complete! Resources: 3 destroyed.`
 */
export function summaryFromLine(rawLine: string): PlanSummary | undefined {
  const line = stripAnsi(rawLine).trim();
  const count = (pattern: RegExp) => Number(pattern.exec(line)?.[1] ?? 0);
  if (/^Plan: /.test(line)) return { add: count(/(\d+) to add/), change: count(/(\d+) to change/), destroy: count(/(\d+) to destroy/) };
  if (/^No changes\./.test(line)) return { add: 0, change: 0, destroy: 0 };
  if (/^Apply complete! Resources:/.test(line)) return { add: count(/(\d+) added/), change: count(/(\d+) changed/), destroy: count(/(\d+) destroyed/) };
  if (/^Destroy complete! Resources:/.test(line)) return { add: 0, change: 0, destroy: count(/(\d+) destroyed/) };
  return undefined;
}

/** Splits a stream of chunks into lines; the last partial line comes out at `end()`. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  end(): void {
    if (this.partial !== '') this.onLine(this.partial);
    this.partial = '';
  }
}

/** Watches output lines and keeps the last summary seen. */
export class SummaryReader {
  summary: PlanSummary | undefined;
  private readonly lines = new LineSplitter((line) => {
    this.summary = summaryFromLine(line) ?? this.summary;
  });
  push(chunk: Buffer | string): void {
    this.lines.push(chunk);
  }
  end(): PlanSummary | undefined {
    this.lines.end();
    return this.summary;
  }
}
