import type { Board } from '../../hal/board/board.js';
import { arrayShareAt } from '../../hal/lpddr/array-share.js';
import { EnergyMeter } from '../energy/energy-meter.js';
import type { PasrMap } from '../pasr/pasr-map.js';
import { type PackUnit, packUnits } from '../pasr/policies/oracle.js';
import { CLASS_OF_KIND, FrameKind, NR_FRAME_KINDS } from './kpageflags.js';
import { boardToMachine, type RamLayout } from './ram-layout.js';

/**
 * What PASR could save on a snapshot's memory: the RAM (laid end to end, ram-layout.ts) cut into
 * segments of a size, or stretched onto a board's DRAM and its PASR units (pasr-map.ts), and for
 * each segment what is free, what could move and what pins it. Then the segments that could go
 * unrefreshed:
 *
 *  - now: segments with no page holding data (every page free, offline or absent);
 *  - after migration: segments with no unmovable page, as long as the free pages of the segments
 *    left refreshed can take their movable pages (the oracle's packing, oracle.ts packUnits(),
 *    with clean page cache moved like the rest);
 *  - oracle: the same packing as the `oracle` policy of `pasr run`: clean page cache is dropped
 *    (it needs no room, and its frames are room).
 *
 * Pages with no flag at all (unknown) cannot be told apart from kernel memory: every figure is
 * given with them pinning their segment (the safe reading), and again with them counted free
 * (`ifUnknownEmpty`), which bounds the saving from above.
 *
 * The saving is self-refresh power: on a board, the energy meter's IDD6 per die at the refreshed
 * fraction the masked units leave (firmware/energy/energy-meter.ts); with segments and no board,
 * the unrefreshed share of the array times arrayShare (hal/lpddr/array-share.ts), the share of
 * IDD6 that scales with the refreshed array. Both come with arrayShare's band.
 */
export interface SegmentSpec {
  readonly index: number;
  readonly label: string;
  /** Laid-out RAM pages of the segment, [from, to) ranges. */
  readonly ram: readonly { readonly from: number; readonly to: number }[];
  /** The kernel could empty it (a board unit of whole page frames). */
  readonly usable: boolean;
  /** Bytes of the DRAM array it stands for (its weight in the array share). */
  readonly arrayBytes: number;
  readonly dies?: readonly string[];
  readonly bit?: number;
  readonly register?: string;
}

export type SegmentState = 'free' | 'movable' | 'unknown' | 'pinned' | 'unusable';

export interface SegmentReport {
  readonly index: number;
  readonly label: string;
  readonly usable: boolean;
  readonly arrayBytes: number;
  readonly pages: number;
  readonly freePages: number;
  readonly movablePages: number;
  readonly fileCleanPages: number;
  readonly unmovablePages: number;
  readonly reservedPages: number;
  readonly unknownPages: number;
  /** Offline and absent (no page) frames: no data, no room. */
  readonly emptyPages: number;
  readonly state: SegmentState;
  readonly dies?: readonly string[];
  readonly bit?: number;
  readonly register?: string;
  /** Physical byte ranges of its RAM (segments only). */
  readonly ranges?: readonly { readonly start: number; readonly end: number }[];
}

export interface Figures<T> {
  readonly now: T;
  readonly afterMigration: T;
  readonly oracle: T;
}

export interface Saving {
  /** Indices of the segments left unrefreshed. */
  readonly masked: Figures<readonly number[]>;
  /** Self-refresh power saved, % (default arrayShare). */
  readonly savingPercent: Figures<number>;
  readonly savingBand: Figures<{ readonly low: number; readonly high: number }>;
  /** Share of the DRAM array left unrefreshed, %. */
  readonly arrayUnrefreshedPercent: Figures<number>;
  /** Pages moved to empty the masked segments (after migration: every movable page; oracle: all but clean cache). */
  readonly pagesMoved: Figures<number>;
  /** Clean page-cache pages the oracle drops. */
  readonly cleanDropped: number;
}

export interface PasrEstimate {
  readonly target: string;
  readonly segments: readonly SegmentReport[];
  readonly saving: Saving;
  readonly ifUnknownEmpty: Saving;
  readonly temperatureC: number;
  readonly arrayShare: { readonly mid: number; readonly low: number; readonly high: number };
}

/** A saving model: the self-refresh power saved, default and band, for a set of masked segments. */
type PowerModel = (masked: Uint8Array) => { mid: number; low: number; high: number };

/** The RAM laid end to end, cut into segments of `bytes` (the last one may be short). */
export function segmentSpecs(layout: RamLayout, bytes: number): SegmentSpec[] {
  const per = bytes / layout.pageSize;
  const out: SegmentSpec[] = [];
  for (let from = 0, i = 0; from < layout.pages; from += per, i++) {
    const to = Math.min(layout.pages, from + per);
    out.push({
      index: i,
      label: `segment ${i}`,
      ram: [{ from, to }],
      usable: true,
      arrayBytes: (to - from) * layout.pageSize,
    });
  }
  return out;
}

