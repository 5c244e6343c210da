import { type Buddyinfo, buddyFreePages } from './buddyinfo.js';
import { checkFreeBlocks, type FreeBlocks, rebuildFreeBlocks, type ZoneSpan } from './free-blocks.js';
import type { Mappings } from './kpagecount.js';
import {
  CLASS_OF_KIND,
  FRAME_KIND_NAMES,
  FrameKind,
  KPF,
  NR_FRAME_KINDS,
  PAGE_CLASSES,
  type PageClass,
} from './kpageflags.js';
import type { Meminfo } from './meminfo.js';
import type { Pagetypeinfo } from './pagetypeinfo.js';
import type { RamLayout } from './ram-layout.js';
import type { ZoneInfo } from './zoneinfo.js';

/**
 * What a snapshot says about the machine's memory as a whole: every RAM page frame classified,
 * the free blocks rebuilt, and the figures cross-checked against the kernel's own counters
 * (buddyinfo, meminfo, zoneinfo). A check that does not agree is reported with both figures,
 * never smoothed over: the page flags are read over about a second while the kernel runs, so a
 * check is called a discrepancy only past the drift buddyinfo shows between its reads before and
 * after the page flags (at least 1 % or 64 pages).
 */
export interface SnapshotData {
  readonly pageSize: number;
  /** Entries in kpageflags. */
  readonly frames: number;
  readonly layout: RamLayout;
  /** Kind of every pfn below layout.endPfn (decoded kpageflags); free blocks are rebuilt in place. */
  readonly kinds: Uint8Array;
  /** RAM pages with each kpageflags bit set. */
  readonly flagPages: Float64Array;
  readonly buddyinfo: Buddyinfo;
  /** buddyinfo read again after the page flags, when the capture has it. */
  readonly buddyinfoAfter: Buddyinfo | null;
  readonly zones: readonly ZoneInfo[];
  readonly meminfo: Meminfo;
  readonly mappings: Mappings | null;
  /** Pageblocks per migrate type, when the capture has pagetypeinfo. */
  readonly pagetypeinfo: Pagetypeinfo | null;
}

export interface ZoneReport {
  readonly node: number;
  readonly name: string;
  readonly startPfn: number;
  readonly endPfn: number;
  /** zoneinfo's figures (null for RAM no zone spans). */
  readonly spanned: number | null;
  readonly present: number | null;
  readonly managed: number | null;
  readonly pcpPages: number | null;
  readonly buddyinfoFreePages: number | null;
  /** pagetypeinfo's pageblocks per migrate type (null without it). */
  readonly pageblocks: Readonly<Record<string, number>> | null;
  /** RAM pages of the zone by class. */
  readonly classes: Readonly<Record<PageClass, number>>;
}

/** Two figures that should agree, in pages: `name` is "A / B"; a is mostly the kernel's counter, b what the page flags show. */
export interface Check {
  readonly name: string;
  readonly a: number;
  readonly b: number;
  /** b - a. */
  readonly difference: number;
  readonly discrepancy: boolean;
  readonly note: string;
}

export interface UnflaggedRun {
  readonly startPfn: number;
  readonly pages: number;
}

