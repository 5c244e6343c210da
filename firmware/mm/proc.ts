/**
 * Text of /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/vmstat, byte for byte
 * in the format of mm/vmstat.c (v6.18): the same seq_printf() widths, headings and spacing.
 * Renderers take plain data (views) so the same code prints the emulator's state and re-prints
 * parsed real files; parsers read real captures and reject text not in the kernel's format
 * (each parser re-renders what it read and requires the identical text).
 */

const pad = (v: number | string, w: number): string => String(v).padStart(w, ' ');
const padEnd = (v: string, w: number): string => v.padEnd(w, ' ');

// ---- buddyinfo ------------------------------------------------------------------------------

export interface BuddyinfoRow {
  node: number;
  zone: string;
  /** free_area[order].nr_free for order 0..MAX_PAGE_ORDER. */
  nrFree: number[];
}

/** frag_show_print(): "Node %d, zone %8s " then "%6lu " per order. Populated zones only. */
export function renderBuddyinfo(rows: readonly BuddyinfoRow[]): string {
  let s = '';
  for (const r of rows) {
    s += `Node ${r.node}, zone ${pad(r.zone, 8)} `;
    for (const n of r.nrFree) s += `${pad(n, 6)} `;
    s += '\n';
  }
  return s;
}

export function parseBuddyinfo(text: string, where = 'buddyinfo'): BuddyinfoRow[] {
  const rows: BuddyinfoRow[] = [];
  const lines = splitLines(text, where);
  lines.forEach((line, i) => {
    const m = /^Node (\d+), zone +(\S+) ((?: *\d+ )+)$/.exec(line);
    if (!m) throw formatError(where, i, line, '"Node <n>, zone <name> <counts>"');
    const row = { node: Number(m[1]), zone: m[2]!, nrFree: m[3]!.trim().split(/ +/).map(Number) };
    if (renderBuddyinfo([row]) !== line + '\n')
      throw formatError(where, i, line, 'the kernel\'s column widths ("%8s", "%6lu ")');
    rows.push(row);
  });
  return rows;
}

// ---- pagetypeinfo ---------------------------------------------------------------------------

/** The cap of pagetypeinfo_showfree_print(): counts stop at 100000 and print as ">100000". */
export const PAGETYPEINFO_FREE_CAP = 100000;

export interface PagetypeinfoZone {
  node: number;
  zone: string;
  /** free[mt][order]: blocks on free_list[mt] of each order (capped at 100000). */
  free: number[][];
  /** Pageblocks of each migratetype. */
  blocks: number[];
}

export interface PagetypeinfoView {
  pageblockOrder: number;
  nrOrders: number;
  /** migratetype_names[] as configured (CMA only with CONFIG_CMA). */
  migratetypeNames: string[];
  zones: PagetypeinfoZone[];
}

/** pagetypeinfo_show(): header, free counts per migratetype and order, block counts. */
export function renderPagetypeinfo(v: PagetypeinfoView): string {
  let s = `Page block order: ${v.pageblockOrder}\n`;
  s += `Pages per block:  ${2 ** v.pageblockOrder}\n`;
  s += '\n';
  s += `${padEnd('Free pages count per migrate type at order', 43)} `;
  for (let o = 0; o < v.nrOrders; o++) s += `${pad(o, 6)} `;
  s += '\n';
  for (const z of v.zones) {
    v.migratetypeNames.forEach((name, mt) => {
      s += `Node ${pad(z.node, 4)}, zone ${pad(z.zone, 8)}, type ${pad(name, 12)} `;
      for (let o = 0; o < v.nrOrders; o++) {
        const c = z.free[mt]![o]!;
        s += c >= PAGETYPEINFO_FREE_CAP ? `>${pad(PAGETYPEINFO_FREE_CAP, 6)} ` : `${pad(c, 6)} `;
      }
      s += '\n';
    });
  }
  s += `\n${padEnd('Number of blocks type ', 23)}`;
  for (const name of v.migratetypeNames) s += `${pad(name, 12)} `;
  s += '\n';
  for (const z of v.zones) {
    s += `Node ${z.node}, zone ${pad(z.zone, 8)} `;
    for (const b of z.blocks) s += `${pad(b, 12)} `;
    s += '\n';
  }
  return s;
}

