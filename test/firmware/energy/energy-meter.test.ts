import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../../hal/board/board.js';
import { parseBoardConfig } from '../../../hal/board/load-board.js';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { arrayShareAt } from '../../../hal/lpddr/array-share.js';
import { EnergyMeter, type Band } from '../../../firmware/energy/energy-meter.js';

const BOARDS = join(import.meta.dirname, '../../../board-configs');
const SECOND = 1e9;

/** A board from a shipped config text, edited by `edit` (string replacements on the JSON text). */
function boardFrom(name: string, edit: (text: string) => string = (t) => t) {
  const text = edit(readFileSync(join(BOARDS, `${name}.json`), 'utf8'));
  const r = parseBoardConfig(text, `${name}.json`);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  const clock = new SimClock();
  return { board: new Board(r.board, clock, new TraceBus(clock)), clock };
}

/** PandaBoard ES with a measured arrayShare on both rails: 0.3 at 45 °C, 0.5 at 85 °C. */
const measured = (t: string): string =>
  t
    .replace(/"idd6FullmA": (0\.6|1\.3) \}/g, '"idd6FullmA": $1, "arrayShare": 0.3 }')
    .replace(/"idd6FullmA": (1\.2|2\.6) \}/g, '"idd6FullmA": $1, "arrayShare": 0.5 }');

const rel = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected) / Math.abs(expected), `${actual} vs ${expected}`).toBeLessThan(1e-9);
};
const relBand = (actual: Band, expected: Band): void => {
  rel(actual.low, expected.low);
  rel(actual.mid, expected.mid);
  rel(actual.high, expected.high);
};

// PandaBoard ES die (Micron 2 Gb LPDDR2 memspec): self-refresh at 45 °C, full array
// VDD1 1.8 V × 0.6 mA + VDD2 1.2 V × 1.3 mA = 1.08 + 1.56 = 2.64 mW.
const SR45_W = 2.64e-3;

