import type { TraceBus } from '../trace/trace-bus.js';
import { RegisterBlock } from '../regs/register-block.js';
import { block, decodeFields, field, reg32, type BlockDecl } from '../regs/register.js';
import { applyRegisterImage } from './memory-controller.js';

/**
 * OMAP4/OMAP5 DMM (Dynamic Memory Manager) LISA section map: how the system address space is
 * split over EMIF1/EMIF2 and how they are interleaved.
 *
 * Base: DMM module at 0x4E000000, LISA_MAP_0 at +0x40 (u-boot `DMM_BASE 0x4E000040`,
 * reference lpddr.md §2.1 ✔ UB-EMIF). Field layout ✔ UB-EMIF (`EMIF_SYS_ADDR_SHIFT` ...).
 * Only the four LISA maps are declared; the DMM's TILER/PAT registers play no part in PASR.
 * The window size 0x800 is the Linux `dmm@4e000000` reg size ◐.
 */
const lisaFields = [
  field('SYS_ADDR', 24, 8, 'rw', 'system address bits 31:24 of the section start'),
  field('SYS_SIZE', 20, 3, 'rw', 'section size: 0 = 16 MiB ... 6 = 1 GiB, 7 = 2 GiB (16 MiB << n)'),
  field('SDRC_INTL', 18, 2, 'rw', 'interleave between EMIFs: 0 none, 1 128 B, 2 256 B, 3 512 B'),
  field('SDRC_ADDRSPC', 16, 2, 'rw', '0 SDRAM, 1 NVM, 2 invalid (trap)'),
  field('SDRC_MAP', 8, 2, 'rw', '0 unmapped, 1 EMIF1 only, 2 EMIF2 only, 3 EMIF1 and EMIF2'),
  field('SDRC_ADDR', 0, 8, 'rw', 'EMIF-local start address bits 31:24'),
];

export const TI_DMM: BlockDecl = block('DMM', 0x800, [
  reg32('LISA_MAP_0', 0x40, { fields: lisaFields, doc: 'DMM_LISA_MAP_0 (section 0 of the LISA map)' }),
  reg32('LISA_MAP_1', 0x44, { fields: lisaFields, doc: 'DMM_LISA_MAP_1' }),
  reg32('LISA_MAP_2', 0x48, { fields: lisaFields, doc: 'DMM_LISA_MAP_2' }),
  reg32('LISA_MAP_3', 0x4c, { fields: lisaFields, doc: 'DMM_LISA_MAP_3 (PandaBoard: 0x80640300)' }),
]);

/** Offset of LISA_MAP_0 inside the DMM window: a block base ending in 0x40 means someone gave LISA_MAP_0's address. */
const LISA_MAP_0_OFFSET = 0x40;

/** Why a DMM block base is refused (undefined when it is not): the address of LISA_MAP_0 given for the module's. */
export function dmmBaseRefusal(base: number): string | undefined {
  return base % 0x100 === LISA_MAP_0_OFFSET
    ? `block base 0x${base.toString(16)} looks like the address of LISA_MAP_0; give the DMM module base (LISA_MAP_0 sits at base + 0x40, e.g. 0x4e000000)`
    : undefined;
}

export interface LisaMap {
  /** Register name, e.g. `LISA_MAP_3`. */
  readonly register: string;
  readonly raw: number;
  /** False when SDRC_MAP = 0 (section unmapped). */
  readonly mapped: boolean;
  /** Start of the section in the system address space. */
  readonly sysAddr: number;
  readonly sysSizeBytes: number;
  /** Interleave granule between the two EMIFs in bytes, 0 = no interleave. */
  readonly interleaveBytes: number;
  /** 0 SDRAM, 1 NVM, 2 invalid, 3 reserved. */
  readonly addrSpace: number;
  /** Which EMIFs serve the section: 1 EMIF1, 2 EMIF2, 3 both. */
  readonly emifs: number;
  /** EMIF-local start address. */
  readonly sdrcAddr: number;
}

const INTERLEAVE_BYTES = [0, 128, 256, 512] as const;

/** Decode one LISA_MAP value (pure). */
export function decodeLisaMap(register: string, raw: number): LisaMap {
  const f = decodeFields(TI_DMM.registers[0]!, raw >>> 0);
  return {
    register,
    raw: raw >>> 0,
    mapped: f.SDRC_MAP !== 0,
    sysAddr: f.SYS_ADDR! * 2 ** 24,
    sysSizeBytes: 2 ** 24 * 2 ** f.SYS_SIZE!,
    interleaveBytes: INTERLEAVE_BYTES[f.SDRC_INTL!]!,
    addrSpace: f.SDRC_ADDRSPC!,
    emifs: f.SDRC_MAP!,
    sdrcAddr: f.SDRC_ADDR! * 2 ** 24,
  };
}

/** The DMM as an MMIO device: plain storage (the maps only steer addresses, which the address map models). */
export class TiDmm {
  readonly block: RegisterBlock;

  constructor(
    readonly name: string,
    readonly base: number,
    image: Readonly<Record<string, number>>,
    trace: TraceBus,
  ) {
    const refused = dmmBaseRefusal(base);
    if (refused) throw new Error(`${name}: ${refused}`);
    this.block = new RegisterBlock(TI_DMM, name, base, trace);
    applyRegisterImage(name, this.block, image);
  }

  /** The four LISA maps as currently programmed. */
  lisaMaps(): LisaMap[] {
    return TI_DMM.registers.map((r) => decodeLisaMap(r.name, this.block.get(r.name)));
  }
}
