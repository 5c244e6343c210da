/**
 * The PASR balloon driver: it takes whole PASR units out of the kernel's hands and gives them
 * back, as Mel Gorman proposed for PASR in 2012 (linux-mm.md §1.8): a balloon that holds the
 * memory of a unit, so the unit can stop being refreshed.
 *
 * inflate(unit): every range of the unit (split at zone boundaries) goes through
 * alloc_contig_range() with the balloon page kind (mech.contig, linux-mm.md §4.2): its pageblocks
 * are isolated, clean page cache is dropped, other movable pages are migrated out, and every
 * frame becomes a balloon page (kind BALLOON: held, never moved, never handed out; the census
 * counts it as held, not live). The balloon's per-page cost (balloon.inflatePageNs) is charged on
 * top of the migration and discard costs alloc_contig_range charges. Then the PASR core masks
 * the unit, and the mode-register writes it caused are charged (mrw.ns, mrw.energyJ).
 * If a range stays busy, the ranges already taken are freed again: nothing is masked, nothing
 * stays held.
 *
 * release(unit): the unit leaves the balloon's books, the core unmasks it, then every frame is
 * freed to the buddy allocator (balloon.deflatePageNs per page). The time from the call to the
 * last free is the deflate latency. (Mask programs advance the clock, so the daemons' alarms may
 * run in the middle of an inflation or a release: the books are kept so that they see a unit
 * either held or not, never twice.)
 *
 * Invariants (checkInvariants()):
 *  (a) held[u] = 1 exactly for the units in heldOrder, each once;
 *  (b) a held unit is masked by the core and every frame of it is a balloon page (census: held =
 *      pages, live = 0);
 *  (c) no balloon page lies outside the held units, and `pages` is the sum of the held units'
 *      frames.
 */
import type { MmMechanisms } from '../mm/mechanisms.js';
import { PageKind } from '../mm/page-flags.js';
import type { TraceBus } from '../../hal/trace/trace-bus.js';
import type { PasrCensus } from './census.js';
import type { PasrCore } from './core.js';
import type { PasrMap } from './pasr-map.js';

export type InflateOutcome =
  | { ok: true; unit: number; migrated: number; discarded: number; ns: number }
  | {
      ok: false;
      unit: number;
      /** alloc_contig_range()'s reason ('busy', 'unmovable page', ...) or the core's refusal. */
      reason: string;
      detail: string;
      migrated: number;
      discarded: number;
      ns: number;
    };

export interface ReleaseOutcome {
  readonly unit: number;
  readonly pages: number;
  /** From the call to the memory being back in the buddy allocator (ns). */
  readonly ns: number;
}

export class PasrBalloon {
  /** 1 for every unit the balloon holds. */
  readonly held: Uint8Array;
  /** Held units, oldest inflation first. */
  private readonly heldOrder: number[] = [];
  private heldPages = 0;
  private mrwSeen = 0;
  private countingMrw = false;
  /** Pieces [start, end) of each unit, cut at zone boundaries. */
  private readonly pieces: (readonly [number, number])[][];

  constructor(
    readonly map: PasrMap,
    readonly census: PasrCensus,
    readonly core: PasrCore,
    readonly mech: MmMechanisms,
    trace: TraceBus,
    /** Who masks (the policy's name on `pasr.mask` events). */
    readonly owner: string,
  ) {
    this.held = new Uint8Array(map.units.length);
    const zones = mech.mm.pa.zones.filter((z) => z.populated);
    this.pieces = map.units.map((u) => {
      const out: [number, number][] = [];
      for (const r of u.ranges) {
        for (const z of zones) {
          const s = Math.max(r.startPfn, z.zoneStartPfn);
          const e = Math.min(r.endPfn, z.endPfn);
          if (s < e) out.push([s, e]);
        }
      }
      return out.sort((a, b) => a[0] - b[0]);
    });
    trace.subscribe((e) => {
      if (this.countingMrw && e.kind === 'dram.mrw') this.mrwSeen++;
    });
  }

  /** Balloon pages held. */
  get pages(): number {
    return this.heldPages;
  }

  /** Held units, oldest inflation first. */
  heldUnits(): readonly number[] {
    return this.heldOrder;
  }

  isHeld(unit: number): boolean {
    return this.held[unit] === 1;
  }

