import { Board, type BoardOptions } from '../../hal/board/board.js';
import type { BoardConfig } from '../../hal/board/board-config.js';
import type { Clock } from '../../hal/clock.js';
import type { TraceBus } from '../../hal/trace/trace-bus.js';
import { runBootloader, type BootloaderResult } from './bootloader.js';
import { KernelLog } from './dmesg.js';
import { bootKernel, type KernelBoot, type KernelOptions } from './kernel.js';

export interface BootOptions extends BoardOptions {
  readonly kernel?: KernelOptions;
}

export interface BootResult {
  readonly board: Board;
  readonly log: KernelLog;
  readonly bootloader: BootloaderResult;
  /** Present when the boot loader succeeded. */
  readonly kernel?: KernelBoot;
}

/** Power on a board: boot loader DRAM init and identity check, then the kernel's memory setup. */
export function bootBoard(config: BoardConfig, clock: Clock, trace: TraceBus, options: BootOptions = {}): BootResult {
  const board = new Board(config, clock, trace, options);
  const log = new KernelLog(clock);
  const bootloader = runBootloader(board, log);
  if (!bootloader.ok) {
    for (const e of bootloader.errors) log.log('SPL', `error: ${e}`);
    return { board, log, bootloader };
  }
  const kernel = bootKernel(board, log, options.kernel);
  return { board, log, bootloader, kernel };
}
