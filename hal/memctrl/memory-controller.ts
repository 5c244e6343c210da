import type { ControllerConfig, ControllerKind, DieConfig } from '../board/board-config.js';
import type { DiePort } from '../lpddr/die-port.js';
import type { MmioBus, MmioDevice } from '../mmio-bus.js';
import type { RegisterBlock } from '../regs/register-block.js';
import { fieldOf, type BlockDecl, type RegisterDecl } from '../regs/register.js';
import { extract } from '../bits.js';

/**
 * What every memory-controller model offers the board builder.
 *
 * A controller model owns one or more register blocks (its own, plus extra blocks such as the
 * OMAP DMM or the i.MX8M perf monitor) and the dies behind it. The firmware never calls the
 * model: it writes registers through the MMIO bus (or through a register program), and the
 * model turns those writes into mode-register commands and self-refresh transitions on its
 * dies, exactly as the real controller does.
 */
export interface MappedDevice {
  /** Bus address of the window. */
  readonly base: number;
  readonly device: MmioDevice;
}

export interface MemoryController {
  /** Instance name from the board config, e.g. `emif1`, `mmdc`, `ddrc`, `prcmu`. */
  readonly id: string;
  readonly kind: ControllerKind;
  /** MMIO windows to map on the bus: the controller's own block first, then extra blocks. */
  readonly devices: readonly MappedDevice[];
  /** The dies this controller drives, in board-config order. */
  readonly dies: readonly DiePort[];
  /**
   * Register blocks by block key (`emif`, `dmm`, `mmdc`, `ddrc`, `perf`, `prcmu`, `tcdm`), for
   * backdoor inspection (`get`/`set` without trace) by tests, the CLI and the virtual board.
   */
  readonly blocks: Readonly<Record<string, RegisterBlock>>;
  /**
   * Mode-register values the controller will write to a die itself before the die next enters
   * self-refresh (a firmware mailbox that applies PASR masks at sleep), or undefined when it
   * writes none and the die keeps what it holds.
   */
  pendingMasks?(dieId: string): { mr16: number; mr17: number } | undefined;
  /** Throws if the model's internal state contradicts its registers (see each model's invariants). */
  checkInvariants(): void;
}

/** Map every window of a controller on a bus. */
export function mapController(bus: MmioBus, controller: MemoryController): void {
  for (const d of controller.devices) bus.map(d.base, d.device);
}

/** A die port together with where it sits on its controller. */
export interface BoundDie {
  readonly port: DiePort;
  readonly config: DieConfig;
  /** Chip select / rank. */
  readonly rank: number;
  /** Channel index: 0 for no channel or channel `a`, 1 for `b`, ... */
  readonly channel: number;
}

/** Channel letter -> index (`a` = 0). No letter = channel 0. */
export function channelIndex(letter: string | undefined): number {
  if (letter === undefined) return 0;
  if (!/^[a-z]$/.test(letter))
    throw new Error(`channel letter ${JSON.stringify(letter)} is not a single lower-case letter`);
  return letter.charCodeAt(0) - 'a'.charCodeAt(0);
}

/**
 * Pair the die ports handed to a controller with the board config's die entries (by id).
 * Every configured die needs a port and every port a configured die.
 */
export function bindDies(where: string, config: ControllerConfig, ports: readonly DiePort[]): BoundDie[] {
  const byId = new Map<string, DiePort>();
  for (const p of ports) {
    if (byId.has(p.id)) throw new Error(`${where}: die port ${p.id} given twice`);
    byId.set(p.id, p);
  }
  const out: BoundDie[] = [];
  for (const d of config.dies) {
    if (d.controller !== config.id)
      throw new Error(`${where}: die ${d.id} belongs to controller ${d.controller}, not ${config.id}`);
    const port = byId.get(d.id);
    if (!port) throw new Error(`${where}: no die port for configured die ${d.id}`);
    if (!Number.isInteger(d.rank) || d.rank < 0) throw new Error(`${where}: die ${d.id} has bad rank ${d.rank}`);
    out.push({ port, config: d, rank: d.rank, channel: channelIndex(d.channel) });
    byId.delete(d.id);
  }
  if (byId.size > 0)
    throw new Error(`${where}: die port(s) ${[...byId.keys()].join(', ')} not in the controller's config`);
  return out;
}

/** Why a register image value is not acceptable for a model (undefined = fine). */
export type ImageRefusal = (reg: RegisterDecl, value: number) => string | undefined;

/**
 * Problems of a register image against a block declaration, one message each: unknown
 * register names, values that are not 32-bit unsigned integers, values `refuse` rejects.
 */
export function imageProblems(
  where: string,
  decl: BlockDecl,
  image: Readonly<Record<string, number>>,
  refuse?: ImageRefusal,
): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(image)) {
    const reg = decl.registers.find((r) => r.name === name);
    if (!reg) {
      out.push(
        `${where}: unknown register ${name} in the register image (known: ${decl.registers.map((r) => r.name).join(', ')})`,
      );
      continue;
    }
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      out.push(`${where}: register ${name} = ${value} is not a 32-bit unsigned value`);
      continue;
    }
    const why = refuse?.(reg, value >>> 0);
    if (why) out.push(`${where}: register ${name} = 0x${(value >>> 0).toString(16)} refused: ${why}`);
  }
  return out;
}

/**
 * Load a register image (datasheet name -> value, from the board config) into a block through
 * the backdoor: no trace, no side effects. The image is the state the boot loader left.
 * `refuse` returns a reason when a value would put the model in a state it can only reach
 * through a register sequence (e.g. self-refresh), so such images fail loudly.
 * Throws the first problem `imageProblems` finds.
 */
export function applyRegisterImage(
  where: string,
  block: RegisterBlock,
  image: Readonly<Record<string, number>>,
  refuse?: ImageRefusal,
): void {
  const problems = imageProblems(where, block.decl, image, refuse);
  if (problems.length > 0) throw new Error(problems[0]);
  for (const [name, value] of Object.entries(image)) block.set(name, value >>> 0);
}

/** Reject extra blocks (`config.blocks` keys) this controller kind does not have. */
export function checkBlockKeys(where: string, config: ControllerConfig, allowed: readonly string[]): void {
  for (const key of Object.keys(config.blocks)) {
    if (!allowed.includes(key)) {
      throw new Error(
        `${where}: unknown block ${key} (this controller knows ${allowed.length ? allowed.join(', ') : 'no extra blocks'})`,
      );
    }
  }
}

/** Value of field `name` of register `reg` inside a raw value (e.g. the old/new value a write hook gets). */
export function fieldIn(reg: RegisterDecl, name: string, value: number): number {
  const f = fieldOf(reg, name);
  return extract(value >>> 0, f.shift, f.width);
}

/** Validate a model timing option. */
export function nonNegativeNs(where: string, name: string, x: number): number {
  if (!(x >= 0) || !Number.isFinite(x))
    throw new RangeError(`${where}: option ${name} = ${x} is not a finite non-negative time in ns`);
  return x;
}
