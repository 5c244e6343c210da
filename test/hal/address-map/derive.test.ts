import { describe, expect, it } from 'vitest';
import type { ControllerConfig } from '../../../hal/board/board-config.js';
import {
  compareBits,
  deriveAddressBits,
  deriveMmdc,
  deriveTiEmif,
  deriveUmctl2,
  type DeriveResult,
} from '../../../hal/address-map/derive.js';
import { GIB, IMX6SL_BITS, IMX8MM_BITS, PANDA_BITS, range } from './boards.js';

function ok(r: DeriveResult): Extract<DeriveResult, { ok: true }>['map'] {
  if (!r.ok) throw new Error(`derivation failed: ${JSON.stringify(r.problems)}`);
  return r.map;
}
function problems(r: DeriveResult): readonly { path: string; message: string }[] {
  if (r.ok) throw new Error('derivation succeeded');
  return r.problems;
}

function controller(
  id: string,
  kind: ControllerConfig['kind'],
  registers: Record<string, number>,
  blocks: ControllerConfig['blocks'] = {},
): ControllerConfig {
  return { id, kind, base: 0, registers, blocks, dies: [] };
}

/** PandaBoard register images (u-boot sdram_elpida.c emif_regs_elpida_400_mhz_2cs, lisa_map_2G_x_2_x_2). */
const PANDA_LISA = [0xff020100, 0, 0, 0x80640300];
const PANDA_SDRAM_CONFIG = 0x80001ab9;

const umctl2 = (
  addrmap: (number | undefined)[],
  over: Partial<Parameters<typeof deriveUmctl2>[0]> = {},
): DeriveResult =>
  deriveUmctl2({ controller: 'ddrc', dramBase: 0x40000000, dramSize: 2 * GIB, mstr: 0xa1080020, addrmap, ...over });
/** i.MX8MM EVK (u-boot board/nxp/imx8mm_evk/lpddr4_timing.c); ADDRMAP2 left at reset. */
const IMX8MM_ADDRMAP = [0x1f, 0x080808, undefined, 0, 0x1f1f, 0x07070707, 0x07070707];

describe('deriveTiEmif: DMM LISA_MAP + EMIF SDRAM_CONFIG', () => {
  it('derives the PandaBoard bits: EMIF bit 7, CS bit 15, bank 14:12, row 29:16, column 11:8,6:2', () => {
    const m = ok(
      deriveTiEmif({
        dramBase: 0x80000000,
        dramSize: GIB,
        lisaMaps: PANDA_LISA,
        emifs: [
          { id: 'emif1', sdramConfig: PANDA_SDRAM_CONFIG },
          { id: 'emif2', sdramConfig: PANDA_SDRAM_CONFIG },
        ],
      }),
    );
    expect(m.bits).toEqual(PANDA_BITS);
    expect(m.controllers).toEqual(['emif1', 'emif2']);
    expect(m.capacityBytes).toBe(GIB);
    expect(m.bits.row.slice(-3)).toEqual([27, 28, 29]);
  });

  it('moves the EMIF bit with a 512-byte interleave and maps one EMIF without interleave', () => {
    const lisa512 = (0x80640300 & ~(3 << 18)) | (3 << 18);
    const m = ok(
      deriveTiEmif({
        dramBase: 0x80000000,
        dramSize: GIB,
        lisaMaps: [lisa512 >>> 0],
        emifs: [
          { id: 'emif1', sdramConfig: PANDA_SDRAM_CONFIG },
          { id: 'emif2', sdramConfig: PANDA_SDRAM_CONFIG },
        ],
      }),
    );
    expect(m.bits.controller).toEqual([9]);
    expect(m.bits.column).toEqual([2, 3, 4, 5, 6, 7, 8, 10, 11]);
    // SDRC_MAP = 2 (EMIF2 only), 512 MiB, no interleave.
    const one = ok(
      deriveTiEmif({
        dramBase: 0x80000000,
        dramSize: GIB / 2,
        lisaMaps: [0x80500200],
        emifs: [
          { id: 'emif1', sdramConfig: PANDA_SDRAM_CONFIG },
          { id: 'emif2', sdramConfig: PANDA_SDRAM_CONFIG },
        ],
      }),
    );
    expect(one.controllers).toEqual(['emif2']);
    expect(one.bits).toEqual({
      controller: [],
      channel: [],
      rank: [14],
      bank: [11, 12, 13],
      row: range(15, 28),
      column: range(2, 10),
      byte: [0, 1],
    });
  });

  it('names the register and field of layouts it does not model or that disagree with DRAM', () => {
    const emifs = [
      { id: 'emif1', sdramConfig: PANDA_SDRAM_CONFIG },
      { id: 'emif2', sdramConfig: (PANDA_SDRAM_CONFIG | (1 << 27)) >>> 0 },
    ];
    expect(problems(deriveTiEmif({ dramBase: 0x80000000, dramSize: GIB, lisaMaps: PANDA_LISA, emifs }))).toEqual([
      { path: 'emif2.SDRAM_CONFIG', message: 'IBANK_POS=1 is not modelled (only 0: row|CS|bank|column)' },
    ]);
    const small = { dramBase: 0x80000000, dramSize: GIB, lisaMaps: [0x80540300], emifs: [emifs[0]!, emifs[0]!] };
    expect(problems(deriveTiEmif(small))).toEqual([
      { path: 'dmm.LISA_MAP_0', message: 'maps 0x80000000 + 512 MiB, but DRAM is 0x80000000 + 1 GiB' },
      {
        path: 'dmm.LISA_MAP_0',
        message: 'SDRAM_CONFIG geometry gives 2 x 512 MiB = 1 GiB, but the section maps 512 MiB',
      },
    ]);
    expect(problems(deriveTiEmif({ ...small, lisaMaps: [0xff020100] }))).toEqual([
      { path: 'dmm.LISA_MAP_0', message: 'no DMM LISA section maps DRAM at 0x80000000' },
    ]);
    expect(problems(deriveTiEmif({ ...small, lisaMaps: [0x80600300] }))[0]).toEqual({
      path: 'dmm.LISA_MAP_0',
      message: 'SDRC_MAP=3 (both EMIFs) needs SDRC_INTL 1-3 (128/256/512 B), got 0',
    });
    expect(
      problems(
        deriveTiEmif({
          ...small,
          lisaMaps: [0x80640300],
          emifs: [emifs[0]!, { id: 'emif2', sdramConfig: 0x80001a39 }],
        }),
      ),
    ).toEqual([
      { path: 'emif2.SDRAM_CONFIG', message: 'geometry differs from emif1 in ROWSIZE; interleaved EMIFs must match' },
    ]);
  });
});

