/**
 * A board, as the rest of the code sees it: the parsed and validated form of a
 * board-configs/*.json file (numbers instead of hex strings, defaults filled in).
 *
 * The JSON format itself is described by board-configs/board.schema.json; the loader
 * (hal/board/load-board.ts) turns a JSON text into this, or into a list of problems that
 * each name a JSON path.
 */

export type DramStandard = 'LPDDR2-S4' | 'LPDDR2-S2' | 'LPDDR3' | 'LPDDR4' | 'LPDDR4X' | 'LPDDR5';

export type ControllerKind = 'ti-emif' | 'fsl-mmdc' | 'snps-umctl2' | 'ste-prcmu';

/** Power of one rail in self-refresh, at one temperature (DRAMPower-style split). */
export interface RailPower {
  /** e.g. `VDD1`, `VDD2`, `VDDQ`. */
  readonly rail: string;
  readonly volts: number;
  /** IDD6 with the whole array refreshed, mA per die. */
  readonly idd6FullmA: number;
  /**
   * Share of IDD6(full) that scales with the refreshed fraction f:
   * IDD6(f) = IDD6(full) * ((1 - arrayShare) + f * arrayShare). Given only by a user who measured the
   * part; when absent, VDDQ rails take 0 and other rails the default (with its band) computed from the
   * LPDDR1 partial-array tables (hal/lpddr/array-share.ts, ARRAY-SHARE.md). ✖ for LPDDR2-5.
   */
  readonly arrayShare?: number;
}

/**
 * Awake currents of one rail, per die (DRAMPower/DRAMSys memspec names): the background in precharge
 * power-down (IDD2P) and active standby (IDD3N), and the all-bank refresh burst current (IDD5).
 */
export interface AwakeRail {
  readonly rail: string;
  readonly volts: number;
  /** IDD2P: precharge power-down, mA. */
  readonly idd2pmA: number;
  /** IDD3N: active standby (a bank open, no burst), mA. */
  readonly idd3nmA: number;
  /** IDD5: during an all-bank refresh (tRFCab), mA. */
  readonly idd5mA: number;
}

export interface AwakePower {
  readonly rails: readonly AwakeRail[];
  /** Where the currents come from (memspec or datasheet, and what was assumed). */
  readonly source: string;
}

/** Whole-board power (measured at the supply, DRAM and CPU included), for stating savings at scale. */
export interface PlatformPower {
  readonly awakeW: number;
  readonly suspendedW: number;
  readonly source: string;
  /** True when the figures are estimates rather than a measurement of this board. */
  readonly estimate: boolean;
}

export interface PowerPoint {
  readonly temperatureC: number;
  readonly rails: readonly RailPower[];
}

export interface DramPart {
  /** Key in the config's `parts` map, e.g. `elpida-ECB240ABACN`. */
  readonly name: string;
  /** Density of one die (per channel for LPDDR4/5: the MR8 density of what one CS on one channel addresses). */
  readonly densityMbit: number;
  /** I/O width of one die: 8, 16 or 32. */
  readonly ioWidth: 8 | 16 | 32;
  /** Identity mode registers as the part answers MRR. */
  readonly mr5: number;
  readonly mr6: number;
  readonly mr7: number;
  readonly mr8: number;
  /** Self-refresh power table, one entry per temperature (ascending). */
  readonly power: readonly PowerPoint[];
  /** Awake (background and auto-refresh) currents per rail; absent when the config gives none. */
  readonly awake?: AwakePower;
  /** Optional overrides of the per-standard timing table, in ns. */
  readonly timings?: Readonly<Record<string, number>>;
}

export interface DieConfig {
  /** `<controller>.<cs|rank><n>[.ch<x>]`, e.g. `emif1.cs0`, `ddrc.rank0.cha`. */
  readonly id: string;
  readonly controller: string;
  /** Chip select / rank number on its controller. */
  readonly rank: number;
  /** Channel letter where channels have their own MRs (`a`, `b`), else undefined. */
  readonly channel?: string;
  readonly part: DramPart;
  /**
   * Chips (or lockstep channels) that receive this die's MRW together: die data width / part I/O
   * width. 1 for a x32 part on a 32-bit bus; 2 for an LPDDR4 rank whose two x16 channels share MRs.
   * Filled by the loader.
   */
  readonly chips?: number;
  /** Bytes of DRAM behind this die id: densityMbit * 2^17 * chips. Filled by the loader. */
  readonly sizeBytes?: number;
  /** Die temperature for power figures when it differs from the board's `temperatureC`. */
  readonly temperatureC?: number;
}

export interface ControllerConfig {
  /** Instance name, e.g. `emif1`, `mmdc`, `ddrc`, `prcmu`. */
  readonly id: string;
  readonly kind: ControllerKind;
  /** Base address of the controller's register block. */
  readonly base: number;
  /** Register image after the boot loader's init: datasheet register name -> value. */
  readonly registers: Readonly<Record<string, number>>;
  /** Extra register blocks this controller uses (e.g. `dmm` for the OMAP DMM LISA, `perf` for the uMCTL2 perf monitor). */
  readonly blocks: Readonly<
    Record<string, { readonly base: number; readonly registers: Readonly<Record<string, number>> }>
  >;
  readonly dies: readonly DieConfig[];
  /** Data bus width in bits, all channels together (default 32). Filled by the loader. */
  readonly busWidth?: number;
  /** Channel letters when each channel has its own mode registers, else []. Filled by the loader. */
  readonly channels?: readonly string[];
}

