import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseBoardBytes, parseBoardConfig, MAX_PROBLEMS } from '../../../hal/board/load-board.js';
import { MAX_BOARD_COLLECTION, MAX_BOARD_FILE_CHARS, MAX_BOARD_NESTING } from '../../../hal/board/board-json.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/bad-configs');
const BOARDS = join(import.meta.dirname, '../../../board-configs');

/** What `pasr boards validate FILE` prints for a file: one formatted line per problem, or [] when valid. */
function validate(file: string, text: string): string[] {
  const r = parseBoardConfig(text, file);
  return r.ok ? [] : r.problems.map((p) => formatProblem(file, p));
}

/** The same for a file's bytes, decoded as the CLI decodes them (UTF-8, a leading byte order mark dropped). */
function validateBytes(file: string, bytes: Uint8Array): string[] {
  const r = parseBoardBytes(bytes, file);
  return r.ok ? [] : r.problems.map((p) => formatProblem(file, p));
}

/** Fixture -> (what was changed in which shipped board, exact lines). Each fixture is a shipped board with one change. */
const CORPUS: [string, string, string[]][] = [
  [
    'addressmap-bit-missing.json',
    'imx6sl-evk: column bit 11 dropped',
    [
      'addressmap-bit-missing.json:86:13: addressMap.bits: bit 11 is used by no coordinate (a 1 GiB region needs each of bits 0-29 once)',
      'addressmap-bit-missing.json:92:17: addressMap.bits.column: config lists 9 column bits [2, 3, 4, 5, 6, 7, 8, 9, 10], the register images give 10 [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]',
      'addressmap-bit-missing.json:92:17: addressMap.bits.column: die mmdc.cs0 has 10 column bits but addressMap.bits.column lists 9 (and 1 other die)',
    ],
  ],
  [
    'addressmap-bits-overlap.json',
    'imx6sl-evk: bank bit 14 replaced by 15 (row 0)',
    [
      'addressmap-bits-overlap.json:86:13: addressMap.bits: bit 14 is used by no coordinate (a 1 GiB region needs each of bits 0-29 once)',
      'addressmap-bits-overlap.json:90:24: addressMap.bits.bank[2]: config says bit 15, the register images give bit 14',
      'addressmap-bits-overlap.json:91:15: addressMap.bits.row[0]: bit 15 is used by both bank[2] and row[0]',
    ],
  ],
  [
    'addressmap-disagrees-with-registers.json',
    'pandaboard-es: rank and bank bit 14 swapped against SDRAM_CONFIG + LISA',
    [
      'addressmap-disagrees-with-registers.json:88:16: addressMap.bits.rank[0]: config says bit 14, the register images give bit 15',
      'addressmap-disagrees-with-registers.json:89:24: addressMap.bits.bank[2]: config says bit 15, the register images give bit 14',
    ],
  ],
  [
    'addressmap-required.json',
    'snowball: addressMap (and its two unverified notes) removed on a PRCMU board',
    [
      'addressmap-required.json:1:1: addressMap: required: the register images do not determine the address map (the PRCMU firmware owns the DDR controller: no address-map registers to derive from; give addressMap.bits explicitly)',
    ],
  ],
  [
    'bad-hex.json',
    'pandaboard-es: dram.base "0x8000000G"',
    [
      'bad-hex.json:27:13: dram.base: bad hex: expected an address like "0x80000000" (0x and 1-12 hex digits) or an integer, got "0x8000000G"',
    ],
  ],
  [
    'bus-too-narrow.json',
    'pandaboard-es: emif1 busWidth 16 for x32 parts',
    [
      'bus-too-narrow.json:66:28: controllers[0].dies[0].part: a x32 part does not fit the 16-bit data path of emif1.cs0',
      'bus-too-narrow.json:67:28: controllers[0].dies[1].part: a x32 part does not fit the 16-bit data path of emif1.cs1',
    ],
  ],
  [
    'channel-on-emif.json',
    'pandaboard-es: emif2 die with a channel',
    [
      'channel-on-emif.json:77:20: controllers[1].dies[0].channel: a ti-emif controller has no channels with their own mode registers',
    ],
  ],
  [
    'cma-overlaps-reserved.json',
    'imx6sl-evk: kernel.cma base moved onto the kernel image',
    [
      'cma-overlaps-reserved.json:107:13: kernel.cma[0]: CMA area "linux,cma" 0x80000000-0x84000000 overlaps reserved[0] "kernel" (0x80008000-0x80a08000)',
      'cma-overlaps-reserved.json:107:13: kernel.cma[0]: CMA area "linux,cma" 0x80000000-0x84000000 overlaps reserved[1] "fdt" (0x83000000-0x83010000)',
    ],
  ],
  [
    'comment.json',
    'imx6sl-evk: a // comment',
    ['comment.json:25:3: $: JSON syntax: comments are not allowed in a board file (plain JSON)'],
  ],
  [
    'controllers-not-array.json',
    'imx6sl-evk: controllers is an object',
    ['controllers-not-array.json:57:18: controllers: must be an array, got an object'],
  ],
  [
    'cs-on-umctl2.json',
    'imx8mm-evk: uMCTL2 die given "cs" instead of "rank"',
    [
      'cs-on-umctl2.json:76:9: controllers[0].dies[0]: a snps-umctl2 die is addressed by rank: give "rank", not "cs"',
      'cs-on-umctl2.json:100:21: pasr.interleave[0][0]: unknown die "ddrc.rank0.cha" (dies: ddrc.cs0, ddrc.rank0.chb) (did you mean "ddrc.rank0.chb"?)',
    ],
  ],
  [
    'density-not-matching-size.json',
    'pandaboard-es: part density 1024 Mbit (MR8 0x10) on a 1 GiB board',
    ['density-not-matching-size.json:28:13: dram.size: is 1 GiB, but the 4 dies add up to 512 MiB (4 × 128 MiB)'],
  ],
  [
    'die-in-two-groups.json',
    'pandaboard-es: emif1.cs0 in two groups',
    [
      'die-in-two-groups.json:114:75: pasr.interleave[1][0]: die emif1.cs0 is already in pasr.interleave[0]',
      'die-in-two-groups.json:114:88: pasr.interleave[1][1]: die emif2.cs1 is already in pasr.interleave[0]',
    ],
  ],
  [
    'duplicate-die-id.json',
    'pandaboard-es: emif1 has cs0 twice',
    [
      'duplicate-die-id.json:67:9: controllers[0].dies[1]: duplicate die id emif1.cs0 (also controllers[0].dies[0])',
      'duplicate-die-id.json:114:34: pasr.interleave[0][1]: unknown die "emif1.cs1" (dies: emif1.cs0, emif2.cs0, emif2.cs1) (did you mean "emif1.cs0"?)',
    ],
  ],
  [
    'duplicate-key.json',
    'imx6sl-evk: nrCpus given twice',
    ['duplicate-key.json:110:5: kernel.nrCpus: duplicate key "nrCpus" (first at line 109)'],
  ],
  [
    'infinity-temperature.json',
    'imx6sl-evk: dram.temperatureC Infinity',
    [
      'infinity-temperature.json:29:21: $: JSON syntax: invalid symbol (JSON has no NaN, Infinity, undefined, or unquoted words)',
    ],
  ],
  [
    'interleave-missing.json',
    'pandaboard-es: no interleave group',
    [
      'interleave-missing.json:114:19: pasr.interleave: dies emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1 share every 128 MiB section (controller bit 7, rank bit 15 below it), but no group lists them',
    ],
  ],
  [
    'interleave-not-covering.json',
    'pandaboard-es: interleave group lists only EMIF1',
    [
      'interleave-not-covering.json:114:20: pasr.interleave[0]: lists emif1.cs0, emif1.cs1, but the address map interleaves emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1 below the 128 MiB section (controller bit 7, rank bit 15)',
    ],
  ],
  [
    'interleave-not-interleaved.json',
    'imx6sl-evk: mmdc.cs0 and mmdc.cs1 grouped although CS is above the section',
    [
      'interleave-not-interleaved.json:115:20: pasr.interleave[0]: dies mmdc.cs0 and mmdc.cs1 are not interleaved: rank bit 29 selects between them above the 64 MiB section',
    ],
  ],
  [
    'interleave-unknown-die.json',
    'pandaboard-es: interleave group names emif3.cs0',
    [
      'interleave-unknown-die.json:114:47: pasr.interleave[0][2]: unknown die "emif3.cs0" (dies: emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1) (did you mean "emif1.cs0"?)',
    ],
  ],
  [
    'lpddr5-with-mr17.json',
    'lp4x-quad-16g: standard LPDDR5 (same MR8 code) keeping MR17',
    ['lpddr5-with-mr17.json:256:21: pasr.maskRegister: LPDDR5 has no MR17: its segment mask is MR23'],
  ],
  [
    'missing-size.json',
    'imx6sl-evk: dram.size removed',
    ['missing-size.json:25:11: dram.size: required field is missing'],
  ],
  [
    'misspelt-field.json',
    'imx6sl-evk: dram.size spelt "sizee"',
    [
      'misspelt-field.json:25:11: dram.size: required field is missing',
      'misspelt-field.json:28:5: dram.sizee: unknown field "sizee" (did you mean "size"?)',
    ],
  ],
  [
    'movable-not-whole-blocks.json',
    'imx6sl-evk: movableBytes 100MiB (zone end moved with it)',
    [
      'movable-not-whole-blocks.json:105:21: kernel.movableBytes: 100 MiB is not a whole number of memory blocks (128 MiB)',
    ],
  ],
  [
    'mr16-on-row-bank-column.json',
    'pandaboard-es: pasr.maskRegister MR16 with a row-bank-column map',
    [
      'mr16-on-row-bank-column.json:113:21: pasr.maskRegister: MR16 banks (bank bits: 12, 13, 14) are not whole sections with this address map: row bit 16 lies above them (a row-bank-column map masks segments with MR17)',
    ],
  ],
  [
    'mr17-on-512mbit-part.json',
    'pandaboard-es: part density 512 Mbit (MR8 0x0c): LPDDR2 below 1 Gb has no MR17',
    [
      'mr17-on-512mbit-part.json:28:13: dram.size: is 1 GiB, but the 4 dies add up to 256 MiB (4 × 64 MiB)',
      'mr17-on-512mbit-part.json:113:21: pasr.maskRegister: part "elpida-ECB240ABACN" (LPDDR2-S4 512 Mbit) has no MR17: LPDDR2 has MR17 on 1-8 Gb S4 parts only',
    ],
  ],
  [
    'mr17-on-s2-part.json',
    'pandaboard-es: standard LPDDR2-S2 (MR8 0x15): S2 parts have no MR17',
    [
      'mr17-on-s2-part.json:113:21: pasr.maskRegister: part "elpida-ECB240ABACN" (LPDDR2-S2 2048 Mbit) has no MR17: LPDDR2 has MR17 on 1-8 Gb S4 parts only',
    ],
  ],
  [
    'mr23-on-lpddr4.json',
    'imx8mm-evk: pasr.maskRegister MR23 on LPDDR4',
    [
      'mr23-on-lpddr4.json:99:21: pasr.maskRegister: MR23 is the LPDDR5 segment mask; LPDDR4 parts mask segments with MR17 (their MR23 is the DQS oscillator count)',
    ],
  ],
  [
    'mr8-wrong-density.json',
    'pandaboard-es: MR8 0x18 (4 Gb) on a 2 Gb part',
    [
      'mr8-wrong-density.json:37:16: dram.parts.elpida-ECB240ABACN.mr8: MR8 0x18 says 4096 Mbit x32 type S4, but the part is 2048 Mbit x32',
    ],
  ],
  [
    'mr8-wrong-type.json',
    'pandaboard-es: MR8 0x15 (S2 type) on an LPDDR2-S4 board',
    [
      'mr8-wrong-type.json:37:16: dram.parts.elpida-ECB240ABACN.mr8: MR8 0x15 says 2048 Mbit x32 type S2, but LPDDR2-S4 parts report type S4',
    ],
  ],
  [
    'nan-size.json',
    'imx6sl-evk: reserved[1].size NaN',
    ['nan-size.json:98:52: $: JSON syntax: invalid symbol (JSON has no NaN, Infinity, undefined, or unquoted words)'],
  ],
  [
    'negative-size.json',
    'imx6sl-evk: reserved[1].size -4096',
    ['negative-size.json:98:52: reserved[1].size: must not be negative, got -4096'],
  ],
  [
    'overlapping-reserved.json',
    'pandaboard-es: reserved fdt moved into the kernel image',
    [
      'overlapping-reserved.json:97:5: reserved[1]: range "fdt" 0x80400000-0x80410000 overlaps reserved[0] "kernel" (0x80008000-0x80a08000)',
    ],
  ],
  [
    'pageblock-above-maxorder.json',
    'imx6sl-evk: kernel.pageblockOrder 11 > maxOrder 10',
    ['pageblock-above-maxorder.json:103:23: kernel.pageblockOrder: 11 is above kernel.maxOrder 10'],
  ],
  [
    'prcmu-without-tcdm.json',
    'snowball: PRCMU tcdm block removed',
    ['prcmu-without-tcdm.json:61:5: controllers[0].blocks: a ste-prcmu controller needs blocks.tcdm'],
  ],
  [
    'register-out-of-range.json',
    'imx6sl-evk: MDCTL 4294967296',
    [
      'register-out-of-range.json:64:18: controllers[0].registers.MDCTL: out of range: must be <= 4294967295, got 4294967296',
    ],
  ],
  [
    'register-refused.json',
    'imx6sl-evk: MDSCR left at 0x00008000 (CON_REQ pending)',
    [
      'register-refused.json:71:18: controllers[0].registers.MDSCR: 0x8000 is refused: the boot image must end with MDSCR = 0 (a pending CON_REQ stalls the bus; commands are issued by writing MDSCR)',
    ],
  ],
  [
    'reserved-outside-dram.json',
    'pandaboard-es: reserved kernel starts below DRAM',
    [
      'reserved-outside-dram.json:96:5: reserved[0]: range "kernel" 0x7fff0000-0x809f0000 lies outside DRAM (0x80000000-0xc0000000)',
    ],
  ],
  [
    'section-below-page.json',
    'imx6sl-evk: pasr.sectionBytes 2KiB',
    ['section-below-page.json:113:21: pasr.sectionBytes: 2 KiB is not a multiple of the page size (4 KiB)'],
  ],
  [
    'section-not-power-of-two.json',
    'imx6sl-evk: pasr.sectionBytes 96MiB',
    ['section-not-power-of-two.json:113:21: pasr.sectionBytes: 96 MiB is not a power of two'],
  ],
  [
    'section-size-wrong.json',
    'pandaboard-es: pasr.sectionBytes 64MiB where segments make 128 MiB sections',
    [
      'section-size-wrong.json:112:21: pasr.sectionBytes: is 64 MiB, but MR17 segments (top 3 row bits: 27, 28, 29) start at address bit 27: a section is 128 MiB',
    ],
  ],
  [
    'size-with-bad-unit.json',
    'imx6sl-evk: kernel.movableBytes "256MB"',
    [
      'size-with-bad-unit.json:105:21: kernel.movableBytes: bad size: expected hex ("0x40000000"), an integer, or a count with a unit ("64MiB", "1GiB"), got "256MB"',
    ],
  ],
  [
    'trailing-comma.json',
    'imx6sl-evk: trailing comma after the last reserved range',
    ["trailing-comma.json:98:61: $: JSON syntax: trailing comma before ']' (JSON allows none)"],
  ],
  [
    'truncated-mid-string.json',
    'imx6sl-evk: file cut inside a string',
    ['truncated-mid-string.json:64:9: $: JSON syntax: string is not closed'],
  ],
  [
    'unicode-name.json',
    'pandaboard-es: name "pandaboard-és"',
    [
      "unicode-name.json:3:11: name: must be 1-64 lower-case ASCII letters, digits, '.', '_' or '-', starting with a letter or digit, got \"pandaboard-és\"",
    ],
  ],
  [
    'unknown-block.json',
    'imx8mm-evk: perf block spelt perfmon',
    [
      'unknown-block.json:74:19: controllers[0].blocks.perfmon: unknown block "perfmon" for a snps-umctl2 controller (known: perf)',
    ],
  ],
  [
    'unknown-controller-kind.json',
    'pandaboard-es: controllers[1].kind "ti-emif5"',
    [
      'unknown-controller-kind.json:72:15: controllers[1].kind: unknown controller kind "ti-emif5" (known: ti-emif, fsl-mmdc, snps-umctl2, ste-prcmu)',
    ],
  ],
  [
    'unknown-cost.json',
    'imx8mm-evk: kernel.costs with a misspelt cost name and a zero timeout',
    [
      'unknown-cost.json:98:7: kernel.costs["migrate.pagesPerSecond"]: unknown field "migrate.pagesPerSecond" (did you mean "migrate.pagesPerSec"?)',
      'unknown-cost.json:99:28: kernel.costs["hotplug.timeoutNs"]: out of range: must be > 0, got 0',
    ],
  ],
  [
    'unknown-part.json',
    'pandaboard-es: emif2.cs1 names part elpida-ECB240ABACM',
    [
      'unknown-part.json:78:28: controllers[1].dies[1].part: unknown part "elpida-ECB240ABACM" (parts: elpida-ECB240ABACN) (did you mean "elpida-ECB240ABACN"?)',
    ],
  ],
  [
    'unknown-register.json',
    'pandaboard-es: emif2 register SDRAM_CONFG',
    [
      'unknown-register.json:75:22: controllers[1].registers.SDRAM_CONFG: unknown register SDRAM_CONFG for a ti-emif controller (did you mean "SDRAM_CONFIG"?)',
    ],
  ],
  [
    'unverified-names-nothing.json',
    'imx6sl-evk: unverified entry dram.parts.foo.mr5',
    ['unverified-names-nothing.json:13:5: unverified[0]: "dram.parts.foo.mr5" names nothing in this file'],
  ],
  [
    'wrong-type.json',
    'imx6sl-evk: kernel.nrCpus "one"',
    ['wrong-type.json:109:15: kernel.nrCpus: must be an integer, got "one"'],
  ],
  [
    'zone-end-not-movable-start.json',
    'pandaboard-es: Normal ends at DRAM end although movableBytes is 256 MiB',
    [
      'zone-end-not-movable-start.json:103:42: kernel.zones[0].end: the last zone must end where ZONE_MOVABLE starts: DRAM end 0xc0000000 - movableBytes 256 MiB = 0xb0000000, got 0xc0000000',
    ],
  ],
  [
    'zones-not-ordered.json',
    'imx8mp-evk: zones Normal before DMA',
    [
      'zones-not-ordered.json:109:17: kernel.zones[1].name: zone DMA after Normal: zones go DMA, DMA32, Normal, each once',
    ],
  ],
  [
    'controllers-same-base.json',
    "pandaboard-es: emif2 at emif1's base address",
    [
      'controllers-same-base.json:73:15: controllers[1].base: the registers of emif2 (0x4c000000-0x4c000400) overlap those of emif1 (0x4c000000-0x4c000400, controllers[0].base)',
    ],
  ],
  [
    'unknown-timing.json',
    'pandaboard-es: part timings { "tFoo": 5 }',
    [
      'unknown-timing.json:38:22: dram.parts.elpida-ECB240ABACN.timings.tFoo: unknown timing "tFoo" (known: tCK, tMRW, tMRD, tMRR, tREFI, tRFCab, tXSR, tSR, tZQINIT, tZQCL, tZQCS, tDAI)',
    ],
  ],
  [
    'lisa-map-unmapped.json',
    'pandaboard-es: LISA_MAP_3 0 although addressMap is given',
    [
      'lisa-map-unmapped.json:64:79: controllers[0].blocks.dmm.registers.LISA_MAP_3: no DMM LISA section maps DRAM at 0x80000000',
    ],
  ],
  [
    'ebank-off-on-one-emif.json',
    'pandaboard-es: emif2 SDRAM_CONFIG with EBANK 0 although addressMap is given',
    [
      'ebank-off-on-one-emif.json:75:38: controllers[1].registers.SDRAM_CONFIG: geometry differs from emif1 in EBANK; interleaved EMIFs must match',
    ],
  ],
  [
    'byte-order-mark.json',
    'pandaboard-es: a UTF-8 byte order mark and dram.base "0x8000000G"',
    [
      'byte-order-mark.json:27:13: dram.base: bad hex: expected an address like "0x80000000" (0x and 1-12 hex digits) or an integer, got "0x8000000G"',
    ],
  ],
  [
    'controller-base-misaligned.json',
    'pandaboard-es: emif1 base 0x4c000002',
    [
      'controller-base-misaligned.json:61:15: controllers[0].base: 0x4c000002 is not a multiple of 4: registers are 32-bit words',
    ],
  ],
  [
    'dmm-base-at-lisa-map-0.json',
    'pandaboard-es: DMM block base 0x4e000040',
    [
      'dmm-base-at-lisa-map-0.json:64:36: controllers[0].blocks.dmm.base: block base 0x4e000040 looks like the address of LISA_MAP_0; give the DMM module base (LISA_MAP_0 sits at base + 0x40, e.g. 0x4e000000)',
    ],
  ],
  [
    'cma-not-on-pageblocks.json',
    'imx6sl-evk: CMA size 0x3fff000',
    [
      'cma-not-on-pageblocks.json:107:13: kernel.cma[0]: CMA area "linux,cma" 0xac000000-0xaffff000 does not start and end on 4 MiB pageblocks (CMA_MIN_ALIGNMENT_BYTES: page size × 2^pageblockOrder)',
    ],
  ],
  [
    'tck-zero.json',
    'imx8mm-evk: part timings { "tCK": 0 }',
    ['tck-zero.json:37:29: dram.parts.lpddr4-16gb-x16.timings.tCK: must be more than 0 (the clock period, ns)'],
  ],
  [
    'trfcab-no-time-between-refreshes.json',
    'imx8mm-evk: part timings { "tRFCab": 2000 }',
    [
      'trfcab-no-time-between-refreshes.json:37:32: dram.parts.lpddr4-16gb-x16.timings.tRFCab: tRFCab 2000 ns is not shorter than tREFI 3903.75 ns / 2 (refresh runs 2x as often above 85 °C): auto-refreshes would leave no time between them',
    ],
  ],
  [
    'power-rail-volts-differ.json',
    'pandaboard-es: VDD1 at 1.2 V at 85 °C, 1.8 V at 45 °C',
    [
      'power-rail-volts-differ.json:49:42: dram.parts.elpida-ECB240ABACN.power[1].rails[0].volts: 1.2 V differs from 1.8 V at 45 °C',
    ],
  ],
  [
    'controller-in-dram.json',
    'imx6sl-evk: MMDC registers at the DRAM base',
    [
      'controller-in-dram.json:61:15: controllers[0].base: the registers of mmdc (0x80000000-0x80004000) lie inside DRAM (0x80000000-0xc0000000)',
    ],
  ],
  [
    'emif-above-4gib.json',
    'pandaboard-es: emif1 base 0x14c000000',
    [
      'emif-above-4gib.json:61:15: controllers[0].base: the registers of emif1 (0x14c000000-0x14c000400) lie above 4 GiB: a ti-emif controller sits in a 32-bit SoC',
    ],
  ],
];