export function parsePagetypeinfo(text: string, where = 'pagetypeinfo'): PagetypeinfoView {
  const lines = splitLines(text, where);
  let i = 0;
  const expect = (re: RegExp, what: string): RegExpExecArray => {
    const line = lines[i];
    const m = line === undefined ? null : re.exec(line);
    if (!m) throw formatError(where, i, line ?? '<end of file>', what);
    i++;
    return m;
  };
  const pbOrder = Number(expect(/^Page block order: (\d+)$/, '"Page block order: <n>"')[1]);
  expect(/^Pages per block: +\d+$/, '"Pages per block:  <n>"');
  expect(/^$/, 'an empty line');
  const hdr = expect(
    /^Free pages count per migrate type at order +((?:\d+ +)*\d+) $/,
    'the "Free pages count per migrate type at order" heading',
  );
  const nrOrders = hdr[1]!.trim().split(/ +/).length;
  const zones: PagetypeinfoZone[] = [];
  const names: string[] = [];
  const byKey = new Map<string, PagetypeinfoZone>();
  while (i < lines.length && lines[i] !== '') {
    const m = expect(
      /^Node +(\d+), zone +(\S+), type +(\S+) ((?:>? *\d+ )+)$/,
      '"Node <n>, zone <z>, type <mt> <counts>"',
    );
    const key = `${m[1]}/${m[2]}`;
    let z = byKey.get(key);
    if (!z) {
      z = { node: Number(m[1]), zone: m[2]!, free: [], blocks: [] };
      byKey.set(key, z);
      zones.push(z);
    }
    if (zones.length === 1) names.push(m[3]!);
    z.free.push(
      m[4]!
        .trim()
        .split(/ +/)
        .map((t) => Number(t.replace('>', ''))),
    );
  }
  expect(/^$/, 'an empty line before "Number of blocks type"');
  const bh = expect(/^Number of blocks type +((?:\S+ +)*\S+) $/, 'the "Number of blocks type" heading');
  const blockNames = bh[1]!.trim().split(/ +/);
  for (const z of zones) {
    const m = expect(/^Node (\d+), zone +(\S+) ((?: *\d+ )+)$/, '"Node <n>, zone <z> <block counts>"');
    if (`${m[1]}/${m[2]}` !== `${z.node}/${z.zone}`)
      throw formatError(where, i - 1, lines[i - 1]!, `block counts of zone ${z.zone}`);
    z.blocks = m[3]!.trim().split(/ +/).map(Number);
  }
  if (i !== lines.length)
    throw formatError(where, i, lines[i]!, 'the end of the file (pagetypeinfo_showmixedcount is not supported)');
  const view: PagetypeinfoView = { pageblockOrder: pbOrder, nrOrders, migratetypeNames: blockNames, zones };
  if (names.join() !== blockNames.join())
    throw new Error(
      `${where}: migratetype names of the free counts (${names.join(', ')}) differ from the block counts heading (${blockNames.join(', ')})`,
    );
  requireSameText(where, text, renderPagetypeinfo(view));
  return view;
}

// ---- zoneinfo -------------------------------------------------------------------------------

export interface ZoneinfoPageset {
  cpu: number;
  count: number;
  high: number;
  batch: number;
  highMin: number;
  highMax: number;
  statThreshold: number;
}

