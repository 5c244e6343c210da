/**
 * Adapter between the board loader and the modules that know the hardware: LPDDR per-standard
 * tables (hal/lpddr/standards.ts), address-map checks and register derivations
 * (hal/address-map/check.ts, derive.ts) and controller register declarations (hal/memctrl/).
 * The loader calls only this file, so its consistency checks follow those modules instead of
 * keeping tables of their own.
 */
import type { AddressBits, AddressMapConfig, ControllerConfig, ControllerKind, DramStandard } from './board-config.js';
import { decodeMr8, geometryOf, specOf, timingsOf, TIMING_NAMES, type Geometry } from '../lpddr/standards.js';
import { checkAddressBits, type DieGeometry, type MapProblem } from '../address-map/check.js';
import { compareBits as compareDerived, deriveAddressBits, type DeriveResult } from '../address-map/derive.js';
import { controllerDecls, REGISTER_ADDRESS_END } from '../memctrl/create-controller.js';
import { hex } from '../bits.js';

export type { Geometry } from '../lpddr/standards.js';
export { powerTableProblems } from '../lpddr/power.js';
export type { MapProblem, DieGeometry } from '../address-map/check.js';
export type { DeriveResult } from '../address-map/derive.js';

/** Geometry of a part, or the standard table's reason why it has none. */
export function partGeometry(standard: DramStandard, densityMbit: number, ioWidth: number): Geometry | string {
  try {
    return geometryOf(standard, densityMbit, ioWidth);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Timing names a part may override (the per-standard tables' names). */
export const TIMING_OVERRIDES: readonly string[] = TIMING_NAMES;

/** Why a part's timing overrides cannot be used (names are checked first, by the caller); undefined when they can. */
export function timingsProblem(
  standard: DramStandard,
  densityMbit: number,
  timings: Readonly<Record<string, number>>,
): string | undefined {
  try {
    timingsOf(standard, undefined, timings, densityMbit);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Why a part's refresh timings leave no time between auto-refreshes at the standard's highest
 * refresh rate (a die may run up to 125 °C, where refresh runs faster): tRFCab must be shorter
 * than tREFI divided by that rate. Undefined when they leave time, or when the timings are unusable
 * (timingsProblem says why).
 */
export function refreshTimingProblem(
  standard: DramStandard,
  densityMbit: number,
  timings: Readonly<Record<string, number>>,
): string | undefined {
  let t: ReturnType<typeof timingsOf>;
  try {
    t = timingsOf(standard, undefined, timings, densityMbit);
  } catch {
    return undefined;
  }
  let hot = { aboveC: -Infinity, rateMultiplier: 1 };
  for (const d of specOf(standard).refreshDerating) if (d.rateMultiplier > hot.rateMultiplier) hot = d;
  if (t.tRFCab < t.tREFI / hot.rateMultiplier) return undefined;
  const rate =
    hot.rateMultiplier > 1
      ? ` / ${hot.rateMultiplier} (refresh runs ${hot.rateMultiplier}x as often above ${hot.aboveC} °C)`
      : '';
  return `tRFCab ${t.tRFCab} ns is not shorter than tREFI ${t.tREFI} ns${rate}: auto-refreshes would leave no time between them`;
}

/** Why MR8 disagrees with the part's standard, density and width; undefined when it agrees. */
export function mr8Mismatch(
  standard: DramStandard,
  mr8: number,
  densityMbit: number,
  ioWidth: number,
): string | undefined {
  let d: ReturnType<typeof decodeMr8>;
  try {
    d = decodeMr8(standard, mr8);
  } catch (e) {
    return (e as Error).message;
  }
  const says = `MR8 ${hex(mr8, 2)} says ${d.densityMbit} Mbit x${d.ioWidth} type ${d.type}`;
  if (!d.matchesStandard) return `${says}, but ${standard} parts report type ${specOf(standard).mr8.expectedType}`;
  if (d.densityMbit !== densityMbit || d.ioWidth !== ioWidth)
    return `${says}, but the part is ${densityMbit} Mbit x${ioWidth}`;
  return undefined;
}

/** One register of an image that the controller model would not accept. */
export interface RegisterProblem {
  /** Block key, or undefined for the controller's own block. */
  readonly block: string | undefined;
  /** Register name, or undefined for a problem with the block itself. */
  readonly register: string | undefined;
  readonly message: string;
  /** Known names, for "did you mean" (unknown register / block). */
  readonly known?: readonly string[];
}

/**
 * The register images and blocks of a controller against the hal/memctrl declarations of its
 * kind: unknown names, values the model refuses, missing required blocks. Same rules as
 * registerImageProblems(), with the place of each problem.
 */
export function controllerRegisterProblems(
  kind: ControllerKind,
  registers: Readonly<Record<string, number>>,
  blocks: ControllerConfig['blocks'],
): RegisterProblem[] {
  const decls = controllerDecls(kind);
  const out: RegisterProblem[] = [];
  const image = (
    block: string | undefined,
    decl: typeof decls.main,
    regs: Readonly<Record<string, number>>,
    refuse: typeof decls.mainRefusal,
  ): void => {
    const known = decl.registers.map((r) => r.name);
    for (const [name, value] of Object.entries(regs)) {
      const reg = decl.registers.find((r) => r.name === name);
      if (!reg) {
        out.push({ block, register: name, message: `unknown register ${name}`, known });
        continue;
      }
      const why = refuse?.(reg, value >>> 0);
      if (why) out.push({ block, register: name, message: `0x${(value >>> 0).toString(16)} is refused: ${why}` });
    }
  };
  image(undefined, decls.main, registers, decls.mainRefusal);
  const keys = Object.keys(decls.blocks);
  for (const [key, b] of Object.entries(blocks)) {
    const d = decls.blocks[key];
    if (!d)
      out.push({
        block: key,
        register: undefined,
        message: `unknown block "${key}" for a ${kind} controller (known: ${keys.length ? keys.join(', ') : 'none'})`,
      });
    else image(key, d.decl, b.registers, d.refusal);
  }
  for (const [key, d] of Object.entries(decls.blocks)) {
    if (d.required && !blocks[key])
      out.push({ block: undefined, register: undefined, message: `a ${kind} controller needs blocks.${key}` });
  }
  return out;
}

/** An MMIO window of a controller model: its size, and why the model would refuse a base address. */
export interface RegisterWindow {
  readonly bytes: number;
  readonly baseRefusal?: (base: number) => string | undefined;
}

/** The MMIO windows of a controller kind: its own register block, and each extra block by key. */
export function registerWindows(kind: ControllerKind): {
  main: RegisterWindow;
  blocks: Readonly<Record<string, RegisterWindow>>;
  /** End (exclusive) of the addresses the kind's registers can sit at. */
  addressEnd: number;
} {
  const decls = controllerDecls(kind);
  const blocks: Record<string, RegisterWindow> = {};
  for (const [key, b] of Object.entries(decls.blocks))
    blocks[key] = { bytes: b.decl.size, ...(b.baseRefusal ? { baseRefusal: b.baseRefusal } : {}) };
  return { main: { bytes: decls.main.size }, blocks, addressEnd: REGISTER_ADDRESS_END[kind] };
}

/**
 * The address map the register images imply (hal/address-map/derive.ts). A uMCTL2 with an x32
 * LPDDR4 bus is split into one die per x16 channel when the controller lists channels.
 */
export function deriveAddressMap(
  controllers: readonly ControllerConfig[],
  dramBase: number,
  dramSize: number,
): DeriveResult {
  const split = controllers.some((c) => (c.channels ?? []).length > 0);
  return deriveAddressBits(controllers, dramBase, dramSize, { splitLpddr4Channels: split });
}

/** Address-map consistency problems (bit overlaps/gaps, regions, die reach, geometry), from hal/address-map. */
export function addressMapProblems(
  map: AddressMapConfig,
  dramSize: number,
  dies: readonly DieGeometry[],
): MapProblem[] {
  return checkAddressBits(map, dramSize, dies);
}

/** Where explicit bits (config) and bits derived from registers disagree, one problem per coordinate. */
export function compareBits(explicit: AddressBits, derived: AddressBits): MapProblem[] {
  return compareDerived(explicit, derived);
}
