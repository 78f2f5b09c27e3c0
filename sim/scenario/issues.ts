/**
 * From the schema's issues back to the file: each zod issue has a path (`faults`, 0, `at`); the
 * located tree (`located.ts`) has the line and column of every value and key along that path. The
 * first problem in the file (by position) becomes one InputError: `file:line:col: field: message`.
 *
 * Placement: an unknown key is reported at the key; a key left out at the mapping that lacks it
 * (or at the sibling an issue's `reportAt` names); anything else at its value. A message that says
 * what was expected is finished with what the file holds there (`, found "10 seconds"`).
 */
import type * as z from 'zod';
import type { InputError } from '../errors.js';
import { describe, type Located, type LNode, type Pos } from './located.js';
import type { IssueParams } from './values.js';

type Path = readonly PropertyKey[];

interface Placed {
  readonly pos: Pos;
  readonly field: string;
  readonly message: string;
}

/** The InputError for the first of `issues` in file order (`prefix` is where the validated value stands). */
export function locateIssues(issues: readonly z.core.$ZodIssue[], tree: LNode, where: Located, prefix: Path = []): InputError {
  const placed = issues.map((issue) => place(issue, tree, prefix));
  placed.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  const first = placed[0] ?? { pos: tree.pos, field: '', message: 'invalid scenario' };
  return where.error(first.pos, first.field, first.message);
}

function place(issue: z.core.$ZodIssue, tree: LNode, prefix: Path): Placed {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const at = walk(tree, path);
    const entry = at.node.t === 'map' ? at.node.entries.find((e) => e.key === key) : undefined;
    return { pos: entry?.keyPos ?? at.node.pos, field: fieldOf([...path, key]), message: issue.message };
  }
  if (issue.code === 'invalid_key') {
    // A mapping key that is not a valid name (byzantine's node names): reported at the key.
    const parent = walk(tree, path.slice(0, -1));
    const key = String(path[path.length - 1]);
    const entry = parent.node.t === 'map' ? parent.node.entries.find((e) => e.key === key) : undefined;
    const inner = issue.issues[0]?.message ?? issue.message;
    const keyNode: LNode = { t: 'scalar', value: key, pos: entry?.keyPos ?? parent.node.pos };
    return { pos: keyNode.pos, field: fieldOf(path), message: finish(inner, keyNode) };
  }
  const at = walk(tree, path);
  const params = (issue as { params?: IssueParams }).params;
  if (!at.found) {
    const sibling = params?.reportAt === undefined ? undefined : walk(tree, [...path.slice(0, -1), params.reportAt]);
    return { pos: sibling?.found === true ? sibling.node.pos : at.node.pos, field: fieldOf(path), message: issue.message };
  }
  return { pos: at.node.pos, field: fieldOf(path), message: finish(issue.message, at.node) };
}

/** `expected X` → `expected X, found Y`; a message that already says what was found stays. */
function finish(message: string, node: LNode): string {
  if (!message.startsWith('expected ') || message.includes(', found ')) return message;
  return `${message}, found ${describe(node)}`;
}

/** The value at `path`, or the nearest enclosing value when the path leaves the file. */
function walk(tree: LNode, path: Path): { node: LNode; found: boolean } {
  let node = tree;
  for (const part of path) {
    let next: LNode | undefined;
    if (node.t === 'map') next = node.entries.find((e) => e.key === String(part))?.value;
    else if (node.t === 'seq' && typeof part === 'number') next = node.items[part];
    if (next === undefined) return { node, found: false };
    node = next;
  }
  return { node, found: true };
}

/** `faults[2].crash`, `network.loss`, `` for the root. */
export function fieldOf(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
