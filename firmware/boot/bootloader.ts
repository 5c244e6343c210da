import type { Board } from '../../hal/board/board.js';
import type { BoardConfig, DieConfig, DramPart } from '../../hal/board/board-config.js';
import { runProgram } from '../../hal/register-program.js';
import { decodeMr8, vendorName } from '../../hal/lpddr/standards.js';
import { createDriver } from '../drivers/create-driver.js';
import type { MemoryControllerDriver } from '../drivers/mr-driver.js';
import type { KernelLog } from './dmesg.js';
import { hex } from '../../hal/bits.js';

export interface DieIdentity {
  readonly die: string;
  /** MR5-MR8 as read by MRR, or undefined where the controller has no MRR path. */
  readonly read?: { readonly mr5: number; readonly mr6: number; readonly mr7: number; readonly mr8: number };
  readonly vendor: string;
  readonly densityMbit: number;
  readonly ioWidth: number;
  readonly verified: boolean;
}

export interface BootloaderResult {
  readonly ok: boolean;
  /** Boot errors: a failed init program, an identity mismatch (naming die, MR and both values). */
  readonly errors: readonly string[];
  readonly identity: readonly DieIdentity[];
  readonly drivers: ReadonlyMap<string, MemoryControllerDriver>;
}

/**
 * The boot loader's DRAM bring-up, as U-Boot/SPL does it: for each controller its mode-register
 * init sequence through the controller registers (MR63 reset where the standard has one, MR10
 * ZQ calibration, MR1/MR2/MR3, MR16 = MR17 = 0), then an identity check: MRR of MR5-MR8 on every
 * die, compared with what the firmware expects (by default the board config the board was built
 * from; tests and real boards can disagree). A mismatch is a boot error, never silently accepted.
 */
export function runBootloader(board: Board, log: KernelLog, expected: BoardConfig = board.config): BootloaderResult {
  const cfg = board.config;
  const errors: string[] = [];
  const identity: DieIdentity[] = [];
  const drivers = new Map<string, MemoryControllerDriver>();
  log.log(
    'SPL',
    `DRAM: ${cfg.standard}, ${cfg.dies.length} dies on ${cfg.controllers.map((c) => `${c.id} (${c.kind})`).join(', ')}`,
  );
  for (const c of cfg.controllers) {
    const driver = createDriver(c, cfg.standard);
    drivers.set(c.id, driver);
    const init = driver.dramInit();
    const r = runProgram(init, board.bus, board.clock);
    if (!r.ok) {
      errors.push(`${c.id}: DRAM init failed at step ${r.failedAt + 1} of ${init.ops.length}: ${r.reason}`);
      continue;
    }
    log.log('SPL', `${c.id}: mode registers initialised (${init.ops.length} register operations)`);
  }
  if (errors.length === 0) {
    for (const c of cfg.controllers) {
      const driver = drivers.get(c.id)!;
      for (const d of c.dies) identity.push(checkIdentity(board, driver, d, expectedPart(expected, d), errors, log));
    }
  }
  log.log(
    'SPL',
    `DRAM:  ${cfg.dramSize >= 2 ** 30 ? `${cfg.dramSize / 2 ** 30} GiB` : `${cfg.dramSize / 2 ** 20} MiB`}`,
  );
  return { ok: errors.length === 0, errors, identity, drivers };
}

/** What the firmware's board description says a die is (the silicon may disagree). */
function expectedPart(expected: BoardConfig, die: DieConfig): DramPart {
  return expected.dies.find((d) => d.id === die.id)?.part ?? die.part;
}

function checkIdentity(
  board: Board,
  driver: MemoryControllerDriver,
  die: DieConfig,
  part: DramPart,
  errors: string[],
  log: KernelLog,
): DieIdentity {
  const std = board.config.standard;
  if (!driver.canMrr) {
    log.log(
      'SPL',
      `${die.id}: no MRR path through ${driver.kind}; identity taken from the board config (${part.name})`,
    );
    return {
      die: die.id,
      vendor: vendorName(part.mr5) ?? `vendor ${hex(part.mr5, 2)}`,
      densityMbit: part.densityMbit,
      ioWidth: part.ioWidth,
      verified: false,
    };
  }
  const read: Record<'mr5' | 'mr6' | 'mr7' | 'mr8', number> = { mr5: 0, mr6: 0, mr7: 0, mr8: 0 };
  for (const mr of [5, 6, 7, 8] as const) {
    const p = driver.mrr(die, mr);
    const r = runProgram(p.program, board.bus, board.clock);
    if (!r.ok) {
      errors.push(`${die.id}: MRR MR${mr} failed: ${r.reason}`);
      return { die: die.id, vendor: '?', densityMbit: 0, ioWidth: 0, verified: false };
    }
    read[`mr${mr}`] = p.decode(r.reads);
  }
  let ok = true;
  for (const mr of [5, 6, 7, 8] as const) {
    const want = part[`mr${mr}`];
    const got = read[`mr${mr}`];
    if (got !== want) {
      ok = false;
      errors.push(
        `${die.id}: identity mismatch: MR${mr} reads ${hex(got, 2)}, board config (${part.name}) says ${hex(want, 2)}`,
      );
    }
  }
  let densityMbit = 0;
  let ioWidth = 0;
  try {
    const d = decodeMr8(std, read.mr8);
    densityMbit = d.densityMbit;
    ioWidth = d.ioWidth;
  } catch (e) {
    ok = false;
    errors.push(`${die.id}: MR8 ${hex(read.mr8, 2)} does not decode: ${(e as Error).message}`);
  }
  const vendor = vendorName(read.mr5) ?? `vendor ${hex(read.mr5, 2)}`;
  if (ok)
    log.log(
      'SPL',
      `${die.id}: ${vendor} rev ${hex(read.mr6, 2)}/${hex(read.mr7, 2)}, ${std} ${densityMbit} Mbit x${ioWidth} (MR8 ${hex(read.mr8, 2)})`,
    );
  return { die: die.id, read, vendor, densityMbit, ioWidth, verified: ok };
}
