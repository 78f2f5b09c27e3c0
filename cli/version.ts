/**
 * Which consensim produced an output: the package version (package.json) and, when run from a git
 * checkout, the commit. Both are read once per process, from files only (no `git` child process),
 * so asking costs nothing measurable next to a run. `--version`, every `--json` object of run,
 * sweep and sweep-all, and `--report` carry them, so a saved result says what made it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface VersionInfo {
  /** package.json's `version`. */
  readonly version: string;
  /** The checked-out commit (40 hex digits), or null outside a git checkout. */
  readonly commit: string | null;
}

/** The package root: dist/cli/version.js and cli/version.ts both sit two levels below it. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let cached: VersionInfo | null = null;

export function versionInfo(): VersionInfo {
  if (cached === null) cached = { version: packageVersion(), commit: gitCommit(ROOT) };
  return cached;
}

/** `{ version, commit? }` to spread into a `--json` object (no `commit` key outside a checkout). */
export function versionFields(): { version: string; commit?: string } {
  const { version, commit } = versionInfo();
  return commit === null ? { version } : { version, commit };
}

/** What `consensim --version` prints: `0.1.0`, or `0.1.0 (commit 1a2b3c4d5e6f)` from a checkout. */
export function versionText(): string {
  const { version, commit } = versionInfo();
  return commit === null ? version : `${version} (commit ${commit.slice(0, 12)})`;
}

function packageVersion(): string {
  try {
    const parsed = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * The commit HEAD points at, read the way git stores it: `.git` is a directory (a clone) or a
 * file `gitdir: PATH` (a worktree); HEAD holds a hash or `ref: refs/heads/NAME`, whose hash is in
 * its own file or in `packed-refs` (of the common directory, for worktrees). Anything unexpected
 * means "not known" (null), never an error: the version is a courtesy, not a requirement.
 */
export function gitCommit(root: string): string | null {
  try {
    const dotGit = join(root, '.git');
    if (!existsSync(dotGit)) return null;
    let gitDir = dotGit;
    if (statSync(dotGit).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (pointer === null) return null;
      const target = (pointer[1] ?? '').trim();
      gitDir = isAbsolute(target) ? target : join(root, target);
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (SHA.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (ref === undefined) return null;
    const commonFile = join(gitDir, 'commondir');
    const common = existsSync(commonFile) ? join(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      const refFile = join(dir, ref);
      if (existsSync(refFile)) {
        const hash = readFileSync(refFile, 'utf8').trim();
        if (SHA.test(hash)) return hash;
      }
    }
    const packed = join(common, 'packed-refs');
    if (!existsSync(packed)) return null;
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && hash !== undefined && SHA.test(hash)) return hash;
    }
    return null;
  } catch {
    return null;
  }
}
