import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { TraceReplay } from '../firmware/system/trace-replay.js';
import { KmemTraceParser } from '../firmware/workload/ftrace/kmem-parser.js';
import { loadBoard } from '../cli/board-files.js';
import { median } from './stats.js';

/**
 * Reading kernel kmem traces (`pasr ftrace replay`'s parser): lines per second of plain text and
 * of gzip input (node:zlib's streaming gunzip, as the command reads a .gz file).
 *
 * Workload: the event lines of the real capture test/fixtures/ftrace/kmem-trace.txt.gz (Linux
 * 6.18, 2 CPUs: mm_page_alloc, mm_page_free, mm_page_free_batched, mm_page_alloc_zone_locked),
 * repeated to LINES lines, given to the parser in 64 KiB chunks decoded as latin1, as the command
 * does; the sink
 * takes the operations and drops them. Figures are the median of REPEATS timed runs after a
 * warm-up. A bench prints figures and never fails on time.
 *
 * ftrace.replay.nap.ms: a whole replay as `pasr ftrace replay --policy oracle` does it (both
 * systems booted, fed and reported) of test/fixtures/ftrace/kmem-nap.txt.gz (19 407 lines, 20 s
 * of a process waking every few seconds) on pandaboard-es, wall milliseconds, median of 3.
 */
const LINES = 1_000_000;
const REPEATS = 5;
const CHUNK = 64 * 1024;

function traceText(root: string): string {
  const text = gunzipSync(readFileSync(join(root, 'test/fixtures/ftrace/kmem-trace.txt.gz'))).toString('latin1');
  const events = text.split('\n').filter((l) => l.includes(': mm_page_'));
  const out: string[] = [];
  while (out.length < LINES) out.push(...events.slice(0, LINES - out.length));
  return `${out.join('\n')}\n`;
}

/** Read as the command reads a plain file: 64 KiB buffers, each decoded as latin1. */
function parseText(bytes: Buffer): number {
  let ops = 0;
  const p = new KmemTraceParser((o) => {
    ops += o.length;
  });
  for (let i = 0; i < bytes.length; i += CHUNK) p.push(bytes.toString('latin1', i, Math.min(bytes.length, i + CHUNK)));
  p.end();
  return ops;
}

async function parseGzip(gz: Buffer): Promise<number> {
  let ops = 0;
  const p = new KmemTraceParser((o) => {
    ops += o.length;
  });
  for await (const chunk of Readable.from([gz]).pipe(createGunzip({ chunkSize: CHUNK })))
    p.push((chunk as Buffer).toString('latin1'));
  p.end();
  return ops;
}

function replayNap(root: string): number {
  const text = gunzipSync(readFileSync(join(root, 'test/fixtures/ftrace/kmem-nap.txt.gz'))).toString('latin1');
  const config = loadBoard('pandaboard-es', {});
  const t0 = performance.now();
  const r = new TraceReplay({
    config,
    name: 'kmem-nap',
    policy: 'oracle',
    seed: 1,
    mode: 'order',
    idleNs: 1e9,
    activeShare: 0.1,
  });
  for (let i = 0; i < text.length; i += CHUNK) r.push(text.slice(i, i + CHUNK));
  r.finish();
  return performance.now() - t0;
}

export async function runFtraceBench(root: string): Promise<Record<string, number>> {
  const bytes = Buffer.from(traceText(root), 'latin1');
  const gz = gzipSync(bytes);
  parseText(bytes);
  await parseGzip(gz);
  const plain: number[] = [];
  const gzip: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let t0 = performance.now();
    parseText(bytes);
    plain.push(LINES / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    await parseGzip(gz);
    gzip.push(LINES / ((performance.now() - t0) / 1000));
  }
  replayNap(root);
  const replay = [replayNap(root), replayNap(root), replayNap(root)];
  return {
    'ftrace.linesPerSec': Math.round(median(plain)),
    'ftrace.gzip.linesPerSec': Math.round(median(gzip)),
    'ftrace.replay.nap.ms': Number(median(replay).toFixed(1)),
  };
}
