/**
 * Reading a snapshot folder back for `pasr snapshot analyze`: the text files whole (they are
 * small), the per-page-frame files streamed through gunzip into their decoders in 1 MiB pieces, so
 * that memory holds one byte per page frame and no more. Every problem names the file (and the line
 * of a text file) and exits 1.
 */
import { closeSync, constants, createReadStream, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseBuddyinfo, type Buddyinfo } from '../../firmware/snapshot/buddyinfo.js';
import { parseIomem } from '../../firmware/snapshot/iomem.js';
import { KpagecountDecoder, type Mappings } from '../../firmware/snapshot/kpagecount.js';
import { KpageflagsDecoder } from '../../firmware/snapshot/kpageflags.js';
import type { SnapshotData } from '../../firmware/snapshot/memory-report.js';
import { parseMeminfo } from '../../firmware/snapshot/meminfo.js';
import { parsePagetypeinfo } from '../../firmware/snapshot/pagetypeinfo.js';
import { RamLayout } from '../../firmware/snapshot/ram-layout.js';
import { SnapshotError, procText } from '../../firmware/snapshot/snapshot-error.js';
import { parseZoneinfo } from '../../firmware/snapshot/zoneinfo.js';
import { CliError } from '../errors.js';
import { errnoText, readInput } from '../files.js';
import { BUDDYINFO_AFTER, SNAPSHOT_FILES, SNAPSHOT_META, type SnapshotMeta } from './snapshot-files.js';

/** Largest text file of a snapshot (zoneinfo of a large NUMA machine is a few hundred KiB). */
const MAX_TEXT_BYTES = 16 * 2 ** 20;
/** kpageflags runs to max_pfn rounded up to a memory section: at most this far past the RAM. */
const SECTION_SLACK_BYTES = 2 * 2 ** 30;

export interface LoadedSnapshot {
  readonly data: SnapshotData;
  readonly meta: SnapshotMeta | null;
  /** How kpageflags was stored: its file name in the folder. */
  readonly kpageflagsFile: string;
}

function cliError(dir: string, e: unknown): never {
  if (e instanceof SnapshotError)
    throw new CliError(`${join(dir, e.file)}${e.line === null ? '' : `:${e.line}`}: ${e.problem}`);
  throw e;
}

function textFile(dir: string, name: string, required: boolean): string[] | null {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (!required) return null;
    const spec = SNAPSHOT_FILES.find((f) => f.name === name);
    throw new CliError(
      `${path}: missing: a snapshot folder holds ${name}${spec ? ` (${spec.what}, a copy of ${spec.source})` : ''}; take one with pasr snapshot capture`,
    );
  }
  try {
    return procText(readInput(path, `snapshot's ${name}`, MAX_TEXT_BYTES), name);
  } catch (e) {
    return cliError(dir, e);
  }
}

function readMeta(dir: string): SnapshotMeta | null {
  const path = join(dir, SNAPSHOT_META);
  if (!existsSync(path)) return null;
  const text = readInput(path, 'snapshot record', MAX_TEXT_BYTES).toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const m = v as Partial<SnapshotMeta>;
  if (typeof v !== 'object' || v === null || m.format !== 'pasr-snapshot')
    throw new CliError(`${path}: not a pasr snapshot record (no "format": "pasr-snapshot")`);
  if (m.pageSize !== null && m.pageSize !== undefined) {
    const p = m.pageSize;
    if (!Number.isInteger(p) || p < 4096 || p > 65536 || (p & (p - 1)) !== 0)
      throw new CliError(`${path}: pageSize: ${JSON.stringify(p)} is not a page size (4096 to 65536, a power of two)`);
  }
  return v as SnapshotMeta;
}

/** The per-frame file NAME or NAME.gz in the folder (not both), or null. */
function perFrameFile(dir: string, name: string, required: boolean): string | null {
  const plain = existsSync(join(dir, name));
  const gz = existsSync(join(dir, `${name}.gz`));
  if (plain && gz) throw new CliError(`${join(dir, name)}: the folder holds both ${name} and ${name}.gz; keep one`);
  if (!plain && !gz) {
    if (!required) return null;
    throw new CliError(
      `${join(dir, `${name}.gz`)}: missing: a snapshot folder holds ${name}.gz (or ${name}), a copy of /proc/${name}; take one with pasr snapshot capture`,
    );
  }
  return gz ? `${name}.gz` : name;
}

/**
 * Stream a per-frame file into `push`, through gunzip when it starts with the gzip magic (a
 * `.gz` file must). Errors name the file and how far the data got.
 */
