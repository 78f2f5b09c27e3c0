/**
 * History files (Contract 3): JSON Lines and Jepsen EDN, read with strict validation and written
 * back. Parsing and writing are pure; `readHistoryFile` (read-file.ts) is the one place that
 * touches the file system.
 */
export type { HistoryEvent, HistoryF, HistoryType, HistoryValue } from './types.js';
export { toEdn } from './edn.js';
export { toJsonLines } from './jsonl.js';
export { parseJsonExact, toJsonText } from './json-text.js';
export { parseHistory } from './parse.js';
export { readHistoryFile } from './read-file.js';
