/**
 * The oracle: the bound no real policy can beat. At each suspend it packs the live pages into as
 * few PASR units as the pages that cannot move allow, at no cost, and meters the self-refresh as
 * if every other unit were masked. It programs nothing and moves nothing, so the run's state is
 * the baseline's: its saving is the most this board and workload allow at each suspend.
 *
 * Packing (oraclePack(), packUnits() over plain counts): a unit with unmovable, pinned or reclaimable-slab pages stays
 * refreshed (slab can be shrunk, not moved); so does memory outside every usable unit. Clean page
 * cache is dropped, as a policy may do (alloc_contig_range() drops it rather than moving it), so
 * it needs no room and its frames are room. The other movable live pages (anon, dirty page
 * cache) go first into the free room of the refreshed memory, then into as few further units as
 * hold them, largest first. Every unit left is masked.
 */
import { PageKind } from '../../mm/page-flags.js';
import type { PasrCensus } from '../census.js';
import type { PasrMap } from '../pasr-map.js';
import type { PasrPolicy, PolicyContext } from '../policy.js';

/** What the packing needs of one usable unit. */
export interface PackUnit {
  readonly unit: number;
  /** Frames that hold or can hold a page: free + live + held. */
  readonly pages: number;
  readonly free: number;
  /** Balloon and offline pages a policy holds (no data; room once given back). */
  readonly held: number;
  /** Clean page cache: dropped rather than moved. */
  readonly fileClean: number;
  /** Pages holding data. */
  readonly live: number;
  /** Holds a page that cannot move (unmovable, pinned, slab). */
  readonly pinned: boolean;
}

/**
 * The packing of oraclePack() over plain counts: `units` are the usable units, `freeFrames` and
 * `cleanFrames` the free and clean page-cache frames everywhere (inside units or not). Returns a
 * mask flag per unit index (`unitCount` of them).
 */
export function packUnits(
  units: readonly PackUnit[],
  unitCount: number,
  freeFrames: number,
  cleanFrames: number,
): Uint8Array {
  const masked = new Uint8Array(unitCount);
  // Every free frame and clean page-cache frame is room to start with; those of candidate units
  // come off below.
  let roomOutside = freeFrames + cleanFrames;
  let toPlace = 0;
  const movable: { unit: number; pages: number }[] = [];
  for (const c of units) {
    roomOutside -= c.free + c.fileClean;
    if (c.pinned) {
      roomOutside += c.free + c.held + c.fileClean;
      continue;
    }
    toPlace += c.live - c.fileClean;
    movable.push({ unit: c.unit, pages: c.pages });
  }
  // Free frames outside usable units are room too (roomOutside started from all free pages).
  let room = roomOutside;
  movable.sort((a, b) => b.pages - a.pages || a.unit - b.unit);
  for (const m of movable) {
    if (room >= toPlace) masked[m.unit] = 1;
    else room += m.pages;
  }
  return masked;
}

export function oraclePack(census: PasrCensus, map: PasrMap): Uint8Array {
  const units = map.units
    .filter((u) => u.usable)
    .map((u): PackUnit => {
      const c = census.unit(u.index);
      return {
        unit: u.index,
        pages: c.pages,
        free: c.free,
        held: c.held,
        fileClean: c.fileClean,
        live: c.live,
        pinned: c.unmovable + c.slab + c.pinned > 0,
      };
    });
  return packUnits(units, map.units.length, freeFrames(census), cleanFrames(census));
}

/** Clean page-cache frames, everywhere. */
function cleanFrames(census: PasrCensus): number {
  const kc = census.mm.census;
  let n = 0;
  for (let z = 0; z < census.mm.pa.zones.length; z++) n += kc.zoneKind(z, PageKind.FILE_CLEAN);
  return n;
}

/** Frames not allocated: buddy and per-cpu lists, isolated free pages. */
function freeFrames(census: PasrCensus): number {
  const kc = census.mm.census;
  let used = 0;
  for (let i = 0; i < kc.count.length; i++) used += kc.count[i]!;
  return census.mm.memmap.nrPages - used;
}

export function oraclePolicy(): PasrPolicy {
  let ctx: PolicyContext;
  let masks: Uint8Array | null = null;
  return {
    name: 'oracle',
    attach(c) {
      ctx = c;
    },
    cannotAct() {
      return ctx.map.units.some((u) => u.usable) ? null : 'no usable PASR unit on this board';
    },
    beforeSuspend() {
      masks = oraclePack(ctx.census, ctx.map);
      let n = 0;
      for (const m of masks) n += m;
      ctx.decide('pack', `${n} of ${ctx.map.units.filter((u) => u.usable).length} units could be masked`);
    },
    afterResume() {
      masks = null;
    },
    virtualMasks() {
      return masks;
    },
  };
}