/**
 * A board's PASR units over the machine's RAM, the RAM stretched onto the board's DRAM in order
 * (boardToMachine()): unit u holds the machine pages that land on its board page frames. Sub-page
 * units hold no whole page frame: unusable, and the machine pages on board frames they share stay
 * outside every unit.
 */
export function boardSpecs(board: Board, map: PasrMap, layout: RamLayout): SegmentSpec[] {
  const cfg = board.config;
  const page = cfg.kernel.pageSize;
  const basePfn = cfg.dramBase / page;
  const boardPages = cfg.dramSize / page;
  return map.units.map((u) => {
    const ram: { from: number; to: number }[] = [];
    if (u.usable)
      for (const r of u.ranges) {
        const m = boardToMachine(r.startPfn - basePfn, r.endPfn - basePfn, boardPages, layout.pages);
        if (m.from >= m.to) continue;
        const last = ram[ram.length - 1];
        if (last && last.to === m.from) last.to = m.to;
        else ram.push({ ...m });
      }
    return {
      index: u.index,
      label: `unit ${u.index}: ${u.register} bit ${u.bit} on ${u.dies.join(' ')}`,
      ram,
      usable: u.usable,
      arrayBytes: u.bytes,
      dies: u.dies,
      bit: u.bit,
      register: u.register,
    };
  });
}

function stateOf(usable: boolean, k: Float64Array): SegmentState {
  if (!usable) return 'unusable';
  const unmovable =
    k[FrameKind.SLAB]! +
    k[FrameKind.PGTABLE]! +
    k[FrameKind.UNEVICTABLE]! +
    k[FrameKind.HUGETLB]! +
    k[FrameKind.KERNEL]! +
    k[FrameKind.RESERVED]!;
  if (unmovable > 0) return 'pinned';
  if (k[FrameKind.UNKNOWN]! > 0) return 'unknown';
  return k[FrameKind.ANON]! + k[FrameKind.FILE_CLEAN]! + k[FrameKind.FILE_DIRTY]! > 0 ? 'movable' : 'free';
}

/** Pages of each kind over laid-out RAM ranges. */
function countKinds(kinds: Uint8Array, layout: RamLayout, ram: SegmentSpec['ram']): Float64Array {
  const k = new Float64Array(NR_FRAME_KINDS);
  for (const { from, to } of ram)
    for (const r of layout.pfnRanges(from, to)) for (let p = r.startPfn; p < r.endPfn; p++) k[kinds[p]!]!++;
  return k;
}

const sumClass = (k: Float64Array, cls: string): number => {
  let n = 0;
  for (let i = 0; i < NR_FRAME_KINDS; i++) if (CLASS_OF_KIND[i] === cls) n += k[i]!;
  return n;
};

/** The three masked sets and what they save, with unknown pages read one way. */
function savingOf(
  specs: readonly SegmentSpec[],
  counts: readonly Float64Array[],
  total: Float64Array,
  unknownPins: boolean,
  power: PowerModel,
): Saving {
  const n = specs.length;
  const unk = FrameKind.UNKNOWN;
  const unit = (s: SegmentSpec, dropClean: boolean): PackUnit => {
    const k = counts[s.index]!;
    const free = k[FrameKind.FREE]! + (unknownPins ? 0 : k[unk]!);
    const fixed = sumClass(k, 'unmovable') + sumClass(k, 'reserved') + (unknownPins ? k[unk]! : 0);
    const live = sumClass(k, 'movable') + fixed;
    return {
      unit: s.index,
      pages: free + live,
      free,
      held: 0,
      fileClean: dropClean ? k[FrameKind.FILE_CLEAN]! : 0,
      live,
      pinned: fixed > 0,
    };
  };
  const usable = specs.filter((s) => s.usable);
  const freeTotal = total[FrameKind.FREE]! + (unknownPins ? 0 : total[unk]!);
  const now = new Uint8Array(n);
  for (const s of usable) if (unit(s, false).live === 0) now[s.index] = 1;
  const after = packUnits(
    usable.map((s) => unit(s, false)),
    n,
    freeTotal,
    0,
  );
  const oracle = packUnits(
    usable.map((s) => unit(s, true)),
    n,
    freeTotal,
    total[FrameKind.FILE_CLEAN]!,
  );
  const sets = { now, afterMigration: after, oracle };
  const arrayBytes = specs.reduce((s, x) => s + x.arrayBytes, 0);
  const list = (m: Uint8Array) => specs.filter((s) => m[s.index]).map((s) => s.index);
  const unrefreshed = (m: Uint8Array) =>
    (100 * specs.filter((s) => m[s.index]).reduce((a, s) => a + s.arrayBytes, 0)) / arrayBytes;
  const moved = (m: Uint8Array, dropClean: boolean) =>
    specs
      .filter((s) => m[s.index])
      .reduce(
        (a, s) => a + sumClass(counts[s.index]!, 'movable') - (dropClean ? counts[s.index]![FrameKind.FILE_CLEAN]! : 0),
        0,
      );
  const figures = <T>(f: (m: Uint8Array, key: keyof typeof sets) => T): Figures<T> => ({
    now: f(sets.now, 'now'),
    afterMigration: f(sets.afterMigration, 'afterMigration'),
    oracle: f(sets.oracle, 'oracle'),
  });
  const p = figures((m) => power(m));
  return {
    masked: figures(list),
    savingPercent: { now: p.now.mid, afterMigration: p.afterMigration.mid, oracle: p.oracle.mid },
    savingBand: {
      now: { low: p.now.low, high: p.now.high },
      afterMigration: { low: p.afterMigration.low, high: p.afterMigration.high },
      oracle: { low: p.oracle.low, high: p.oracle.high },
    },
    arrayUnrefreshedPercent: figures(unrefreshed),
    pagesMoved: figures((m, key) => moved(m, key === 'oracle')),
    cleanDropped: specs
      .filter((s) => sets.oracle[s.index])
      .reduce((a, s) => a + counts[s.index]![FrameKind.FILE_CLEAN]!, 0),
  };
}

