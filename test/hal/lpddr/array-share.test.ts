import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDD6_PASR_SERIES } from '../../../hal/lpddr/array-share-data.js';
import {
  ARRAY_SHARE_ANCHORS,
  IDD6_FITS,
  arrayShareAt,
  fitLine,
  fitSeries,
  sharesAt,
} from '../../../hal/lpddr/array-share.js';

// shared/reference/idd6-pasr.md §2, as printed there (numpy least squares, rounded): series id → I0 µA,
// Iarr µA, s, max residual µA, R².
const PUBLISHED: Record<string, [number, number, number, number, number]> = {
  'micron-mt46h32m32lg-lp-85': [475, 529, 0.53, 10, 0.998],
  'micron-mt46h32m32lg-lp-45': [330, 180, 0.35, 20, 0.966],
  'micron-mt46h32m32lg-std-85': [654, 531, 0.45, 37, 0.982],
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: an R² printed in the reference, not 1/√2
  'micron-mt46h32m32lg-std-45': [591, 189, 0.24, 63, 0.707],
  'samsung-k4x1g163pc-e-85': [600, 600, 0.5, 0, 1.0],
  'samsung-k4x1g163pc-e-45': [400, 200, 0.33, 0, 1.0],
  'samsung-k4x1g163pc-g-85': [600, 400, 0.4, 0, 1.0],
  'samsung-k4x1g163pc-g-45': [370, 131, 0.26, 4, 0.994],
  'samsung-k4x56163pi-e-85': [175, 271, 0.61, 11, 0.992],
  'samsung-k4x56163pi-e-45': [120, 80, 0.4, 0, 1.0],
  'samsung-k4x56163pi-g-85': [200, 100, 0.33, 0, 1.0],
  'samsung-k4x56163pi-g-45': [122, 27, 0.18, 1, 0.992],
  'qimonda-hyb18l256160b-std-typ-85': [285, 226, 0.44, 2, 1.0],
  'qimonda-hyb18l256160b-std-max-85': [335, 266, 0.44, 2, 1.0],
  'qimonda-hyb18l256160b-std-typ-70': [222, 119, 0.35, 3, 0.996],
  'qimonda-hyb18l256160b-std-typ-45': [172, 53, 0.23, 1, 0.998],
  'qimonda-hyb18l256160b-std-typ-25': [157, 47, 0.23, 1, 0.997],
  'qimonda-hyb18l256160b-l-typ-85': [182, 247, 0.58, 1, 1.0],
  'qimonda-hyb18l256160b-l-max-85': [195, 254, 0.57, 2, 1.0],
  'qimonda-hyb18l256160b-l-typ-70': [147, 139, 0.48, 3, 0.997],
  'qimonda-hyb18l256160b-l-typ-45': [117, 73, 0.38, 1, 0.999],
  'qimonda-hyb18l256160b-l-typ-25': [102, 73, 0.42, 1, 0.999],
};

describe('LPDDR1 partial-array IDD6 data', () => {
  it('holds the 22 series of the reference, each with its source and certainty', () => {
    expect(IDD6_PASR_SERIES.map((s) => s.id).sort()).toEqual(Object.keys(PUBLISHED).sort());
    for (const s of IDD6_PASR_SERIES) {
      expect(s.source.url).toMatch(/^https?:\/\//);
      expect(s.source.table.length).toBeGreaterThan(0);
      expect(s.points[0]![0]).toBe(1);
      expect(s.points.length).toBeGreaterThanOrEqual(3);
    }
    // The K4X56163PI layout was inferred from the page text: marked ◐, the others were read (✔).
    const inferred = IDD6_PASR_SERIES.filter((s) => s.certainty === '◐').map((s) => s.part);
    expect(new Set(inferred)).toEqual(new Set(['Samsung K4X56163PI (x16 Mobile DDR)']));
  });
});

describe('least-squares fits IDD6(f) = I0 + f·Iarr', () => {
  it('reproduce every row of the reference table within its rounding', () => {
    expect(IDD6_FITS).toHaveLength(22);
    for (const f of IDD6_FITS) {
      const [i0, iarr, s, maxRes, r2] = PUBLISHED[f.series.id]!;
      const at = f.series.id;
      expect(Math.abs(f.i0uA - i0), `${at} I0 ${f.i0uA}`).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(f.iarruA - iarr), `${at} Iarr ${f.iarruA}`).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(f.share - s), `${at} s ${f.share}`).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(f.maxResidualuA - maxRes), `${at} max residual ${f.maxResidualuA}`).toBeLessThanOrEqual(
        0.5 + 1e-9,
      );
      expect(Math.abs(f.r2 - r2), `${at} R² ${f.r2}`).toBeLessThanOrEqual(0.0005 + 1e-9);
    }
  });

  it('is exact (to rounding) on collinear points and rejects a single fraction', () => {
    expect(
      fitLine([
        [1, 1200],
        [0.5, 900],
        [0.25, 750],
      ]),
    ).toEqual({ a: expect.closeTo(600, 9), b: expect.closeTo(600, 9) });
    expect(() =>
      fitLine([
        [1, 5],
        [1, 6],
      ]),
    ).toThrow('a line fit needs at least two distinct fractions');
    const f = fitSeries({
      ...IDD6_PASR_SERIES[0]!,
      points: [
        [1, 1000],
        [0.5, 750],
        [0.25, 625],
      ],
    });
    expect([f.i0uA, f.iarruA, f.share, f.maxResidualuA, f.r2].map((x) => Number(x.toFixed(9)))).toEqual([
      500, 500, 0.5, 0, 1,
    ]);
  });
});

