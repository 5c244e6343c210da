import { extract, mask } from '../bits.js';

/**
 * Register and field declarations, as data (Renode/QEMU style).
 *
 * A register is declared once with its datasheet name, offset in its block, width, reset
 * value and fields. Each field has an access mode; the runtime (register-block.ts) applies
 * the modes, so models only write code for side effects.
 *
 * Declaration-time checks: a field must fit the register width, fields must not overlap,
 * the reset value must fit, names must be unique.
 */
export type Access =
  /** read/write */
  | 'rw'
  /** read-only: writes are ignored (and reported as guest errors when they try to change it) */
  | 'ro'
  /** write-only: reads return 0 */
  | 'wo'
  /** write 1 to clear */
  | 'w1c'
  /** write 1 to set */
  | 'w1s'
  /** read to clear */
  | 'rc'
  /** write-only trigger, self-clearing: reads back 0 once the action has run */
  | 'wsc';

export interface FieldDecl {
  readonly name: string;
  readonly shift: number;
  readonly width: number;
  readonly access: Access;
  readonly doc?: string;
}

export interface RegisterDecl {
  readonly name: string;
  readonly offset: number;
  readonly width: 8 | 16 | 32;
  readonly reset: number;
  readonly fields: readonly FieldDecl[];
  readonly doc?: string;
  /** Bits covered by no field (reserved); writes to them are dropped. */
  readonly reservedMask: number;
}

export function field(name: string, shift: number, width: number, access: Access = 'rw', doc?: string): FieldDecl {
  return doc === undefined ? { name, shift, width, access } : { name, shift, width, access, doc };
}

interface RegOptions {
  reset?: number;
  doc?: string;
  fields: readonly FieldDecl[];
}

export class DeclarationError extends Error {}

function declare(width: 8 | 16 | 32, name: string, offset: number, opts: RegOptions): RegisterDecl {
  const reset = opts.reset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new DeclarationError(`${name}: bad offset ${offset}`);
  if (reset < 0 || reset > mask(width) || !Number.isInteger(reset)) {
    throw new DeclarationError(`${name}: reset value 0x${reset.toString(16)} does not fit ${width} bits`);
  }
  let used = 0;
  const names = new Set<string>();
  for (const f of opts.fields) {
    if (f.width < 1 || f.shift < 0 || f.shift + f.width > width) {
      throw new DeclarationError(
        `${name}.${f.name}: bits ${f.shift + f.width - 1}:${f.shift} overflow the ${width}-bit register`,
      );
    }
    const m = (mask(f.width) * 2 ** f.shift) >>> 0;
    if ((used & m) !== 0) {
      const other = opts.fields.find((g) => g !== f && ((mask(g.width) * 2 ** g.shift) >>> 0) & m);
      throw new DeclarationError(
        `${name}.${f.name}: bits ${f.shift + f.width - 1}:${f.shift} overlap field ${other?.name ?? '?'}`,
      );
    }
    if (names.has(f.name)) throw new DeclarationError(`${name}: duplicate field ${f.name}`);
    names.add(f.name);
    used = (used | m) >>> 0;
  }
  const reservedMask = (mask(width) & ~used) >>> 0;
  const decl: RegisterDecl = { name, offset, width, reset, fields: opts.fields, reservedMask };
  return opts.doc === undefined ? decl : { ...decl, doc: opts.doc };
}

export function reg32(name: string, offset: number, opts: RegOptions): RegisterDecl {
  return declare(32, name, offset, opts);
}

/**
 * A 32-bit register declared without its field layout (PHY and timing registers whose fields the
 * model does not use): one VALUE field over all 32 bits, read-write or read-only.
 */
export function opaqueReg32(name: string, offset: number, doc: string, access: 'rw' | 'ro' = 'rw'): RegisterDecl {
  return reg32(name, offset, { fields: [field('VALUE', 0, 32, access)], doc });
}

export function reg8(name: string, offset: number, opts: RegOptions): RegisterDecl {
  return declare(8, name, offset, opts);
}

/** Decode the fields of a raw value (for traces and debugging). */
export function decodeFields(reg: RegisterDecl, value: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of reg.fields) out[f.name] = extract(value, f.shift, f.width);
  return out;
}

/** Find a field by name or throw a clear error. */
export function fieldOf(reg: RegisterDecl, name: string): FieldDecl {
  const f = reg.fields.find((x) => x.name === name);
  if (!f) throw new DeclarationError(`${reg.name} has no field ${name}`);
  return f;
}

/**
 * Compose a register value from named fields, e.g. `compose(MRCTRL0, { MR_RANK: 1, MR_WR: 1 })`.
 * Every value must fit its field.
 */
export function compose(reg: RegisterDecl, values: Readonly<Record<string, number>>, base = 0): number {
  let v = base >>> 0;
  for (const [name, x] of Object.entries(values)) {
    const f = fieldOf(reg, name);
    const m = mask(f.width);
    if (!Number.isInteger(x) || x < 0 || x > m) {
      throw new RangeError(`${reg.name}.${name} = ${x} does not fit ${f.width} bits`);
    }
    v = ((v & ~((m * 2 ** f.shift) >>> 0)) | ((x * 2 ** f.shift) >>> 0)) >>> 0;
  }
  return v;
}

export interface BlockDecl {
  readonly name: string;
  /** Size of the block's MMIO window in bytes. */
  readonly size: number;
  readonly registers: readonly RegisterDecl[];
}

/** Declare a block of registers; offsets and names must be unique and inside the window. */
export function block(name: string, size: number, registers: readonly RegisterDecl[]): BlockDecl {
  const offsets = new Map<number, string>();
  const names = new Set<string>();
  for (const r of registers) {
    if (r.offset + r.width / 8 > size)
      throw new DeclarationError(
        `${name}.${r.name}: offset 0x${r.offset.toString(16)} outside the 0x${size.toString(16)}-byte block`,
      );
    const prev = offsets.get(r.offset);
    if (prev !== undefined)
      throw new DeclarationError(`${name}: ${r.name} and ${prev} share offset 0x${r.offset.toString(16)}`);
    if (names.has(r.name)) throw new DeclarationError(`${name}: duplicate register ${r.name}`);
    offsets.set(r.offset, r.name);
    names.add(r.name);
  }
  return { name, size, registers };
}

export function registerOf(b: BlockDecl, name: string): RegisterDecl {
  const r = b.registers.find((x) => x.name === name);
  if (!r) throw new DeclarationError(`block ${b.name} has no register ${name}`);
  return r;
}
