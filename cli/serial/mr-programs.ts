import type { BoardConfig, ControllerConfig } from '../../hal/board/board-config.js';
import type { MemoryControllerDriver } from '../../firmware/drivers/mr-driver.js';
import { TiEmifDriver } from '../../firmware/drivers/ti-emif.js';
import { FslMmdcDriver } from '../../firmware/drivers/fsl-mmdc.js';
import { CliError } from '../errors.js';
import type { MrPrograms } from './commands.js';

/**
 * The firmware drivers (firmware/drivers/) as the board commands use them: the same register
 * programs the emulated boot runs, built for one die of one board.
 */
function driverFor(board: BoardConfig, c: ControllerConfig): MemoryControllerDriver {
  switch (c.kind) {
    case 'ti-emif':
      return new TiEmifDriver(c, board.standard);
    case 'fsl-mmdc':
      return new FslMmdcDriver(c, board.standard);
    default:
      throw new CliError(`controller ${c.id} (${c.kind}) of ${board.name}: no driver yet`);
  }
}

function controllerOf(board: BoardConfig, dieId: string): ControllerConfig {
  const c = board.controllers.find((x) => x.dies.some((d) => d.id === dieId));
  if (!c) throw new CliError(`board ${board.name} has no die ${dieId} (dies: ${board.dies.map((d) => d.id).join(', ')})`);
  return c;
}

export const firmwareMrPrograms: MrPrograms = {
  mrw(board, dieId, mr, value) {
    return driverFor(board, controllerOf(board, dieId)).mrw(dieId, mr, value);
  },
  mrr(board, dieId, mr) {
    const d = driverFor(board, controllerOf(board, dieId));
    if (!d.canMrr) return `${d.kind} has no MRR path from the CPU`;
    return d.mrr(dieId, mr);
  },
};
