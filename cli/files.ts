import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

/** The repository root: the bundle lives in dist/, the sources in cli/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BOARD_DIR = join(ROOT, 'board-configs');

/** Largest input file we accept (a trace or a board config); larger is hostile or a mistake. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** What a system error says, without the path Node puts in its message (errors name the user's file). */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EISDIR':
      return 'is a directory';
    case 'EDQUOT':
      return 'disk quota exceeded';
    default:
      // Node's form is "CODE: description, syscall 'path'": keep the description.
      return (err.message ?? String(e)).replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*$/, '');
  }
}

/** "a directory", "a character device", …: for "FILE: is X" messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Read a whole input file, bounded. Only a regular file is read: a device, a FIFO or a
 * directory is refused from fstat of the open descriptor (opened non-blocking, so a FIFO with
 * no writer does not hang the open). The read itself stops past `limit` bytes too, since the
 * size fstat reports can be wrong (a file still being written, /proc).
 */
export function readInput(file: string, what: string, limit = MAX_INPUT_BYTES): Buffer {
  if (file === '') throw new CliError(`empty path given for the ${what}`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: cannot read ${what}: ${code === 'ENOENT' ? 'no such file' : errnoText(e)}`);
  }
  const tooLarge = (size: string) => new CliError(`${file}: ${size} is too large for a ${what} (limit ${limit})`);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError(`${file}: is ${kindOf(st)}; a ${what} must be a regular file`);
    if (st.size > limit) throw tooLarge(`${st.size} bytes`);
    let buf = Buffer.allocUnsafe(Math.min(limit, Math.max(st.size, 64 * 1024)) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (total > limit) throw tooLarge(`more than ${limit} bytes`);
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > limit) throw tooLarge(`more than ${limit} bytes`);
    return buf.subarray(0, total);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: cannot read ${what}: ${errnoText(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Where an output goes: standard output, or a regular file (existing or new) at `path`. */
export type OutputTarget = { kind: 'stdout' } | { kind: 'file'; path: string; mode: number | undefined };

/**
 * Check an output path before any work is done, and again just before writing. `-` is
 * standard output. A path that exists must be a regular file (a symlink is followed to its
 * file, which is the one replaced); anything else — a directory, a device, a FIFO, a socket,
 * a symlink to one of those or to nothing — is refused, never replaced.
 */
export function outputTarget(file: string, option: string): OutputTarget {
  if (file === '') throw new CliError(`${option}: empty path (give a file name, or - for standard output)`);
  if (file === '-') return { kind: 'stdout' };
  let st: Stats | undefined;
  try {
    st = lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`${file}: cannot write: ${errnoText(e)}`);
  }
  let path = resolve(file);
  let via = '';
  if (st?.isSymbolicLink()) {
    via = 'a symlink to ';
    try {
      st = statSync(file);
      if (st.isFile()) path = realpathSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`${file}: cannot write: ${code === 'ENOENT' ? 'is a symlink to nothing' : errnoText(e)}`);
    }
  }
  if (st === undefined) {
    let dir: Stats;
    try {
      dir = statSync(dirname(path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`${file}: cannot write: ${code === 'ENOENT' ? 'no such directory' : errnoText(e)}`);
    }
    if (!dir.isDirectory()) throw new CliError(`${file}: cannot write: ${dirname(path)} is not a directory`);
    return { kind: 'file', path, mode: undefined };
  }
  if (!st.isFile())
    throw new CliError(
      `${file}: is ${via}${kindOf(st)}; pasr writes only regular files and replaces nothing else (give - for standard output)`,
    );
  return { kind: 'file', path, mode: st.mode & 0o7777 };
}

/**
 * Write an output whole or not at all. A file is written to a new, unguessable temporary
 * file in the target's folder (opened O_EXCL, so never through a planted symlink), synced,
 * then renamed over the target, keeping the target's permissions: an interrupted run
 * never leaves half a file, and only a regular file is ever replaced. Errors name the
 * target, never the temporary file, which is removed.
 */
export function writeOutput(file: string, data: Uint8Array | string, option: string): void {
  const target = outputTarget(file, option);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (target.kind === 'stdout') {
    process.stdout.write(bytes);
    return;
  }
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(8).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    if (target.mode !== undefined) fchmodSync(fd, target.mode);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target.path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: cannot write: ${errnoText(e)}`);
  }
}

/** The `.json` files of a folder but its JSON Schema, by name: what a folder of boards or workloads holds. */
export function jsonFilesIn(dir: string, schemaFile: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== schemaFile)
    .sort();
}
