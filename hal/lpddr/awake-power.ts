import type { AwakePower } from '../board/board-config.js';

/**
 * Power of one awake die (not in self-refresh), per rail, from the part's awake table:
 *
 *   background_r = V_r · (a · IDD3N_r + (1 − a) · IDD2P_r)
 *   refresh_r    = V_r · (IDD5_r − IDD3N_r) · tRFCab / tREFI · rate · p
 *
 * a is the share of time the die is active (a bank open: active standby IDD3N); the rest of the time it
 * sits in precharge power-down (IDD2P), which is what a controller with automatic power-down does when
 * idle. Data bursts (IDD4R/W) are not charged: no workload gives a burst share, and they cost the same
 * whatever PASR does. Refresh is DRAMPower's convention (each REFab costs (IDD5 − IDD3N) · tRFCab on top of
 * the background), at the nominal tREFI times `rate` (higher above the nominal temperature range). p is the
 * refreshed fraction when LPDDR5 PARC makes REFab skip the MR23-masked segments, else 1.
 *
 * The awake table has no temperature axis (memspecs give one value per current): only the refresh rate
 * follows the die temperature. Pure functions: no state, no clock.
 */

export interface AwakeConditions {
  /** Share of the interval with a bank open (0..1). */
  readonly activeShare: number;
  readonly tRFCabNs: number;
  readonly tREFIns: number;
  /** Multiplier of the nominal refresh rate (2 above 85 °C by default, standards.ts). */
  readonly refreshRate: number;
  /** Share of the rows auto-refresh refreshes (1 unless PARC skips masked segments). */
  readonly refreshedFraction: number;
}

export interface AwakeRailPower {
  readonly rail: string;
  readonly backgroundW: number;
  readonly refreshW: number;
}

export interface AwakeDiePower {
  readonly rails: readonly AwakeRailPower[];
  readonly backgroundW: number;
  readonly refreshW: number;
  readonly watts: number;
}

const share01 = (x: number, what: string): void => {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`${what} ${x} is outside 0..1`);
};

/** Background and auto-refresh power of one awake die. */
export function awakePower(table: AwakePower, c: AwakeConditions): AwakeDiePower {
  share01(c.activeShare, 'active share');
  share01(c.refreshedFraction, 'refreshed fraction');
  if (!(c.tRFCabNs >= 0) || !(c.tREFIns > 0) || !(c.tRFCabNs < c.tREFIns / c.refreshRate))
    throw new RangeError(
      `refresh timings tRFCab ${c.tRFCabNs} ns, tREFI ${c.tREFIns} ns at ${c.refreshRate}x rate leave no time between refreshes`,
    );
  const duty = (c.tRFCabNs / c.tREFIns) * c.refreshRate * c.refreshedFraction;
  const rails = table.rails.map(
    (r): AwakeRailPower => ({
      rail: r.rail,
      backgroundW: (r.volts * (c.activeShare * r.idd3nmA + (1 - c.activeShare) * r.idd2pmA)) / 1000,
      refreshW: (r.volts * (r.idd5mA - r.idd3nmA) * duty) / 1000,
    }),
  );
  const backgroundW = rails.reduce((s, r) => s + r.backgroundW, 0);
  const refreshW = rails.reduce((s, r) => s + r.refreshW, 0);
  return { rails, backgroundW, refreshW, watts: backgroundW + refreshW };
}