export interface MemoryReport {
  readonly pageSize: number;
  readonly frames: number;
  readonly ramPages: number;
  readonly ramRanges: readonly { readonly start: number; readonly end: number }[];
  readonly marking: FreeBlocks['marking'];
  readonly classes: Readonly<Record<PageClass, number>>;
  readonly kinds: Readonly<Record<string, number>>;
  readonly zones: readonly ZoneReport[];
  readonly buddyinfoFreePages: number;
  readonly buddyinfoFreePagesAfter: number | null;
  readonly freeBlocks: {
    readonly orders: number;
    readonly flaggedPages: number;
    readonly rebuilt: readonly number[];
    readonly buddyinfo: readonly number[];
    readonly unmatchedHeads: number;
  };
  readonly memFreePages: number;
  readonly pcpPages: number;
  /** Runs of pages with no flag at least UNFLAGGED_RUN_BYTES long. */
  readonly unflaggedRuns: readonly UnflaggedRun[];
  /**
   * What can be said of the pages with no flag: how many lie in long runs, how many the zones hold
   * present but neither managed nor flagged reserved (RAM not brought up), and how many MemFree
   * counts free outside the buddy allocator (when MemFree exceeds buddyinfo; 0 otherwise).
   */
  readonly unflagged: {
    readonly inLongRuns: number;
    readonly notManaged: number;
    readonly freeOutsideBuddy: number;
  };
  readonly mappings: Mappings | null;
  readonly checks: readonly Check[];
  /** The checks that disagree, as sentences. */
  readonly discrepancies: readonly string[];
  /** The rebuilt free blocks and the zone spans they were cut in (for checkMemoryReport). */
  readonly blocks: FreeBlocks;
  readonly spans: readonly ZoneSpan[];
}

/** Runs of unflagged pages this long or longer are listed: memory the kernel has not brought up shows so. */
export const UNFLAGGED_RUN_BYTES = 128 * 2 ** 20;

function classCounts(kindPages: ArrayLike<number>): Record<PageClass, number> {
  const out = Object.fromEntries(PAGE_CLASSES.map((c) => [c, 0])) as Record<PageClass, number>;
  for (let k = 0; k < NR_FRAME_KINDS; k++) out[CLASS_OF_KIND[k]!] += kindPages[k]!;
  return out;
}

/** Zone spans from zoneinfo, with buddyinfo's line for each, plus RAM that no zone spans. */
function zoneSpans(data: SnapshotData): ZoneSpan[] {
  const spans: ZoneSpan[] = data.zones
    .filter((z) => z.spanned > 0)
    .map((z) => ({
      node: z.node,
      name: z.name,
      startPfn: z.startPfn,
      endPfn: z.startPfn + z.spanned,
      buddyBlocks: data.buddyinfo.zones.find((b) => b.node === z.node && b.zone === z.name)?.blocks ?? null,
    }));
  for (const r of data.layout.ranges) {
    let p = r.startPfn;
    while (p < r.endPfn) {
      const inZone = spans.find((z) => p >= z.startPfn && p < z.endPfn);
      if (inZone) {
        p = inZone.endPfn;
        continue;
      }
      const next = Math.min(r.endPfn, ...spans.filter((z) => z.startPfn > p).map((z) => z.startPfn));
      spans.push({ node: -1, name: '(no zone)', startPfn: p, endPfn: next, buddyBlocks: null });
      p = next;
    }
  }
  return spans.sort((a, b) => a.startPfn - b.startPfn);
}

