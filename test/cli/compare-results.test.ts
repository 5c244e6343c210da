import { describe, expect, it } from 'vitest';
import { sweepMarkdown } from '../../cli/compare/markdown.js';
import {
  aggregates,
  type CellRecord,
  cellOf,
  flatten,
  spread,
  sweepCsv,
  sweepReport,
} from '../../cli/compare/results.js';
import type { RunJson } from '../../cli/compare/tasks.js';

/** A run's JSON with the figures a test sets; the rest zero or empty. */
function run(over: Partial<RunJson>): RunJson {
  return {
    board: 'b',
    workload: 'w',
    policy: 'oracle',
    policyOptions: {},
    seed: 1,
    simulatedSeconds: 60,
    suspendedSeconds: 50,
    suspendCount: 1,
    temperatureC: 45,
    energyJ: { baseline: 10, policy: 9, band: { low: 9.5, high: 8.5 } },
    dramJ: { baseline: 9, policy: 8, oracle: 8 },
    cpuJ: { baseline: 1, policy: 1 },
    savingPercent: 10,
    savingBand: { low: 5, high: 15 },
    platformSavingPercent: null,
    oraclePercent: 10,
    achievedOfOracle: 1,
    maskedUnitSeconds: 100,
    pagesMigrated: 0,
    pagesReclaimed: 0,
    refaults: 0,
    mrwCount: 0,
    deflateLatencyMs: { p50: 0, p99: 0 },
    oomKills: 0,
    allocStalls: 0,
    violations: 0,
    dataLossPages: 0,
    allocatorNsPerOp: 0,
    cannotAct: null,
    policyStats: {},
    violationMessages: [],
    clampedTemperatures: [],
    errors: [],
    timeline: [[0, 0, 0]],
    ...over,
  } as RunJson;
}

const key = (seed: number, policy = 'oracle') => ({ board: 'b', workload: 'w', policy, seed });