async function streamFrames(dir: string, name: string, push: (chunk: Uint8Array) => void, at: () => number) {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new CliError(`${path}: cannot read: ${errnoText(e)}`);
  }
  const magic = Buffer.alloc(2);
  try {
    if (!fstatSync(fd).isFile()) throw new CliError(`${path}: not a regular file`);
    readSync(fd, magic, 0, 2, 0);
  } catch (e) {
    closeSync(fd);
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: cannot read: ${errnoText(e)}`);
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  if (name.endsWith('.gz') && !gzip) {
    closeSync(fd);
    throw new CliError(`${path}: not gzip-compressed data (no gzip header), though its name ends in .gz`);
  }
  const source = createReadStream('', { fd, highWaterMark: 1 << 20 });
  // The decoder's own refusal is kept: the pipeline reports its teardown (an abort) instead.
  let refused: unknown = null;
  const sink = async (chunks: AsyncIterable<Uint8Array>) => {
    for await (const c of chunks) {
      try {
        push(c);
      } catch (e) {
        refused = e;
        throw e;
      }
    }
  };
  try {
    if (gzip) await pipeline(source, createGunzip(), sink);
    else await pipeline(source, sink);
  } catch (e) {
    if (refused !== null) cliError(dir, refused);
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
      const what = err.code === 'Z_BUF_ERROR' ? 'truncated gzip data' : 'corrupt gzip data';
      throw new CliError(`${path}: ${what} after ${at()} bytes of entries (${err.message})`);
    }
    throw new CliError(`${path}: cannot read: ${errnoText(e)}`);
  }
}

function buddy(dir: string, name: string, required: boolean): Buddyinfo | null {
  const lines = textFile(dir, name, required);
  if (lines === null) return null;
  try {
    return parseBuddyinfo(lines, name);
  } catch (e) {
    return cliError(dir, e);
  }
}

export async function readSnapshot(dir: string): Promise<LoadedSnapshot> {
  if (!existsSync(dir)) throw new CliError(`${dir}: no such folder`);
  const meta = readMeta(dir);
  const pageSize = meta?.pageSize ?? 4096;
  const flagsFile = perFrameFile(dir, 'kpageflags', true)!;
  const countFile = perFrameFile(dir, 'kpagecount', false);
  let layout: RamLayout;
  let buddyinfo: Buddyinfo;
  let data: Omit<SnapshotData, 'kinds' | 'flagPages' | 'frames' | 'mappings'>;
  try {
    layout = new RamLayout(parseIomem(textFile(dir, 'iomem', true)!, 'iomem').ram, pageSize);
    buddyinfo = buddy(dir, 'buddyinfo', true)!;
    const buddyinfoAfter = buddy(dir, BUDDYINFO_AFTER, false);
    const pagetypes = textFile(dir, 'pagetypeinfo', false);
    if (buddyinfoAfter && buddyinfoAfter.orders !== buddyinfo.orders)
      throw new SnapshotError(
        BUDDYINFO_AFTER,
        1,
        `${buddyinfoAfter.orders} orders where buddyinfo has ${buddyinfo.orders}`,
      );
    data = {
      pageSize,
      layout,
      buddyinfo,
      buddyinfoAfter,
      zones: parseZoneinfo(textFile(dir, 'zoneinfo', true)!, 'zoneinfo'),
      meminfo: parseMeminfo(textFile(dir, 'meminfo', true)!, 'meminfo'),
      pagetypeinfo: pagetypes === null ? null : parsePagetypeinfo(pagetypes, 'pagetypeinfo'),
    };
  } catch (e) {
    return cliError(dir, e);
  }
  if (layout.pages === 0) throw new CliError(`${join(dir, 'iomem')}: its System RAM ranges hold no whole page`);
  const maxFrames = layout.endPfn + Math.ceil(SECTION_SLACK_BYTES / pageSize);
  const flags = new KpageflagsDecoder(layout.endPfn, layout.ranges, maxFrames, flagsFile);
  await streamFrames(
    dir,
    flagsFile,
    (c) => flags.push(c),
    () => flags.frames * 8,
  );
  let kinds: Uint8Array;
  try {
    kinds = flags.finish();
  } catch (e) {
    return cliError(dir, e);
  }
  let mappings: Mappings | null = null;
  if (countFile !== null) {
    const counts = new KpagecountDecoder(kinds, layout.ranges, maxFrames, countFile);
    let read = 0;
    await streamFrames(
      dir,
      countFile,
      (c) => {
        read += c.length;
        counts.push(c);
      },
      () => read,
    );
    try {
      mappings = counts.finish(flags.frames);
    } catch (e) {
      return cliError(dir, e);
    }
  }
  return {
    data: { ...data, kinds, flagPages: flags.flagPages, frames: flags.frames, mappings },
    meta,
    kpageflagsFile: flagsFile,
  };
}