describe('deriveMmdc: MDCTL, MDMISC, MDASP', () => {
  const base = {
    controller: 'mmdc',
    dramBase: 0x80000000,
    dramSize: GIB,
    mdctl: 0xc3110000,
    mdmisc: 0x00001688,
    mdasp: 0x4f,
  };
  it('derives the i.MX6SL EVK bits: byte 1:0, column 11:2, bank 14:12, row 28:15, CS bit 29', () => {
    const m = ok(deriveMmdc(base));
    expect(m.bits).toEqual(IMX6SL_BITS);
    expect(m.capacityBytes).toBe(GIB);
  });
  it('puts the banks above the rows when BI_ON = 0 and decodes the non-linear COL code', () => {
    // COL = 0b011 = 8 column bits; 128 MiB per chip select, CS0 ends at 0x88000000 (CS0_END 0x43).
    const m = ok(deriveMmdc({ ...base, mdmisc: 0x00000688, mdctl: 0xc3310000, mdasp: 0x43, dramSize: GIB / 4 }));
    expect(m.bits.column).toEqual(range(2, 9));
    expect(m.bits.row).toEqual(range(10, 23));
    expect(m.bits.bank).toEqual([24, 25, 26]);
    expect(m.bits.rank).toEqual([27]);
  });
  it('reports an MDASP that disagrees with the chip-select size, and reserved codes', () => {
    expect(problems(deriveMmdc({ ...base, mdasp: 0x3f }))).toEqual([
      {
        path: 'mmdc.MDASP',
        message: 'CS0_END=0x3f ends CS0 at 0x80000000 (0 B), but one chip select holds 512 MiB (MDCTL)',
      },
    ]);
    expect(problems(deriveMmdc({ ...base, mdctl: 0xc6710000 }))).toEqual([
      { path: 'mmdc.MDCTL', message: 'ROW=6 is reserved (0-5 = 11-16 row bits)' },
      { path: 'mmdc.MDCTL', message: 'COL=7 is reserved (0-4 = 9, 10, 11, 8, 12 column bits)' },
    ]);
    expect(problems(deriveMmdc({ ...base, dramSize: 2 * GIB }))).toEqual([
      { path: 'mmdc.MDCTL', message: 'geometry gives 2 x 512 MiB = 1 GiB, but DRAM is 2 GiB' },
    ]);
  });
});

