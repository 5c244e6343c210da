import type { BoardConfig, ControllerConfig } from '../../hal/board/board-config.js';
import { createDriver } from '../../firmware/drivers/create-driver.js';
import type { MemoryControllerDriver } from '../../firmware/drivers/mr-driver.js';
import { CliError } from '../errors.js';
import type { MrPrograms } from './commands.js';

/**
 * The firmware drivers (firmware/drivers/) as the board commands use them: the same register
 * programs the emulated boot runs, built for one die of one board.
 *
 * One driver per call: the PRCMU mailbox always carries MR16 and MR17 together and its driver
 * remembers the other mask only within one instance, so on such a board a one-shot
 * `apply --mr17` sends MR16 = 0 with it.
 */
function driverFor(board: BoardConfig, dieId: string): MemoryControllerDriver {
  const c: ControllerConfig | undefined = board.controllers.find((x) => x.dies.some((d) => d.id === dieId));
  if (!c)
    throw new CliError(`board ${board.name} has no die ${dieId} (dies: ${board.dies.map((d) => d.id).join(', ')})`);
  return createDriver(c, board.standard);
}

export const firmwareMrPrograms: MrPrograms = {
  mrw(board, dieId, mr, value) {
    return driverFor(board, dieId).mrw(dieId, mr, value);
  },
  mrr(board, dieId, mr) {
    const d = driverFor(board, dieId);
    if (!d.canMrr) return `the ${d.kind} controller ${d.controller.id} has no MRR path from the CPU`;
    return d.mrr(dieId, mr);
  },
  reach(board, dieId) {
    return driverFor(board, dieId)
      .mrwReach(dieId)
      .map((d) => d.id);
  },
};