/** Which physical-address bits (relative to the region start) carry each DRAM coordinate, LSB first. */
export interface AddressBits {
  /** Bits selecting the controller, index into `AddressMapConfig.controllers`. */
  readonly controller: readonly number[];
  readonly channel: readonly number[];
  readonly rank: readonly number[];
  readonly bank: readonly number[];
  readonly row: readonly number[];
  readonly column: readonly number[];
  /** Byte-within-bus-word bits. */
  readonly byte: readonly number[];
}

export interface AddressRegion {
  /** Offset from the DRAM base. */
  readonly offset: number;
  readonly size: number;
  /** Coordinates fixed for the whole region (e.g. rank 1 for the upper half of a 6 GiB board). */
  readonly fixed: Readonly<Partial<Record<'controller' | 'channel' | 'rank', number>>>;
}

export interface AddressMapConfig {
  /** Controller ids in the order the controller bits number them. */
  readonly controllers: readonly string[];
  /** Channel letters in the order the channel bits number them (`['a','b']`), or [] when channels share MRs. */
  readonly channels: readonly string[];
  readonly bits: AddressBits;
  /** Regions of DRAM (default: one region covering all of it). */
  readonly regions: readonly AddressRegion[];
  /** Where the bits came from: `config` (explicit), `registers` (derived), `both` (checked to agree). */
  readonly source: 'config' | 'registers' | 'both';
}

export interface ReservedRange {
  readonly name: string;
  /** Absolute physical address. */
  readonly base: number;
  readonly size: number;
}

export interface ZoneConfig {
  readonly name: 'DMA' | 'DMA32' | 'Normal' | 'Movable';
  /** Absolute physical end address (exclusive) of the zone. */
  readonly end: number;
}

export interface KernelConfig {
  readonly pageSize: number;
  /** MAX_PAGE_ORDER, inclusive. */
  readonly maxOrder: number;
  readonly pageblockOrder: number;
  /** Zones below Movable, in address order; the last one ends where Movable starts (or at DRAM end). */
  readonly zones: readonly ZoneConfig[];
  /** ZONE_MOVABLE size taken from the top of memory (movablecore=), 0 for none. */
  readonly movableBytes: number;
  readonly memoryBlockBytes: number;
  readonly cma: readonly ReservedRange[];
  readonly swapBytes: number;
  readonly nrCpus: number;
  readonly minFreeKbytes?: number;
  readonly watermarkScaleFactor?: number;
  /**
   * Transparent huge pages enabled (/sys/kernel/mm/transparent_hugepage/enabled is `always` or
   * `madvise`): khugepaged raises min_free_kbytes. Default false.
   */
  readonly thp?: boolean;
  /** CONFIG_CMA (default true): without it there are no CMA areas and /proc shows no CMA type. */
  readonly configCma?: boolean;
  /** Overrides of mechanism costs (migration pages/s, ...), by name. */
  readonly costs: Readonly<Record<string, number>>;
}

/** The RFC's description of PASR units: dies, sections and interleave pairs (ddr_die= / interleaved=). */
export interface PasrConfig {
  readonly sectionBytes: number;
  /**
   * Which mask the kernel drives: `MR17` (segments, for row-bank-column maps), `MR16` (banks, for
   * bank-row-column maps) or `MR23` (LPDDR5 segment mask). The RFC's die table carries the same choice.
   */
  readonly maskRegister: 'MR16' | 'MR17' | 'MR23';
  /** Dies whose sections are masked together because an address bit below the section size interleaves them. */
  readonly interleave: readonly (readonly string[])[];
}

export interface BoardConfig {
  readonly name: string;
  /** File it was loaded from (for messages). */
  readonly file: string;
  readonly description: string;
  readonly sources: readonly string[];
  /** Parameters taken from no source (✖): named so reports can flag them. */
  readonly unverified: readonly string[];
  readonly standard: DramStandard;
  readonly dramBase: number;
  readonly dramSize: number;
  /**
   * RAM ranges inside the DRAM window (`dram.ranges`: System RAM of /proc/iomem), in address
   * order; absent when all of the window is RAM. The rest of the window is memory holes.
   */
  readonly ranges?: readonly { readonly base: number; readonly size: number }[];
  readonly temperatureC: number;
  /** Whole-board power, when the config gives it. */
  readonly platform?: PlatformPower;
  readonly controllers: readonly ControllerConfig[];
  readonly dies: readonly DieConfig[];
  readonly addressMap: AddressMapConfig;
  readonly reserved: readonly ReservedRange[];
  readonly kernel: KernelConfig;
  readonly pasr: PasrConfig;
}