export function analyzeMemory(data: SnapshotData): MemoryReport {
  const { layout, kinds, pageSize } = data;
  const spans = zoneSpans(data);
  const fb = rebuildFreeBlocks(kinds, layout, spans, data.buddyinfo.orders);

  // Pages of each kind, machine-wide and per zone.
  const kindPages = new Float64Array(NR_FRAME_KINDS);
  const zoneKinds = spans.map(() => new Float64Array(NR_FRAME_KINDS));
  const runs: UnflaggedRun[] = [];
  const runMin = Math.max(1, Math.floor(UNFLAGGED_RUN_BYTES / pageSize));
  for (const r of layout.ranges) {
    let runStart = -1;
    for (let p = r.startPfn; p <= r.endPfn; p++) {
      const unflagged = p < r.endPfn && kinds[p] === FrameKind.UNKNOWN;
      if (unflagged && runStart < 0) runStart = p;
      if (!unflagged && runStart >= 0) {
        if (p - runStart >= runMin) runs.push({ startPfn: runStart, pages: p - runStart });
        runStart = -1;
      }
      if (p < r.endPfn) kindPages[kinds[p]!]!++;
    }
    spans.forEach((z, i) => {
      const a = Math.max(z.startPfn, r.startPfn);
      const b = Math.min(z.endPfn, r.endPfn);
      for (let p = a; p < b; p++) zoneKinds[i]![kinds[p]!]!++;
    });
  }

  const buddyTotal = data.buddyinfo.zones.reduce((s, z) => s + buddyFreePages(z), 0);
  const buddyAfter = data.buddyinfoAfter ? data.buddyinfoAfter.zones.reduce((s, z) => s + buddyFreePages(z), 0) : null;
  const drift = buddyAfter === null ? 0 : Math.abs(buddyAfter - buddyTotal);
  const pagesOf = (key: string): number | null => {
    const v = data.meminfo.get(key);
    return v === undefined ? null : Math.round(v / pageSize);
  };
  const memFree = pagesOf('MemFree')!;
  const pcpPages = data.zones.reduce((s, z) => s + z.pcpPages, 0);

  const checks: Check[] = [];
  const check = (name: string, a: number | null, b: number, note: string) => {
    if (a === null) return;
    const difference = b - a;
    const tolerance = Math.max(drift, 0.01 * Math.max(a, b), 64);
    checks.push({ name, a, b, difference, discrepancy: Math.abs(difference) > tolerance, note });
  };
  const k = (kind: number) => kindPages[kind]!;
  check(
    'free pages: buddyinfo / buddy-flagged',
    buddyTotal,
    fb.freePages,
    buddyAfter === null
      ? 'buddyinfo read before the page flags'
      : `buddyinfo ${buddyTotal} before the page flags, ${buddyAfter} after them`,
  );
  const managed = data.zones.reduce((s, z) => s + z.managed, 0);
  check(
    'MemFree / buddy-flagged',
    memFree,
    fb.freePages,
    memFree > buddyTotal + drift + 64
      ? `MemFree counts ${memFree - buddyTotal} pages more than buddyinfo: free memory outside the buddy allocator`
      : "MemFree is the buddy allocator's free pages",
  );
  const lru = ['Active', 'Inactive', 'Unevictable'].map(pagesOf);
  check(
    'LRU: meminfo Active + Inactive + Unevictable / LRU-flagged',
    lru.includes(null) ? null : lru.reduce((s, x) => s! + x!, 0)!,
    data.flagPages[KPF.LRU]!,
    'pages in a per-cpu LRU batch are counted by meminfo and not yet flagged LRU',
  );
  check('slab: meminfo Slab / slab-flagged', pagesOf('Slab'), k(FrameKind.SLAB), 'SReclaimable + SUnreclaim');
  check('page tables: meminfo PageTables / pgtable-flagged', pagesOf('PageTables'), k(FrameKind.PGTABLE), '');
  check(
    'unevictable: meminfo Unevictable / unevictable-flagged',
    pagesOf('Unevictable'),
    data.flagPages[KPF.UNEVICTABLE]!,
    '',
  );
  check('mlocked: meminfo Mlocked / mlocked-flagged', pagesOf('Mlocked'), data.flagPages[KPF.MLOCKED]!, '');
  check('HugeTLB: meminfo Hugetlb / huge-flagged', pagesOf('Hugetlb'), k(FrameKind.HUGETLB), '');
  check(
    'MemTotal / zoneinfo managed',
    pagesOf('MemTotal'),
    managed,
    "MemTotal is totalram_pages, the sum of zoneinfo's managed pages",
  );

  const zones: ZoneReport[] = spans.map((z, i) => {
    const info = data.zones.find((x) => x.node === z.node && x.name === z.name && z.node >= 0);
    const bl = data.buddyinfo.zones.find((b) => b.node === z.node && b.zone === z.name);
    return {
      node: z.node,
      name: z.name,
      startPfn: z.startPfn,
      endPfn: z.endPfn,
      spanned: info?.spanned ?? null,
      present: info?.present ?? null,
      managed: info?.managed ?? null,
      pcpPages: info?.pcpPages ?? null,
      buddyinfoFreePages: bl ? buddyFreePages(bl) : null,
      pageblocks: data.pagetypeinfo?.zones.find((p) => p.node === z.node && p.zone === z.name)?.blocks ?? null,
      classes: classCounts(zoneKinds[i]!),
    };
  });

  // Per zone: RAM present but neither managed nor flagged reserved shows as pages with no flag.
  for (const z of zones) {
    if (z.present === null || z.managed === null) continue;
    const hidden = z.present - z.managed - z.classes.reserved;
    if (hidden > 64)
      check(
        `zone ${z.name}: present - managed - reserved-flagged + pcp / unflagged`,
        hidden + (z.pcpPages ?? 0),
        z.classes.unknown,
        `${hidden} pages present in the zone are neither managed by the buddy allocator nor flagged reserved (deferred struct-page init, or memory held back); ${z.pcpPages ?? 0} free pages sit on per-cpu lists`,
      );
  }
  for (const b of data.buddyinfo.zones)
    if (!spans.some((z) => z.node === b.node && z.name === b.zone))
      checks.push({
        name: `buddyinfo zone ${b.zone} (line ${b.line})`,
        a: buddyFreePages(b),
        b: 0,
        difference: -buddyFreePages(b),
        discrepancy: buddyFreePages(b) > 0,
        note: 'zoneinfo spans no such zone',
      });

  const rebuilt = new Array<number>(fb.orders).fill(0);
  for (const z of fb.zones)
    z.blocks.forEach((n, o) => {
      rebuilt[o]! += n;
    });
  const buddyOrders = new Array<number>(data.buddyinfo.orders).fill(0);
  for (const z of data.buddyinfo.zones)
    z.blocks.forEach((n, o) => {
      buddyOrders[o]! += n;
    });

  const discrepancies = checks
    .filter((c) => c.discrepancy)
    .map(
      (c) =>
        `${c.name}: ${c.a} / ${c.b} pages (${c.difference > 0 ? '+' : ''}${c.difference})${c.note ? `; ${c.note}` : ''}`,
    );
  return {
    pageSize,
    frames: data.frames,
    ramPages: layout.pages,
    ramRanges: layout.ranges.map((r) => ({ start: r.startPfn * pageSize, end: r.endPfn * pageSize })),
    marking: fb.marking,
    classes: classCounts(kindPages),
    kinds: Object.fromEntries(FRAME_KIND_NAMES.map((n, i) => [n, kindPages[i]!])),
    zones,
    buddyinfoFreePages: buddyTotal,
    buddyinfoFreePagesAfter: buddyAfter,
    freeBlocks: {
      orders: fb.orders,
      flaggedPages: fb.flaggedPages,
      rebuilt,
      buddyinfo: buddyOrders,
      unmatchedHeads: fb.unmatchedHeads,
    },
    memFreePages: memFree,
    pcpPages,
    unflaggedRuns: runs,
    unflagged: {
      inLongRuns: runs.reduce((a, r) => a + r.pages, 0),
      notManaged: zones.reduce(
        (a, z) =>
          a + (z.present === null || z.managed === null ? 0 : Math.max(0, z.present - z.managed - z.classes.reserved)),
        0,
      ),
      freeOutsideBuddy: Math.max(0, memFree - buddyTotal),
    },
    mappings: data.mappings,
    checks,
    discrepancies,
    blocks: fb,
    spans,
  };
}

/**
 * Invariants of a report over its data (throws with the first violation): the free blocks'
 * (checkFreeBlocks); the classes add up to the RAM pages, and the zones' classes to the classes.
 */
export function checkMemoryReport(m: MemoryReport, data: SnapshotData): void {
  checkFreeBlocks(m.blocks, data.kinds, data.layout, m.spans);
  const sum = PAGE_CLASSES.reduce((a, c) => a + m.classes[c], 0);
  if (sum !== m.ramPages) throw new Error(`classes hold ${sum} pages, the RAM ${m.ramPages}`);
  for (const c of PAGE_CLASSES) {
    const z = m.zones.reduce((a, x) => a + x.classes[c], 0);
    if (z !== m.classes[c]) throw new Error(`zones hold ${z} ${c} pages, the RAM ${m.classes[c]}`);
  }
}