export interface ZoneinfoZone {
  node: number;
  zone: string;
  /** Per-node stats, printed under the node's first populated zone only. */
  nodeStats?: [string, number][];
  free: number;
  boost: number;
  min: number;
  low: number;
  high: number;
  promo: number;
  spanned: number;
  present: number;
  managed: number;
  cma: number;
  /** lowmem_reserve[] for every zone type of the kernel. */
  protection: number[];
  /** Set for populated zones: the rest is printed only for them. */
  detail?: {
    zoneStats: [string, number][];
    pagesets: ZoneinfoPageset[];
    nodeUnreclaimable: number;
    startPfn: number;
  };
}

/** zoneinfo_show_print(), for every zone of the node (populated or not). */
export function renderZoneinfo(zones: readonly ZoneinfoZone[]): string {
  let s = '';
  const stat = (name: string, v: number): string => `\n      ${padEnd(name, 12)} ${v}`;
  for (const z of zones) {
    s += `Node ${z.node}, zone ${pad(z.zone, 8)}`;
    if (z.nodeStats) {
      s += '\n  per-node stats';
      for (const [n, v] of z.nodeStats) s += stat(n, v);
    }
    s += `\n  pages free     ${z.free}`;
    s += `\n        boost    ${z.boost}`;
    s += `\n        min      ${z.min}`;
    s += `\n        low      ${z.low}`;
    s += `\n        high     ${z.high}`;
    s += `\n        promo    ${z.promo}`;
    s += `\n        spanned  ${z.spanned}`;
    s += `\n        present  ${z.present}`;
    s += `\n        managed  ${z.managed}`;
    s += `\n        cma      ${z.cma}`;
    s += `\n        protection: (${z.protection.join(', ')})`;
    if (!z.detail) {
      s += '\n';
      continue;
    }
    for (const [n, v] of z.detail.zoneStats) s += stat(n, v);
    s += '\n  pagesets';
    for (const p of z.detail.pagesets) {
      s += `\n    cpu: ${p.cpu}`;
      s += `\n              count:    ${p.count}`;
      s += `\n              high:     ${p.high}`;
      s += `\n              batch:    ${p.batch}`;
      s += `\n              high_min: ${p.highMin}`;
      s += `\n              high_max: ${p.highMax}`;
      s += `\n  vm stats threshold: ${p.statThreshold}`;
    }
    s += `\n  node_unreclaimable:  ${z.detail.nodeUnreclaimable}`;
    s += `\n  start_pfn:           ${z.detail.startPfn}`;
    s += '\n';
  }
  return s;
}

