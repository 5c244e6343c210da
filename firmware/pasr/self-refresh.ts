import type { Board } from '../../hal/board/board.js';
import { runProgram, type RegisterProgram } from '../../hal/register-program.js';
import { EnergyMeter, type EnergyReport } from '../energy/energy-meter.js';
import type { MemoryControllerDriver } from '../drivers/mr-driver.js';
import type { MemMap } from '../mm/memmap.js';
import { checkSelfRefreshEntry, countLostPages, type SafetyViolation } from './safety.js';

export interface SelfRefreshReport {
  readonly durationNs: number;
  /** Live pages in masked banks/segments at entry (must be empty). */
  readonly violations: readonly SafetyViolation[];
  /** Page frames poisoned by this cycle (masked area, live or not; each counted once). */
  readonly poisonedPages: number;
  /** Live pages whose data was lost (must be 0). */
  readonly lostPages: number;
  /** DRAM self-refresh energy with the masks in force, and with full-array refresh, joules (default arrayShare). */
  readonly energyJ: number;
  readonly fullArrayEnergyJ: number;
  /** The energy meter's account of the interval: bands, per die, platform share, clamped temperatures. */
  readonly energy: EnergyReport;
  /** Per die: refreshed fraction while in self-refresh. */
  readonly refreshed: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
}

function run(board: Board, p: RegisterProgram, errors: string[]): boolean {
  const r = runProgram(p, board.bus, board.clock);
  if (!r.ok) errors.push(`${p.name}: step ${r.failedAt + 1}: ${r.reason}`);
  return r.ok;
}

/** Program PASR masks on dies through their controllers' drivers. */
export function programMasks(
  board: Board,
  drivers: ReadonlyMap<string, MemoryControllerDriver>,
  masks: readonly { die: string; bankMask: number; segmentMask: number }[],
): string[] {
  const errors: string[] = [];
  for (const m of masks) {
    const die = board.die(m.die);
    const driver = drivers.get(die.config.controller);
    if (!driver) {
      errors.push(`${m.die}: no driver for controller ${die.config.controller}`);
      continue;
    }
    run(board, driver.pasrMasks(die.config, m.bankMask, m.segmentMask), errors);
  }
  return errors;
}

/**
 * One suspend/resume cycle with the masks currently programmed: check the PASR safety
 * invariant, put every controller's dies into self-refresh through the driver programs, let
 * `durationNs` of simulated time pass, bring them back, and count what was lost. The cycle
 * runs even when the check finds violations (that is what the hardware would do); the caller
 * must report them loudly.
 */
export interface SelfRefreshOptions {
  /** A run's meter to charge the interval to too (the report's energy is this cycle's alone). */
  readonly meter?: EnergyMeter;
  /** Refreshed fraction per die to meter instead of the latched masks (an oracle's virtual masks). */
  readonly fractions?: Readonly<Record<string, number>>;
}

export function selfRefreshCycle(
  board: Board,
  drivers: ReadonlyMap<string, MemoryControllerDriver>,
  memmap: MemMap,
  durationNs: number,
  options: SelfRefreshOptions = {},
): SelfRefreshReport {
  const errors: string[] = [];
  const violations = checkSelfRefreshEntry(board, memmap);
  // A page is lost only when it was live at entry and not refreshed during this cycle: marks
  // from earlier cycles describe frames that have been refreshed (and maybe rewritten) since.
  board.clearPoison();
  for (const d of drivers.values()) run(board, d.selfRefreshEnter(), errors);
  const refreshed: Record<string, number> = {};
  for (const die of board.dies)
    refreshed[die.id] = options.fractions?.[die.id] ?? (die.inSelfRefresh ? die.refreshedFraction : 1);
  const meter = new EnergyMeter(board);
  meter.selfRefresh(durationNs, refreshed);
  options.meter?.selfRefresh(durationNs, refreshed);
  const energy = meter.report();
  board.clock.advance(durationNs);
  for (const d of drivers.values()) run(board, d.selfRefreshExit(), errors);
  let poisonedPages = 0;
  board.forEachPoisonedRange((s, e) => {
    poisonedPages += e - s;
  });
  for (const die of board.dies)
    if (die.inSelfRefresh) errors.push(`${die.id} is still in self-refresh after the exit sequence`);
  return {
    durationNs,
    violations,
    poisonedPages,
    lostPages: countLostPages(board, memmap),
    energyJ: energy.selfRefreshJ.mid,
    fullArrayEnergyJ: energy.selfRefreshJ.mid + energy.savedJ.mid,
    energy,
    refreshed,
    errors,
  };
}