describe('energy meter: self-refresh', () => {
  it('charges one die with one segment masked its IDD6 at 7/8 of the array, the others the full array', () => {
    const { board } = boardFrom('pandaboard-es', measured);
    board.die('emif1.cs0').mrw(17, 0x80);
    const meter = new EnergyMeter(board);
    meter.selfRefresh(10 * SECOND);
    const r = meter.report();
    // masked die: 2.64 mW × (0.7 + 0.3 × 7/8) = 2.541 mW for 10 s = 25.41 mJ; saved 2.64 × 0.3 / 8 × 10 = 0.99 mJ
    rel(r.perDie['emif1.cs0']!.selfRefreshJ.mid, 25.41e-3);
    rel(r.perDie['emif1.cs0']!.savedJ.mid, 0.99e-3);
    rel(r.perDie['emif2.cs1']!.selfRefreshJ.mid, 26.4e-3);
    expect(r.perDie['emif2.cs1']!.savedJ.mid).toBe(0);
    rel(r.selfRefreshJ.mid, 25.41e-3 + 3 * 26.4e-3);
    rel(r.savedJ.mid, 0.99e-3);
    // A measured share has no band.
    relBand(r.selfRefreshJ, { low: 104.61e-3, mid: 104.61e-3, high: 104.61e-3 });
    expect(r.awakeJ).toBe(0);
    relBand(r.dramJ, r.selfRefreshJ);
    expect(r.selfRefreshNs).toBe(10 * SECOND);
    expect(r.clamped).toEqual([]);
    meter.checkInvariants();
  });

  it('uses the fractions a caller passes, and interpolates between table temperatures', () => {
    const { board } = boardFrom('pandaboard-es', measured);
    const meter = new EnergyMeter(board, { temperatureC: 65 });
    meter.selfRefresh(SECOND, { 'emif1.cs0': 0.5 });
    // 65 °C: fixed part (1.08 × 0.7 + 1.56 × 0.7 → 1.848 mW at 45; 2.16 × 0.5 + 3.12 × 0.5 = 2.64 mW at 85) → 2.244 mW;
    // array part (0.792 mW at 45, 2.64 mW at 85) → 1.716 mW. Die at f = 1/2: 2.244 + 0.858 = 3.102 mW.
    rel(meter.report().perDie['emif1.cs0']!.selfRefreshJ.mid, 3.102e-3);
    rel(meter.report().perDie['emif1.cs1']!.selfRefreshJ.mid, 3.96e-3);
    expect(meter.report().perDie['emif1.cs0']!.temperatureC).toBe(65);
    expect(() => meter.selfRefresh(SECOND, { 'emif9.cs0': 0.5 })).toThrow(
      'self-refresh fraction for unknown die emif9.cs0 (dies: emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1)',
    );
    expect(() => meter.selfRefresh(SECOND, { 'emif1.cs0': 1.5 })).toThrow(
      'die emif1.cs0: refreshed fraction 1.5 is outside 0..1',
    );
    expect(() => meter.selfRefresh(-1)).toThrow('self-refresh duration -1 ns is not a finite non-negative time');
  });

  it('states every saving with the band of the LPDDR1 shares when the part takes the default', () => {
    const { board } = boardFrom('pandaboard-es');
    for (const d of board.dies) d.mrw(17, 0x80);
    const meter = new EnergyMeter(board);
    meter.selfRefresh(10 * SECOND);
    const r = meter.report();
    const s = arrayShareAt(45);
    // Four dies, one eighth unrefreshed: saved = 4 × 2.64 mW × share / 8 × 10 s
    const saved = (share: number): number => ((4 * SR45_W * share) / 8) * 10;
    relBand(r.savedJ, { low: saved(s.low), mid: saved(s.mid), high: saved(s.high) });
    relBand(r.selfRefreshJ, {
      low: 4 * SR45_W * 10 - saved(s.low),
      mid: 4 * SR45_W * 10 - saved(s.mid),
      high: 4 * SR45_W * 10 - saved(s.high),
    });
    expect(r.savedJ.low).toBeLessThan(r.savedJ.mid);
    expect(r.savedJ.mid).toBeLessThan(r.savedJ.high);
    meter.checkInvariants();
  });

  it('clamps a temperature outside the part table and reports each die once', () => {
    const { board } = boardFrom('pandaboard-es', measured);
    const meter = new EnergyMeter(board, { temperatureC: 100 });
    meter.selfRefresh(SECOND);
    meter.selfRefresh(SECOND);
    const r = meter.report();
    // evaluated at 85 °C: 1.8 × 1.2 + 1.2 × 2.6 = 5.28 mW per die
    rel(r.perDie['emif1.cs0']!.selfRefreshJ.mid, 2 * 5.28e-3);
    expect(r.clamped).toEqual(
      ['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1'].map(
        (id) => `${id}: 100 °C is above the elpida-ECB240ABACN self-refresh table (45-85 °C): evaluated at 85 °C`,
      ),
    );
  });

  it('gives each die its own temperature from the board config', () => {
    const { board } = boardFrom('pandaboard-es', (t) =>
      measured(t).replace(
        '{ "cs": 1, "part": "elpida-ECB240ABACN" }',
        '{ "cs": 1, "part": "elpida-ECB240ABACN", "temperatureC": 20 }',
      ),
    );
    expect(board.die('emif1.cs1').temperatureC).toBe(20);
    const meter = new EnergyMeter(board);
    meter.selfRefresh(SECOND);
    const r = meter.report();
    expect([r.perDie['emif1.cs0']!.temperatureC, r.perDie['emif1.cs1']!.temperatureC]).toEqual([45, 20]);
    expect(r.clamped).toEqual([
      'emif1.cs1: 20 °C is below the elpida-ECB240ABACN self-refresh table (45-85 °C): evaluated at 45 °C',
    ]);
  });
});

