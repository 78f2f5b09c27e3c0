/**
 * Bad input is a value, not a crash: one error class carrying where and what, which the CLI prints
 * as one sentence and turns into exit status 2. Programmer errors stay ordinary exceptions.
 */
export interface InputProblem {
  /** The file it came from ('' when not from a file, e.g. a command-line option). */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  /** 1-based; 0 when unknown. */
  readonly column: number;
  /** The field path, e.g. `faults[2].crash` or `network.loss` ('' when none). */
  readonly field: string;
  /** What was wrong, e.g. "expected a probability between 0 and 1, found 2". */
  readonly message: string;
}

export class InputError extends Error {
  readonly problem: InputProblem;

  constructor(problem: InputProblem) {
    super(formatProblem(problem));
    this.name = 'InputError';
    this.problem = problem;
  }
}

export function inputError(
  file: string,
  line: number,
  column: number,
  field: string,
  message: string,
): InputError {
  return new InputError({ file, line, column, field, message });
}

/** `file:line:column: field: message` with the parts that are known. */
export function formatProblem(p: InputProblem): string {
  let where = p.file;
  if (p.line > 0) where += `${where ? ':' : 'line '}${p.line}`;
  if (p.line > 0 && p.column > 0) where += `:${p.column}`;
  const field = p.field ? `${p.field}: ` : '';
  return where ? `${where}: ${field}${p.message}` : `${field}${p.message}`;
}
