import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { KmemTraceParser } from '../firmware/workload/ftrace/kmem-parser.js';

/**
 * Reading kernel kmem traces (`pasr ftrace replay`'s parser): lines per second of plain text and
 * of gzip input (node:zlib's streaming gunzip, as the command reads a .gz file).
 *
 * Workload: the event lines of the real capture test/fixtures/ftrace/kmem-trace.txt.gz (Linux
 * 6.18, 2 CPUs: mm_page_alloc, mm_page_free, mm_page_free_batched, mm_page_alloc_zone_locked),
 * repeated to LINES lines, given to the parser in 64 KiB chunks as the command does; the sink
 * takes the operations and drops them. Figures are the median of REPEATS timed runs after a
 * warm-up. A bench prints figures and never fails on time.
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function parseText(text: string): number {
  let ops = 0;
  const p = new KmemTraceParser((o) => {
    ops += o.length;
  });
  for (let i = 0; i < text.length; i += CHUNK) p.push(text.slice(i, i + CHUNK));
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

export async function runFtraceBench(root: string): Promise<Record<string, number>> {
  const text = traceText(root);
  const gz = gzipSync(Buffer.from(text, 'latin1'));
  parseText(text);
  await parseGzip(gz);
  const plain: number[] = [];
  const gzip: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let t0 = performance.now();
    parseText(text);
    plain.push(LINES / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    await parseGzip(gz);
    gzip.push(LINES / ((performance.now() - t0) / 1000));
  }
  return {
    'ftrace.linesPerSec': Math.round(median(plain)),
    'ftrace.gzip.linesPerSec': Math.round(median(gzip)),
  };
}
