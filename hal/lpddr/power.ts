import type { PowerPoint, RailPower } from '../board/board-config.js';
import { arrayShareAt, type Clamp } from './array-share.js';

export type { Clamp };

/**
 * Self-refresh power of one die, from the per-rail table a part carries in the board config
 * (reference/lpddr.md §5.4 model, ◐):
 *
 *   IDD6_r(T, f) = IDD6full_r(T) * ((1 - arrayShare_r(T)) + f * arrayShare_r(T))
 *
 * f is the refreshed fraction (1 = whole array). Between two table temperatures the fixed part
 * IDD6full*(1-arrayShare) and the array part IDD6full*arrayShare are each interpolated linearly, which
 * is the same as interpolating IDD6(T, f) linearly for the given f. Outside the table the nearest
 * point is used and the result says so (`clamped`).
 *
 * arrayShare is ✖ for LPDDR2-5 (no per-PASR IDD6 table was read). A rail takes it from the board config
 * when the config gives one (a user who measured the part); a VDDQ rail without one gets 0 (I/O leakage
 * does not scale with f); any other rail gets the default of array-share.ts at the table point's
 * temperature, and `share` picks the default ('mid') or an end of its band ('low', 'high'), so every
 * saving can be stated with the band the LPDDR1 data allow. An explicit arrayShare has no band.
 *
 * Pure functions: no state, no clock. Energy is event-based (one call per self-refresh interval).
 */

/** Which arrayShare a rail without an explicit one takes: the default or an end of the band. */
export type ShareChoice = 'mid' | 'low' | 'high';

/** Where a rail's arrayShare came from. */
export type ShareOrigin = 'config' | 'vddq' | 'default';

export interface RailCurrent {
  readonly rail: string;
  readonly volts: number;
  readonly mA: number;
  readonly watts: number;
  /** arrayShare in force at the evaluated temperature (array part / full-array IDD6). */
  readonly arrayShare: number;
  readonly shareOrigin: ShareOrigin;
}

export interface SelfRefreshPower {
  /** Temperature asked for. */
  readonly temperatureC: number;
  /** Temperature the table was evaluated at (differs when clamped). */
  readonly tableTemperatureC: number;
  readonly clamped: Clamp;
  readonly refreshedFraction: number;
  readonly share: ShareChoice;
  /**
   * Table temperatures at which a default arrayShare was taken outside the 45-85 °C span of the LPDDR1
   * data (the rule clamps there); [] when none.
   */
  readonly shareRuleClampedAtC: readonly number[];
  readonly rails: readonly RailCurrent[];
  /** Sum over rails of volts * mA / 1000. */
  readonly watts: number;
}

export interface SelfRefreshEnergy extends SelfRefreshPower {
  readonly durationNs: number;
  readonly joules: number;
}

/** One problem with a power table: where in it (`[1, 'rails', 0, 'volts']`) and what is wrong. */
export interface PowerTableProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Problems with a power table, by place in the table; [] when usable. */
export function powerTableProblems(points: readonly PowerPoint[]): PowerTableProblem[] {
  const bad: PowerTableProblem[] = [];
  const add = (path: (string | number)[], message: string) => bad.push({ path, message });
  if (points.length === 0) return [{ path: [], message: 'the self-refresh power table is empty' }];
  const railsOf = (p: PowerPoint): string => p.rails.map((r) => r.rail).join(',');
  points.forEach((p, i) => {
    if (!Number.isFinite(p.temperatureC)) add([i, 'temperatureC'], `${p.temperatureC} is not a finite temperature`);
    if (i > 0 && !(p.temperatureC > points[i - 1]!.temperatureC)) {
      add([i, 'temperatureC'], `${p.temperatureC} C does not ascend (previous ${points[i - 1]!.temperatureC} C)`);
    }
    if (p.rails.length === 0) add([i, 'rails'], 'no rails');
    if (railsOf(p) !== railsOf(points[0]!))
      add([i, 'rails'], `rails ${railsOf(p)} differ from the first point's ${railsOf(points[0]!)}`);
    const seen = new Set<string>();
    p.rails.forEach((r, j) => {
      const ra = [i, 'rails', j];
      if (seen.has(r.rail)) add([...ra, 'rail'], `${r.rail} appears twice`);
      seen.add(r.rail);
      if (!(r.volts > 0) || !Number.isFinite(r.volts)) add([...ra, 'volts'], `${r.volts} is not a positive voltage`);
      if (!(r.idd6FullmA >= 0) || !Number.isFinite(r.idd6FullmA))
        add([...ra, 'idd6FullmA'], `${r.idd6FullmA} is not a non-negative current`);
      if (r.arrayShare !== undefined && !(r.arrayShare >= 0 && r.arrayShare <= 1))
        add([...ra, 'arrayShare'], `${r.arrayShare} is outside 0..1`);
      const first = points[0]!.rails.find((x) => x.rail === r.rail);
      if (first !== undefined && first.volts !== r.volts)
        add([...ra, 'volts'], `${r.volts} V differs from ${first.volts} V at ${points[0]!.temperatureC} C`);
    });
  });
  return bad;
}

