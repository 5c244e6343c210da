import type {
  ControllerConfig,
  ControllerKind,
  DieConfig,
  DramPart,
  DramStandard,
} from '../../../hal/board/board-config.js';

/** Controller configs shaped like the shipped boards' (register images from the references). */

export function part(name: string, densityMbit: number, ioWidth: 8 | 16 | 32, mr5: number, mr8: number): DramPart {
  return { name, densityMbit, ioWidth, mr5, mr6: 0, mr7: 0, mr8, power: [] };
}

/** Elpida ECB240ABACN, LPDDR2-S4 2 Gb x32 (PandaBoard). MR8 = S4 | 2 Gb << 2 | x32. */
export const ELPIDA_2GB = part('elpida-ECB240ABACN', 2048, 32, 0x03, 0x14);
/** 4 Gb x32 LPDDR2-S4 (i.MX6SL EVK). */
export const LPDDR2_4GB = part('lpddr2-4gb-x32', 4096, 32, 0x01, 0x18);
/** LPDDR4 8 Gb per channel x16 (i.MX8MM EVK). */
export const LPDDR4_8GB = part('lpddr4-8gb-x16', 8192, 16, 0xff, 0x10);

function die(controller: string, id: string, rank: number, p: DramPart, channel?: string): DieConfig {
  return channel === undefined ? { id, controller, rank, part: p } : { id, controller, rank, channel, part: p };
}

function controller(
  id: string,
  kind: ControllerKind,
  base: number,
  registers: Record<string, number>,
  dies: DieConfig[],
  blocks: ControllerConfig['blocks'] = {},
): ControllerConfig {
  return { id, kind, base, registers, blocks, dies };
}

/** PandaBoard EMIF1 (with the DMM) or EMIF2. */
export function pandaEmif(
  n: 1 | 2,
  extra: Partial<Pick<ControllerConfig, 'registers' | 'blocks'>> = {},
): ControllerConfig {
  const id = `emif${n}`;
  return controller(
    id,
    'ti-emif',
    n === 1 ? 0x4c000000 : 0x4d000000,
    extra.registers ?? { SDRAM_CONFIG: 0x80001ab9, SDRAM_REFRESH_CONTROL: 0x00000618, PWR_MGMT_CTRL: 0x0000f0ff },
    [die(id, `${id}.cs0`, 0, ELPIDA_2GB), die(id, `${id}.cs1`, 1, ELPIDA_2GB)],
    extra.blocks ?? (n === 1 ? { dmm: { base: 0x4e000000, registers: { LISA_MAP_3: 0x80640300 } } } : {}),
  );
}

/** i.MX6SL EVK MMDC (DCD values from u-boot mx6slevk imximage.cfg). */
export function imx6slMmdc(registers?: Record<string, number>): ControllerConfig {
  return controller(
    'mmdc',
    'fsl-mmdc',
    0x021b0000,
    registers ?? {
      MDCTL: 0xc3110000,
      MDMISC: 0x00001688,
      MDASP: 0x0000004f,
      MDREF: 0x00001800,
      MAPSR: 0x00011006,
      MDSCR: 0,
    },
    [die('mmdc', 'mmdc.cs0', 0, LPDDR2_4GB), die('mmdc', 'mmdc.cs1', 1, LPDDR2_4GB)],
  );
}

/** i.MX8MM EVK DDRC: one LPDDR4 rank on two channels, perf monitor for MRR. */
export function imx8mmDdrc(
  opts: { ranks?: 1 | 2; registers?: Record<string, number>; perf?: boolean } = {},
): ControllerConfig {
  const ranks = opts.ranks ?? 1;
  const dies: DieConfig[] = [];
  for (let r = 0; r < ranks; r++) {
    dies.push(
      die('ddrc', `ddrc.rank${r}.cha`, r, LPDDR4_8GB, 'a'),
      die('ddrc', `ddrc.rank${r}.chb`, r, LPDDR4_8GB, 'b'),
    );
  }
  return controller(
    'ddrc',
    'snps-umctl2',
    0x3d400000,
    opts.registers ?? {
      MSTR: 0xa1080020,
      ADDRMAP0: 0x1f,
      ADDRMAP1: 0x080808,
      ADDRMAP3: 0,
      ADDRMAP4: 0x1f1f,
      ADDRMAP5: 0x07070707,
      ADDRMAP6: 0x07070707,
      INIT3: 0x00d4002d,
      INIT4: 0x00310008,
    },
    dies,
    opts.perf === false ? {} : { perf: { base: 0x3d800000, registers: {} } },
  );
}

/** Snowball (U8500): PRCMU mailbox, two LPDDR2 chip selects on DDR0. ✖ bases. */
export function snowballPrcmu(blocks?: ControllerConfig['blocks']): ControllerConfig {
  return controller(
    'prcmu',
    'ste-prcmu',
    0x80157000,
    {},
    [die('prcmu', 'prcmu.cs0', 0, ELPIDA_2GB), die('prcmu', 'prcmu.cs1', 1, ELPIDA_2GB)],
    blocks ?? { tcdm: { base: 0x801b8000, registers: {} } },
  );
}

export function standardOf(config: ControllerConfig): DramStandard {
  return config.kind === 'snps-umctl2' ? 'LPDDR4' : 'LPDDR2-S4';
}
