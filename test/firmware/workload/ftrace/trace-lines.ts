import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type KmemOps, KmemTraceParser } from '../../../../firmware/workload/ftrace/kmem-parser.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'ftrace');

/** A fixture's text (gunzipped when .gz), one character per byte. */
export function fixtureText(name: string): string {
  const bytes = readFileSync(join(FIXTURES, name));
  return (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1');
}

/** One line of `trace` output, as the kernel prints it (TASK-PID [CPU] FLAGS SECONDS.USEC: EVENT: FIELDS). */
export function traceLine(seconds: number, event: string, fields: string, cpu = 0, task = 'app-100'): string {
  return `${task.padStart(16)} [${String(cpu).padStart(3, '0')}] ..... ${seconds.toFixed(6).padStart(12)}: ${event}: ${fields}`;
}

/** mm_page_alloc of `order` pages at pfn (hex), with the kernel's migratetype and gfp names. */
export function alloc(
  seconds: number,
  pfn: number,
  order = 0,
  gfp = 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO',
  mt = 1,
): string {
  return traceLine(
    seconds,
    'mm_page_alloc',
    `page=00000000deadbeef pfn=0x${pfn.toString(16)} order=${order} migratetype=${mt} gfp_flags=${gfp}`,
  );
}

export function free(seconds: number, pfn: number, order = 0): string {
  return traceLine(seconds, 'mm_page_free', `page=00000000deadbeef pfn=0x${pfn.toString(16)} order=${order}`);
}

export interface ParsedOp {
  op: number;
  tNs: number;
  pfn: number;
  order: number;
  migratetype: number;
  gfp: number;
}

/** Parse text given in chunks of `chunk` characters; the operations as objects (small traces only). */
export function parse(text: string, chunk = 65536, capacity = 4096): { parser: KmemTraceParser; ops: ParsedOp[] } {
  const ops: ParsedOp[] = [];
  const parser = new KmemTraceParser((o: KmemOps) => {
    for (let i = 0; i < o.length; i++)
      ops.push({
        op: o.op[i]!,
        tNs: o.tNs[i]!,
        pfn: o.pfn[i]!,
        order: o.order[i]!,
        migratetype: o.migratetype[i]!,
        gfp: o.gfp[i]!,
      });
  }, capacity);
  for (let i = 0; i < text.length; i += chunk) parser.push(text.slice(i, i + chunk));
  parser.end();
  return { parser, ops };
}