describe('deriveUmctl2: MSTR + ADDRMAP0-11', () => {
  it('derives the i.MX8MM EVK bits: channel = bit 1, bank 14:12, row 30:15 (segment 30:28)', () => {
    const m = ok(umctl2(IMX8MM_ADDRMAP));
    expect(m.bits).toEqual(IMX8MM_BITS);
    expect(m.channels).toEqual(['a', 'b']);
    expect(m.bits.row.slice(-3)).toEqual([28, 29, 30]);
    expect(m.rowsPerDie).toBeUndefined();
  });
  it('keeps both byte-lane bits when channels share mode registers', () => {
    const m = ok(umctl2(IMX8MM_ADDRMAP, { splitChannels: false }));
    expect(m.bits.byte).toEqual([0, 1]);
    expect(m.bits.channel).toEqual([]);
    expect(m.channels).toEqual([]);
  });
  it('uses addrmap_cs_bit0 for a second rank and the 3/6/12 Gb mode for 3/4 of the rows', () => {
    // Two ranks (active_ranks 0b11), CS at HIF 30 (cs_bit0 = 24), 17 row bits (row_b16 = 7), 12 Gb mode.
    const m = ok(
      umctl2([0x18, 0x080808, 0, 0, 0x1f1f, 0x07070707, 0x67070707, 0x0f07], { mstr: 0xa3080020, dramSize: 6 * GIB }),
    );
    expect(m.bits.row).toEqual(range(15, 31));
    expect(m.bits.rank).toEqual([32]);
    expect(m.rowsPerDie).toBe(98304);
    expect(m.capacityBytes).toBe(6 * GIB);
  });
  it('reads rows 2-10 from ADDRMAP9-11 when addrmap_row_b2_10 is 15', () => {
    const m = ok(
      umctl2([
        0x1f,
        0x080808,
        0,
        0,
        0x1f1f,
        0x070f0707,
        0x07070707,
        undefined,
        undefined,
        0x07070707,
        0x07070707,
        0x07,
      ]),
    );
    expect(m.bits).toEqual(IMX8MM_BITS);
  });
  it('names missing registers, HIF collisions, unused CS bits and a size mismatch', () => {
    expect(problems(umctl2([0x1f, 0x080808, undefined, 0, 0x1f1f, undefined, 0x07070707]))).toEqual([
      { path: 'ddrc.ADDRMAP5', message: 'is required to derive the address map' },
    ]);
    expect(problems(umctl2([0x1f, 0x070707, undefined, 0, 0x1f1f, 0x07070707, 0x07070707]))[0]).toEqual({
      path: 'ddrc.ADDRMAP1',
      message: 'addrmap_bank_b0 maps to HIF bit 9, already used by addrmap_col_b9',
    });
    expect(problems(umctl2(IMX8MM_ADDRMAP, { mstr: 0xa3080020 }))).toEqual([
      { path: 'ddrc.ADDRMAP0', message: 'MSTR.active_ranks enables 2 ranks but addrmap_cs_bit0 is 31 (unused)' },
    ]);
    expect(problems(umctl2(IMX8MM_ADDRMAP, { dramSize: 4 * GIB }))).toEqual([
      { path: 'ddrc.ADDRMAP5', message: 'the ADDRMAP registers address 2 GiB, but DRAM is 4 GiB' },
    ]);
    expect(problems(umctl2(IMX8MM_ADDRMAP, { mstr: 0xa1081020 }))).toEqual([
      { path: 'ddrc.MSTR', message: 'data_bus_width=1 (half/quarter bus) is not modelled' },
    ]);
    expect(problems(umctl2([0x1f, 0x080808, 0, 0, 0x1f1f, 0x07070707, 0x08070707]))).toEqual([
      {
        path: 'ddrc.ADDRMAP0',
        message: 'HIF bit 28 is mapped to no SDRAM address bit (HIF bits 0-29 must all be used)',
      },
    ]);
  });
});