  /** Take every frame of a unit and mask it. */
  inflate(unit: number): InflateOutcome {
    const u = this.map.units[unit];
    if (u === undefined || !u.usable) throw new RangeError(`balloon: unit ${unit} is not a usable PASR unit`);
    if (this.held[unit]) throw new Error(`balloon: unit ${unit} is already held`);
    const ledger = this.mech.ledger;
    const costs = this.mech.costs;
    const t0 = ledger.nowNs;
    let migrated = 0;
    let discarded = 0;
    return ledger.run((): InflateOutcome => {
      const taken: (readonly [number, number])[] = [];
      const giveBack = (): void => {
        for (const [s, e] of taken) this.mech.contig.freeContigRange(s, e - s);
      };
      for (const piece of this.pieces[unit]!) {
        const r = this.mech.contig.allocContigRange(piece[0], piece[1], { kind: PageKind.BALLOON });
        migrated += r.migrated;
        discarded += r.discarded;
        if (!r.ok) {
          giveBack();
          return { ok: false, unit, reason: r.reason, detail: r.detail, migrated, discarded, ns: ledger.nowNs - t0 };
        }
        taken.push(piece);
      }
      ledger.charge('balloon-inflate', costs.perPage('balloon.inflatePageNs') * u.pfnCount, u.pfnCount);
      const masked = this.withMrwCharged(() => this.core.mask(unit, this.owner));
      if (!masked.ok) {
        giveBack();
        return {
          ok: false,
          unit,
          reason: 'mask refused',
          detail: masked.reason,
          migrated,
          discarded,
          ns: ledger.nowNs - t0,
        };
      }
      this.held[unit] = 1;
      this.heldOrder.push(unit);
      this.heldPages += u.pfnCount;
      return { ok: true, unit, migrated, discarded, ns: ledger.nowNs - t0 };
    });
  }

  /** Unmask a held unit, then give its frames back to the buddy allocator. */
  release(unit: number): ReleaseOutcome {
    if (!this.held[unit]) throw new Error(`balloon: unit ${unit} is not held`);
    const u = this.map.units[unit]!;
    const ledger = this.mech.ledger;
    const t0 = ledger.nowNs;
    // The unit leaves the balloon's books first: the mask program advances the clock, and
    // whatever runs on its alarms meanwhile (kswapd, and this balloon's shrinker) must not
    // release it a second time.
    this.held[unit] = 0;
    this.heldOrder.splice(this.heldOrder.indexOf(unit), 1);
    this.heldPages -= u.pfnCount;
    return ledger.run((): ReleaseOutcome => {
      this.withMrwCharged(() => this.core.unmask(unit, this.owner));
      for (const [s, e] of this.pieces[unit]!) this.mech.contig.freeContigRange(s, e - s);
      ledger.charge('balloon-deflate', this.mech.costs.perPage('balloon.deflatePageNs') * u.pfnCount, u.pfnCount);
      return { unit, pages: u.pfnCount, ns: ledger.nowNs - t0 };
    });
  }

  /** Run a mask change and charge the mode-register writes it caused. */
  private withMrwCharged<T>(fn: () => T): T {
    this.mrwSeen = 0;
    this.countingMrw = true;
    let r: T;
    try {
      r = fn();
    } finally {
      this.countingMrw = false;
    }
    const n = this.mrwSeen;
    if (n > 0) {
      const costs = this.mech.costs;
      const ns = costs.get('mrw.ns') * n;
      this.mech.ledger.charge('balloon-mrw', ns, n, costs.energyJ(ns) + costs.get('mrw.energyJ') * n);
    }
    return r;
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`balloon invariant violated: ${m}`);
    };
    let n = 0;
    let pages = 0;
    const seen = new Uint8Array(this.held.length);
    for (const u of this.heldOrder) {
      if (seen[u]) fail(`unit ${u} listed twice`);
      seen[u] = 1;
      if (!this.held[u]) fail(`unit ${u} listed but not flagged held`);
    }
    for (let u = 0; u < this.held.length; u++) {
      const balloonPages = this.census.kindPages(u, PageKind.BALLOON);
      if (!this.held[u]) {
        if (seen[u]) fail(`unit ${u} flagged free but listed`);
        if (balloonPages > 0) fail(`unit ${u} is not held but holds ${balloonPages} balloon pages`);
        continue;
      }
      n++;
      const unit = this.map.units[u]!;
      pages += unit.pfnCount;
      if (!this.core.isMasked(u)) fail(`held unit ${u} is not masked`);
      if (balloonPages !== unit.pfnCount) fail(`held unit ${u} has ${balloonPages} of ${unit.pfnCount} balloon pages`);
    }
    if (n !== this.heldOrder.length) fail(`${n} units flagged held, ${this.heldOrder.length} listed`);
    if (pages !== this.heldPages) fail(`counts ${this.heldPages} pages, its units hold ${pages}`);
    // Balloon pages outside every usable unit.
    let total = 0;
    for (let u = 0; u < this.held.length; u++) total += this.census.kindPages(u, PageKind.BALLOON);
    let everywhere = 0;
    for (let z = 0; z < this.mech.mm.pa.zones.length; z++)
      everywhere += this.mech.mm.census.zoneKind(z, PageKind.BALLOON);
    if (everywhere !== total) fail(`${everywhere - total} balloon pages lie outside the PASR units`);
  }
}
