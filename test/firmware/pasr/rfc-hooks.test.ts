import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE } from '../../../firmware/mm/gfp.js';
import { isAllocFailure } from '../../../firmware/mm/page-alloc.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { runScenario } from '../../../firmware/system/run-report.js';
import type { System } from '../../../firmware/system/system.js';
import { parseScenario } from '../../../firmware/workload/load-scenario.js';
import type { Scenario } from '../../../firmware/workload/scenario.js';
import type { TraceEvent } from '../../../hal/trace/events.js';
import { shippedBoard } from '../boot/boards.js';
import { MIN, system, tinyScenario } from '../system/harness.js';

/** A booted system with the policy attached, nothing run yet. */
function booted(board: string, mask = 'immediate'): System {
  return system(board, tinyScenario(), 'rfc-hooks', { recordTrace: true }, { mask });
}

const masked = (sys: System): number[] => sys.map.units.filter((u) => sys.core.isMasked(u.index)).map((u) => u.index);

/** MR17 values written to a die by MRW (dram.mrw), in order. */
function mr17(events: readonly TraceEvent[], die: string): number[] {
  return events.flatMap((e) => (e.kind === 'dram.mrw' && e.die === die && e.mr === 17 ? [e.value] : []));
}

/** PASR_MR17 values posted to the PRCMU mailbox (PRCM_REQ_MB0), in order. */
function prcmuMr17(events: readonly TraceEvent[]): number[] {
  return events.flatMap((e) =>
    e.kind === 'mmio.write' && e.register === 'PRCM_REQ_MB0' ? [e.fields?.PASR_MR17 ?? -1] : [],
  );
}

function policyEvents(sys: System, from = 0): TraceEvent[] {
  return sys.trace.events.slice(from).filter((e) => e.kind === 'pasr.mask' || e.kind === 'pasr.unmask');
}

const unitOfPfn = (sys: System, pfn: number): number => sys.census.unitOf(pfn);

