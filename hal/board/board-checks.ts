/**
 * Adapter between the board loader and the modules that know the hardware: LPDDR per-standard
 * tables (hal/lpddr/standards.ts), address-map checks (hal/address-map/check.ts), controller
 * register declarations (hal/memctrl/) and the address map implied by register images
 * (register-address-map.ts). The loader calls only this file, so the semantic checks follow
 * those modules instead of keeping tables of their own.
 */
import type { AddressBits, AddressMapConfig, ControllerKind, DramStandard } from './board-config.js';
import { decodeMr8, geometryOf, specOf, type Geometry } from '../lpddr/standards.js';
import { checkAddressBits, type DieGeometry, type MapProblem } from '../address-map/check.js';
import { TI_EMIF } from '../memctrl/ti-emif.js';
import { TI_DMM } from '../memctrl/ti-dmm.js';
import { FSL_MMDC } from '../memctrl/fsl-mmdc.js';
import { deriveFromRegisters, type ControllerImage, type Derivation } from './register-address-map.js';

export type { Geometry } from '../lpddr/standards.js';
export type { MapProblem, DieGeometry } from '../address-map/check.js';

/** Geometry of a part, or the standard table's reason why it has none. */
export function partGeometry(standard: DramStandard, densityMbit: number, ioWidth: number): Geometry | string {
  try {
    return geometryOf(standard, densityMbit, ioWidth);
  } catch (e) {
    return (e as Error).message;
  }
}

const hex2 = (v: number): string => '0x' + v.toString(16).padStart(2, '0');

/** Why MR8 disagrees with the part's standard, density and width; undefined when it agrees. */
export function mr8Mismatch(standard: DramStandard, mr8: number, densityMbit: number, ioWidth: number): string | undefined {
  let d;
  try {
    d = decodeMr8(standard, mr8);
  } catch (e) {
    return (e as Error).message;
  }
  const says = `MR8 ${hex2(mr8)} says ${d.densityMbit} Mbit x${d.ioWidth} type ${d.type}`;
  if (!d.matchesStandard) return `${says}, but ${standard} parts report type ${specOf(standard).mr8.expectedType}`;
  if (d.densityMbit !== densityMbit || d.ioWidth !== ioWidth) return `${says}, but the part is ${densityMbit} Mbit x${ioWidth}`;
  return undefined;
}

/**
 * Register names a controller kind accepts in its image, and its extra blocks with theirs.
 * ti-emif and fsl-mmdc come from the hal/memctrl declarations. snps-umctl2 and ste-prcmu are
 * listed here until their hal/memctrl models land (names from the uMCTL2 databook as U-Boot's
 * drivers/ddr/imx/imx8m and drivers/ram/stm32mp1 use them, and the DB8500 PRCMU driver).
 */
