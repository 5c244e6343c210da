import { IDD6_PASR_SERIES, type Idd6Series } from './array-share-data.js';

/**
 * The default `arrayShare` (share of full-array IDD6 that scales with the refreshed fraction f) and its
 * band, computed from the LPDDR1 partial-array IDD6 tables in array-share-data.ts (ARRAY-SHARE.md).
 *
 * Per series, a least-squares line IDD6(f) = I0 + f·Iarr over all its points; the series' share is
 * s = Iarr / (I0 + Iarr), the array part of the fitted full-array current. At each anchor temperature
 * (45 and 85 °C, the temperatures at which all three vendors publish) the default is the median of the
 * series' shares there and the band runs from the lowest to the highest share. Between the anchors the
 * median, the low and the high are each interpolated linearly in temperature; outside they are clamped
 * to the nearest anchor, and the result says so.
 *
 * Everything is computed at module load from the data: nothing here is a fitted constant.
 */

export type Clamp = 'none' | 'below' | 'above';

export interface Idd6Fit {
  readonly series: Idd6Series;
  /** Fixed part of IDD6 (f = 0), µA. */
  readonly i0uA: number;
  /** Part of IDD6 proportional to f, µA. */
  readonly iarruA: number;
  /** Iarr / (I0 + Iarr). */
  readonly share: number;
  /** Largest |measured − fitted| over the points, µA. */
  readonly maxResidualuA: number;
  /** Coefficient of determination (1 for three exactly collinear points). */
  readonly r2: number;
}

/** Ordinary least squares of y = a + b·x over (x, y) pairs (closed form; at least two distinct x). */
export function fitLine(points: readonly (readonly [number, number])[]): { a: number; b: number } {
  const n = points.length;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (!(sxx > 0)) throw new Error('a line fit needs at least two distinct fractions');
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

/** The IDD6(f) = I0 + f·Iarr fit of one series. */
export function fitSeries(series: Idd6Series): Idd6Fit {
  const { a: i0uA, b: iarruA } = fitLine(series.points);
  let ssRes = 0;
  let ssTot = 0;
  let maxResidualuA = 0;
  const mean = series.points.reduce((s, [, y]) => s + y, 0) / series.points.length;
  for (const [f, y] of series.points) {
    const r = y - (i0uA + f * iarruA);
    ssRes += r * r;
    ssTot += (y - mean) * (y - mean);
    maxResidualuA = Math.max(maxResidualuA, Math.abs(r));
  }
  return { series, i0uA, iarruA, share: iarruA / (i0uA + iarruA), maxResidualuA, r2: 1 - ssRes / ssTot };
}

/** Fits of every series, in the data's order. */
export const IDD6_FITS: readonly Idd6Fit[] = IDD6_PASR_SERIES.map(fitSeries);

/** Shares of the series published at one temperature. */
export interface ShareStats {
  readonly temperatureC: number;
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** Series the figures come from. */
  readonly series: readonly string[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median, lowest and highest share of the series at exactly this temperature. */
export function sharesAt(temperatureC: number, fits: readonly Idd6Fit[] = IDD6_FITS): ShareStats {
  const at = fits.filter((f) => f.series.temperatureC === temperatureC);
  if (at.length === 0) throw new Error(`no partial-array IDD6 series at ${temperatureC} °C`);
  const shares = at.map((f) => f.share);
  return {
    temperatureC,
    median: median(shares),
    low: Math.min(...shares),
    high: Math.max(...shares),
    series: at.map((f) => f.series.id),
  };
}

/** Temperatures at which every vendor of the data publishes a table: the rule's anchors. */
export const ARRAY_SHARE_ANCHORS: readonly ShareStats[] = [sharesAt(45), sharesAt(85)];

/** The default arrayShare at a temperature, with its band. */
export interface ArrayShareAt {
  readonly temperatureC: number;
  /** Temperature the anchors were evaluated at (differs from temperatureC when clamped). */
  readonly ruleTemperatureC: number;
  readonly clamped: Clamp;
  /** Default (median rule). */
  readonly mid: number;
  /** Lowest share: the smallest PASR saving. */
  readonly low: number;
  /** Highest share: the largest PASR saving. */
  readonly high: number;
}

/** Default arrayShare and band at a temperature: anchors interpolated linearly, clamped outside them. */
export function arrayShareAt(temperatureC: number): ArrayShareAt {
  if (!Number.isFinite(temperatureC)) throw new RangeError(`temperature ${temperatureC} C is not a finite number`);
  const lo = ARRAY_SHARE_ANCHORS[0]!;
  const hi = ARRAY_SHARE_ANCHORS[ARRAY_SHARE_ANCHORS.length - 1]!;
  const clamped: Clamp = temperatureC < lo.temperatureC ? 'below' : temperatureC > hi.temperatureC ? 'above' : 'none';
  const t = Math.min(hi.temperatureC, Math.max(lo.temperatureC, temperatureC));
  let a = lo;
  let b = hi;
  for (let i = 1; i < ARRAY_SHARE_ANCHORS.length; i++) {
    if (t <= ARRAY_SHARE_ANCHORS[i]!.temperatureC) {
      a = ARRAY_SHARE_ANCHORS[i - 1]!;
      b = ARRAY_SHARE_ANCHORS[i]!;
      break;
    }
  }
  const w = (t - a.temperatureC) / (b.temperatureC - a.temperatureC);
  const lerp = (x: number, y: number): number => x + w * (y - x);
  return {
    temperatureC,
    ruleTemperatureC: t,
    clamped,
    mid: lerp(a.median, b.median),
    low: lerp(a.low, b.low),
    high: lerp(a.high, b.high),
  };
}