describe('rfc-hooks: the 2012 PASR RFC, buddy-allocator hooks on max-order blocks', () => {
  it('masks at boot every section the boot left 100 % free: snowball units 1-7 (unit 0 holds the kernel image)', () => {
    const sys = booted('snowball');
    // Unit 0 (0x0-0x3ffffff) holds the 2576 reserved pages of the kernel image and memmap; the
    // others, CMA pool (unit 5) included, are free max-order blocks.
    expect(sys.census.unit(0).unmovable).toBe(2576);
    expect(masked(sys)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(policyEvents(sys).map((e) => `${e.kind} ${e.kind === 'pasr.mask' ? e.unit : ''}`)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((u) => `pasr.mask ${u}`),
    );
    // The interleave pair is masked together: one PRCMU mailbox request per chip select, the
    // masks growing one bit at a time (after the boot loader's two requests of 0).
    expect(prcmuMr17(sys.trace.events)).toEqual([0, 0, 2, 2, 6, 6, 14, 14, 30, 30, 62, 62, 126, 126, 254, 254]);
    sys.checkInvariants();
  });

  it('masks pandaboard-es units 2-7 at boot (unit 1 holds the FDT) with MR17 writes on the four interleaved dies', () => {
    const sys = booted('pandaboard-es');
    expect(sys.census.unit(1).unmovable).toBe(16); // 64 KiB of FDT at 0x88000000
    expect(masked(sys)).toEqual([2, 3, 4, 5, 6, 7]);
    for (const die of ['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1']) {
      // Boot loader's 0, then bits 2..7 added one at a time.
      expect(mr17(sys.trace.events, die)).toEqual([0, 0x04, 0x0c, 0x1c, 0x3c, 0x7c, 0xfc]);
    }
  });

  it('masks imx6sl-evk units 1-15 at boot: bits 1-7 of mmdc.cs0 and 0-7 of mmdc.cs1', () => {
    const sys = booted('imx6sl-evk');
    expect(masked(sys)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(mr17(sys.trace.events, 'mmdc.cs0')).toEqual([0, 0x02, 0x06, 0x0e, 0x1e, 0x3e, 0x7e, 0xfe]);
    expect(mr17(sys.trace.events, 'mmdc.cs1')).toEqual([0, 0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff]);
  });

  it('unmasks a section, MR17 written first, before its first page is handed out (pandaboard-es)', () => {
    const sys = booted('pandaboard-es');
    // A user page comes from ZONE_MOVABLE (0xb0000000-0xbfffffff: units 6 and 7); its free
    // lists hold the boot's max-order blocks in address order, so the first one splits unit 6.
    const seen: string[] = [];
    let liveAtUnmask = -1;
    const off = sys.trace.subscribe((e) => {
      if (e.kind === 'dram.mrw' && e.mr === 17) seen.push(`MR17 ${e.die} 0x${e.value.toString(16)}`);
      if (e.kind === 'pasr.unmask') {
        seen.push(`unmask ${e.unit}`);
        liveAtUnmask = sys.census.livePages(e.unit);
      }
    });
    const pfn = sys.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    off();
    if (isAllocFailure(pfn)) throw new Error(pfn.reason);
    expect(unitOfPfn(sys, pfn)).toBe(6);
    expect(seen).toEqual([
      'MR17 emif1.cs0 0xbc',
      'MR17 emif1.cs1 0xbc',
      'MR17 emif2.cs0 0xbc',
      'MR17 emif2.cs1 0xbc',
      'unmask 6',
    ]);
    // When the unit was unmasked it held nothing: the page was handed out after.
    expect(liveAtUnmask).toBe(0);
    expect(sys.census.livePages(6)).toBe(1);
    expect(masked(sys)).toEqual([2, 3, 4, 5, 7]);
    const st = sys.policy.stats!();
    expect({ kget: st.kget, unmasksInAllocator: st.unmasksInAllocator }).toEqual({ kget: 1, unmasksInAllocator: 1 });
    // The hook's own cost and the register program it waited for are allocator-path costs.
    const ledger = sys.mech.ledger.totals();
    expect(ledger['alloc-hook.rfc']!.units).toBe(1);
    expect(ledger['alloc-hook.rfc-mask']!.ns).toBeGreaterThan(0);
    sys.checkInvariants();
  });

  it('on snowball, posts the cleared bit to the PRCMU mailbox for both chip selects before the page is handed out', () => {
    const sys = booted('snowball');
    const before = sys.trace.events.length;
    let liveAtUnmask = -1;
    const off = sys.trace.subscribe((e) => {
      if (e.kind === 'pasr.unmask') liveAtUnmask = sys.census.livePages(e.unit);
    });
    // ZONE_MOVABLE is 0x18000000-0x1fffffff (units 6, 7): the first user page splits unit 6.
    const pfn = sys.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    off();
    if (isAllocFailure(pfn)) throw new Error(pfn.reason);
    expect(unitOfPfn(sys, pfn)).toBe(6);
    const during = sys.trace.events.slice(before);
    expect(prcmuMr17(during)).toEqual([0xbe, 0xbe]);
    expect(during.filter((e) => e.kind === 'pasr.unmask').map((e) => (e.kind === 'pasr.unmask' ? e.unit : -1))).toEqual(
      [6],
    );
    const kinds = during.map((e) => (e.kind === 'mmio.write' ? e.register : e.kind));
    expect(kinds.indexOf('pasr.unmask')).toBeGreaterThan(kinds.lastIndexOf('PRCM_REQ_MB0'));
    expect(liveAtUnmask).toBe(0);
    // The firmware mailbox is polled every 1 ms: the allocation waited 2 ms (one request per die).
    expect(sys.policy.stats!().maskProgramNsInAllocator).toBe(2e6);
    sys.checkInvariants();
  });

  it('runs nothing else inside the allocator while it waits for the controller (a daemon due then runs after)', () => {
    const sys = booted('snowball');
    const log: string[] = [];
    // kswapd woken just before: due now, it must not run in the middle of the allocation.
    sys.clock.scheduleTask(0, () => log.push(`daemon, ${sys.core.isMasked(6) ? 'unit 6 masked' : 'unit 6 unmasked'}`));
    const pfn = sys.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    log.push('allocation returned');
    sys.clock.advance(0);
    expect(isAllocFailure(pfn)).toBe(false);
    expect(log).toEqual(['allocation returned', 'daemon, unit 6 unmasked']);
  });

  it('masks from inside a daemon (a clock task) too: the PRCMU answers its mailbox meanwhile', () => {
    const sys = booted('snowball');
    const order = sys.mm.maxOrder;
    const pfn = sys.mm.allocPages(order, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (isAllocFailure(pfn)) throw new Error(pfn.reason);
    // The free that makes unit 6 whole again happens in kswapd's or kcompactd's context.
    sys.clock.scheduleTask(0, () => sys.mm.freePages(pfn, order));
    sys.clock.advance(1);
    expect(sys.core.errors).toEqual([]);
    expect(sys.core.isMasked(6)).toBe(true);
    sys.checkInvariants();
  });

  it('keeps a section unmasked while its pages sit on per-cpu lists, and masks it when they return to the buddy lists', () => {
    const sys = booted('pandaboard-es');
    const pfn = sys.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (isAllocFailure(pfn)) throw new Error(pfn.reason);
    const mark = sys.trace.events.length;
    sys.mm.freePages(pfn, 0);
    // Every page of unit 6 is free to the census, but the page freed and the rest of the pcp
    // batch sit on a per-cpu list: no max-order block, the RFC counts the section not free.
    const c = sys.census.unit(6);
    expect(c.free).toBe(c.pages);
    expect(sys.core.isMasked(6)).toBe(false);
    expect(sys.policy.stats!().sectionsFullyFree).toBe(5);
    sys.checkInvariants();
    sys.mm.drainAllPages();
    expect(sys.core.isMasked(6)).toBe(true);
    expect(policyEvents(sys, mark).map((e) => `${e.kind} ${e.kind === 'pasr.mask' ? e.unit : ''}`)).toEqual([
      'pasr.mask 6',
    ]);
    expect(mr17(sys.trace.events.slice(mark), 'emif1.cs0')).toEqual([0xfc]);
    sys.checkInvariants();
  });

  it('masks a section again as soon as a free makes it whole (a max-order block, no per-cpu list)', () => {
    const sys = booted('snowball');
    const order = sys.mm.maxOrder;
    const pfn = sys.mm.allocPages(order, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (isAllocFailure(pfn)) throw new Error(pfn.reason);
    expect(unitOfPfn(sys, pfn)).toBe(6);
    expect(sys.core.isMasked(6)).toBe(false);
    const mark = sys.trace.events.length;
    sys.mm.freePages(pfn, order);
    expect(sys.core.isMasked(6)).toBe(true);
    expect(prcmuMr17(sys.trace.events.slice(mark))).toEqual([0xfe, 0xfe]);
    const st = sys.policy.stats!();
    expect({ kput: st.kput, kget: st.kget, masks: st.masksInAllocator }).toEqual({ kput: 1, kget: 1, masks: 1 });
    sys.checkInvariants();
  });

  it('never moves a page: it does no mm work of its own, and nothing live is ever masked', () => {
    const sc = tinyScenario({ durationNs: 20 * MIN });
    // Every invariant (the hooks' counts against the free lists and the census) after every step.
    const sys = system('imx6sl-evk', sc, 'rfc-hooks', { checkEveryStep: true });
    const st = sys.run();
    expect({ violations: st.violations, lost: st.dataLossPages, errors: st.errors }).toEqual({
      violations: 0,
      lost: 0,
      errors: [],
    });
    expect(sys.policy.stats!().hookCalls).toBeGreaterThan(0);
    const base = system('imx6sl-evk', sc, 'none');
    base.run();
    const own = Object.keys(sys.mech.ledger.totals()).filter((k) => !(k in base.mech.ledger.totals()));
    expect(own.sort()).toEqual(['alloc-hook.rfc', 'alloc-hook.rfc-mask', 'rfc-mask']);
  });

  it('pays two mask changes per refill of a section while awake; masking at suspend pays none, for the same masks', () => {
    const refill = (mask: string): { sys: System; mrws: number } => {
      const sys = booted('pandaboard-es', mask);
      const mark = sys.trace.events.length;
      for (let i = 0; i < 5; i++) {
        const pfn = sys.mm.allocPages(sys.mm.maxOrder, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
        if (isAllocFailure(pfn)) throw new Error(pfn.reason);
        expect(unitOfPfn(sys, pfn)).toBe(6);
        sys.mm.freePages(pfn, sys.mm.maxOrder);
      }
      sys.policy.beforeSuspend?.();
      sys.checkInvariants();
      return { sys, mrws: sys.trace.events.slice(mark).filter((e) => e.kind === 'dram.mrw').length };
    };
    const now = refill('immediate');
    const later = refill('suspend');
    // At once (the RFC): 5 unmasks and 5 masks of unit 6, each MR16 and MR17 on the four dies.
    expect(now.sys.policy.stats!()).toMatchObject({ unmasksInAllocator: 5, masksInAllocator: 5, masksAtSuspend: 0 });
    expect(now.mrws).toBe(80);
    // At suspend: nothing while awake, then the sections that are whole.
    expect(later.sys.policy.stats!()).toMatchObject({ unmasksInAllocator: 0, masksInAllocator: 0, masksAtSuspend: 6 });
    expect(later.mrws).toBe(48);
    expect(masked(later.sys)).toEqual(masked(now.sys));
    expect(masked(now.sys)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('loses nothing and never beats the oracle on the shipped scenarios (snowball)', () => {
    const dir = join(import.meta.dirname, '..', '..', '..', 'workloads');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'workload.schema.json');
    expect(files.length).toBeGreaterThanOrEqual(5);
    const config = shippedBoard('snowball');
    for (const f of files) {
      const parsed = parseScenario(readFileSync(join(dir, f), 'utf8'));
      if (!parsed.ok) throw new Error(`${f}: ${parsed.problems.map((p) => p.message).join('; ')}`);
      const sc: Scenario = parsed.scenario;
      const { report } = runScenario({ config, scenario: sc, policy: 'rfc-hooks', seed: 1 });
      expect({ f, violations: report.violations, lost: report.dataLossPages, errors: report.errors }).toEqual({
        f,
        violations: 0,
        lost: 0,
        errors: [],
      });
      expect(report.savingPercent).toBeLessThanOrEqual(report.oraclePercent + 1e-9);
      expect(report.allocatorNsPerOp).toBeGreaterThan(0);
    }
  }, 240_000);

  it('checks its counts against the free lists and the PASR core: a unit unmasked behind its back is caught', () => {
    const sys = booted('imx6sl-evk');
    sys.checkInvariants();
    sys.core.unmask(9, 'someone else');
    expect(() => sys.checkInvariants()).toThrow('rfc-hooks invariant violated: unit 9 is 100 % free and not masked');
  });

  it('says when it cannot act, and takes only the mask option', () => {
    const sys = booted('snowball');
    expect(sys.policy.cannotAct!()).toBeNull();
    expect(sys.policy.options).toEqual({ mask: 'immediate' });
    expect(() => system('snowball', tinyScenario(), 'rfc-hooks', {}, { mask: 'later' })).toThrow(
      'policy rfc-hooks: --mask later is not one of immediate, suspend',
    );
  });
});
