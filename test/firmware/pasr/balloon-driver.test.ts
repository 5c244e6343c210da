import { describe, expect, it } from 'vitest';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { PAGE_RESIDENT } from '../../../firmware/mm/workingset.js';
import { PasrBalloon } from '../../../firmware/pasr/balloon-driver.js';
import { system } from '../system/harness.js';
import { UnitFiller, quiet } from './policies/balloon-fixture.js';

/** A booted snowball (not run) with a balloon driver of its own. */
function rig() {
  const sys = system('snowball', quiet(), 'none', { recordTrace: true });
  const balloon = new PasrBalloon(sys.map, sys.census, sys.core, sys.mech, sys.trace, 'balloon');
  return { sys, balloon };
}

describe('PASR balloon driver', () => {
  it('takes every frame of a unit as a balloon page, masks it (MR17 through the PRCMU mailbox) and charges the work', () => {
    const { sys, balloon } = rig();
    const fill = new UnitFiller(sys, 0);
    const heap = fill.place(6, 500, 'anon');
    const cache = fill.place(6, 700, 'file');
    const ledger = sys.mech.ledger;
    const r = balloon.inflate(6);
    expect(r).toMatchObject({ ok: true, unit: 6, migrated: 500, discarded: 700 });
    expect(sys.census.unit(6)).toMatchObject({ held: 16384, live: 0, free: 0 });
    expect(sys.core.isMasked(6)).toBe(true);
    expect(sys.trace.ofKind('pasr.mask').map((e) => [e.unit, e.register, e.bit, e.policy])).toEqual([
      [6, 'MR17', 6, 'balloon'],
    ]);
    expect(ledger.item('balloon-inflate')).toMatchObject({ units: 16384 });
    expect(ledger.item('balloon-inflate').ns).toBeCloseTo(16384 * sys.mech.costs.perPage('balloon.inflatePageNs'), 3);
    expect(ledger.item('migrate:contig-range').units).toBe(500);
    expect(ledger.item('contig-discard').units).toBe(700);
    // The anon pages live on outside the unit.
    expect(heap.every((id) => sys.census.unitOf(sys.mech.ws.pfnOf[id]!) !== 6)).toBe(true);
    expect(cache.every((id) => sys.mech.ws.pfnOf[id] === -1)).toBe(true);
    balloon.checkInvariants();
    sys.checkInvariants();
  });

  it('gives a unit it cannot empty back whole: nothing masked, nothing held, the pages still there', () => {
    const { sys, balloon } = rig();
    const fill = new UnitFiller(sys, 0);
    const heap = fill.place(7, 300, 'anon');
    // Every other frame goes to process memory (no swap on this board): the pages of unit 7 have nowhere to go.
    expect(fill.fillMemory()).toBeGreaterThan(100_000);
    const anonPages = (): number =>
      sys.mm.pa.zones.reduce((n, _z, i) => n + sys.mm.census.zoneKind(i, PageKind.ANON), 0);
    const before = anonPages();
    const r = balloon.inflate(7);
    expect(r).toMatchObject({ ok: false, reason: 'busy' });
    // Pages migrated before the range ran out of targets stay where they went (as in Linux); the
    // rest stay in the unit, and no frame is left taken.
    expect(balloon.isHeld(7)).toBe(false);
    expect(balloon.pages).toBe(0);
    expect(sys.core.nrMasked).toBe(0);
    expect(sys.trace.ofKind('pasr.mask')).toEqual([]);
    const after = sys.census.unit(7);
    expect(after.held).toBe(0);
    expect(after.live).toBeGreaterThan(0);
    expect(after.free + after.live).toBe(16384);
    expect(anonPages()).toBe(before);
    expect(heap.every((id) => sys.mech.ws.state[id] === PAGE_RESIDENT)).toBe(true);
    balloon.checkInvariants();
    sys.checkInvariants();
  });

  it('releases a unit by unmasking it first, then freeing every frame; the latency is the deflate work', () => {
    const { sys, balloon } = rig();
    // The CMA area's pageblocks cannot be isolated for a balloon.
    expect(balloon.inflate(5)).toMatchObject({ ok: false, reason: 'unmovable page' });
    expect(balloon.inflate(4).ok).toBe(true);
    expect(balloon.inflate(3).ok).toBe(true);
    expect(balloon.heldUnits()).toEqual([4, 3]);
    const r = balloon.release(4);
    expect(r.pages).toBe(16384);
    expect(r.ns).toBeGreaterThanOrEqual(16384 * sys.mech.costs.perPage('balloon.deflatePageNs'));
    expect(sys.trace.ofKind('pasr.unmask').map((e) => e.unit)).toEqual([4]);
    expect(sys.census.unit(4)).toMatchObject({ held: 0, free: 16384 });
    expect(balloon.heldUnits()).toEqual([3]);
    expect(() => balloon.release(4)).toThrow(/not held/);
    balloon.checkInvariants();
  });
});