describe('bad board configs: exact validate output per fixture', () => {
  it('covers every fixture file, and there are at least 30', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(CORPUS.map(([f]) => f).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  for (const [file, change, lines] of CORPUS) {
    it(`${file} (${change})`, () => {
      expect(validateBytes(file, readFileSync(join(FIXTURES, file)))).toEqual(lines);
    });
  }
});

describe('hostile and truncated board files', () => {
  const good = readFileSync(join(BOARDS, 'imx6sl-evk.json'), 'utf8');

  it('gives one JSON syntax problem at every truncation point of a shipped board, never throwing', () => {
    const end = good.trimEnd().length - 1; // the text up to the closing brace is the first valid prefix
    for (let n = 0; n < end; n++) {
      const r = parseBoardConfig(good.slice(0, n), 'cut.json');
      expect(r.ok, `cut at ${n}`).toBe(false);
      if (r.ok) continue;
      expect(r.problems, `cut at ${n}`).toHaveLength(1);
      expect(r.problems[0]!.path).toBe('$');
      expect(r.problems[0]!.message, `cut at ${n}`).toMatch(n === 0 ? /^file is empty$/ : /^JSON syntax: /);
    }
  });

  it('names the place and the cause for truncations inside a string, a number and after a key', () => {
    const at = (needle: string, extra: number): string => good.slice(0, good.indexOf(needle) + extra);
    expect(validate('cut.json', at('"MDCTL"', 4))).toEqual(['cut.json:64:9: $: JSON syntax: string is not closed']);
    expect(validate('cut.json', at('"nrCpus": 1', 11))).toEqual([
      "cut.json:109:16: $: JSON syntax: expected '}' (the object is not closed)",
    ]);
    expect(validate('cut.json', at('"nrCpus": 1', 10))).toEqual(['cut.json:109:15: $: JSON syntax: expected a value']);
    expect(validate('cut.json', at('"nrCpus": 1', 12))).toEqual([
      'cut.json:109:17: $: JSON syntax: expected a property name in double quotes',
    ]);
  });

  it('refuses a 5 MB file up front with its size', () => {
    const huge = '{"name": "' + 'x'.repeat(5 * 1024 * 1024) + '"}';
    expect(validate('huge.json', huge)).toEqual([
      `huge.json:1:1: $: file is ${huge.length} characters; a board file is at most ${MAX_BOARD_FILE_CHARS} (is this the right file?)`,
    ]);
  });

  it('refuses a list of 20000 entries by its length, before schema validation', () => {
    const obj = JSON.parse(good) as { reserved: unknown[] };
    obj.reserved = Array.from({ length: 20000 }, (_, i) => i);
    const text = JSON.stringify(obj, null, 1);
    const before = text.slice(0, text.indexOf('"reserved": [') + '"reserved": '.length);
    const [line, col] = [before.split('\n').length, before.length - before.lastIndexOf('\n')];
    expect(validate('many.json', text)).toEqual([
      `many.json:${line}:${col}: reserved: has 20000 items; a board file has at most ${MAX_BOARD_COLLECTION} in one list`,
    ]);
  });

  it('caps the problem list at MAX_PROBLEMS, saying how many there were', () => {
    const obj = JSON.parse(good) as { reserved: unknown[] };
    obj.reserved = Array.from({ length: 200 }, (_, i) => ({ name: `r${i}`, base: 0x80000000 + i * 4096, size: 8192 }));
    const r = parseBoardConfig(JSON.stringify(obj), 'many.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(MAX_PROBLEMS);
    expect(r.problems[MAX_PROBLEMS - 1]!.message).toMatch(/^too many problems: showing 99 of \d+$/);
  });

  it('stops at deeply nested arrays instead of overflowing the stack', () => {
    expect(validate('deep.json', '['.repeat(200000))).toEqual([
      `deep.json:1:${MAX_BOARD_NESTING + 1}: $: nested more than ${MAX_BOARD_NESTING} levels deep`,
    ]);
    const nested = `{"name": ${'['.repeat(40)}1${']'.repeat(40)}}`;
    expect(validate('nested.json', nested)).toContain('nested.json:1:10: name: must be a string, got an array');
  });

  it('rejects NaN, Infinity and negative sizes with the place', () => {
    expect(validate('n.json', '{"dram": {"size": NaN}}')).toEqual([
      'n.json:1:19: $: JSON syntax: invalid symbol (JSON has no NaN, Infinity, undefined, or unquoted words)',
    ]);
    expect(validate('n.json', '{"dram": {"size": -Infinity}}')).toEqual([
      'n.json:1:19: $: JSON syntax: invalid symbol (JSON has no NaN, Infinity, undefined, or unquoted words)',
    ]);
    const neg = good.replace('"size": "1GiB"', '"size": -1073741824');
    expect(validate('neg.json', neg)).toEqual(['neg.json:28:13: dram.size: must not be negative, got -1073741824']);
  });

  it('keeps unicode in names and messages intact', () => {
    const text = good.replace('"name": "imx6sl-evk"', '"name": "板-ünïcode-💾"');
    expect(validate('u.json', text)).toEqual([
      `u.json:3:11: name: must be 1-64 lower-case ASCII letters, digits, '.', '_' or '-', starting with a letter or digit, got "板-ünïcode-💾"`,
    ]);
    const part = good.replace('{ "cs": 1, "part": "lpddr2-4gb-x32" }', '{ "cs": 1, "part": "lpddr2-4gb-x32-ß" }');
    expect(validate('p.json', part)).toEqual([
      'p.json:81:28: controllers[0].dies[1].part: unknown part "lpddr2-4gb-x32-ß" (parts: lpddr2-4gb-x32) (did you mean "lpddr2-4gb-x32"?)',
    ]);
  });

  it('accepts a UTF-8 byte order mark at the start, counting columns from the character after it', () => {
    const r = parseBoardBytes(Buffer.from(`\uFEFF${good}`, 'utf8'), 'bom.json');
    expect(r.ok && r.board.name).toBe('imx6sl-evk');
    expect(validateBytes('bom.json', Buffer.from('\uFEFF{"name": 5}', 'utf8'))).toContain(
      'bom.json:1:10: name: must be a string, got 5',
    );
    expect(validate('bom.json', '{"name":\n  \uFEFF"x"}')).toEqual([
      'bom.json:2:3: $: JSON syntax: a UTF-8 byte order mark (U+FEFF) is allowed only at the very start of the file',
    ]);
  });

  it('treats a key named __proto__ as data', () => {
    const text = good.replace('"registers": {', '"registers": { "__proto__": "0x1",');
    expect(validate('proto.json', text)).toEqual([
      `proto.json:63:22: controllers[0].registers.__proto__: invalid name "__proto__": use ASCII letters, digits, '_' and '-'`,
    ]);
  });

  it('never throws on random text or random damage to a good file', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseBoardConfig(s, 'r.json');
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.nat(40), fc.string({ maxLength: 8 }), (at, del, ins) => {
        const r = parseBoardConfig(good.slice(0, at) + ins + good.slice(at + del), 'd.json');
        if (!r.ok) for (const p of r.problems) expect(p.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
