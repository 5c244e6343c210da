/**
 * `pasr snapshot capture`: copy the kernel's view of physical memory into a folder, for
 * `pasr snapshot analyze` (here or on another machine). /proc/kpageflags and /proc/kpagecount hold
 * 8 bytes per page frame (50 MB each on a 24 GiB machine): they are gzip-compressed while they are
 * read, in 1 MiB pieces, so memory does not grow with the machine. The text files are read just
 * before the page flags, and /proc/buddyinfo once more after them, so that analyze can say how much
 * the free lists moved during the copy.
 */
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { machine, release } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { CliError } from '../errors.js';
import { errnoText, readInput, writeOutput } from '../files.js';
import {
  BUDDYINFO_AFTER,
  SNAPSHOT_FILES,
  SNAPSHOT_META,
  type SnapshotFile,
  type SnapshotMeta,
  snapshotNames,
} from './snapshot-files.js';

/** One file written by a capture. */
export interface CapturedFile {
  readonly name: string;
  /** Bytes read from /proc. */
  readonly readBytes: number;
  /** Bytes written to the folder. */
  readonly writtenBytes: number;
  readonly ms: number;
}

export interface CaptureResult {
  readonly dir: string;
  readonly meta: SnapshotMeta;
  readonly files: readonly CapturedFile[];
}

/** The folder must be new, or a folder that holds no snapshot file (a capture never replaces one). */
function checkOutDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = lstatSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CliError(`${dir}: cannot use as the snapshot folder: ${errnoText(e)}`);
  }
  if (!isDir) throw new CliError(`${dir}: exists and is not a folder; --out takes a folder (new or empty)`);
  let held: string[];
  try {
    const names = new Set(snapshotNames());
    held = readdirSync(dir).filter((n) => names.has(n));
  } catch (e) {
    throw new CliError(`${dir}: cannot read the folder: ${errnoText(e)}`);
  }
  if (held.length > 0)
    throw new CliError(
      `${dir}: already holds a snapshot (${held.sort().join(', ')}); give a new folder, a capture replaces nothing`,
    );
}

/** Open a per-frame /proc file, or say why not: without root it is permission denied. */
function openProc(f: SnapshotFile): number {
  try {
    return openSync(f.source, constants.O_RDONLY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new CliError(
        `${f.source}: permission denied: reading the ${f.what} of every page frame needs root (run: sudo npx pasr snapshot capture --out DIR)`,
      );
    if (code === 'ENOENT')
      throw new CliError(
        `${f.source}: no such file: this kernel has no ${f.what} interface (CONFIG_PROC_PAGE_MONITOR)`,
      );
    throw new CliError(`${f.source}: cannot read: ${errnoText(e)}`);
  }
}

/** The kernel's base page size from the first mapping's KernelPageSize in /proc/self/smaps, or null. */
function kernelPageSize(): number | null {
  try {
    const text = readInput('/proc/self/smaps', 'memory map of this process').toString('utf8');
    const m = /^KernelPageSize:\s+(\d+) kB$/m.exec(text);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Stream an open /proc file through gzip into DIR/NAME.gz (a temporary file renamed when complete). */
async function copyCompressed(fd: number, f: SnapshotFile, dir: string): Promise<CapturedFile> {
  const target = join(dir, `${f.name}.gz`);
  const tmp = join(dir, `.${f.name}.gz.${randomBytes(6).toString('hex')}.tmp`);
  const t0 = performance.now();
  let readBytes = 0;
  const source = createReadStream('', { fd, highWaterMark: 1 << 20, autoClose: false });
  source.on('data', (chunk) => {
    readBytes += chunk.length;
  });
  const sink = createWriteStream(tmp, { flags: 'wx' });
  try {
    await pipeline(source, createGzip({ level: 6 }), sink);
    if (readBytes === 0) throw new CliError(`${f.source}: read 0 bytes; the kernel gave no ${f.what}`);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof CliError) throw e;
    const err = e as NodeJS.ErrnoException;
    const where = err.syscall === 'read' ? f.source : target;
    throw new CliError(`${where}: cannot ${err.syscall === 'read' ? 'read' : 'write'}: ${errnoText(e)}`);
  }
  return { name: basename(target), readBytes, writtenBytes: sink.bytesWritten, ms: performance.now() - t0 };
}

function copyText(source: string, name: string, dir: string, what: string): CapturedFile {
  const t0 = performance.now();
  const bytes = readInput(source, what);
  writeOutput(join(dir, name), bytes, '--out');
  return { name, readBytes: bytes.length, writtenBytes: bytes.length, ms: performance.now() - t0 };
}

export async function captureSnapshot(dir: string): Promise<CaptureResult> {
  checkOutDir(dir);
  const perFrame = SNAPSHOT_FILES.filter((f) => f.perFrame);
  const fds: number[] = [];
  try {
    for (const f of perFrame) fds.push(openProc(f));
    // Without root, /proc/iomem shows every address as 0: the snapshot would be useless.
    const iomem = readInput('/proc/iomem', 'physical memory map').toString('utf8');
    const ranges = iomem.split('\n').filter((l) => l.includes(' : '));
    if (ranges.length > 0 && ranges.every((l) => /^\s*0+-0+ : /.test(l)))
      throw new CliError('/proc/iomem: every address reads as 0: the physical memory map needs root');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new CliError(`${dir}: cannot create the snapshot folder: ${errnoText(e)}`);
    }
    const capturedAt = new Date().toISOString();
    const files: CapturedFile[] = [];
    for (const f of SNAPSHOT_FILES.filter((x) => !x.perFrame)) files.push(copyText(f.source, f.name, dir, f.what));
    let kpageflagsReadMs = 0;
    for (const [i, f] of perFrame.entries()) {
      const c = await copyCompressed(fds[i]!, f, dir);
      if (f.name === 'kpageflags') kpageflagsReadMs = c.ms;
      files.push(c);
    }
    files.push(copyText('/proc/buddyinfo', BUDDYINFO_AFTER, dir, 'free blocks per order'));
    const meta: SnapshotMeta = {
      format: 'pasr-snapshot',
      version: 1,
      kernel: release(),
      machine: machine(),
      pageSize: kernelPageSize(),
      capturedAt,
      kpageflagsReadMs: Math.round(kpageflagsReadMs),
    };
    const metaText = `${JSON.stringify(meta, null, 2)}\n`;
    writeOutput(join(dir, SNAPSHOT_META), metaText, '--out');
    files.push({ name: SNAPSHOT_META, readBytes: 0, writtenBytes: Buffer.byteLength(metaText), ms: 0 });
    return { dir, meta, files };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
