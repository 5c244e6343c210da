/**
 * rfc-hooks: the 2012 PASR RFC (Maxime Coquelin, ST-Ericsson, RFCv1 2-3/6) as posted
 * (shared/reference/linux-mm.md §1.2-1.4, §1.7).
 *
 * The RFC counted free memory per PASR section from hooks in the buddy allocator:
 * pasr_kput()/pasr_kget() fire only for blocks of the maximum order (MAX_ORDER-1 then,
 * MAX_PAGE_ORDER now: 4 MiB with 4 KiB pages) entering or leaving the buddy free lists (a freed
 * or merged max-order block; a max-order block allocated, split, isolated or offlined). A
 * section whose free count reaches its size is masked at once (pasr_put -> pasr_update_mask ->
 * apply_mask, from inside the allocator call); a max-order block leaving a fully free section
 * unmasks the section first (pasr_get), then the block is used. Per-cpu lists are not hooked:
 * pages sitting there, and free blocks smaller than the maximum order, do not count as free.
 * It never moves a page: it masks what happens to be free.
 *
 * Here a section is one usable PASR unit of the map: the map already puts interleaved dies in
 * one group, so a unit is an RFC section together with its `interleaved=` partners, masked
 * together (both halves 100 % free in the RFC = the unit 100 % free here). The allocator's
 * free-list observer (PageAllocator.freeListHook) is the hook; each pasr_put/pasr_get is
 * charged `alloc.rfcHookNs` to the ledger item `alloc-hook.rfc`, and the register program of
 * each mask change made from the allocator (the time its delays and polls took) to
 * `alloc-hook.rfc-mask`: both make the run's allocatorNsPerOp. Register programs run in the
 * clock's atomic scope (the callback "must not sleep": the controller answers, no daemon runs
 * inside the allocator, even when the allocator was called from kswapd or kcompactd).
 *
 * Option `mask`: `immediate` (the RFC) masks and unmasks from the hooks; `suspend` keeps the
 * same counters but masks the fully free sections only before suspend (unmasking still from
 * the hooks, before a page is handed out), to show what the RFC's immediate masking costs.
 *
 * Invariants (checkInvariants()):
 *  (a) freePages[s] = pages of unit s inside MAX_PAGE_ORDER blocks on the buddy free lists
 *      (a recount from the memmap);
 *  (b) immediate: unit s is masked exactly when freePages[s] = its pages; suspend: a masked
 *      unit has freePages[s] = its pages;
 *  (c) freePages[s] <= the census's free pages of s (pcp pages and smaller free blocks are
 *      free to the census, not to the hooks), so a unit the hooks count 100 % free has census
 *      free = its pages and no live page.
 */
import type { PasrPolicy, PolicyContext } from '../policy.js';

const NAME = 'rfc-hooks';

