import { SnapshotError, quoteLine } from './snapshot-error.js';

/**
 * /proc/zoneinfo: per zone (`Node N, zone NAME` and indented lines under it) the counters the
 * analysis cross-checks: the zone's span (start_pfn, spanned), the pages present in it and those
 * handed to the buddy allocator (managed), its free pages and the pages sitting on its per-cpu
 * lists (the `count:` of every cpu's pageset). present - managed is RAM the allocator does not
 * manage: reserved by the kernel, or not brought up (deferred struct-page init, memory held back).
 */
export interface ZoneInfo {
  readonly node: number;
  readonly name: string;
  readonly startPfn: number;
  readonly spanned: number;
  readonly present: number;
  readonly managed: number;
  readonly freePages: number;
  /** Pages on the per-cpu free lists, summed over cpus. */
  readonly pcpPages: number;
  readonly line: number;
}

const HEADER = /^Node\s+(\d+),\s+zone\s+(\S+)\s*$/;
const VALUE = /^\s+([A-Za-z_][\w -]*?)(?::\s*|\s+)(\d+)\s*$/;
const OTHER = /^\s+(protection: \([\d, ]*\)|pagesets|per-node stats)\s*$/;

export function parseZoneinfo(lines: readonly string[], file = 'zoneinfo'): ZoneInfo[] {
  const zones: ZoneInfo[] = [];
  let cur: { node: number; name: string; line: number; values: Map<string, number>; pcp: number } | null = null;
  const finish = () => {
    if (!cur) return;
    const get = (key: string, required: boolean): number => {
      const v = cur!.values.get(key);
      if (v === undefined && required)
        throw new SnapshotError(file, cur!.line, `zone ${cur!.name} has no "${key}" line`);
      return v ?? 0;
    };
    const spanned = get('spanned', true);
    const present = get('present', true);
    const managed = get('managed', true);
    const freePages = get('pages free', true);
    const startPfn = get('start_pfn', spanned > 0);
    zones.push({
      node: cur.node,
      name: cur.name,
      startPfn,
      spanned,
      present,
      managed,
      freePages,
      pcpPages: cur.pcp,
      line: cur.line,
    });
  };
  lines.forEach((text, i) => {
    const n = i + 1;
    const h = HEADER.exec(text);
    if (h) {
      finish();
      cur = { node: Number(h[1]), name: h[2]!, line: n, values: new Map(), pcp: 0 };
      return;
    }
    if (text.trim() === '' || OTHER.test(text)) return;
    const m = VALUE.exec(text);
    if (!m || !cur)
      throw new SnapshotError(
        file,
        n,
        cur
          ? `expected "key value" under zone ${cur.name}, got ${quoteLine(text)}`
          : `expected "Node N, zone NAME", got ${quoteLine(text)}`,
      );
    const c = cur as { values: Map<string, number>; pcp: number };
    const key = m[1]!.trim();
    const value = Number(m[2]);
    if (!Number.isSafeInteger(value)) throw new SnapshotError(file, n, `${key}: value too large`);
    if (key === 'count') c.pcp += value;
    else if (!c.values.has(key)) c.values.set(key, value);
  });
  finish();
  if (zones.length === 0) throw new SnapshotError(file, null, 'no "Node N, zone NAME" line: not /proc/zoneinfo');
  return zones;
}
