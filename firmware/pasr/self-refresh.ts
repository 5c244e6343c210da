import type { Board } from '../../hal/board/board.js';
import { runProgram, type RegisterProgram } from '../../hal/register-program.js';
import { selfRefreshEnergy } from '../../hal/lpddr/power.js';
import type { MemoryControllerDriver } from '../drivers/mr-driver.js';
import type { MemMap } from '../mm/memmap.js';
import { checkSelfRefreshEntry, countLostPages, type SafetyViolation } from './safety.js';

export interface SelfRefreshReport {
  readonly durationNs: number;
  /** Live pages in masked banks/segments at entry (must be empty). */
  readonly violations: readonly SafetyViolation[];
  /** Page frames newly poisoned by this cycle (masked area, live or not; each counted once). */
  readonly poisonedPages: number;
  /** Live pages whose data was lost (must be 0). */
  readonly lostPages: number;
  /** DRAM self-refresh energy with the masks in force, and with full-array refresh, joules. */
  readonly energyJ: number;
  readonly fullArrayEnergyJ: number;
  /** Per die: refreshed fraction while in self-refresh. */
  readonly refreshed: Readonly<Record<string, number>>;
  /** Board temperature the energy is for. */
  readonly temperatureC: number;
  /**
   * One sentence per part whose power table does not reach that temperature (the figures then
   * use the nearest table point), naming the dies; empty inside every table.
   */
  readonly powerTableNotes: readonly string[];
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
export function selfRefreshCycle(
  board: Board,
  drivers: ReadonlyMap<string, MemoryControllerDriver>,
  memmap: MemMap,
  durationNs: number,
): SelfRefreshReport {
  const errors: string[] = [];
  const violations = checkSelfRefreshEntry(board, memmap);
  const poisonedBefore = board.poisonedIn(board.firstPfn, board.firstPfn + board.poisoned.length);
  for (const d of drivers.values()) run(board, d.selfRefreshEnter(), errors);
  const refreshed: Record<string, number> = {};
  let energyJ = 0;
  let fullArrayEnergyJ = 0;
  const t = board.config.temperatureC;
  const clampedDies = new Map<string, { note: string; dies: string[] }>();
  for (const die of board.dies) {
    const f = die.inSelfRefresh ? die.refreshedFraction : 1;
    refreshed[die.id] = f;
    const { part } = die.config;
    const e = selfRefreshEnergy(part.power, t, f, durationNs);
    energyJ += e.joules;
    fullArrayEnergyJ += selfRefreshEnergy(part.power, t, 1, durationNs).joules;
    if (e.clamped !== 'none') {
      // Outside the part's table the nearest point is used: say so with every figure.
      const table = `${part.power[0]!.temperatureC}-${part.power.at(-1)!.temperatureC} °C`;
      const note = `${t} °C is ${e.clamped} the power table of ${part.name} (${table}): figures use ${e.tableTemperatureC} °C`;
      const entry = clampedDies.get(part.name) ?? { note, dies: [] };
      entry.dies.push(die.id);
      clampedDies.set(part.name, entry);
    }
  }
  const powerTableNotes = [...clampedDies.values()].map((c) => `${c.note} (${c.dies.join(' ')})`);
  board.clock.advance(durationNs);
  for (const d of drivers.values()) run(board, d.selfRefreshExit(), errors);
  const poisonedPages = board.poisonedIn(board.firstPfn, board.firstPfn + board.poisoned.length) - poisonedBefore;
  for (const die of board.dies)
    if (die.inSelfRefresh) errors.push(`${die.id} is still in self-refresh after the exit sequence`);
  return {
    durationNs,
    violations,
    poisonedPages,
    lostPages: countLostPages(board, memmap),
    energyJ,
    fullArrayEnergyJ,
    refreshed,
    temperatureC: t,
    powerTableNotes,
    errors,
  };
}