export function rfcHooksPolicy(options: Readonly<Record<string, string>>): PasrPolicy {
  const immediate = (options.mask ?? 'immediate') === 'immediate';
  let ctx: PolicyContext;
  /** Pages of each unit in free max-order blocks (the RFC's free_size, in pages). */
  let freePages: Float64Array = new Float64Array(0);
  let sectionPages = new Float64Array(0);
  /**
   * Which units each max-order block of DRAM lies in, as compressed rows: block b's pieces are
   * pieceUnit/piecePages[blockFirst[b] .. blockFirst[b + 1]) (usually one piece, the whole block).
   */
  let blockFirst = new Int32Array(0);
  let pieceUnit = new Int32Array(0);
  let piecePages = new Int32Array(0);
  let maxOrder = 0;
  let firstBlock = 0;
  const stats = {
    hookCalls: 0,
    kput: 0,
    kget: 0,
    masksInAllocator: 0,
    unmasksInAllocator: 0,
    masksAtSuspend: 0,
    bootMasked: 0,
    mrwOfMaskChanges: 0,
    maskProgramNsInAllocator: 0,
    maxMaskProgramNs: 0,
  };
  let mrwSeen = 0;
  let chargeHook = (): void => {};

  /**
   * pasr_update_mask() -> apply_mask(): program a mask change at once, in atomic context (the
   * RFC's callback "must not sleep"). The program's time (its delays and polls moved the clock)
   * and its MRWs are recorded in the ledger: to `alloc-hook.rfc-mask` when the allocator made
   * the change (it waited for it), to `rfc-mask` otherwise (boot, suspend).
   */
  function change(unit: number, on: boolean, fromAllocator: boolean): void {
    const mrw0 = mrwSeen;
    const t0 = ctx.clock.nowNs;
    ctx.clock.atomic(() => {
      if (!on) return ctx.core.unmask(unit, NAME);
      const r = ctx.core.mask(unit, NAME);
      if (!r.ok)
        throw new Error(`${NAME}: the hooks count unit ${unit} 100 % free, the PASR core refused: ${r.reason}`);
    });
    const mrws = mrwSeen - mrw0;
    const ns = ctx.clock.nowNs - t0;
    const costs = ctx.mech.ledger.costs;
    const joules = costs.energyJ(ns) + mrws * costs.get('mrw.energyJ');
    ctx.mech.ledger.recordElapsed(fromAllocator ? 'alloc-hook.rfc-mask' : 'rfc-mask', ns, 1, joules);
    stats.mrwOfMaskChanges += mrws;
    if (!fromAllocator) return;
    stats.maskProgramNsInAllocator += ns;
    stats.maxMaskProgramNs = Math.max(stats.maxMaskProgramNs, ns);
    if (on) stats.masksInAllocator++;
    else stats.unmasksInAllocator++;
  }

  /** pasr_put() (delta +1) / pasr_get() (delta -1) of the max-order block at pfn. */
  function putGet(pfn: number, delta: 1 | -1): void {
    stats.hookCalls++;
    if (delta > 0) stats.kput++;
    else stats.kget++;
    ctx.clock.atomic(chargeHook);
    const b = (pfn >> maxOrder) - firstBlock;
    for (let i = blockFirst[b]!; i < blockFirst[b + 1]!; i++) {
      const u = pieceUnit[i]!;
      const n = piecePages[i]!;
      if (delta > 0) {
        freePages[u]! += n;
        if (freePages[u]! > sectionPages[u]!)
          throw new Error(`${NAME}: unit ${u} counts ${freePages[u]} free pages, it has ${sectionPages[u]}`);
        if (immediate && freePages[u] === sectionPages[u]) change(u, true, true);
      } else {
        // A fully free section is unmasked before the block is used (pasr_get).
        if (freePages[u] === sectionPages[u] && ctx.core.isMasked(u)) change(u, false, true);
        freePages[u]! -= n;
        if (freePages[u]! < 0) throw new Error(`${NAME}: unit ${u} counts ${freePages[u]} free pages`);
      }
    }
  }

  /** Pages of each unit in free max-order blocks, from the memmap (the reference of (a)). */
  function recount(): Float64Array {
    const mm = ctx.mm;
    const out = new Float64Array(ctx.map.units.length);
    const step = 2 ** maxOrder;
    const start = Math.ceil(mm.startPfn / step) * step;
    for (let pfn = start; pfn + step <= mm.endPfn; pfn += step) {
      if (!mm.isBuddy(pfn) || mm.buddyOrder(pfn) !== maxOrder) continue;
      const b = (pfn >> maxOrder) - firstBlock;
      for (let i = blockFirst[b]!; i < blockFirst[b + 1]!; i++) out[pieceUnit[i]!]! += piecePages[i]!;
    }
    return out;
  }

  function buildBlockMap(): void {
    const mm = ctx.mm;
    const step = 2 ** maxOrder;
    firstBlock = Math.floor(mm.startPfn / step);
    const nBlocks = Math.ceil(mm.endPfn / step) - firstBlock;
    const pieces: { block: number; unit: number; pages: number }[] = [];
    for (const u of ctx.map.units) {
      if (!u.usable) continue;
      for (const r of u.ranges) {
        for (let p = r.startPfn; p < r.endPfn; ) {
          const b = Math.floor(p / step);
          const end = Math.min(r.endPfn, (b + 1) * step);
          pieces.push({ block: b - firstBlock, unit: u.index, pages: end - p });
          p = end;
        }
      }
    }
    pieces.sort((a, b) => a.block - b.block || a.unit - b.unit);
    // Merge pieces of one unit in one block (a strided unit can touch a block several times).
    const merged: typeof pieces = [];
    for (const p of pieces) {
      const last = merged[merged.length - 1];
      if (last && last.block === p.block && last.unit === p.unit) last.pages += p.pages;
      else merged.push({ ...p });
    }
    blockFirst = new Int32Array(nBlocks + 1);
    pieceUnit = Int32Array.from(merged, (p) => p.unit);
    piecePages = Int32Array.from(merged, (p) => p.pages);
    for (const p of merged) blockFirst[p.block + 1]!++;
    for (let b = 0; b < nBlocks; b++) blockFirst[b + 1]! += blockFirst[b]!;
  }

  return {
    name: NAME,
    attach(c) {
      ctx = c;
      maxOrder = ctx.mm.maxOrder;
      freePages = new Float64Array(ctx.map.units.length);
      sectionPages = Float64Array.from(ctx.map.units, (u) => (u.usable ? u.pfnCount : 0));
      buildBlockMap();
      // early_pasr_setup() runs before the allocator frees memory at boot: its puts are the
      // max-order blocks on the lists now. Sections 100 % free at boot are masked now.
      freePages = recount();
      ctx.trace.subscribe((e) => {
        if (e.kind === 'dram.mrw') mrwSeen++;
      });
      if (immediate) {
        for (const u of ctx.map.units) {
          if (u.usable && freePages[u.index] === sectionPages[u.index]) {
            change(u.index, true, false);
            stats.bootMasked++;
          }
        }
      }
      const ledger = ctx.mech.ledger;
      const hookNs = ledger.costs.get('alloc.rfcHookNs');
      chargeHook = () => ledger.charge('alloc-hook.rfc', hookNs);
      ctx.mm.freeListHook = (pfn, order, delta) => {
        if (order === maxOrder) putGet(pfn, delta);
      };
    },
    cannotAct() {
      if (!ctx.map.units.some((u) => u.usable)) return 'no usable PASR unit on this board';
      return null;
    },
    beforeSuspend() {
      if (immediate) return;
      for (const u of ctx.map.units) {
        if (!u.usable || ctx.core.isMasked(u.index) || freePages[u.index] !== sectionPages[u.index]) continue;
        change(u.index, true, false);
        stats.masksAtSuspend++;
      }
    },
    stats() {
      let full = 0;
      for (const u of ctx.map.units) if (u.usable && freePages[u.index] === sectionPages[u.index]) full++;
      return { ...stats, sectionsFullyFree: full };
    },
    checkInvariants() {
      const want = recount();
      for (const u of ctx.map.units) {
        const s = u.index;
        if (want[s] !== freePages[s])
          throw new Error(
            `${NAME} invariant violated: unit ${s} counts ${freePages[s]} free pages in max-order blocks, the lists hold ${want[s]}`,
          );
        if (!u.usable) continue;
        const full = freePages[s] === sectionPages[s];
        const masked = ctx.core.isMasked(s);
        if (masked && !full)
          throw new Error(
            `${NAME} invariant violated: unit ${s} is masked with ${freePages[s]} of ${sectionPages[s]} pages free`,
          );
        if (immediate && full && !masked)
          throw new Error(`${NAME} invariant violated: unit ${s} is 100 % free and not masked`);
        const c = ctx.census.unit(s);
        if (freePages[s]! > c.free)
          throw new Error(
            `${NAME} invariant violated: unit ${s}: the hooks count ${freePages[s]} free pages, the census ${c.free}`,
          );
        if (full && (c.free !== c.pages || c.live !== 0))
          throw new Error(
            `${NAME} invariant violated: unit ${s} is 100 % free to the hooks, the census has ${c.live} live pages`,
          );
      }
    },
  };
}
