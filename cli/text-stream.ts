import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CliError } from './errors.js';
import { errnoText } from './files.js';

/**
 * A text input read as a stream, never whole: a regular file, a FIFO or standard output of
 * another command (`-`), gunzipped on the fly (node:zlib) when it starts with the gzip magic
 * (1f 8b) — a name ending in .gz must. Chunks come out as latin1 strings (one character per
 * byte, so a chunk boundary never splits a character; kernel traces are ASCII but for task
 * names). What is wrong with the file itself is a CliError naming it; a gzip stream that breaks
 * is a GzipError, for the caller to say where it broke.
 */

/** Bytes read at a time. */
const CHUNK_BYTES = 64 * 1024;

export class GzipError extends Error {}

export interface TextStream {
  /** The input's size in bytes, when it is a regular file (for progress), else null. */
  readonly size: number | null;
  readonly gzip: boolean;
  /** Bytes read from the input so far (compressed bytes for gzip). */
  readonly bytesRead: number;
  chunks(): AsyncGenerator<string>;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Open `file` (`-`: standard input) for reading as text; `what` names it in messages ("trace"). */
export async function openTextStream(file: string, what: string, stdin: Readable): Promise<TextStream> {
  if (file === '') throw new CliError(`empty path given for the ${what}`);
  let handle: FileHandle | null = null;
  let size: number | null = null;
  if (file !== '-') {
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`${file}: cannot read the ${what}: ${code === 'ENOENT' ? 'no such file' : errnoText(e)}`);
    }
    const st = await handle.stat();
    if (!st.isFile() && !st.isFIFO()) {
      await handle.close();
      throw new CliError(`${file}: is ${kindOf(st)}; a ${what} must be a file, a FIFO or - (standard input)`);
    }
    if (st.isFile()) size = st.size;
  }
  const source: Readable =
    handle !== null ? handle.createReadStream({ highWaterMark: CHUNK_BYTES, autoClose: true }) : stdin;
  const state = { bytesRead: 0 };
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const shown = file === '-' ? 'standard input' : file;
  const readError = (e: unknown) => new CliError(`${shown}: cannot read the ${what}: ${errnoText(e)}`);
  // The first bytes tell gzip from text.
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  try {
    while (head.length < 2) {
      const r = await iterator.next();
      if (r.done) {
        ended = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
      state.bytesRead += b.length;
      head = head.length === 0 ? b : Buffer.concat([head, b]);
    }
  } catch (e) {
    throw readError(e);
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gzip && /\.gz$/i.test(file)) {
    source.destroy();
    const start = [...head.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new CliError(
      `${shown}: named .gz but not gzip data (it starts with ${head.length > 0 ? `bytes ${start}` : 'nothing: it is empty'}, not 1f 8b)`,
    );
  }

  async function* raw(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await iterator.next();
      } catch (e) {
        throw readError(e);
      }
      if (r.done) return;
      const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
      state.bytesRead += b.length;
      yield b;
    }
  }

  async function* chunks(): AsyncGenerator<string> {
    try {
      if (gzip) yield* gunzipped();
      else for await (const b of raw()) yield b.toString('latin1');
    } finally {
      // A reader that stops early (a bad line) leaves nothing open.
      source.destroy();
    }
  }

  async function* gunzipped(): AsyncGenerator<string> {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    let failure: unknown = null;
    gunzip.on('error', (e) => {
      failure = e;
    });
    // Feed the gunzip stream from the source, respecting its back-pressure.
    const feeding = (async () => {
      try {
        for await (const b of raw()) {
          if (failure) return;
          if (!gunzip.write(b))
            await new Promise<void>((res) => {
              const go = () => {
                gunzip.off('drain', go);
                gunzip.off('close', go);
                res();
              };
              gunzip.on('drain', go);
              gunzip.on('close', go);
            });
        }
        gunzip.end();
      } catch (e) {
        failure = e;
        gunzip.destroy();
      }
    })();
    try {
      for await (const out of gunzip) yield (out as Buffer).toString('latin1');
    } catch (e) {
      failure ??= e;
    } finally {
      gunzip.destroy();
    }
    await feeding;
    if (failure instanceof CliError) throw failure;
    if (failure) throw new GzipError((failure as Error).message);
  }

  return {
    size,
    gzip,
    get bytesRead() {
      return state.bytesRead;
    },
    chunks,
  };
}