/** Problems with a power table, each naming `where` (e.g. `parts.elpida.power`); [] when usable. */
export function checkPowerTable(points: readonly PowerPoint[], where: string): string[] {
  return powerTableProblems(points).map(
    (p) => `${where}${p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}: ${p.message}`,
  );
}

/** arrayShare of one rail at one table point, and where it came from. */
export function railArrayShare(
  rail: RailPower,
  pointTemperatureC: number,
  share: ShareChoice = 'mid',
): { share: number; origin: ShareOrigin; clamped: boolean } {
  if (rail.arrayShare !== undefined) return { share: rail.arrayShare, origin: 'config', clamped: false };
  if (rail.rail.startsWith('VDDQ')) return { share: 0, origin: 'vddq', clamped: false };
  const d = arrayShareAt(pointTemperatureC);
  return { share: d[share], origin: 'default', clamped: d.clamped !== 'none' };
}

/** Per-rail IDD6 and power of one die in self-refresh at temperature T with refreshed fraction f. */
export function selfRefreshPower(
  points: readonly PowerPoint[],
  temperatureC: number,
  refreshedFraction: number,
  share: ShareChoice = 'mid',
): SelfRefreshPower {
  const problems = checkPowerTable(points, 'power table');
  if (problems.length > 0) throw new Error(problems.join('; '));
  if (!Number.isFinite(temperatureC)) throw new RangeError(`temperature ${temperatureC} C is not a finite number`);
  if (!(refreshedFraction >= 0 && refreshedFraction <= 1))
    throw new RangeError(`refreshed fraction ${refreshedFraction} is outside 0..1`);

  const first = points[0]!;
  const last = points[points.length - 1]!;
  let lo = first;
  let hi = first;
  let clamped: Clamp = 'none';
  if (temperatureC < first.temperatureC) clamped = 'below';
  else if (temperatureC > last.temperatureC) {
    clamped = 'above';
    lo = hi = last;
  } else {
    for (let i = 0; i < points.length; i++) {
      if (points[i]!.temperatureC <= temperatureC) lo = points[i]!;
      if (points[i]!.temperatureC >= temperatureC) {
        hi = points[i]!;
        break;
      }
    }
  }
  const tableTemperatureC = clamped === 'none' ? temperatureC : lo.temperatureC;
  const w =
    hi.temperatureC === lo.temperatureC
      ? 0
      : (tableTemperatureC - lo.temperatureC) / (hi.temperatureC - lo.temperatureC);

  const ruleClamped = new Set<number>();
  const rails = lo.rails.map((a): RailCurrent => {
    const b = hi.rails.find((r) => r.rail === a.rail)!;
    const sa = railArrayShare(a, lo.temperatureC, share);
    const sb = railArrayShare(b, hi.temperatureC, share);
    if (sa.clamped && w < 1) ruleClamped.add(lo.temperatureC);
    if (sb.clamped && w > 0) ruleClamped.add(hi.temperatureC);
    const fixed = (1 - w) * a.idd6FullmA * (1 - sa.share) + w * b.idd6FullmA * (1 - sb.share);
    const array = (1 - w) * a.idd6FullmA * sa.share + w * b.idd6FullmA * sb.share;
    const mA = fixed + refreshedFraction * array;
    return {
      rail: a.rail,
      volts: a.volts,
      mA,
      watts: (a.volts * mA) / 1000,
      arrayShare: fixed + array > 0 ? array / (fixed + array) : 0,
      shareOrigin: sa.origin === 'default' || sb.origin === 'default' ? 'default' : sa.origin,
    };
  });
  const watts = rails.reduce((s, r) => s + r.watts, 0);
  return {
    temperatureC,
    tableTemperatureC,
    clamped,
    refreshedFraction,
    share,
    shareRuleClampedAtC: [...ruleClamped].sort((x, y) => x - y),
    rails,
    watts,
  };
}

/** Energy (J) of one die's self-refresh interval of durationNs at temperature T with refreshed fraction f. */
export function selfRefreshEnergy(
  points: readonly PowerPoint[],
  temperatureC: number,
  refreshedFraction: number,
  durationNs: number,
  share: ShareChoice = 'mid',
): SelfRefreshEnergy {
  if (!(durationNs >= 0) || !Number.isFinite(durationNs))
    throw new RangeError(`self-refresh duration ${durationNs} ns is not a finite non-negative time`);
  const p = selfRefreshPower(points, temperatureC, refreshedFraction, share);
  return { ...p, durationNs, joules: p.watts * durationNs * 1e-9 };
}

/** Energy PASR saves over a full-array self-refresh of the same interval (J, >= 0). */
export function pasrSavingJ(
  points: readonly PowerPoint[],
  temperatureC: number,
  refreshedFraction: number,
  durationNs: number,
  share: ShareChoice = 'mid',
): number {
  return (
    selfRefreshEnergy(points, temperatureC, 1, durationNs, share).joules -
    selfRefreshEnergy(points, temperatureC, refreshedFraction, durationNs, share).joules
  );
}
