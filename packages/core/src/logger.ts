/**
 * Logging to stderr with secret redaction. `--debug` turns on debug lines and phase timings.
 *
 * Redaction works on values, not names (semantic-release's approach): every credential a kind
 * produces is registered with `Redactor.add`, and so is any environment value whose name looks
 * secret. Whatever tfwrap prints passes through `redact` first.
 */
import { monotonicMs } from './duration.js';

const SECRET_NAME = /(secret|token|password|passwd|credential|private|session|api_?key|access_?key)/i;
/** Short values would redact ordinary words; real secrets are long. */
const MIN_SECRET_LENGTH = 8;

export class Redactor {
  /**
   * Every value any redactor of this process was given: for what is printed outside one (the
   * final error line in the CLI's entry), so that no message leaves tfwrap unredacted.
   */
  static readonly everywhere: Redactor = new Redactor();

  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    this.values.add(encodeURIComponent(value));
    this.pattern = undefined;
    if (this !== Redactor.everywhere) Redactor.everywhere.add(value);
  }

  /** Register the values of variables whose names look secret (AWS_SECRET_ACCESS_KEY, *_TOKEN, ...). */
  addFromEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) {
      if (SECRET_NAME.test(name) && !/(_FILE|_URI|_URL|_ENDPOINT|_PATH|EXPIRATION)$/i.test(name)) this.add(value);
    }
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
      'g',
    );
    return text.replace(this.pattern, '***');
  }
}

export interface Logger {
  readonly debugEnabled: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Measure a phase; prints `phase: N ms` under --debug. */
  time<T>(phase: string, work: () => Promise<T>): Promise<T>;
  /** A logger whose lines carry a prefix (a plugin's name). */
  child(prefix: string): Logger;
}

export interface LoggerOptions {
  debug?: boolean;
  redactor: Redactor;
  write?: (line: string) => void;
  prefix?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const debugEnabled = options.debug ?? false;
  const tag = options.prefix ? `[${options.prefix}] ` : '';
  const emit = (level: string, message: string) => write(options.redactor.redact(`tfwrap ${level}: ${tag}${message}`));
  return {
    debugEnabled,
    debug: (message) => {
      if (debugEnabled) emit('debug', message);
    },
    info: (message) => emit('info', message),
    warn: (message) => emit('warning', message),
    async time(phase, work) {
      if (!debugEnabled) return work();
      const start = monotonicMs();
      try {
        return await work();
      } finally {
        emit('debug', `${phase}: ${(monotonicMs() - start).toFixed(1)} ms`);
      }
    },
    child: (prefix) => createLogger({ ...options, prefix: options.prefix ? `${options.prefix}:${prefix}` : prefix }),
  };
}