describe('deriveAddressBits from board controller configs', () => {
  it('derives the PandaBoard from two ti-emif controllers and the DMM block, equal to the explicit bits', () => {
    const controllers = [
      controller(
        'emif1',
        'ti-emif',
        { SDRAM_CONFIG: PANDA_SDRAM_CONFIG },
        {
          dmm: {
            base: 0x4e000040,
            registers: { LISA_MAP_0: 0xff020100, LISA_MAP_1: 0, LISA_MAP_2: 0, LISA_MAP_3: 0x80640300 },
          },
        },
      ),
      controller('emif2', 'ti-emif', { SDRAM_CONFIG: PANDA_SDRAM_CONFIG }),
    ];
    const m = ok(deriveAddressBits(controllers, 0x80000000, GIB));
    expect(compareBits(PANDA_BITS, m.bits)).toEqual([]);
    const bad = [
      controllers[0]!,
      controller('emif2', 'ti-emif', { SDRAM_CONFIG: (PANDA_SDRAM_CONFIG | (2 << 27)) >>> 0 }),
    ];
    expect(problems(deriveAddressBits(bad, 0x80000000, GIB))).toEqual([
      {
        path: 'controllers[1].registers.SDRAM_CONFIG',
        message: 'IBANK_POS=2 is not modelled (only 0: row|CS|bank|column)',
      },
    ]);
    const size = [
      controller(
        'emif1',
        'ti-emif',
        { SDRAM_CONFIG: PANDA_SDRAM_CONFIG },
        { dmm: { base: 0, registers: { LISA_MAP_3: 0x80640300 } } },
      ),
      controllers[1]!,
    ];
    expect(problems(deriveAddressBits(size, 0x80000000, 2 * GIB))[0]).toEqual({
      path: 'controllers[0].blocks.dmm.registers.LISA_MAP_3',
      message: 'maps 0x80000000 + 1 GiB, but DRAM is 0x80000000 + 2 GiB',
    });
  });
  it('derives the i.MX6SL EVK and the i.MX8MM EVK, equal to the explicit bits', () => {
    const mmdc = controller('mmdc', 'fsl-mmdc', { MDCTL: 0xc3110000, MDMISC: 0x00001688, MDASP: 0x4f });
    expect(compareBits(IMX6SL_BITS, ok(deriveAddressBits([mmdc], 0x80000000, GIB)).bits)).toEqual([]);
    const regs: Record<string, number> = { MSTR: 0xa1080020 };
    for (const [i, v] of IMX8MM_ADDRMAP.entries()) if (v !== undefined) regs[`ADDRMAP${i}`] = v;
    expect(
      compareBits(
        IMX8MM_BITS,
        ok(deriveAddressBits([controller('ddrc', 'snps-umctl2', regs)], 0x40000000, 2 * GIB)).bits,
      ),
    ).toEqual([]);
  });
  it('refuses controllers whose registers say nothing about the map', () => {
    expect(problems(deriveAddressBits([controller('prcmu', 'ste-prcmu', {})], 0, GIB))).toEqual([
      {
        path: 'controllers[0]',
        message:
          'the PRCMU firmware owns the DDR controller: no address-map registers to derive from; give addressMap.bits explicitly',
      },
    ]);
    const c = (id: string): ControllerConfig => controller(id, 'snps-umctl2', { MSTR: 0xa1080020 });
    expect(problems(deriveAddressBits([c('ddrc0'), c('ddrc1')], 0, GIB))).toEqual([
      {
        path: 'controllers',
        message:
          '2 snps-umctl2 controllers: interleaving between controllers is set outside them (SoC interconnect); give addressMap.bits explicitly',
      },
    ]);
    expect(
      problems(
        deriveAddressBits([controller('mmdc', 'fsl-mmdc', { MDCTL: 0xc3110000, MDMISC: 0x1688 })], 0x80000000, GIB),
      ),
    ).toEqual([{ path: 'controllers[0].registers.MDASP', message: 'is required to derive the address map' }]);
  });
});

describe('compareBits', () => {
  it('names the first differing bit of each coordinate', () => {
    const derived = { ...PANDA_BITS, rank: [14], bank: [12, 13, 15], row: PANDA_BITS.row.slice(0, -1) };
    expect(compareBits(PANDA_BITS, derived)).toEqual([
      { path: 'addressMap.bits.rank[0]', message: 'config says bit 15, the controller registers give bit 14' },
      { path: 'addressMap.bits.bank[2]', message: 'config says bit 14, the controller registers give bit 15' },
      {
        path: 'addressMap.bits.row',
        message: `config lists 14 row bits [${PANDA_BITS.row.join(', ')}], the controller registers give 13 [${PANDA_BITS.row.slice(0, -1).join(', ')}]`,
      },
    ]);
  });
  it('finds nothing when both agree', () => {
    expect(compareBits(IMX8MM_BITS, { ...IMX8MM_BITS })).toEqual([]);
  });
});
