/**
 * What a run prints around Terraform's own output. One component: Terraform's output as it is.
 * Several: every line prefixed `[stack/component]`, a live status line at the bottom of a
 * terminal (redrawn under the output), plain "started"/"finished" lines elsewhere, and a summary.
 */
import { formatDuration, formatSummaryTable } from './report.js';
import type { ComponentOutput, ComponentResult } from './runner.js';
import { LineSplitter } from './summary.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface DisplayOptions {
  /** More than one component runs. */
  multi: boolean;
  /** Terraform's stdout goes here (stderr when stdout carries --json). */
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Draw the live status line (stderr is a terminal). */
  live: boolean;
  total: number;
}

export class RunDisplay {
  private readonly running = new Map<string, number>();
  private done = 0;
  private failed = 0;
  private footerShown = false;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DisplayOptions) {
    if (options.live && options.multi) {
      this.timer = setInterval(() => this.redraw(), 120);
      this.timer.unref();
    }
  }

  /** Where one component's output goes. */
  outputFor(key: string): ComponentOutput & { flush(): void } {
    if (!this.options.multi) {
      return {
        stdout: (chunk) => this.options.out.write(chunk),
        stderr: (chunk) => this.options.err.write(chunk),
        flush: () => {},
      };
    }
    const out = new LineSplitter((line) => this.line(this.options.out, `[${key}] ${line}`));
    const err = new LineSplitter((line) => this.line(this.options.err, `[${key}] ${line}`));
    return {
      stdout: (chunk) => out.push(chunk),
      stderr: (chunk) => err.push(chunk),
      flush: () => {
        out.end();
        err.end();
      },
    };
  }

  started(key: string, identity: string | undefined): void {
    this.running.set(key, performance.now());
    if (!this.options.multi) return;
    if (!this.options.live) this.line(this.options.err, `tfwrap: [${key}] started${identity ? ` as ${identity}` : ''}`);
    else this.redraw();
  }

  finished(key: string, result: ComponentResult): void {
    this.running.delete(key);
    this.done++;
    if (result.result === 'failed' || result.result === 'interrupted') this.failed++;
    if (!this.options.multi) return;
    const counts = result.add === null ? '' : ` (+${result.add} ~${result.change} -${result.destroy})`;
    const why = result.message ? `: ${result.message}` : '';
    this.line(this.options.err, `tfwrap: [${key}] ${result.result}${counts}${why} in ${formatDuration(result.durationMs)}`);
  }

  /** The summary table after a run of several components. */
  summary(results: readonly ComponentResult[]): void {
    this.close();
    if (!this.options.multi) return;
    this.options.err.write('\n' + formatSummaryTable(results));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearFooter();
  }

  private line(stream: NodeJS.WritableStream, text: string): void {
    this.clearFooter();
    stream.write(text + '\n');
    if (this.timer) this.drawFooter();
  }

  private redraw(): void {
    this.clearFooter();
    this.drawFooter();
  }

  private clearFooter(): void {
    if (!this.footerShown) return;
    this.options.err.write('\r\u001b[2K');
    this.footerShown = false;
  }

  private drawFooter(): void {
    if (!this.options.live || this.running.size === 0) return;
    this.frame = (this.frame + 1) % SPINNER.length;
    const now = performance.now();
    const names = [...this.running.entries()].map(([key, start]) => `${key} ${formatDuration(now - start)}`).join(', ');
    const columns = (this.options.err as NodeJS.WriteStream).columns ?? 100;
    const text = `${SPINNER[this.frame]} ${this.done}/${this.options.total} done${this.failed ? `, ${this.failed} failed` : ''} · running: ${names}`;
    this.options.err.write(text.length > columns - 1 ? text.slice(0, columns - 2) + '…' : text);
    this.footerShown = true;
  }
}
