import type { DramStandard } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import type { DiePort } from '../lpddr/die-port.js';

/**
 * Minimum gap a controller keeps between two mode-register commands (MRW/MRR) to the same die,
 * per standard, in ns. Real controllers meet tMRW/tMRD/tMRR in hardware; the model does it by
 * stalling the bus access that issues the second command (the CPU's store or load waits).
 *
 * ✖ These are not datasheet constants: they are the JEDEC clock-count minimums (reference
 * lpddr.md §1.3: LPDDR2 tMRW 5 tCK; LPDDR3 max(14 ns, 10 tCK); LPDDR4 tMRD max(14 ns, 10 nCK);
 * LPDDR5 tMRD max(14 ns, 5 nCK)) evaluated at a 100 MHz command clock, the slowest clock any of
 * the modelled boards runs its DRAM at, so that they cover every real operating point.
 * Override per controller with the `mrGapNs` option.
 */
export const MR_COMMAND_GAP_NS: Readonly<Record<DramStandard, number>> = {
  'LPDDR2-S4': 50,
  'LPDDR2-S2': 50,
  LPDDR3: 100,
  LPDDR4: 100,
  LPDDR4X: 100,
  LPDDR5: 50,
};

/**
 * Keeps the per-die command gap.
 *
 * Invariants:
 *  (a) two commands issued through `issue` to the same die are at least `gapNs` apart in
 *      simulated time;
 *  (b) the clock only moves forward, and only when a command would otherwise come too early.
 */
export class MrPacer {
  private readonly readyAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly gapOverrideNs?: number,
  ) {
    if (gapOverrideNs !== undefined && !(gapOverrideNs >= 0 && Number.isFinite(gapOverrideNs))) {
      throw new RangeError(`mrGapNs ${gapOverrideNs} is not a finite non-negative time`);
    }
  }

  gapNs(die: DiePort): number {
    return this.gapOverrideNs ?? MR_COMMAND_GAP_NS[die.standard];
  }

  /** Run `command` on `die` once the die may take another MR command. */
  issue<T>(die: DiePort, command: () => T): T {
    const ready = this.readyAt.get(die.id) ?? -Infinity;
    if (this.clock.nowNs < ready) this.clock.advanceTo(ready);
    const out = command();
    this.readyAt.set(die.id, this.clock.nowNs + this.gapNs(die));
    return out;
  }
}
