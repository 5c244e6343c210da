import type { TraceBus } from '../trace/trace-bus.js';
import { mask } from '../bits.js';
import { decodeFields, fieldOf, type BlockDecl, type RegisterDecl } from './register.js';
import type { MmioDevice } from '../mmio-bus.js';

export type WriteHook = (value: number, old: number) => void;
export type ReadProvider = (stored: number) => number;

/**
 * Runtime of a declared register block: backing storage, access modes, hooks and trace.
 *
 * Write path: for each field, apply its mode to (old, written) -> new; bits in no field are
 * dropped; store; emit `mmio.write` with the decoded fields; run the register's write hook;
 * then clear self-clearing (wsc) fields. Read path: value provider (if any) over stored
 * value; write-only and wsc fields read as 0; read-to-clear fields are cleared afterwards.
 */
export class RegisterBlock implements MmioDevice {
  private readonly values: Uint32Array;
  private readonly byOffset = new Map<number, number>();
  private readonly byName = new Map<string, number>();
  private readonly writeHooks = new Map<number, WriteHook>();
  private readonly readProviders = new Map<number, ReadProvider>();
  /** Per register: bits readable (not wo/wsc), bits cleared on read, bits that self-clear. */
  private readonly readMask: Uint32Array;
  private readonly rcMask: Uint32Array;
  private readonly wscMask: Uint32Array;

  constructor(
    readonly decl: BlockDecl,
    /** Instance name, e.g. `emif1`. */
    readonly name: string,
    /** Bus base address (used for trace addresses). */
    readonly base: number,
    private readonly trace: TraceBus,
  ) {
    const n = decl.registers.length;
    this.values = new Uint32Array(n);
    this.readMask = new Uint32Array(n);
    this.rcMask = new Uint32Array(n);
    this.wscMask = new Uint32Array(n);
    decl.registers.forEach((r, i) => {
      this.byOffset.set(r.offset, i);
      this.byName.set(r.name, i);
      this.values[i] = r.reset;
      let readable = mask(r.width);
      for (const f of r.fields) {
        const m = (mask(f.width) * 2 ** f.shift) >>> 0;
        if (f.access === 'wo' || f.access === 'wsc') readable &= ~m;
        if (f.access === 'rc') this.rcMask[i] = (this.rcMask[i]! | m) >>> 0;
        if (f.access === 'wsc') this.wscMask[i] = (this.wscMask[i]! | m) >>> 0;
      }
      this.readMask[i] = readable >>> 0;
    });
  }

  get size(): number {
    return this.decl.size;
  }

  private index(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) throw new Error(`${this.name}: no register ${name}`);
    return i;
  }

  reg(name: string): RegisterDecl {
    return this.decl.registers[this.index(name)]!;
  }

  /** Register a side effect run after a bus write to `name` has been stored. */
  onWrite(name: string, hook: WriteHook): void {
    this.writeHooks.set(this.index(name), hook);
  }

  /** Compute the value a bus read of `name` returns from its stored value. */
  onRead(name: string, provider: ReadProvider): void {
    this.readProviders.set(this.index(name), provider);
  }

  /** Backdoor read of the stored value (no trace, no side effects). */
  get(name: string): number {
    return this.values[this.index(name)]!;
  }

  /** Backdoor write (hardware-side update: status bits, reset). No trace, no hooks. */
  set(name: string, value: number): void {
    const i = this.index(name);
    this.values[i] = value & mask(this.decl.registers[i]!.width);
  }

  getField(regName: string, fieldName: string): number {
    const r = this.reg(regName);
    const f = fieldOf(r, fieldName);
    return Math.floor(this.get(regName) / 2 ** f.shift) & mask(f.width);
  }

  setField(regName: string, fieldName: string, x: number): void {
    const r = this.reg(regName);
    const f = fieldOf(r, fieldName);
    const m = (mask(f.width) * 2 ** f.shift) >>> 0;
    this.set(regName, ((this.get(regName) & ~m) | ((x * 2 ** f.shift) & m)) >>> 0);
  }

  read32(offset: number): number {
    const i = this.byOffset.get(offset);
    if (i === undefined) {
      this.trace.emit({
        kind: 'guest.error',
        source: this.name,
        message: `read of offset with no declared register 0x${offset.toString(16)}`,
      });
      this.trace.emit({ kind: 'mmio.read', address: this.base + offset, value: 0, block: this.name, register: '?' });
      return 0;
    }
    const r = this.decl.registers[i]!;
    const stored = this.values[i]!;
    const provider = this.readProviders.get(i);
    const value = ((provider ? provider(stored) : stored) & this.readMask[i]!) >>> 0;
    if (this.rcMask[i] !== 0) this.values[i] = (stored & ~this.rcMask[i]!) >>> 0;
    this.trace.emit({ kind: 'mmio.read', address: this.base + offset, value, block: this.name, register: r.name });
    return value;
  }

  write32(offset: number, written: number): void {
    written >>>= 0;
    const i = this.byOffset.get(offset);
    if (i === undefined) {
      this.trace.emit({
        kind: 'mmio.write',
        address: this.base + offset,
        value: written,
        block: this.name,
        register: '?',
        fields: {},
      });
      this.trace.emit({
        kind: 'guest.error',
        source: this.name,
        message: `write of 0x${written.toString(16)} to offset with no declared register 0x${offset.toString(16)}`,
      });
      return;
    }
    const r = this.decl.registers[i]!;
    const old = this.values[i]!;
    let next = old;
    let roViolation = '';
    for (const f of r.fields) {
      const m = (mask(f.width) * 2 ** f.shift) >>> 0;
      const w = written & m;
      switch (f.access) {
        case 'rw':
        case 'wo':
        case 'wsc':
          next = (next & ~m) | w;
          break;
        case 'ro':
        case 'rc':
          if (w !== (old & m) && r.fields.every((g) => g.access === 'ro' || g.access === 'rc')) roViolation = f.name;
          break;
        case 'w1c':
          next = next & ~w;
          break;
        case 'w1s':
          next = next | w;
          break;
      }
    }
    next >>>= 0;
    this.values[i] = next;
    this.trace.emit({
      kind: 'mmio.write',
      address: this.base + offset,
      value: written,
      block: this.name,
      register: r.name,
      fields: decodeFields(r, written),
    });
    if (roViolation) {
      this.trace.emit({
        kind: 'guest.error',
        source: this.name,
        message: `write to read-only ${r.name}.${roViolation} ignored`,
      });
    }
    this.writeHooks.get(i)?.(next, old);
    if (this.wscMask[i] !== 0) this.values[i] = (this.values[i]! & ~this.wscMask[i]!) >>> 0;
  }
}