export function parseZoneinfo(text: string, where = 'zoneinfo'): ZoneinfoZone[] {
  const lines = splitLines(text, where);
  const zones: ZoneinfoZone[] = [];
  let i = 0;
  const take = (re: RegExp, what: string): RegExpExecArray => {
    const line = lines[i];
    const m = line === undefined ? null : re.exec(line);
    if (!m) throw formatError(where, i, line ?? '<end of file>', what);
    i++;
    return m;
  };
  const num = (label: string, re: RegExp): number => Number(take(re, `"${label}"`)[1]);
  const statRe = /^ {6}(\S+) +(\d+)$/;
  while (i < lines.length) {
    const h = take(/^Node (\d+), zone +(\S+)$/, '"Node <n>, zone <name>"');
    const z: Partial<ZoneinfoZone> = { node: Number(h[1]), zone: h[2]! };
    if (lines[i] === '  per-node stats') {
      i++;
      z.nodeStats = [];
      while (i < lines.length && statRe.test(lines[i]!)) {
        const m = statRe.exec(lines[i++]!)!;
        z.nodeStats.push([m[1]!, Number(m[2])]);
      }
    }
    z.free = num('pages free', /^ {2}pages free +(\d+)$/);
    z.boost = num('boost', /^ {8}boost +(\d+)$/);
    z.min = num('min', /^ {8}min +(\d+)$/);
    z.low = num('low', /^ {8}low +(\d+)$/);
    z.high = num('high', /^ {8}high +(\d+)$/);
    z.promo = num('promo', /^ {8}promo +(\d+)$/);
    z.spanned = num('spanned', /^ {8}spanned +(\d+)$/);
    z.present = num('present', /^ {8}present +(\d+)$/);
    z.managed = num('managed', /^ {8}managed +(\d+)$/);
    z.cma = num('cma', /^ {8}cma +(\d+)$/);
    const p = take(/^ {8}protection: \((-?\d+(?:, -?\d+)*)\)$/, '"protection: (...)"');
    z.protection = p[1]!.split(', ').map(Number);
    if (i < lines.length && statRe.test(lines[i]!)) {
      const zoneStats: [string, number][] = [];
      while (i < lines.length && statRe.test(lines[i]!)) {
        const m = statRe.exec(lines[i++]!)!;
        zoneStats.push([m[1]!, Number(m[2])]);
      }
      take(/^ {2}pagesets$/, '"  pagesets"');
      const pagesets: ZoneinfoPageset[] = [];
      while (i < lines.length && /^ {4}cpu: \d+$/.test(lines[i]!)) {
        const cpu = num('cpu', /^ {4}cpu: (\d+)$/);
        pagesets.push({
          cpu,
          count: num('count', /^ {14}count: +(-?\d+)$/),
          high: num('high', /^ {14}high: +(-?\d+)$/),
          batch: num('batch', /^ {14}batch: +(-?\d+)$/),
          highMin: num('high_min', /^ {14}high_min: (-?\d+)$/),
          highMax: num('high_max', /^ {14}high_max: (-?\d+)$/),
          statThreshold: num('vm stats threshold', /^ {2}vm stats threshold: (-?\d+)$/),
        });
      }
      const nodeUnreclaimable = num('node_unreclaimable', /^ {2}node_unreclaimable: {2}(\d+)$/);
      const startPfn = num('start_pfn', /^ {2}start_pfn: {11}(\d+)$/);
      z.detail = { zoneStats, pagesets, nodeUnreclaimable, startPfn };
    }
    zones.push(z as ZoneinfoZone);
  }
  requireSameText(where, text, renderZoneinfo(zones));
  return zones;
}

// ---- vmstat ---------------------------------------------------------------------------------

/** vmstat_show(): "%s %lu\n" per item. */
export function renderVmstat(items: readonly (readonly [string, number])[]): string {
  let s = '';
  for (const [n, v] of items) s += `${n} ${v}\n`;
  return s;
}

export function parseVmstat(text: string, where = 'vmstat'): [string, number][] {
  const out: [string, number][] = [];
  splitLines(text, where).forEach((line, i) => {
    const m = /^([a-z0-9_]+) (-?\d+)$/.exec(line);
    if (!m) throw formatError(where, i, line, '"<item> <value>"');
    out.push([m[1]!, Number(m[2])]);
  });
  return out;
}

// ---- helpers --------------------------------------------------------------------------------

function splitLines(text: string, where: string): string[] {
  if (typeof text !== 'string') throw new Error(`${where}: expected text`);
  if (text.length === 0) throw new Error(`${where}: empty file`);
  if (!text.endsWith('\n')) throw new Error(`${where}: truncated (the last line has no newline)`);
  return text.slice(0, -1).split('\n');
}

function formatError(where: string, i: number, line: string, what: string): Error {
  const shown = line.length > 120 ? line.slice(0, 117) + '...' : line;
  return new Error(`${where}:${i + 1}: expected ${what}, got ${JSON.stringify(shown)}`);
}

function requireSameText(where: string, text: string, rendered: string): void {
  if (rendered === text) return;
  const a = text.split('\n');
  const b = rendered.split('\n');
  let k = 0;
  while (k < a.length && a[k] === b[k]) k++;
  throw new Error(
    `${where}:${k + 1}: not in the kernel's format: ${JSON.stringify(a[k] ?? '<end>')} would print as ${JSON.stringify(b[k] ?? '<end>')}`,
  );
}