/** Self-refresh saving of masked segments of a plain array: unrefreshed share x arrayShare. */
export function arrayPowerModel(specs: readonly SegmentSpec[], temperatureC: number): PowerModel {
  const s = arrayShareAt(temperatureC);
  const total = specs.reduce((a, x) => a + x.arrayBytes, 0);
  return (masked) => {
    const share = specs.filter((x) => masked[x.index]).reduce((a, x) => a + x.arrayBytes, 0) / total;
    return { mid: 100 * share * s.mid, low: 100 * share * s.low, high: 100 * share * s.high };
  };
}

/**
 * Self-refresh saving on a board: every die at the refreshed fraction its masked units leave
 * (1 - masked bits / its segments or banks), against every die fully refreshed, through the
 * energy meter (one second of each; the ratio does not depend on the length).
 */
export function boardPowerModel(board: Board, map: PasrMap, temperatureC: number | undefined): PowerModel {
  const opts = temperatureC === undefined ? {} : { temperatureC };
  const full = new EnergyMeter(board, opts);
  full.selfRefresh(1e9, Object.fromEntries(board.dies.map((d) => [d.id, 1])));
  const fullJ = full.report().selfRefreshJ;
  const unitsPerDie = (id: string): number =>
    map.register === 'MR16' ? board.addressMap.banks : board.addressMap.segmentsOf(id);
  return (masked) => {
    const bits = new Map<string, number>();
    for (const u of map.units) if (masked[u.index]) for (const d of u.dies) bits.set(d, (bits.get(d) ?? 0) + 1);
    const m = new EnergyMeter(board, opts);
    m.selfRefresh(
      1e9,
      Object.fromEntries(board.dies.map((d) => [d.id, 1 - (bits.get(d.id) ?? 0) / unitsPerDie(d.id)])),
    );
    const j = m.report().selfRefreshJ;
    return {
      mid: (100 * (fullJ.mid - j.mid)) / fullJ.mid,
      low: (100 * (fullJ.low - j.low)) / fullJ.low,
      high: (100 * (fullJ.high - j.high)) / fullJ.high,
    };
  };
}

export function estimatePasr(
  kinds: Uint8Array,
  layout: RamLayout,
  specs: readonly SegmentSpec[],
  target: string,
  power: PowerModel,
  temperatureC: number,
): PasrEstimate {
  const counts = specs.map((s) => countKinds(kinds, layout, s.ram));
  const total = countKinds(kinds, layout, [{ from: 0, to: layout.pages }]);
  const segments: SegmentReport[] = specs.map((s) => {
    const k = counts[s.index]!;
    const ranges =
      s.dies === undefined
        ? s.ram.flatMap((r) =>
            layout.pfnRanges(r.from, r.to).map((p) => ({
              start: p.startPfn * layout.pageSize,
              end: p.endPfn * layout.pageSize,
            })),
          )
        : undefined;
    return {
      index: s.index,
      label: s.label,
      usable: s.usable,
      arrayBytes: s.arrayBytes,
      pages: s.ram.reduce((a, r) => a + r.to - r.from, 0),
      freePages: k[FrameKind.FREE]!,
      movablePages: sumClass(k, 'movable'),
      fileCleanPages: k[FrameKind.FILE_CLEAN]!,
      unmovablePages: sumClass(k, 'unmovable'),
      reservedPages: k[FrameKind.RESERVED]!,
      unknownPages: k[FrameKind.UNKNOWN]!,
      emptyPages: k[FrameKind.OFFLINE]! + k[FrameKind.NOPAGE]!,
      state: stateOf(s.usable, k),
      ...(s.dies !== undefined ? { dies: s.dies, bit: s.bit!, register: s.register! } : {}),
      ...(ranges ? { ranges } : {}),
    };
  });
  const share = arrayShareAt(temperatureC);
  return {
    target,
    segments,
    saving: savingOf(specs, counts, total, true, power),
    ifUnknownEmpty: savingOf(specs, counts, total, false, power),
    temperatureC,
    arrayShare: { mid: share.mid, low: share.low, high: share.high },
  };
}