describe('energy meter: awake intervals', () => {
  // Per PandaBoard ES die (DRAMPower MICRON_2Gb_LPDDR2-800-S4 memspec), activeShare 0.25:
  //   background VDD1 1.8 × (0.25 × 1.2 + 0.75 × 0.5) = 1.215 mW, VDD2 1.2 × (0.25 × 29 + 0.75 × 1.7) = 10.23 mW
  //   refresh (2 Gb S4: tRFCab 130 ns, tREFI 3900 ns, duty 1/30)
  //     VDD1 1.8 × (15 − 1.2) / 30 = 0.828 mW, VDD2 1.2 × (136 − 29) / 30 = 4.28 mW
  const BACKGROUND_W = 11.445e-3;
  const REFRESH_W = 5.108e-3;

  it('charges background weighted by the active share plus auto-refresh on every die', () => {
    const { board } = boardFrom('pandaboard-es');
    const meter = new EnergyMeter(board);
    meter.awake(SECOND, 0.25);
    const r = meter.report();
    rel(r.perDie['emif2.cs0']!.awakeJ, BACKGROUND_W + REFRESH_W);
    rel(r.perDie['emif2.cs0']!.awakeRefreshJ, REFRESH_W);
    rel(r.awakeJ, 4 * (BACKGROUND_W + REFRESH_W));
    relBand(r.dramJ, { low: r.awakeJ, mid: r.awakeJ, high: r.awakeJ });
    expect(r.savedJ).toEqual({ low: 0, mid: 0, high: 0 });
    // idle and fully active ends
    const idle = new EnergyMeter(board);
    idle.awake(SECOND, 0);
    rel(idle.report().perDie['emif1.cs0']!.awakeJ, 1.8 * 0.5e-3 + 1.2 * 1.7e-3 + REFRESH_W);
    const busy = new EnergyMeter(board);
    busy.awake(SECOND, 1);
    rel(busy.report().perDie['emif1.cs0']!.awakeJ, 1.8 * 1.2e-3 + 1.2 * 29e-3 + REFRESH_W);
    expect(() => busy.awake(SECOND, 1.5)).toThrow('active share 1.5 is outside 0..1');
  });

  it('refreshes twice as often above 85 °C', () => {
    const { board } = boardFrom('pandaboard-es');
    const meter = new EnergyMeter(board, { temperatureC: 90 });
    meter.awake(SECOND, 0.25);
    rel(meter.report().perDie['emif1.cs0']!.awakeJ, BACKGROUND_W + 2 * REFRESH_W);
    const at85 = new EnergyMeter(board, { temperatureC: 85 });
    at85.awake(SECOND, 0.25);
    rel(at85.report().perDie['emif1.cs0']!.awakeJ, BACKGROUND_W + REFRESH_W);
  });

  it('ignores PASR masks while awake on LPDDR2 (masks act in self-refresh only)', () => {
    const { board } = boardFrom('pandaboard-es');
    for (const d of board.dies) d.mrw(17, 0xff);
    const meter = new EnergyMeter(board);
    meter.awake(SECOND, 0.25);
    rel(meter.report().awakeJ, 4 * (BACKGROUND_W + REFRESH_W));
  });

  it('names the file and the place when a part has no awake table', () => {
    const { board } = boardFrom('pandaboard-es', (t) =>
      t
        .replace(/,\n\s*"awake": \{[\s\S]*?\n {8}\}/, '')
        .replace(/\n\s*"dram\.parts\.elpida-ECB240ABACN\.awake [^\n]*/, ''),
    );
    const meter = new EnergyMeter(board);
    meter.selfRefresh(SECOND);
    expect(() => meter.awake(SECOND, 0)).toThrow(
      'pandaboard-es.json: dram.parts.elpida-ECB240ABACN.awake: no awake power table (IDD2P, IDD3N, IDD5 per rail), so die emif1.cs0 has no awake energy',
    );
  });
});

describe('energy meter: LPDDR5 partial-array refresh control (PARC)', () => {
  // lp4x-quad-16g as LPDDR5 (same MR8 code) with the MR23 segment mask: 16 dies of 8 Gb per channel x16,
  // tRFCab 210 ns and tREFI 3906 ns in the LPDDR5 table. Awake table (JEDEC 8 Gb LPDDR4 memspec, VDDQ 0.6 V)
  // at activeShare 0: background 1.8 × 1.2 + 1.1 × 3.0 + 0.6 × 0.75 = 5.91 mW;
  // refresh (210 / 3906) × (1.8 × (10 − 2.25) + 1.1 × (90 − 30) + 0.6 × 0) = 79.95 × 210 / 3906 mW.
  const lp5 = () =>
    boardFrom('lp4x-quad-16g', (t) =>
      t
        .replace('"standard": "LPDDR4X"', '"standard": "LPDDR5"')
        .replace('"maskRegister": "MR17"', '"maskRegister": "MR23"')
        // 16 banks and half the rows of an LPDDR4 8 Gb channel: one row bit becomes a bank bit.
        .replace('"bank": [14, 15, 16],', '"bank": [14, 15, 16, 17],')
        .replace('"row": [17, 18,', '"row": [18,'),
    );
  const REFRESH_W = ((79.95 * 210) / 3906) * 1e-3;
  const BACKGROUND_W = 5.91e-3;

  it('scales awake refresh by the refreshed fraction only when PARC is set', () => {
    const { board, clock } = lp5();
    const die = board.die('ddrc0.rank0.cha');
    die.mrw(23, 0x0f); // four of eight segments masked
    expect(die.refreshedFraction).toBe(0.5);
    const off = new EnergyMeter(board);
    off.awake(SECOND, 0);
    rel(off.report().perDie['ddrc0.rank0.cha']!.awakeJ, BACKGROUND_W + REFRESH_W);
    expect(off.report().savedJ.mid).toBe(0);

    clock.advance(1000);
    die.mrw(25, 0x40); // PARC
    expect(die.parc).toBe(1);
    const on = new EnergyMeter(board);
    on.awake(SECOND, 0);
    const r = on.report();
    rel(r.perDie['ddrc0.rank0.cha']!.awakeJ, BACKGROUND_W + REFRESH_W / 2);
    rel(r.perDie['ddrc0.rank0.cha']!.awakeRefreshJ, REFRESH_W / 2);
    relBand(r.savedJ, { low: REFRESH_W / 2, mid: REFRESH_W / 2, high: REFRESH_W / 2 });
    rel(r.perDie['ddrc0.rank0.chb']!.awakeJ, BACKGROUND_W + REFRESH_W);
    on.checkInvariants();
  });
});

describe('energy meter: CPU and platform', () => {
  it('charges mechanism work at the cost table active power, overridable per board', () => {
    const { board } = boardFrom('pandaboard-es');
    const meter = new EnergyMeter(board);
    meter.mechanism(2e6);
    expect(meter.report().cpuJ).toBeCloseTo(2e-3, 15);
    expect(meter.report().cpuNs).toBe(2e6);
    const half = new EnergyMeter(
      boardFrom('pandaboard-es', (t) => t.replace('"costs": {}', '"costs": { "energy.cpuActiveW": 0.5 }')).board,
    );
    half.mechanism(2e6);
    expect(half.report().cpuJ).toBeCloseTo(1e-3, 15);
  });

  it('adds the platform estimate for awake and suspended intervals and states the saving as a share of it', () => {
    const { board } = boardFrom('pandaboard-es', measured);
    for (const d of board.dies) d.mrw(17, 0x80);
    const meter = new EnergyMeter(board);
    meter.awake(SECOND, 0);
    meter.selfRefresh(10 * SECOND);
    const p = meter.report().platform!;
    // 1.05 W awake for 1 s, 0.2 W suspended for 10 s
    expect(p.estimate).toBe(true);
    expect(p.source).toMatch(/^estimate: /);
    rel(p.awakeJ, 1.05);
    rel(p.suspendedJ, 2);
    rel(p.joules, 3.05);
    // saved: 4 dies × 2.64 mW × 0.3 / 8 × 10 s = 3.96 mJ
    rel(p.savedShare.mid, 3.96e-3 / 3.05);
  });

  it('has no platform figure for a board without one', () => {
    const meter = new EnergyMeter(boardFrom('snowball').board);
    meter.selfRefresh(SECOND);
    expect(meter.report().platform).toBeUndefined();
  });
});