describe('default arrayShare and band', () => {
  it('takes the median and the extremes of the series at 45 °C and 85 °C', () => {
    const [c, h] = ARRAY_SHARE_ANCHORS;
    expect([c!.temperatureC, c!.series.length, h!.temperatureC, h!.series.length]).toEqual([45, 8, 85, 10]);
    expect(c!.median).toBeCloseTo(0.3, 2);
    expect(h!.median).toBeCloseTo(0.47, 2);
    expect([c!.low, c!.high]).toEqual([expect.closeTo(0.18, 2), expect.closeTo(0.4, 2)]);
    expect([h!.low, h!.high]).toEqual([expect.closeTo(0.33, 2), expect.closeTo(0.61, 2)]);
    // The median of an even count is the mean of the middle two shares.
    const shares45 = IDD6_FITS.filter((f) => f.series.temperatureC === 45)
      .map((f) => f.share)
      .sort((a, b) => a - b);
    expect(c!.median).toBe((shares45[3]! + shares45[4]!) / 2);
    expect(() => sharesAt(60)).toThrow('no partial-array IDD6 series at 60 °C');
  });

  it('interpolates linearly between the anchors and clamps outside them, saying so', () => {
    const [c, h] = ARRAY_SHARE_ANCHORS;
    const mid = arrayShareAt(65);
    expect(mid.clamped).toBe('none');
    expect(mid.mid).toBeCloseTo((c!.median + h!.median) / 2, 15);
    expect(mid.low).toBeCloseTo((c!.low + h!.low) / 2, 15);
    expect(mid.high).toBeCloseTo((c!.high + h!.high) / 2, 15);
    expect(arrayShareAt(45)).toEqual({
      temperatureC: 45,
      ruleTemperatureC: 45,
      clamped: 'none',
      mid: c!.median,
      low: c!.low,
      high: c!.high,
    });
    const cold = arrayShareAt(25);
    expect([cold.clamped, cold.ruleTemperatureC, cold.mid]).toEqual(['below', 45, c!.median]);
    const hot = arrayShareAt(105);
    expect([hot.clamped, hot.ruleTemperatureC, hot.high]).toEqual(['above', 85, h!.high]);
    expect(() => arrayShareAt(Number.NaN)).toThrow('temperature NaN C is not a finite number');
  });

  it('holds the 70 °C series inside its band; the 25 °C low-power series sits just above the clamped band', () => {
    const at70 = arrayShareAt(70);
    for (const f of IDD6_FITS.filter((x) => x.series.temperatureC === 70)) {
      expect(f.share).toBeGreaterThanOrEqual(at70.low);
      expect(f.share).toBeLessThanOrEqual(at70.high);
    }
    const at25 = arrayShareAt(25);
    const q25 = IDD6_FITS.filter((x) => x.series.temperatureC === 25).map((f) => f.share);
    expect(q25.filter((s) => s >= at25.low && s <= at25.high)).toHaveLength(1);
    expect(Math.max(...q25) - at25.high).toBeLessThan(0.02);
  });
});

describe('ARRAY-SHARE.md', () => {
  it('prints the figures the code computes', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../hal/lpddr/ARRAY-SHARE.md'), 'utf8');
    for (const a of ARRAY_SHARE_ANCHORS) {
      // A table row, however a Markdown formatter pads its cells.
      const cells = [
        `${a.temperatureC} °C`,
        a.series.length,
        a.median.toFixed(3),
        `${a.low.toFixed(3)}-${a.high.toFixed(3)}`,
      ];
      const row = new RegExp(`^ *\\|${cells.map((c) => ` +${String(c).replaceAll('.', '\\.')} +\\|`).join('')}$`, 'm');
      expect(doc).toMatch(row);
    }
    const s65 = arrayShareAt(65);
    expect(doc).toContain(`at 65 °C: ${s65.mid.toFixed(3)}, band ${s65.low.toFixed(3)}-${s65.high.toFixed(3)}`);
  });
});
