/**
 * The MMIO bus: 32-bit register accesses routed to the device mapped at an address.
 *
 * An access to an unmapped or misaligned address is a bus error (on real hardware: a data
 * abort). The bus throws `BusError`; callers that run guest programs turn it into a
 * reported outcome (the U-Boot console prints `data abort` and resets).
 */
export interface MmioDevice {
  /** Instance name, e.g. `emif1`. */
  readonly name: string;
  /** Size of the MMIO window in bytes. */
  readonly size: number;
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

export class BusError extends Error {
  constructor(
    readonly op: 'read' | 'write',
    readonly address: number,
    reason: string,
  ) {
    super(`bus error: ${op} at 0x${address.toString(16).padStart(8, '0')}: ${reason}`);
    this.name = 'BusError';
  }
}

interface Mapping {
  readonly base: number;
  readonly device: MmioDevice;
}

/** Anything that executes 32-bit register accesses (the emulated bus, or a real board). */
export interface RegisterAccess {
  read32(address: number): number;
  write32(address: number, value: number): void;
}

export class MmioBus implements RegisterAccess {
  private readonly mappings: Mapping[] = [];

  map(base: number, device: MmioDevice): void {
    if (base % 4 !== 0) throw new RangeError(`${device.name}: base 0x${base.toString(16)} is not word aligned`);
    for (const m of this.mappings) {
      if (base < m.base + m.device.size && m.base < base + device.size) {
        throw new RangeError(
          `${device.name} at 0x${base.toString(16)} overlaps ${m.device.name} at 0x${m.base.toString(16)}`,
        );
      }
    }
    this.mappings.push({ base, device });
    this.mappings.sort((a, b) => a.base - b.base);
  }

  /** The device and offset an address decodes to, or undefined. */
  decode(address: number): { device: MmioDevice; offset: number } | undefined {
    for (const m of this.mappings) {
      if (address >= m.base && address < m.base + m.device.size) return { device: m.device, offset: address - m.base };
    }
    return undefined;
  }

  get devices(): readonly { base: number; device: MmioDevice }[] {
    return this.mappings;
  }

  read32(address: number): number {
    const hit = this.route('read', address);
    return hit.device.read32(hit.offset) >>> 0;
  }

  write32(address: number, value: number): void {
    const hit = this.route('write', address);
    hit.device.write32(hit.offset, value >>> 0);
  }

  private route(op: 'read' | 'write', address: number): { device: MmioDevice; offset: number } {
    if (!Number.isInteger(address) || address < 0) throw new BusError(op, address, 'not an address');
    if (address % 4 !== 0) throw new BusError(op, address, 'misaligned 32-bit access');
    const hit = this.decode(address);
    if (!hit) throw new BusError(op, address, 'no device mapped');
    return hit;
  }
}
