import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../../firmware/pasr/policies/index.js';
import { PageKind } from '../../../../firmware/mm/page-flags.js';
import type { Op } from '../../../../firmware/workload/scenario.js';
import { shippedBoard } from '../../boot/boards.js';
import { S, activity, phase } from '../../system/harness.js';
import {
  MIB,
  build,
  decisions,
  events,
  finish,
  maskChanges,
  mr17,
  mr17Writes,
  run,
  scenario,
  standby,
  suspends,
  variant,
} from './hotplug-fixtures.js';

// snowball: 512 MiB = 131072 pages, 8 units of 64 MiB (MR17 bits 0-7 on the die pair
// prcmu.cs0/cs1, which the PRCMU latches at suspend), 64 MiB memory blocks, ZONE_MOVABLE is the
// top 128 MiB: memory6 = unit 6, memory7 = unit 7. Movable allocations fill ZONE_MOVABLE from
// its lowest block up: touching 20 % of RAM (26214 pages) fills memory6 (16384) and puts 9830
// in memory7; releasing the oldest 10 % (13107) leaves 3277 in memory6.
const TWO_FULL: Op[] = [
  { op: 'touch', set: 'proc', size: 0.2, pattern: 'sequential' },
  { op: 'release', set: 'proc', size: 0.1 },
];
// 10 % of RAM (13107 pages) all in memory6.
const LOW_BLOCK: Op[] = [{ op: 'touch', set: 'proc', size: 0.1, pattern: 'sequential' }];

