import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../../firmware/system/run-report.js';
import type { Op } from '../../../../firmware/workload/scenario.js';
import { shippedBoard } from '../../boot/boards.js';
import { S, activity } from '../../system/harness.js';
import { SHIPPED_WORKLOADS, shippedWorkload } from '../../system/workloads.js';
import { decisions, maskChanges, mr17, mr17Writes, run, scenario, standby, suspends } from './hotplug-fixtures.js';

// snowball: 512 MiB = 131072 pages; ZONE_MOVABLE = memory6 (unit 6) + memory7 (unit 7), MR17
// bits 6 and 7 of prcmu.cs0/cs1, latched by the PRCMU at suspend entry. Each wake-up touches 1 %
// of RAM (1311 new pages), which lands in memory6, the lowest block of ZONE_MOVABLE.
const APP = activity({
  name: 'app',
  everyNs: 5 * 60e9,
  wake: true,
  busyNs: S,
  ops: [{ op: 'touch', set: 'proc', size: 0.01, pattern: 'sequential' }],
});

describe('hotplug-suspend policy', () => {
  it('offlines ZONE_MOVABLE before every suspend and onlines it at every resume, migrating what the awake time put there', () => {
    const sys = run(shippedBoard('snowball'), scenario([], [standby([APP])]), 'hotplug-suspend');
    expect(suspends(sys).length).toBe(4);
    expect(maskChanges(sys)).toEqual(Array(4).fill(['+6', '+7', '-6', '-7']).flat());
    const offline = decisions(sys).filter((d) => d.startsWith('offline'));
    // Nothing in ZONE_MOVABLE before the first suspend; then the 1311 pages of each wake-up move
    // twice: out of memory6 into memory7 (still online), then out of memory7.
    expect(offline).toEqual([
      'offline: before suspend: unit 6 masked (0 pages migrated), unit 7 masked (0 pages migrated)',
      'offline: before suspend: unit 6 masked (1311 pages migrated), unit 7 masked (1311 pages migrated)',
      'offline: before suspend: unit 6 masked (1311 pages migrated), unit 7 masked (1311 pages migrated)',
      'offline: before suspend: unit 6 masked (1311 pages migrated), unit 7 masked (1311 pages migrated)',
    ]);
    expect(decisions(sys).filter((d) => d.startsWith('online'))).toEqual(
      Array(4).fill('online: after resume: memory6,7 onlined, units unmasked'),
    );
    // The PRCMU latches MR17 = 0xc0 at each suspend entry.
    expect(mr17(sys)).toEqual(Array(4).fill(['prcmu.cs0=0xc0', 'prcmu.cs1=0xc0']).flat());
    const at = suspends(sys);
    expect(mr17Writes(sys).every((e, i) => e.tNs >= at[i >> 1]! && e.tNs < at[i >> 1]! + 1e6)).toBe(true);
    const st = sys.policy.stats!();
    expect(st).toMatchObject({
      suspends: 4,
      offlineAttempts: 8,
      offlineOk: 8,
      blocksOfflined: 8,
      blocksOnlined: 8,
      offlineMigratedPages: 3 * 2622,
      migratedPagesPerSuspend: 1966.5,
      unitsMaskedAtSuspend: 8,
      stoppedLoops: 0,
    });
    const c = sys.mech.costs;
    // Per suspend: 2 idle 64 MiB blocks offlined and onlined, plus the migrations, plus the PRCMU
    // mailbox programs of the masks.
    expect(st.onlineMsPerSuspend).toBeGreaterThanOrEqual((2 * c.onlineBlockNs) / 1e6);
    expect(st.onlineMsPerSuspend).toBeLessThan((2 * c.onlineBlockNs) / 1e6 + 10);
    expect(st.offlineMsPerSuspend).toBeGreaterThanOrEqual(
      (2 * c.offlineIdleBlockNs + 1966.5 * c.offlineMigratePageNs) / 1e6,
    );
  });

  it("the run's report shows the price of every suspend: CPU energy the baseline does not pay", () => {
    const r = runScenario({
      config: shippedBoard('snowball'),
      scenario: scenario([], [standby([APP])]),
      policy: 'hotplug-suspend',
      seed: 1,
    }).report;
    expect(r.violations).toBe(0);
    expect(r.dataLossPages).toBe(0);
    expect(r.policyStats.offlineMsPerSuspend).toBeGreaterThan(0);
    const ms = (r.policyStats.offlineMsPerSuspend! + r.policyStats.onlineMsPerSuspend!) * r.suspendCount;
    // CPU energy at 1 W: the hotplug work is the difference (the workload's own work is the same).
    expect(r.cpuJ.policy - r.cpuJ.baseline).toBeGreaterThan(0.9 * ms * 1e-3);
    expect(r.pagesMigrated).toBe(r.policyStats.offlineMigratedPages);
  });

  it('stops at the first block that fails, as exynos_pasr does, and tries again at the next suspend', () => {
    // 13107 pages in memory6 (≈ 640 ms to migrate) and a 100 ms timeout.
    const setup: Op[] = [{ op: 'touch', set: 'proc', size: 0.1, pattern: 'sequential' }];
    const sys = run(shippedBoard('snowball'), scenario(setup), 'hotplug-suspend', { 'offline-timeout': '100ms' });
    const offline = decisions(sys).filter((d) => d.startsWith('offline'));
    const timeout =
      'timeout: signal backoff after a migration pass that moved every page after 1 pass (timeout 100 ms)';
    expect(offline).toEqual([
      `offline: before suspend: no unit masked; offline stopped: memory6 ${timeout}`,
      // memory6's pages went to memory7 at the first attempt, and on to ZONE_NORMAL at this one.
      `offline: before suspend: unit 6 masked (0 pages migrated); offline stopped: memory7 ${timeout}`,
      'offline: before suspend: unit 6 masked (0 pages migrated), unit 7 masked (0 pages migrated)',
      'offline: before suspend: unit 6 masked (0 pages migrated), unit 7 masked (0 pages migrated)',
    ]);
    expect(mr17(sys)).toEqual([
      'prcmu.cs0=0x0',
      'prcmu.cs1=0x0',
      'prcmu.cs0=0x40',
      'prcmu.cs1=0x40',
      'prcmu.cs0=0xc0',
      'prcmu.cs1=0xc0',
      'prcmu.cs0=0xc0',
      'prcmu.cs1=0xc0',
    ]);
    expect(sys.policy.stats!()).toMatchObject({ offlineTimeouts: 2, stoppedLoops: 2, offlineMigratedPages: 2 * 13107 });
  });

  it('imx8mm-evk: OP-TEE keeps unit 7 refreshed; it is found once and skipped at every later suspend', () => {
    const sys = run(shippedBoard('imx8mm-evk'), scenario([]), 'hotplug-suspend', {}, false);
    const offline = decisions(sys).filter((d) => d.startsWith('offline'));
    expect(offline[0]).toBe(
      "offline: before suspend: unit 6 masked (0 pages migrated), unit 7 never (memory23 holds memblock-reserved 'optee' [0xbe000000-0xbfffffff] (not-removable: kind reserved, flags 0x0 at pfn 0xbe000))",
    );
    expect(offline.slice(1)).toEqual(Array(3).fill('offline: before suspend: unit 6 masked (0 pages migrated)'));
    expect(sys.policy.stats!()).toMatchObject({
      removableChecks: 2,
      notRemovable: 1,
      blocksOfflined: 8,
      blocksOnlined: 8,
    });
    // The uMCTL2 writes MR17 as unit 6 is masked and unmasked, on both dies.
    expect(new Set(mr17(sys))).toEqual(
      new Set(['ddrc.rank0.cha=0x40', 'ddrc.rank0.chb=0x40', 'ddrc.rank0.cha=0x0', 'ddrc.rank0.chb=0x0']),
    );
    expect(sys.policy.notes!()).toEqual([
      "unit 7 (MR17 bit 7 on ddrc.rank0.cha ddrc.rank0.chb, 0xb0000000-0xbfffffff, memory22,23) stays refreshed: memory23 holds memblock-reserved 'optee' [0xbe000000-0xbfffffff] (not-removable: kind reserved, flags 0x0 at pfn 0xbe000)",
    ]);
  });
});

describe('both hotplug policies on the shipped workloads (snowball, first 2 hours)', () => {
  for (const name of SHIPPED_WORKLOADS) {
    it(`${name}: no violation, no lost page, never better than the oracle`, () => {
      const sc = shippedWorkload(name);
      for (const policy of ['hotplug', 'hotplug-suspend']) {
        const r = runScenario({
          config: shippedBoard('snowball'),
          scenario: sc,
          policy,
          seed: 1,
          durationNs: Math.min(sc.durationNs, 2 * 3600e9),
        }).report;
        expect([policy, r.violations, r.dataLossPages, r.errors]).toEqual([policy, 0, 0, []]);
        // The oracle packs the baseline's memory at no cost: the policy pays for its work in the
        // same figure. (Its DRAM alone can come out below the oracle's: offline memory makes
        // reclaim drop page cache the baseline kept, and the refaults land on the CPU side.)
        expect(r.savingPercent).toBeLessThanOrEqual(r.oraclePercent);
      }
    });
  }
});
