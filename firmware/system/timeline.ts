/**
 * A run's timeline (a step function: from each point on, the system is suspended or not with so
 * many units masked) averaged over equal columns of simulated time, for charts: in each column,
 * the share of time suspended and the time-weighted mean of units masked while suspended (masks
 * only matter in self-refresh).
 */
import type { TimelinePoint } from './system.js';

export interface TimelineColumns {
  readonly startNs: number;
  readonly columnNs: number;
  /** Share of each column spent suspended, 0..1. */
  readonly suspended: readonly number[];
  /** Mean units masked over each column's suspended time (0 when never suspended). */
  readonly maskedUnits: readonly number[];
}

export function timelineColumns(
  points: readonly TimelinePoint[],
  startNs: number,
  endNs: number,
  columns: number,
): TimelineColumns {
  if (!(columns >= 1) || !(endNs > startNs))
    throw new RangeError(`timeline: ${columns} columns over [${startNs}, ${endNs})`);
  const columnNs = (endNs - startNs) / columns;
  const suspendedNs = new Float64Array(columns);
  const maskedNs = new Float64Array(columns);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const a = Math.max(p.tNs, startNs);
    const z = Math.min(i + 1 < points.length ? points[i + 1]!.tNs : endNs, endNs);
    if (!(z > a) || !p.suspended) continue;
    // Spread [a, z) over the columns it crosses.
    for (let c = Math.floor((a - startNs) / columnNs); c < columns; c++) {
      const c0 = startNs + c * columnNs;
      const c1 = c0 + columnNs;
      const overlap = Math.min(z, c1) - Math.max(a, c0);
      if (overlap > 0) {
        suspendedNs[c]! += overlap;
        maskedNs[c]! += overlap * p.maskedUnits;
      }
      if (c1 >= z) break;
    }
  }
  return {
    startNs,
    columnNs,
    suspended: Array.from(suspendedNs, (s) => s / columnNs),
    maskedUnits: Array.from(maskedNs, (m, c) => (suspendedNs[c]! > 0 ? m / suspendedNs[c]! : 0)),
  };
}

/** One step of a run's timeline as `pasr run --json` gives it: [seconds from the start, suspended 0|1, units masked]. */
export type TimelineStep = [seconds: number, suspended: 0 | 1, maskedUnits: number];

export function timelineSteps(points: readonly TimelinePoint[]): TimelineStep[] {
  const start = points[0]?.tNs ?? 0;
  return points.map((p) => [Number(((p.tNs - start) / 1e9).toFixed(6)), p.suspended ? 1 : 0, p.maskedUnits]);
}