describe('hotplug policy: which units, in what order, after which events', () => {
  it('when idle, offlines the cheapest unit first and masks each at MEM_OFFLINE; the PRCMU writes MR17 = 0xc0 at suspend', () => {
    const sys = build(shippedBoard('snowball'), scenario(TWO_FULL), 'hotplug');
    const seen: number[][] = [];
    const onIdle = sys.policy.onIdle!.bind(sys.policy);
    sys.policy.onIdle = () => {
      if (seen.length === 0) seen.push([6, 7].map((u) => sys.census.unit(u).anon));
      onIdle();
    };
    finish(sys);
    expect(seen[0]).toEqual([3277, 9830]);
    expect(maskChanges(sys)).toEqual(['+6', '+7']);
    const d = decisions(sys).filter((x) => x.startsWith('offline'));
    expect(d[0]).toMatch(/^offline: idle: unit 6 masked \(memory6 offline, 3277 pages migrated; MemAvailable was \d+/);
    // unit 6's pages went to memory7, still online, and move again with its own 9830.
    expect(d[1]).toMatch(/^offline: idle: unit 7 masked \(memory7 offline, 13107 pages migrated;/);
    // Both masks reach the dies at the first suspend entry, and stay: nothing wrote MR17 since.
    const first = suspends(sys)[0]!;
    expect(events(sys, 'pasr.mask').every((e) => e.tNs <= first)).toBe(true);
    expect(mr17(sys)).toEqual(['prcmu.cs0=0xc0', 'prcmu.cs1=0xc0']);
    // The PRCMU firmware writes them once the system has gone to sleep.
    expect(mr17Writes(sys).every((e) => e.tNs >= first && e.tNs < first + 1e6)).toBe(true);
    expect(sys.policy.stats!()).toMatchObject({
      offlineAttempts: 2,
      offlineOk: 2,
      offlineBusy: 0,
      offlineTimeouts: 0,
      blocksOfflined: 2,
      blocksOnlined: 0,
      offlineMigratedPages: 16384,
      unitsMasked: 2,
    });
    // The offline work is charged: 16384 pages at the hotplug migration rate, two idle-block costs.
    const costs = sys.mech.costs;
    expect(sys.mech.ledger.item('migrate:memory-hotplug')).toMatchObject({ units: 16384 });
    expect(sys.mech.ledger.item('hotplug-offline').ns).toBeCloseTo(2 * costs.offlineIdleBlockNs, 0);
    // The attempts' time is that work plus the PRCMU mailbox programs of the two masks.
    const work = 2 * costs.offlineIdleBlockNs + 16384 * costs.offlineMigratePageNs;
    expect(sys.mech.ledger.item('hotplug-offline').ns + sys.mech.ledger.item('migrate:memory-hotplug').ns).toBeCloseTo(
      work,
      0,
    );
    expect(sys.policy.stats!().offlineNs).toBeGreaterThanOrEqual(work);
    expect(sys.policy.stats!().offlineNs).toBeLessThan(work + 10e6);
    expect(suspends(sys).length).toBe(4);
    expect(sys.policy.notes!()).toEqual([]);
  });

  it('--order top-down takes the top unit first, whatever it holds', () => {
    const sys = run(shippedBoard('snowball'), scenario(TWO_FULL), 'hotplug', { order: 'top-down' });
    expect(maskChanges(sys)).toEqual(['+7', '+6']);
    const d = decisions(sys).filter((x) => x.startsWith('offline'));
    expect(d[0]).toMatch(/unit 7 masked \(memory7 offline, 9830 pages migrated/);
    expect(d[1]).toMatch(/unit 6 masked \(memory6 offline, 13107 pages migrated/);
    expect(sys.policy.stats!().offlineMigratedPages).toBe(9830 + 13107);
  });

  it('offlines only what leaves MemAvailable above the high watermarks plus the expected demand', () => {
    // 70 % of RAM expected: after unit 6 goes, another 16384 pages would leave too little.
    const sys = run(shippedBoard('snowball'), scenario(TWO_FULL, [standby([], { expectedDemand: 0.7 })]), 'hotplug');
    expect(maskChanges(sys)).toEqual(['+6']);
    expect(decisions(sys)).toContainEqual(
      expect.stringMatching(/^hold: unit 7: MemAvailable \d+ - 16384 pages < \d+ needed$/),
    );
    expect(mr17(sys)).toEqual(['prcmu.cs0=0x40', 'prcmu.cs1=0x40']);
    expect(sys.policy.stats!()).toMatchObject({ offlineAttempts: 1, blocksOfflined: 1 });
  });

  it('onlines on pressure (the demand grows past MemAvailable), unmasking before the pages reach the buddy allocator', () => {
    const sc = scenario([], [standby(), standby([], { name: 'busy', expectedDemand: 0.8 })]);
    const sys = build(shippedBoard('snowball'), sc, 'hotplug');
    const atGoingOnline: string[] = [];
    sys.mech.hotplug.notifiers.push((action, block, s) => {
      if (action !== 'going-online') return;
      const kind = sys.mm.memmap.kind(s - sys.mm.memmap.startPfn);
      atGoingOnline.push(
        `memory${block} unit6 masked=${sys.core.isMasked(6)} first page ${kind === PageKind.OFFLINE ? 'offline' : 'not offline'}`,
      );
    });
    finish(sys);
    // Empty ZONE_MOVABLE: the tie goes top-down; the last offlined comes back first.
    expect(maskChanges(sys)).toEqual(['+7', '+6', '-6']);
    expect(atGoingOnline).toEqual(['memory6 unit6 masked=false first page offline']);
    const online = decisions(sys).find((x) => x.startsWith('online'))!;
    // 80 % of 131072 pages plus the high watermarks: more than MemAvailable with 2 units offline,
    // less than 16384 pages short: one unit is enough.
    expect(online).toMatch(/^online: idle: MemAvailable (\d+) < (\d+): unit 6 unmasked and onlined$/);
    const [, avail, need] = /MemAvailable (\d+) < (\d+)/.exec(online)!.map(Number);
    expect(need! - avail!).toBeGreaterThan(0);
    expect(need! - avail!).toBeLessThan(16384);
    expect(decisions(sys)).toContainEqual(
      expect.stringMatching(/^hold: no offlining for 300 s more: memory pressure was seen$/),
    );
    // The suspend after the phase change latches unit 7 only.
    expect(mr17(sys)).toEqual(['prcmu.cs0=0xc0', 'prcmu.cs1=0xc0', 'prcmu.cs0=0x80', 'prcmu.cs1=0x80']);
    expect(sys.policy.stats!()).toMatchObject({ pressureOnlines: 1, blocksOnlined: 1, unitsMasked: 1 });
  });

  it('gives memory back from the OOM notifier before the killer runs; with --oom none the OOM is left to the killer', () => {
    // 75 % of RAM touched at once with 2 units (25 %) offline and no swap.
    const camera = activity({
      name: 'camera',
      at: 'start',
      busyNs: 10 * S,
      ops: [{ op: 'touch', set: 'big', size: 0.75, pattern: 'sequential' }],
    });
    const sc = scenario([], [standby(), phase({ name: 'camera', durationNs: 20 * 60e9, activities: [camera] })]);
    const sys = run(shippedBoard('snowball'), sc, 'hotplug');
    expect(sys.engine.stats.oomKills).toBe(0);
    expect(decisions(sys)).toContain('online: OOM notifier: unit 6 unmasked and onlined');
    expect(sys.policy.stats!()).toMatchObject({ oomOnlines: 1, unitsMasked: 1 });
    const none = run(shippedBoard('snowball'), sc, 'hotplug', { oom: 'none' }, false);
    expect(none.policy.stats!().oomOnlines).toBe(0);
    expect(none.engine.stats.oomKills).toBeGreaterThan(0);
  });
});

describe('hotplug policy: failures', () => {
  it('a block full of pages and a 100 ms timeout: the offline times out after moving them all, and succeeds after the backoff', () => {
    const sys = run(shippedBoard('snowball'), scenario(LOW_BLOCK), 'hotplug', { 'offline-timeout': '100ms' });
    const d = decisions(sys);
    expect(d[0]).toMatch(/^offline: idle: unit 7 masked \(memory7 offline, 0 pages migrated/);
    expect(d[1]).toBe(
      'offline-failed: idle: unit 6: memory6 timeout: signal backoff after a migration pass that moved every page after 1 pass (timeout 100 ms)',
    );
    // 5 minutes later (past the 60 s backoff) memory6 is empty: its pages stayed where they went.
    expect(d).toContainEqual(
      expect.stringMatching(/^offline: idle: unit 6 masked \(memory6 offline, 0 pages migrated/),
    );
    const [first, second] = suspends(sys);
    expect(mr17(sys)).toEqual(['prcmu.cs0=0x80', 'prcmu.cs1=0x80', 'prcmu.cs0=0xc0', 'prcmu.cs1=0xc0']);
    const at = mr17Writes(sys).map((e) => e.tNs);
    expect(at.slice(0, 2).every((t) => t >= first! && t < first! + 1e6)).toBe(true);
    expect(at.slice(2).every((t) => t >= second! && t < second! + 1e6)).toBe(true);
    expect(sys.policy.stats!()).toMatchObject({
      offlineAttempts: 3,
      offlineOk: 2,
      offlineTimeouts: 1,
      offlineMigratedPages: 13107,
      blocksOfflined: 2,
    });
    // The timed-out attempt is charged in full: 13107 pages migrated for nothing.
    expect(sys.mech.ledger.item('migrate:memory-hotplug').units).toBe(13107);
  });

  it('OP-TEE at the top of imx8mm-evk: unit 7 is found unremovable once, never tried again, and the note says why', () => {
    // imx8mm-evk: 2 GiB, units of 256 MiB (MR17 on ddrc.rank0.cha and .chb, written at once by
    // the uMCTL2), memory blocks of 128 MiB: unit 6 = memory20+21, unit 7 = memory22+23, and
    // OP-TEE reserves 0xbe000000-0xbfffffff at the top of memory23.
    const sys = run(shippedBoard('imx8mm-evk'), scenario([]), 'hotplug', {}, false);
    expect(maskChanges(sys)).toEqual(['+6']);
    expect(sys.policy.stats!()).toMatchObject({
      removableChecks: 2,
      notRemovable: 1,
      offlineAttempts: 2,
      offlineOk: 2,
      offlineBusy: 0,
      blocksOfflined: 2,
    });
    expect(sys.mech.hotplug.blocksIn('offline')).toEqual([20, 21]);
    const hold = decisions(sys).filter((x) => x.includes('optee'));
    expect(hold).toEqual([
      "hold: memory23 holds memblock-reserved 'optee' [0xbe000000-0xbfffffff] (not-removable: kind reserved, flags 0x0 at pfn 0xbe000)",
    ]);
    expect(sys.policy.notes!()).toEqual([
      "unit 7 (MR17 bit 7 on ddrc.rank0.cha ddrc.rank0.chb, 0xb0000000-0xbfffffff, memory22,23) stays refreshed: memory23 holds memblock-reserved 'optee' [0xbe000000-0xbfffffff] (not-removable: kind reserved, flags 0x0 at pfn 0xbe000)",
    ]);
    expect(sys.policy.cannotAct!()).toBeNull();
    // Unit 6 is masked when its second block goes: MR17 bit 6 on both dies.
    const mask = events(sys, 'pasr.mask')[0]!;
    const writes = mr17Writes(sys);
    expect(new Set(mr17(sys))).toEqual(new Set(['ddrc.rank0.cha=0x40', 'ddrc.rank0.chb=0x40']));
    expect(writes.every((e) => e.tNs <= mask.tNs)).toBe(true);
  });

  it('a unit of two blocks is masked when both are offline; when the second fails the first goes back online', () => {
    // snowball with 32 MiB blocks: unit 6 = memory12+13. 10 % of RAM then the oldest 6.25 %
    // (8192 pages) released: memory12 is empty, memory13 holds 4915 pages (≈ 240 ms to migrate).
    const cfg = variant('snowball', { memoryBlockBytes: 32 * MIB });
    const setup: Op[] = [...LOW_BLOCK, { op: 'release', set: 'proc', size: 0.0625 }];
    const sys = build(cfg, scenario(setup), 'hotplug', { 'offline-timeout': '100ms' });
    const seen: string[] = [];
    sys.mech.hotplug.notifiers.push((a, b) => {
      if (a === 'offline' || a === 'online' || a === 'cancel-offline')
        seen.push(`${a} ${b}: unit 6 ${sys.core.isMasked(6) ? 'masked' : 'refreshed'}`);
    });
    finish(sys);
    expect(seen).toEqual([
      'offline 14: unit 6 refreshed',
      'offline 15: unit 6 refreshed',
      'offline 12: unit 6 refreshed',
      'cancel-offline 13: unit 6 refreshed',
      'online 12: unit 6 refreshed',
      'offline 12: unit 6 refreshed',
      'offline 13: unit 6 masked',
    ]);
    expect(decisions(sys)).toContain(
      'offline-failed: idle: unit 6: memory13 timeout: signal backoff after a migration pass that moved every page after 1 pass (timeout 100 ms); memory12 back online',
    );
    expect(sys.policy.stats!()).toMatchObject({
      rollbacks: 1,
      offlineTimeouts: 1,
      blocksOfflined: 5,
      blocksOnlined: 1,
    });
    expect(maskChanges(sys)).toEqual(['+7', '+6']);
  });

  it('a block larger than a unit masks both units it covers (imx6sl-evk: 128 MiB blocks, 64 MiB units)', () => {
    // imx6sl-evk: units 12-15 are MR17 bits 4-7 of mmdc.cs1; memory22 = units 12+13,
    // memory23 = units 14+15. The MMDC writes MR17 at once.
    const sc = scenario(
      [],
      [
        standby(),
        standby([activity({ name: 'unlock', at: 'start', busyNs: S, ops: [{ op: 'knob', action: 'deflate' }] })], {
          name: 'day',
        }),
      ],
    );
    const sys = run(shippedBoard('imx6sl-evk'), sc, 'hotplug', {}, false);
    expect(maskChanges(sys).slice(0, 4)).toEqual(['+14', '+15', '+12', '+13']);
    const d = decisions(sys).filter((x) => x.startsWith('offline'));
    expect(d[0]).toMatch(/^offline: idle: units 14, 15 masked \(memory23 offline, 0 pages migrated/);
    expect(d[1]).toMatch(/^offline: idle: units 12, 13 masked \(memory22 offline, 0 pages migrated/);
    const first = suspends(sys)[0]!;
    expect(mr17(sys).slice(0, 4)).toEqual(['mmdc.cs1=0x40', 'mmdc.cs1=0xc0', 'mmdc.cs1=0xd0', 'mmdc.cs1=0xf0']);
    // The MMDC writes MR17 as each unit is masked, before the first suspend.
    expect(mr17Writes(sys)[3]!.tNs).toBeLessThan(first);
    // The knob gives everything back: each block's online unmasks its two units.
    expect(decisions(sys).slice(3, 5)).toEqual([
      'online: userspace asked for the memory back: units 12, 13, 14, 15 unmasked and onlined',
      'hold: no offlining for 298 s more: userspace asked for the memory back',
    ]);
    // After the 5 minute holdoff, the next idle offlines them again.
    expect(maskChanges(sys).slice(4)).toEqual(['-12', '-13', '-14', '-15', '+14', '+15', '+12', '+13']);
    expect(sys.policy.stats!()).toMatchObject({ knobOnlines: 1, blocksOnlined: 2, blocksOfflined: 4, unitsMasked: 4 });
  });
});

describe('hotplug policy: units and zones', () => {
  it('a unit partly outside ZONE_MOVABLE stays refreshed; with only a carve-out unit left, the policy says it cannot act', () => {
    // imx8mm-evk with movablecore = 384 MiB: memory20 (half of unit 6) is in ZONE_DMA.
    const sys = run(variant('imx8mm-evk', { movableBytes: 384 * MIB }), scenario([]), 'hotplug', {}, false);
    expect(maskChanges(sys)).toEqual([]);
    expect(sys.policy.stats!().offlineAttempts).toBe(0);
    expect(sys.policy.notes!()[0]).toBe(
      'unit 6 (MR17 bit 6 on ddrc.rank0.cha ddrc.rank0.chb, 0xa0000000-0xafffffff, memory20,21) stays refreshed: memory20 is in zone DMA, not ZONE_MOVABLE',
    );
    expect(sys.policy.cannotAct!()).toMatch(
      /^no PASR unit with memory in ZONE_MOVABLE can be masked: unit 6: memory20 is in zone DMA, not ZONE_MOVABLE; unit 7: memory23 holds memblock-reserved 'optee'/,
    );
  });

  it('--kernel-blocks try also offlines kernel-zone blocks that hold only movable pages; CMA blocks are remembered as never', () => {
    const sys = run(
      variant('imx8mm-evk', { movableBytes: 384 * MIB }),
      scenario([]),
      'hotplug',
      { 'kernel-blocks': 'try' },
      false,
    );
    const masked = sys.map.units.filter((u) => sys.core.isMasked(u.index)).map((u) => u.index);
    expect(masked).toContain(6);
    expect(sys.mech.hotplug.blockState(20)).toBe('offline');
    // The CMA area 0x78000000-0x9fffffff (memory15-19) can never go.
    const never = decisions(sys).filter((x) => x.includes('holds a MIGRATE_CMA pageblock'));
    expect(never.length).toBeGreaterThan(0);
    expect(masked.some((u) => u >= 3 && u <= 4)).toBe(false);
  });

  it('a board without ZONE_MOVABLE: the policy cannot act and says so', () => {
    const sys = run(variant('snowball', { movableBytes: 0 }), scenario([]), 'hotplug');
    expect(sys.policy.cannotAct!()).toBe(
      'no ZONE_MOVABLE on this board: hotplug offlines only movable memory blocks (give kernel.movableBytes, the movablecore= boot parameter)',
    );
    expect(maskChanges(sys)).toEqual([]);
    expect(sys.policy.stats!().offlineAttempts).toBe(0);
  });

  it('refuses option values it does not know', () => {
    expect(() => createPolicy('hotplug', { 'offline-timeout': '3s' })).toThrow(
      'policy hotplug: --offline-timeout 3s is not one of 7s, 100ms, 1s, 20s, 120s',
    );
    expect(createPolicy('hotplug').options).toMatchObject({
      'offline-timeout': '7s',
      order: 'cheapest',
      oom: 'online',
    });
  });
});
