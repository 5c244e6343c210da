import { describe, expect, it } from 'vitest';
import type { PowerPoint } from '../../../hal/board/board-config.js';
import { checkPowerTable, pasrSavingJ, selfRefreshEnergy, selfRefreshPower } from '../../../hal/lpddr/power.js';
import { arrayShareAt } from '../../../hal/lpddr/array-share.js';

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

describe('self-refresh power with the default arrayShare', () => {
  // The same currents without arrayShare: VDD1/VDD2 take the default of the LPDDR1 fits, VDDQ takes 0.
  const DEFAULT: PowerPoint[] = [
    {
      temperatureC: 45,
      rails: [
        { rail: 'VDD1', volts: 1.8, idd6FullmA: 1.2 },
        { rail: 'VDDQ', volts: 1.1, idd6FullmA: 0.1 },
      ],
    },
    {
      temperatureC: 85,
      rails: [
        { rail: 'VDD1', volts: 1.8, idd6FullmA: 3.0 },
        { rail: 'VDDQ', volts: 1.1, idd6FullmA: 0.2 },
      ],
    },
  ];

  it('takes the fits default at the table temperature, its band on request, and 0 on VDDQ', () => {
    const s45 = arrayShareAt(45);
    for (const k of ['mid', 'low', 'high'] as const) {
      const p = selfRefreshPower(DEFAULT, 45, 0.25, k);
      expect(p.rails[0]!.mA).toBeCloseTo(1.2 * (1 - s45[k] + 0.25 * s45[k]), 12);
      expect(p.rails[0]!.arrayShare).toBeCloseTo(s45[k], 12);
      expect(p.rails[0]!.shareOrigin).toBe('default');
      expect(p.rails[1]!).toMatchObject({ mA: 0.1, arrayShare: 0, shareOrigin: 'vddq' });
    }
    // A larger share saves more: the low end of the band draws the most at f < 1.
    const [lo, mid, hi] = (['low', 'mid', 'high'] as const).map((k) => selfRefreshPower(DEFAULT, 45, 0.5, k).watts);
    expect(lo!).toBeGreaterThan(mid!);
    expect(mid!).toBeGreaterThan(hi!);
    // At the full array the band closes.
    expect(selfRefreshPower(DEFAULT, 45, 1, 'low').watts).toBeCloseTo(
      selfRefreshPower(DEFAULT, 45, 1, 'high').watts,
      15,
    );
  });

  it('interpolates the fixed and array parts between table points with each point its own default share', () => {
    const s45 = arrayShareAt(45).mid;
    const s85 = arrayShareAt(85).mid;
    const p = selfRefreshPower(DEFAULT, 65, 0);
    expect(p.rails[0]!.mA).toBeCloseTo((1.2 * (1 - s45) + 3.0 * (1 - s85)) / 2, 12);
    expect(p.shareRuleClampedAtC).toEqual([]);
  });

  it('keeps an explicit (measured) arrayShare for every band choice', () => {
    const low = selfRefreshPower(TABLE, 45, 0.5, 'low');
    const high = selfRefreshPower(TABLE, 45, 0.5, 'high');
    expect(low.watts).toBe(high.watts);
    expect(low.rails.map((r) => r.shareOrigin)).toEqual(['config', 'config']);
  });

  it('names a table point whose default share lies outside the 45-85 °C span of the data', () => {
    const cold: PowerPoint[] = [{ ...DEFAULT[0]!, temperatureC: 25 }, DEFAULT[1]!];
    expect(selfRefreshPower(cold, 30, 0.5).shareRuleClampedAtC).toEqual([25]);
    expect(selfRefreshPower(cold, 85, 0.5).shareRuleClampedAtC).toEqual([]);
  });
});
