import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import {
  COST_TABLE,
  CostLedger,
  applyCostOverrides,
  costTableRows,
  defaultCostValues,
} from '../../../firmware/mm/costs.js';

describe('mechanism cost table', () => {
  it('is what the board-config schema accepts in kernel.costs, name for name (editors complete them)', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../../board-configs/board.schema.json', import.meta.url), 'utf8'),
    );
    const costs = schema.definitions.kernel.properties.costs;
    expect(costs.additionalProperties).toBe(false);
    expect(Object.keys(costs.properties).sort()).toEqual(COST_TABLE.map((e) => e.name).sort());
  });

  it('gives every entry a source, a unit and a finite non-negative default', () => {
    const names = new Set<string>();
    for (const e of COST_TABLE) {
      expect(e.source.length).toBeGreaterThan(10);
      expect(e.unit.length).toBeGreaterThan(0);
      expect(Number.isFinite(e.value) && e.value >= 0).toBe(true);
      expect(names.has(e.name)).toBe(false);
      names.add(e.name);
      // Unverified parameters say so in their source.
      if (!e.verified) expect(e.source).toMatch(/✖|unverified|no published/i);
    }
  });

  it('carries the published anchors of performance.md §2', () => {
    const c = applyCostOverrides(undefined);
    // 3.31 GB/s of 4 KiB pages ≈ 0.8 M pages/s ≈ 1.24 µs per page
    expect(c.get('migrate.pagesPerSec')).toBeCloseTo(808_105, -1);
    expect(c.migratePageNs).toBeCloseTo(1237.5, 0);
    // 128 MiB blocks: 3.2 ms idle, 1.6 s full; per migrated page (1.6 s - 3.2 ms) / 32768
    expect(c.offlineIdleBlockNs).toBe(3.2e6);
    expect(c.offlineMigratePageNs).toBeCloseTo((1.6e9 - 3.2e6) / 32768, 6);
    // CMA 14.6 ms/MB migrating, 0.7 ms/MB discarding
    expect(c.contigMigratePageNs * 256).toBeCloseTo(14.6e6, 3);
    expect(c.contigDiscardPageNs * 256).toBeCloseTo(0.7e6, 3);
    expect(c.get('mrw.energyJ')).toBe(0);
  });

  it('scales per-block hotplug figures to the configured block size', () => {
    const c = applyCostOverrides(undefined, { blockBytes: 256 * 1024 * 1024 });
    expect(c.offlineIdleBlockNs).toBe(6.4e6);
    // the per-page share does not depend on the block size
    expect(c.offlineMigratePageNs).toBeCloseTo((1.6e9 - 3.2e6) / 32768, 6);
  });

  it('applies board overrides by name', () => {
    const c = applyCostOverrides({ 'migrate.pagesPerSec': 1e6, 'energy.cpuActiveW': 2 });
    expect(c.migratePageNs).toBe(1000);
    expect(c.energyJ(1e9)).toBe(2);
    expect(defaultCostValues()['migrate.pagesPerSec']).toBeCloseTo(808_105, -1);
  });

  it('rejects an unknown cost name with the list of known ones', () => {
    expect(() =>
      applyCostOverrides({ 'migrate.pagesPerSecond': 1 }, { where: 'board-configs/x.json: kernel.costs' }),
    ).toThrow(
      /board-configs\/x\.json: kernel\.costs: unknown cost 'migrate\.pagesPerSecond'.*Known costs: .*migrate\.pagesPerSec.*hotplug\.offlineFullBlockNs/,
    );
  });

  it('rejects non-numbers, negatives, zero rates and a non-object', () => {
    expect(() => applyCostOverrides({ 'refault.pageNs': 'fast' })).toThrow(
      /'refault\.pageNs' must be a finite number, got "fast"/,
    );
    expect(() => applyCostOverrides({ 'refault.pageNs': -1 })).toThrow(/must be >= 0, got -1/);
    expect(() => applyCostOverrides({ 'migrate.pagesPerSec': 0 })).toThrow(/must be > 0, got 0/);
    expect(() => applyCostOverrides({ 'refault.pageNs': Number.NaN })).toThrow(/finite number/);
    expect(() => applyCostOverrides([] as unknown as Record<string, number>)).toThrow(/expected an object/);
  });

  it('lists the table with the values in effect', () => {
    const rows = costTableRows(applyCostOverrides({ 'swap.outPageNs': 5 }));
    expect(rows.find((r) => r.name === 'swap.outPageNs')!.value).toBe(5);
    expect(rows.length).toBe(COST_TABLE.length);
  });
});

describe('cost ledger', () => {
  it('advances the simulated clock by each charge outside a mechanism run', () => {
    const clock = new SimClock();
    const ledger = new CostLedger(clock, applyCostOverrides(undefined));
    ledger.charge('x', 1000);
    expect(clock.nowNs).toBe(1000);
    const t = ledger.item('x');
    expect(t.ns).toBe(1000);
    expect(t.units).toBe(1);
    expect(t.joules).toBeCloseTo(1e-6, 15);
  });

  it('defers the clock to the end of the outermost run, so no alarm fires inside a mechanism', () => {
    const clock = new SimClock();
    const ledger = new CostLedger(clock, applyCostOverrides(undefined));
    let firedAt = -1;
    let insideRun = false;
    clock.schedule(500, () => {
      firedAt = clock.nowNs;
      expect(insideRun).toBe(false);
    });
    ledger.run(() => {
      insideRun = true;
      ledger.charge('a', 400);
      ledger.run(() => ledger.charge('b', 400));
      expect(clock.nowNs).toBe(0);
      expect(ledger.nowNs).toBe(800);
      insideRun = false;
    });
    expect(clock.nowNs).toBe(800);
    expect(firedAt).toBe(500);
    expect(ledger.totalNs).toBe(800);
    expect(Object.keys(ledger.totals())).toEqual(['a', 'b']);
  });

  it('refuses negative or non-finite charges', () => {
    const ledger = new CostLedger(new SimClock(), applyCostOverrides(undefined));
    expect(() => ledger.charge('x', -1)).toThrow(/cannot charge -1 ns to 'x'/);
    expect(() => ledger.charge('x', Infinity)).toThrow(/cannot charge/);
    expect(() => ledger.recordElapsed('x', NaN)).toThrow(/cannot record NaN ns to 'x'/);
  });

  it('records work that already moved the clock (a register program) without moving it again', () => {
    const clock = new SimClock();
    const ledger = new CostLedger(clock, applyCostOverrides({ 'energy.cpuActiveW': 2 }));
    clock.advance(1000); // the program's polls
    ledger.recordElapsed('mask', 1000, 1);
    ledger.charge('hook', 20);
    expect(clock.nowNs).toBe(1020);
    expect(ledger.totalNs).toBe(1020);
    expect(ledger.item('mask')).toMatchObject({ ns: 1000, units: 1 });
    expect(ledger.item('mask').joules).toBeCloseTo(2e-6, 15);
  });
});
