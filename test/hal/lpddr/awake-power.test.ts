import { describe, expect, it } from 'vitest';
import { awakePower } from '../../../hal/lpddr/awake-power.js';

const TABLE = {
  source: 'test',
  rails: [
    { rail: 'VDD1', volts: 1.8, idd2pmA: 0.5, idd3nmA: 1.2, idd5mA: 15 },
    { rail: 'VDD2', volts: 1.2, idd2pmA: 1.7, idd3nmA: 29, idd5mA: 136 },
  ],
};
const NOMINAL = { activeShare: 0, tRFCabNs: 130, tREFIns: 3900, refreshRate: 1, refreshedFraction: 1 };

describe('awake power of one die', () => {
  it('splits background (power-down when idle) from refresh, per rail', () => {
    const p = awakePower(TABLE, NOMINAL);
    // background 1.8 × 0.5 + 1.2 × 1.7 = 2.94 mW; refresh (1.8 × 13.8 + 1.2 × 107) / 30 = 5.108 mW
    expect(p.backgroundW).toBeCloseTo(2.94e-3, 15);
    expect(p.refreshW).toBeCloseTo(5.108e-3, 15);
    expect(p.rails.map((r) => r.rail)).toEqual(['VDD1', 'VDD2']);
    expect(p.rails[1]!.refreshW).toBeCloseTo(4.28e-3, 15);
    const skipped = awakePower(TABLE, { ...NOMINAL, refreshRate: 2, refreshedFraction: 0.25 });
    expect(skipped.refreshW).toBeCloseTo(5.108e-3 / 2, 15);
  });

  it('refuses shares out of range and refresh timings that leave no time between refreshes', () => {
    expect(() => awakePower(TABLE, { ...NOMINAL, activeShare: -0.1 })).toThrow('active share -0.1 is outside 0..1');
    expect(() => awakePower(TABLE, { ...NOMINAL, refreshedFraction: 2 })).toThrow(
      'refreshed fraction 2 is outside 0..1',
    );
    expect(() => awakePower(TABLE, { ...NOMINAL, tRFCabNs: 3900 })).toThrow(
      'refresh timings tRFCab 3900 ns, tREFI 3900 ns at 1x rate leave no time between refreshes',
    );
  });
});
