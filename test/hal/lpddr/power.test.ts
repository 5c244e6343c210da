import { describe, expect, it } from 'vitest';
import type { PowerPoint } from '../../../hal/board/board-config.js';
import { checkPowerTable, pasrSavingJ, selfRefreshEnergy, selfRefreshPower } from '../../../hal/lpddr/power.js';

// Two temperatures, two rails (VDD1 1.2 mA at 45 C is the DP4 LPDDR2 2 Gb memspec value; the rest is made up
// to give round numbers).
const TABLE: PowerPoint[] = [
  {
    temperatureC: 45,
    rails: [
      { rail: 'VDD1', volts: 1.8, idd6FullmA: 1.2, arrayShare: 0.25 },
      { rail: 'VDD2', volts: 1.2, idd6FullmA: 2.6, arrayShare: 0.4 },
    ],
  },
  {
    temperatureC: 85,
    rails: [
      { rail: 'VDD1', volts: 1.8, idd6FullmA: 3.0, arrayShare: 0.5 },
      { rail: 'VDD2', volts: 1.2, idd6FullmA: 8.0, arrayShare: 0.5 },
    ],
  },
];

describe('self-refresh power model', () => {
  it('scales only the array share of IDD6 with the refreshed fraction at a table temperature', () => {
    const p = selfRefreshPower(TABLE, 45, 0.5);
    // VDD1: 1.2 * (0.75 + 0.5 * 0.25) = 1.05 mA; VDD2: 2.6 * (0.6 + 0.5 * 0.4) = 2.08 mA
    expect(p.rails.map((r) => r.mA)).toEqual([expect.closeTo(1.05, 12), expect.closeTo(2.08, 12)]);
    // 1.8 V * 1.05 mA + 1.2 V * 2.08 mA = 1.89 mW + 2.496 mW
    expect(p.watts).toBeCloseTo(4.386e-3, 15);
    expect(p.clamped).toBe('none');
  });

  it('interpolates linearly between table temperatures', () => {
    const p = selfRefreshPower(TABLE, 65, 0.25);
    // VDD1 at f = 1/4: 0.975 mA at 45 C, 1.875 mA at 85 C -> 1.425 mA; VDD2: 1.82 and 5.0 -> 3.41 mA
    expect(p.rails[0]!.mA).toBeCloseTo(1.425, 12);
    expect(p.rails[1]!.mA).toBeCloseTo((2.6 * (0.6 + 0.25 * 0.4) + 8 * (0.5 + 0.25 * 0.5)) / 2, 12);
    expect(p.rails[1]!.mA).toBeCloseTo(3.41, 12);
    expect(p.watts).toBeCloseTo(1.8 * 1.425e-3 + 1.2 * 3.41e-3, 15);
  });

  it('clamps outside the table and reports it', () => {
    const hot = selfRefreshPower(TABLE, 100, 1);
    expect([hot.clamped, hot.tableTemperatureC, hot.temperatureC]).toEqual(['above', 85, 100]);
    expect(hot.rails.map((r) => r.mA)).toEqual([3.0, 8.0]);
    const cold = selfRefreshPower(TABLE, 0, 1);
    expect([cold.clamped, cold.tableTemperatureC]).toEqual(['below', 45]);
    expect(cold.rails.map((r) => r.mA)).toEqual([expect.closeTo(1.2, 12), expect.closeTo(2.6, 12)]);
  });

  it('gives the energy of a self-refresh interval in joules and the PASR saving', () => {
    const e = selfRefreshEnergy(TABLE, 45, 0.5, 1e9);
    expect(e.joules).toBeCloseTo(4.386e-3, 15);
    // full array at 45 C: 1.8 * 1.2 + 1.2 * 2.6 = 5.28 mW
    expect(pasrSavingJ(TABLE, 45, 0.5, 1e9)).toBeCloseTo(5.28e-3 - 4.386e-3, 15);
    expect(selfRefreshEnergy(TABLE, 45, 0, 0).joules).toBe(0);
  });

  it('rejects a fraction or duration out of range', () => {
    expect(() => selfRefreshPower(TABLE, 45, 1.5)).toThrow('refreshed fraction 1.5 is outside 0..1');
    expect(() => selfRefreshEnergy(TABLE, 45, 1, -1)).toThrow(
      'self-refresh duration -1 ns is not a finite non-negative time',
    );
    expect(() => selfRefreshPower(TABLE, NaN, 1)).toThrow('temperature NaN C is not a finite number');
  });

  it('lists every problem of a bad table with its place', () => {
    const bad: PowerPoint[] = [
      { temperatureC: 85, rails: [{ rail: 'VDD1', volts: 1.8, idd6FullmA: 1, arrayShare: 1.2 }] },
      {
        temperatureC: 45,
        rails: [
          { rail: 'VDD1', volts: 1.7, idd6FullmA: -1, arrayShare: 0.5 },
          { rail: 'VDD2', volts: 0, idd6FullmA: 1, arrayShare: 0.5 },
        ],
      },
    ];
    expect(checkPowerTable(bad, 'parts.x.power')).toEqual([
      'parts.x.power[0].rails[0].arrayShare: 1.2 is outside 0..1',
      'parts.x.power[1].temperatureC: 45 C does not ascend (previous 85 C)',
      "parts.x.power[1].rails: rails VDD1,VDD2 differ from the first point's VDD1",
      'parts.x.power[1].rails[0].idd6FullmA: -1 is not a non-negative current',
      'parts.x.power[1].rails[0].volts: 1.7 V differs from 1.8 V at 85 C',
      'parts.x.power[1].rails[1].volts: 0 is not a positive voltage',
    ]);
    expect(checkPowerTable([], 'p')).toEqual(['p: the self-refresh power table is empty']);
    expect(() => selfRefreshPower([], 45, 1)).toThrow('power table: the self-refresh power table is empty');
    expect(checkPowerTable(TABLE, 'ok')).toEqual([]);
  });
});