/**
 * Invariants of an estimate (throws with the first violation):
 *  (a) segments hold disjoint parts of the RAM: their pages add up to at most ramPages (exactly,
 *      with every class adding up, when no segment is unusable: segments of a size);
 *  (b) every masked segment is usable and holds no unmovable or reserved page, and, in the safe
 *      reading, no unknown page;
 *  (c) a segment masked now holds no movable page either;
 *  (d) the pages to move fit: after migration, the movable pages of the masked segments are at
 *      most the free pages left refreshed (in other segments or outside every segment); for the
 *      oracle, their movable pages but clean page cache are at most those free pages plus the
 *      clean page cache left refreshed;
 *  (e) every band holds its default: low <= mid <= high.
 */
export function checkPasrEstimate(
  e: PasrEstimate,
  ram: {
    readonly ramPages: number;
    readonly classes: Readonly<Record<string, number>>;
    readonly kinds: Readonly<Record<string, number>>;
  },
): void {
  const segs = e.segments;
  const total = segs.reduce((a, s) => a + s.pages, 0);
  if (total > ram.ramPages) throw new Error(`segments hold ${total} pages, the RAM has ${ram.ramPages}`);
  if (segs.every((s) => s.usable && s.ranges !== undefined)) {
    if (total !== ram.ramPages) throw new Error(`segments hold ${total} pages, the RAM has ${ram.ramPages}`);
    const sum = (f: (s: SegmentReport) => number) => segs.reduce((a, s) => a + f(s), 0);
    for (const [name, got] of [
      ['free', sum((s) => s.freePages)],
      ['movable', sum((s) => s.movablePages)],
      ['unmovable', sum((s) => s.unmovablePages)],
      ['reserved', sum((s) => s.reservedPages)],
      ['unknown', sum((s) => s.unknownPages)],
    ] as const)
      if (got !== ram.classes[name])
        throw new Error(`segments hold ${got} ${name} pages, the RAM ${ram.classes[name]}`);
  }
  const freeAll = ram.classes['free']!;
  const unknownAll = ram.classes['unknown']!;
  const cleanAll = ram.kinds['fileClean']!;
  for (const [reading, saving, unknownPins] of [
    ['safe', e.saving, true],
    ['if unknown pages hold no data', e.ifUnknownEmpty, false],
  ] as const) {
    const freeOf = (s: SegmentReport) => s.freePages + (unknownPins ? 0 : s.unknownPages);
    for (const key of ['now', 'afterMigration', 'oracle'] as const) {
      const masked = new Set(saving.masked[key]);
      let moved = 0;
      let room = freeAll + (unknownPins ? 0 : unknownAll);
      let clean = 0;
      for (const s of segs) {
        if (!masked.has(s.index)) continue;
        const where = `${reading}, ${key}: segment ${s.index}`;
        if (!s.usable) throw new Error(`${where} is masked but unusable`);
        if (s.unmovablePages + s.reservedPages > 0) throw new Error(`${where} is masked with unmovable pages`);
        if (unknownPins && s.unknownPages > 0) throw new Error(`${where} is masked with unknown pages`);
        if (key === 'now' && s.movablePages > 0) throw new Error(`${where} is masked now with movable pages`);
        moved += s.movablePages - (key === 'oracle' ? s.fileCleanPages : 0);
        room -= freeOf(s);
        clean += s.fileCleanPages;
      }
      if (key === 'oracle') room += cleanAll - clean;
      if (moved > room) throw new Error(`${reading}, ${key}: ${moved} pages to move, room for ${room}`);
      const b = saving.savingBand[key];
      const mid = saving.savingPercent[key];
      if (!(b.low <= mid + 1e-9 && mid <= b.high + 1e-9))
        throw new Error(`${reading}, ${key}: saving ${mid} % outside its band ${b.low}-${b.high} %`);
    }
  }
}