const UMCTL2_REGISTERS = [
  'MSTR', 'STAT', 'MRCTRL0', 'MRCTRL1', 'MRSTAT', 'MRCTRL2', 'DERATEEN', 'DERATEINT', 'PWRCTL', 'PWRTMG', 'HWLPCTL',
  'RFSHCTL0', 'RFSHCTL1', 'RFSHCTL3', 'RFSHTMG', 'CRCPARCTL0', 'INIT0', 'INIT1', 'INIT2', 'INIT3', 'INIT4', 'INIT5', 'INIT6', 'INIT7',
  'DIMMCTL', 'RANKCTL', 'DRAMTMG0', 'DRAMTMG1', 'DRAMTMG2', 'DRAMTMG3', 'DRAMTMG4', 'DRAMTMG5', 'DRAMTMG6', 'DRAMTMG7',
  'DRAMTMG8', 'DRAMTMG9', 'DRAMTMG10', 'DRAMTMG11', 'DRAMTMG12', 'DRAMTMG13', 'DRAMTMG14', 'DRAMTMG15', 'ZQCTL0', 'ZQCTL1', 'ZQCTL2',
  'DFITMG0', 'DFITMG1', 'DFILPCFG0', 'DFILPCFG1', 'DFIUPD0', 'DFIUPD1', 'DFIUPD2', 'DFIMISC', 'DFITMG2', 'DFITMG3', 'DFISTAT', 'DBICTL', 'DFIPHYMSTR',
  'ADDRMAP0', 'ADDRMAP1', 'ADDRMAP2', 'ADDRMAP3', 'ADDRMAP4', 'ADDRMAP5', 'ADDRMAP6', 'ADDRMAP7', 'ADDRMAP8', 'ADDRMAP9', 'ADDRMAP10', 'ADDRMAP11',
  'ODTCFG', 'ODTMAP', 'SCHED', 'SCHED1', 'PERFHPR1', 'PERFLPR1', 'PERFWR1', 'DBG0', 'DBG1', 'DBGCAM', 'DBGCMD', 'DBGSTAT',
  'SWCTL', 'SWSTAT', 'POISONCFG', 'POISONSTAT', 'PSTAT', 'PCCFG', 'PCFGR_0', 'PCFGW_0', 'PCTRL_0', 'PCFGQOS0_0', 'PCFGQOS1_0',
  'PCFGWQOS0_0', 'PCFGWQOS1_0', 'FREQ1_DERATEEN', 'FREQ1_DERATEINT', 'FREQ1_RFSHCTL0', 'FREQ1_RFSHTMG', 'FREQ1_INIT3', 'FREQ1_INIT4',
  'FREQ1_INIT6', 'FREQ1_INIT7', 'FREQ1_DRAMTMG0', 'FREQ1_DRAMTMG1', 'FREQ1_DRAMTMG2', 'FREQ1_DRAMTMG3', 'FREQ1_DRAMTMG4', 'FREQ1_DRAMTMG5',
  'FREQ1_DRAMTMG6', 'FREQ1_DRAMTMG7', 'FREQ1_DRAMTMG12', 'FREQ1_DRAMTMG13', 'FREQ1_DRAMTMG14', 'FREQ1_ZQCTL0', 'FREQ1_DFITMG0',
  'FREQ1_DFITMG1', 'FREQ1_DFITMG2', 'FREQ1_ODTCFG',
];
const PRCMU_REGISTERS = ['PRCM_MBOX_CPU_VAL', 'PRCM_MBOX_CPU_SET', 'PRCM_MBOX_CPU_CLR', 'PRCM_ARM_IT1_VAL', 'PRCM_ARM_IT1_CLR'];

const names = (regs: readonly { readonly name: string }[]): readonly string[] => regs.map((r) => r.name);

export interface KindRegisters {
  readonly registers: readonly string[];
  readonly blocks: Readonly<Record<string, readonly string[]>>;
}

export const CONTROLLER_REGISTERS: Readonly<Record<ControllerKind, KindRegisters>> = {
  'ti-emif': { registers: names(TI_EMIF.registers), blocks: { dmm: names(TI_DMM.registers) } },
  'fsl-mmdc': { registers: names(FSL_MMDC.registers), blocks: {} },
  'snps-umctl2': { registers: UMCTL2_REGISTERS, blocks: { perf: ['MRR0_DAT', 'MRR1_DAT'] } },
  'ste-prcmu': { registers: PRCMU_REGISTERS, blocks: { tcdm: ['MB0_HEADER', 'PRCM_REQ_MB0_PASR_MR16', 'PRCM_REQ_MB0_PASR_MR17', 'PRCM_ACK_MB0'] } },
};

/** The address map the register images imply (see register-address-map.ts). */
export function deriveAddressMap(ctrls: readonly ControllerImage[], dramBase: number): Derivation {
  return deriveFromRegisters(ctrls, dramBase);
}

/** Address-map consistency problems (bit overlaps/gaps, regions, die reach, geometry), from hal/address-map. */
export function addressMapProblems(map: AddressMapConfig, dramSize: number, dies: readonly DieGeometry[]): MapProblem[] {
  return checkAddressBits(map, dramSize, dies);
}

const COORDS = ['controller', 'channel', 'rank', 'bank', 'row', 'column', 'byte'] as const;

/** Coordinates whose bit lists differ between an explicit and a derived map. */
export function compareBits(explicit: AddressBits, derived: AddressBits): { coordinate: (typeof COORDS)[number]; explicit: readonly number[]; derived: readonly number[] }[] {
  const out = [];
  for (const c of COORDS) {
    const a = explicit[c];
    const b = derived[c];
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) out.push({ coordinate: c, explicit: a, derived: b });
  }
  return out;
}