describe('sweep results', () => {
  it('gives a cell the status `pasr run` would exit with', () => {
    expect(cellOf(key(1), { run: run({}) }).status).toBe('ok');
    const lost = cellOf(key(1), {
      run: run({ violations: 2, dataLossPages: 7, violationMessages: ['PASR DATA LOSS: 7 live pages'] }),
    });
    expect([lost.status, lost.error]).toEqual([
      'data-loss',
      'PASR safety invariant violated: 2 violations, 7 live pages lost (first: PASR DATA LOSS: 7 live pages)',
    ]);
    expect(cellOf(key(1), { run: run({ errors: ['MRW timed out'] }) }).error).toBe(
      'the run had register-program errors:\nMRW timed out',
    );
    expect(cellOf(key(1), { error: 'w.json:3:1: bad' })).toEqual({
      ...key(1),
      status: 'error',
      error: 'w.json:3:1: bad',
      run: null,
    });
  });

  it('spreads a figure over seeds: mean, min, max and the sample standard deviation', () => {
    expect(spread([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, min: 2, max: 9, stddev: 2.1380899353 });
    expect(spread([3])).toEqual({ n: 1, mean: 3, min: 3, max: 3, stddev: 0 });
  });

  it('aggregates every numeric figure per board x workload x policy over the seeds that ran', () => {
    const cells: CellRecord[] = [
      cellOf(key(1), { run: run({ savingPercent: 10, achievedOfOracle: null }) }),
      cellOf(key(2), { run: run({ seed: 2, savingPercent: 14, achievedOfOracle: 0.5 }) }),
      cellOf(key(3), { error: 'worker failed' }),
      cellOf(key(1, 'careless'), { run: run({ policy: 'careless', violations: 1 }) }),
    ];
    const [oracle, careless] = aggregates(cells);
    expect(oracle).toMatchObject({
      board: 'b',
      workload: 'w',
      policy: 'oracle',
      cells: 3,
      ok: 2,
      dataLoss: 0,
      errors: 1,
    });
    expect(oracle!.figures['savingPercent']).toEqual({ n: 2, mean: 12, min: 10, max: 14, stddev: 2.82842712475 });
    expect(oracle!.figures['achievedOfOracle']).toEqual({ n: 1, mean: 0.5, min: 0.5, max: 0.5, stddev: 0 });
    expect(oracle!.figures['energyJ.band.low']!.mean).toBe(9.5);
    expect(oracle!.figures['seed']).toBeUndefined();
    expect(careless).toMatchObject({ policy: 'careless', cells: 1, ok: 0, dataLoss: 1 });
  });

  it('flattens a run to dotted keys without its timeline, lists as one text', () => {
    const f = flatten(run({ policyStats: { balloonFlaps: 3 }, clampedTemperatures: ['a', 'b'] }));
    expect(f['energyJ.band.high']).toBe(8.5);
    expect(f['policyStats.balloonFlaps']).toBe(3);
    expect(f['clampedTemperatures']).toBe('a | b');
    expect(Object.keys(f).some((k) => k.startsWith('timeline'))).toBe(false);
  });

  it('writes one CSV row per cell, quoting what needs it, with the union of the runs’ keys', () => {
    const csv = sweepCsv([
      cellOf(key(1), { run: run({}) }),
      cellOf(key(1, 'balloon:oom'), {
        run: run({ policy: 'balloon', policyOptions: { deflate: 'oom' }, policyStats: { balloonFlaps: 2 } }),
      }),
      cellOf(key(1, 'x'), { error: 'w.json:1:2: a "quoted", multi\nline message' }),
    ]).split('\r\n');
    const head = csv[0]!.split(',');
    expect(head.slice(0, 7)).toEqual(['board', 'workload', 'variant', 'seed', 'status', 'error', 'policy']);
    expect(head).toContain('energyJ.baseline');
    expect(head.at(-1)).toBe('policyStats.balloonFlaps');
    expect(head.indexOf('policyOptions.deflate')).toBeGreaterThan(0);
    expect(csv[1]!.split(',').length).toBe(head.length);
    expect(csv[3]).toBe(`b,w,x,1,error,"w.json:1:2: a ""quoted"", multi\nline message"${','.repeat(head.length - 6)}`);
  });

  it('sums the sweep up in Markdown: savings per board and policy with the share of the oracle, costs per policy', () => {
    const cell = (board: string, policy: string, seed: number, over: Partial<RunJson>) =>
      cellOf({ board, workload: 'w', policy, seed }, { run: run({ board, policy, seed, ...over }) });
    const cells: CellRecord[] = [
      cell('p', 'oracle', 1, { savingPercent: 12, achievedOfOracle: 1 }),
      cell('p', 'oracle', 2, { savingPercent: 12, achievedOfOracle: 1 }),
      cell('p', 'balloon', 1, { savingPercent: 6, achievedOfOracle: 0.5, pagesMigrated: 100, refaults: 10 }),
      cell('p', 'balloon', 2, { savingPercent: 8, achievedOfOracle: 0.66, pagesMigrated: 300, refaults: 30 }),
      cell('q', 'oracle', 1, { savingPercent: 0, achievedOfOracle: null }),
      cell('q', 'oracle', 2, { savingPercent: 0, achievedOfOracle: null }),
      cell('q', 'balloon', 1, { savingPercent: -1.5, achievedOfOracle: null, pagesMigrated: 1000 }),
      cell('q', 'balloon', 2, { violations: 1, dataLossPages: 3 }),
    ];
    const grid = {
      boards: ['p', 'q'],
      workloads: ['w'],
      policies: ['oracle', 'balloon'],
      seeds: [1, 2],
      durationSeconds: null,
    };
    const md = sweepMarkdown(sweepReport(grid, cells)).split('\n');
    expect(md[0]).toBe('# pasr compare: 2 boards x 1 workloads x 2 policy variants, seeds 1, 2');
    const table = md.slice(md.indexOf('## w') + 2, md.indexOf('## w') + 6);
    expect(table).toEqual([
      '| board | oracle | balloon |',
      '| --- | ---: | ---: |',
      '| p | 12.00 (100 %) | 7.00 [6.00, 8.00] (58 %) |',
      '| q | 0.00 | LOST DATA (1 of 2) |',
    ]);
    // Costs: the mean over the boards of each board's mean over seeds (p: 200, q: 1000 and 0).
    const costs = md.find((l) => l.startsWith('| balloon |'));
    expect(costs).toBe('| balloon | 350 | 0 | 10 | 0 | 0.0 | 0 | 0.00 | 0 |');
  });
});
