/** A parse or execution error, worded as Go's text/template words it:
 *  `template: NAME:LINE: msg` (parse) or `template: NAME:LINE:COL: executing "NAME" at <NODE>: msg`. */
export class TemplateError extends Error {
  /** The template name given to parse (Go's ParseName). */
  readonly templateName: string;
  /** 1-based line in the template text. */
  readonly line: number | undefined;
  /** 0-based byte column of the failing node (execution errors only), as Go reports it. */
  readonly column: number | undefined;
  readonly kind: 'parse' | 'exec';

  constructor(message: string, info: { name: string; line?: number; column?: number; kind: 'parse' | 'exec' }) {
    super(message);
    this.name = 'TemplateError';
    this.templateName = info.name;
    this.line = info.line;
    this.column = info.column;
    this.kind = info.kind;
  }
}
