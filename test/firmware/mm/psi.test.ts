import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { CostLedger, applyCostOverrides } from '../../../firmware/mm/costs.js';
import { MemoryStalls, PSI_HORIZON_NS } from '../../../firmware/mm/psi.js';
import { boot } from './mechanisms-fixture.js';

const S = 1e9;

function stalls() {
  const clock = new SimClock();
  const ledger = new CostLedger(clock, applyCostOverrides(undefined));
  return { clock, ledger, psi: new MemoryStalls(ledger) };
}

describe('memory stalls (PSI memory some)', () => {
  it('gives the stalled share of a sliding window of simulated time', () => {
    const { clock, ledger, psi } = stalls();
    const lengths: number[] = [];
    psi.subscribe((ns) => lengths.push(ns));
    psi.stall(() => ledger.charge('work', 3 * S));
    clock.advance(5 * S);
    psi.stall(() => ledger.charge('work', 1 * S));
    // Now 9 s: stalled [0, 3) and [8, 9).
    expect(psi.someShare(10 * S)).toBeCloseTo(0.4, 12);
    expect(psi.stalledNs(1 * S)).toBe(1 * S);
    clock.advance(3 * S);
    // Now 12 s: the window (2 s, 12 s] keeps 1 s of the first stall.
    expect(psi.stalledNs(10 * S)).toBe(2 * S);
    clock.advance(20 * S);
    expect(psi.someShare()).toBe(0);
    expect(psi.totalNs).toBe(4 * S);
    expect(lengths).toEqual([3 * S, 1 * S]);
    expect(() => psi.stalledNs(PSI_HORIZON_NS + 1)).toThrow(/window/);
    psi.checkInvariants();
  });

  it('counts a nested stall once, and back-to-back stalls as one interval', () => {
    const { ledger, psi } = stalls();
    psi.stall(() => {
      ledger.charge('a', 100);
      psi.stall(() => ledger.charge('b', 50));
    });
    psi.stall(() => ledger.charge('c', 25));
    expect(psi.stalls).toBe(2);
    expect(psi.totalNs).toBe(175);
    expect(psi.stalledNs(1 * S)).toBe(175);
    psi.checkInvariants();
  });

  it('is the time allocations spend in direct reclaim, not kswapd’s', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0, mech: { addressSpacePages: 32768 } });
    // With the daemons on manual, page cache beyond the watermarks is reclaimed by the allocating task.
    for (let id = 0; id < 24000; id++) expect(mech.ws.touch(id, 'file').ok).toBe(true);
    const reclaimNs = (): number =>
      ['reclaim-scan', 'reclaim-drop', 'shrink-slab'].reduce((n, k) => n + mech.ledger.item(k).ns, 0);
    expect(mm.events.pgsteal_direct).toBeGreaterThan(0);
    expect(mech.psi.stalls).toBeGreaterThan(0);
    expect(mech.psi.totalNs).toBeCloseTo(reclaimNs(), 3);
    // kswapd's work costs time too, but stalls nobody.
    const stalled = mech.psi.totalNs;
    const before = reclaimNs();
    mech.reclaim.wakeupKswapd(
      mm.pa.zones.findIndex((z) => z.populated),
      0,
      3,
    );
    expect(mech.runKswapd()).toBeGreaterThan(0);
    expect(reclaimNs()).toBeGreaterThan(before);
    expect(mech.psi.totalNs).toBe(stalled);
    mech.checkInvariants();
  });
});
