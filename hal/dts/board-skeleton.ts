import type { ControllerKind, DramStandard } from '../board/board-config.js';
import { formatBytes } from '../address-map/check.js';
import { hex } from '../bits.js';
import { geometryOf } from '../lpddr/standards.js';
import { DtsError } from './dts-tree.js';
import type { DtsController, DtsPart, LpddrTopology } from './lpddr-topology.js';

/**
 * A board config (the JSON of board-configs/*.json) built from what a devicetree says, that
 * `pasr boards validate` accepts. What the devicetree cannot say gets a minimal valid value and an
 * entry in `unverified` that starts with "fill in:"; the same list is returned for the CLI to print.
 *
 * The placeholders, chosen so the config validates whatever the topology:
 *  - controller kind snps-umctl2 (dies by rank, channels allowed), unless the devicetree names the
 *    controller (ti,emif); no registers; a base address outside DRAM;
 *  - address map: each die one contiguous region (in controller, channel, rank order), inside it
 *    byte | column | bank | row, so an MR17/MR23 segment is one section of die size / 8 (MR16 parts:
 *    byte | column | row | bank, a bank per section); no interleave groups;
 *  - power: one 85 °C table per standard from a simulator memspec (reference lpddr.md §5.2);
 *  - kernel: 4 KiB pages, MAX_ORDER 10, pageblock order 9, one ZONE_NORMAL, no ZONE_MOVABLE.
 */

export interface FillIn {
  /** Dotted path in the config. */
  readonly path: string;
  readonly note: string;
}

export interface Skeleton {
  readonly config: Record<string, unknown>;
  readonly fillIn: readonly FillIn[];
}

export interface SkeletonOptions {
  /** Board name (`[a-z0-9._-]`). */
  readonly name: string;
  /** The devicetree file, for `sources` and `description`. */
  readonly source: string;
}

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const DEFAULT_DRAM_BASE = 0x80000000;
const MAX_REGIONS = 16;
const CS_KINDS: readonly ControllerKind[] = ['ti-emif', 'fsl-mmdc', 'ste-prcmu'];

interface Rail {
  rail: string;
  volts: number;
  idd6FullmA: number;
  arrayShare: number;
}

/** Full-array IDD6 per rail at 85 °C from simulator memspecs (lpddr.md §5.2); arrayShare 0.45 (§5.1 range). */
const rail = (name: string, volts: number, idd6FullmA: number, arrayShare = 0.45): Rail => ({
  rail: name,
  volts,
  idd6FullmA,
  arrayShare,
});
const LPDDR2_POWER = {
  rails: [rail('VDD1', 1.8, 1.2), rail('VDD2', 1.2, 2.6)],
  from: 'DRAMPower memspec MICRON_2Gb_LPDDR2-800-S4_16bit_A',
};
const LPDDR4_MEMSPEC = 'DRAMSys memspec MICRON_6Gb_LPDDR4-3200_32bit_A';
/** LPDDR4 currents (VDDQ is I/O leakage: arrayShare 0) at the given VDD2/VDDQ volts. */
const lpddr4Rails = (vdd2: number, vddq: number): Rail[] => [
  rail('VDD1', 1.8, 0.3),
  rail('VDD2', vdd2, 0.5),
  rail('VDDQ', vddq, 0.1, 0),
];
const POWER: Readonly<Record<DramStandard, { rails: Rail[]; from: string }>> = {
  'LPDDR2-S4': LPDDR2_POWER,
  'LPDDR2-S2': LPDDR2_POWER,
  LPDDR3: {
    rails: [rail('VDD1', 1.8, 1.0), rail('VDD2', 1.2, 3.27)],
    from: 'DRAMPower memspec MICRON_4Gb_LPDDR3-1600_32bit_A',
  },
  LPDDR4: { rails: lpddr4Rails(1.1, 1.1), from: LPDDR4_MEMSPEC },
  LPDDR4X: { rails: lpddr4Rails(1.1, 0.6), from: `${LPDDR4_MEMSPEC} (LPDDR4 currents, LPDDR4X VDDQ)` },
  LPDDR5: {
    rails: lpddr4Rails(1.05, 0.5),
    from: `LPDDR4 currents of ${LPDDR4_MEMSPEC} (no LPDDR5 table was read)`,
  },
};

function size(bytes: number): string {
  if (bytes >= GIB && bytes % GIB === 0) return `${bytes / GIB}GiB`;
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB}MiB`;
  return hex(bytes, 1);
}

/** Build the config; throws DtsError (at the part) when no single placeholder map fits the dies. */
export function boardSkeleton(t: LpddrTopology, options: SkeletonOptions): Skeleton {
  const fillIn: FillIn[] = [];
  const std = t.standard;
  const need = (path: string, note: string): void => {
    fillIn.push({ path, note: `fill in: ${note}` });
  };

  // Parts, with unique names.
  const partName = new Map<DtsPart, string>();
  const parts: Record<string, unknown> = {};
  for (const p of t.parts) {
    let name = p.name;
    for (let k = 2; name in parts; k++) name = `${p.name}-${k}`;
    partName.set(p, name);
    const at = `dram.parts.${name}`;
    parts[name] = {
      densityMbit: p.densityMbit,
      ioWidth: p.ioWidth,
      mr5: hex(p.mr5 ?? 0, 2),
      mr6: hex(p.mr6 ?? 0, 2),
      mr7: hex(p.mr7 ?? 0, 2),
      mr8: hex(p.mr8, 2),
      power: [{ temperatureC: 85, rails: POWER[std].rails.map((r) => ({ ...r })) }],
      ...(Object.keys(p.timings).length > 0 ? { timings: { ...p.timings } } : {}),
    };
    if (p.mr5 === undefined) need(`${at}.mr5`, 'the devicetree gives no manufacturer ID (MR5); 0x00 is a placeholder');
    if (p.mr6 === undefined) need(`${at}.mr6`, 'the devicetree gives no revision ID 1 (MR6); 0x00 is a placeholder');
    if (p.mr7 === undefined) need(`${at}.mr7`, 'the devicetree gives no revision ID 2 (MR7); 0x00 is a placeholder');
    need(`${at}.power`, `IDD6 per rail from the part's datasheet (placeholder: ${POWER[std].from} at 85 °C)`);
  }
  fillIn.push({
    path: 'dram.parts.*.power.*.rails.*.arrayShare',
    note: 'no partial-array IDD6 table read (lpddr.md §5.4)',
  });

  // One geometry for every die (the placeholder map is shared).
  const dies = t.controllers.flatMap((c, ci) => c.dies.map((d) => ({ c, ci, d })));
  const shape = (c: DtsController, p: DtsPart): string => {
    const g = geometryOf(std, p.densityMbit, p.ioWidth);
    return `${g.rows}x${g.banks}x${g.columnBits}x${c.busWidth / Math.max(1, c.channels.length)}`;
  };
  const first = dies[0]!;
  const odd = dies.find((x) => shape(x.c, x.d.part) !== shape(first.c, first.d.part));
  if (odd) {
    throw new DtsError(
      odd.d.part.at,
      `dies of different geometry (${first.d.part.densityMbit} Mbit x${first.d.part.ioWidth} and ${odd.d.part.densityMbit} Mbit x${odd.d.part.ioWidth}, or different data widths): from-dts writes one placeholder address map for all dies; write this board's addressMap by hand`,
    );
  }
  if (dies.length > MAX_REGIONS) {
    throw new DtsError(
      first.d.part.at,
      `${dies.length} dies: the placeholder address map gives each die a region and a board has at most ${MAX_REGIONS}; write this board's addressMap by hand`,
    );
  }
  const g = geometryOf(std, first.d.part.densityMbit, first.d.part.ioWidth);
  const dieWidth = first.c.busWidth / Math.max(1, first.c.channels.length);
  const dieBytes = first.d.part.densityMbit * 2 ** 17 * first.d.chips;
  const dramSize = dies.reduce((s, x) => s + x.d.part.densityMbit * 2 ** 17 * x.d.chips, 0);

  const maskRegister =
    std === 'LPDDR5' ? 'MR23' : g.segmentMaskMr === 17 ? 'MR17' : g.bankMaskKind === 'bitmask' ? 'MR16' : undefined;
  if (!maskRegister) {
    throw new DtsError(
      first.d.part.at,
      `${std} parts set PASR with an MR16 fraction code, which a board's pasr.maskRegister cannot name (MR16 bank mask, MR17 or MR23 segment mask)`,
    );
  }
  const byteBits = Math.log2(dieWidth / 8);
  const bankBits = Math.log2(g.banks);
  const run = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
  const bits =
    maskRegister === 'MR16'
      ? {
          byte: run(0, byteBits),
          column: run(byteBits, g.columnBits),
          row: run(byteBits + g.columnBits, g.rowBits),
          bank: run(byteBits + g.columnBits + g.rowBits, bankBits),
        }
      : {
          byte: run(0, byteBits),
          column: run(byteBits, g.columnBits),
          bank: run(byteBits + g.columnBits, bankBits),
          row: run(byteBits + g.columnBits + bankBits, g.rowBits),
        };
  const sectionBytes =
    maskRegister === 'MR16'
      ? 2 ** (byteBits + g.columnBits + g.rowBits)
      : 2 ** (byteBits + g.columnBits + bankBits + g.rowBits - 3);

  // DRAM window.
  const base = t.memory?.base ?? DEFAULT_DRAM_BASE;
  if (!t.memory) need('dram.base', `the devicetree has no memory node; ${hex(DEFAULT_DRAM_BASE, 1)} is a placeholder`);
  const dramEnd = base + dramSize;

  // Controllers.
  const split = t.controllers.filter((c) => c.channels.length > 0);
  if (split.length > 0 && split.length < t.controllers.length) {
    const c = t.controllers.find((x) => x.channels.length === 0)!;
    throw new DtsError(
      c.dies[0]!.part.at,
      `controller ${c.id} has no channels of its own but ${split[0]!.id} has: the address map numbers channels for every controller or none`,
    );
  }
  const channelOrder = [...new Set(t.controllers.flatMap((c) => c.channels))];
  const stride = 0x10000;
  const placeholderBase = base >= t.controllers.length * stride ? 0 : Math.ceil(dramEnd / stride) * stride;
  const controllers = t.controllers.map((c, i) => {
    const kind = c.kind ?? 'snps-umctl2';
    const at = `controllers.${i}`;
    if (!c.kind)
      need(
        `${at}.kind`,
        'the devicetree does not name the memory controller; snps-umctl2 is a placeholder (ti-emif, fsl-mmdc and ste-prcmu address their dies by "cs", not "rank")',
      );
    if (c.base === undefined) need(`${at}.base`, "placeholder address of the controller's registers");
    need(`${at}.registers`, "the register image after the boot loader's DRAM init");
    const cs = CS_KINDS.includes(kind);
    return {
      id: c.id,
      kind,
      base: hex(c.base ?? placeholderBase + i * stride, 8),
      busWidth: c.busWidth,
      ...(c.channels.length > 0 ? { channels: [...c.channels] } : {}),
      registers: {},
      dies: c.dies.map((d) => ({
        ...(cs ? { cs: d.rank } : { rank: d.rank }),
        ...(d.channel !== undefined ? { channel: d.channel } : {}),
        part: partName.get(d.part)!,
      })),
    };
  });

  let offset = 0;
  const regions = dies.map(({ ci, d }) => {
    const r = {
      offset: hex(offset, 1),
      size: size(dieBytes),
      fixed: {
        controller: ci,
        ...(d.channel !== undefined ? { channel: channelOrder.indexOf(d.channel) } : {}),
        rank: d.rank,
      },
    };
    offset += dieBytes;
    return r;
  });
  need(
    'addressMap',
    `placeholder map: each die one contiguous ${formatBytes(dieBytes)} region, ${maskRegister === 'MR16' ? 'bank-row-column' : 'row-bank-column'} inside; take the real one from the controller's address-map registers`,
  );
  need('pasr.sectionBytes', 'follows the placeholder address map (one segment or bank of one die)');

  // Reserved ranges and CMA inside DRAM, without overlaps.
  const taken: { base: number; end: number }[] = [];
  const keep = (r: { base: number; size: number }): boolean => {
    const end = r.base + r.size;
    if (r.base < base || end > dramEnd || taken.some((o) => r.base < o.end && o.base < end)) return false;
    taken.push({ base: r.base, end });
    return true;
  };
  const range = (r: { name: string; base: number; size: number }) => ({
    name: r.name,
    base: hex(r.base, 8),
    size: size(r.size),
  });
  const reserved = t.reserved.filter(keep).map(range);
  const cma = t.cma.filter(keep).map(range);
  need('reserved', 'firmware, kernel image, FDT and other carve-outs the devicetree does not list');
  if (cma.length === 0) need('kernel.cma', 'CMA areas (the devicetree lists no reusable reserved-memory)');

  // Kernel.
  let memoryBlockBytes = 128 * MIB;
  while (memoryBlockBytes > 4 * MIB && base % memoryBlockBytes !== 0) memoryBlockBytes /= 2;
  if (base % memoryBlockBytes !== 0) {
    throw new DtsError(first.d.part.at, `DRAM base ${hex(base, 1)} is not aligned to 4 MiB (a MAX_ORDER block)`);
  }
  need('kernel.zones', 'one ZONE_NORMAL over all of DRAM (arm64 has ZONE_DMA below 4 GiB)');
  need('kernel.movableBytes', 'no ZONE_MOVABLE (movablecore=)');
  need('kernel.memoryBlockBytes', 'memory-hotplug block size (arm64: 128 MiB)');
  need('kernel.pageblockOrder', 'pageblock_order of the kernel (arm64 with 4 KiB pages: 9)');
  if (t.nrCpus === undefined) need('kernel.nrCpus', 'the devicetree has no /cpus nodes; 1 is a placeholder');

  const dieCount = dies.length;
  const config: Record<string, unknown> = {
    $schema: './board.schema.json',
    name: options.name,
    description: `Skeleton from ${options.source} by pasr boards from-dts: ${std}, ${formatBytes(dramSize)} at ${hex(base, 8)}, ${dieCount} die${dieCount > 1 ? 's' : ''}. Values the devicetree does not give are placeholders listed in "unverified".`,
    sources: [
      `devicetree ${options.source} (${t.topologyFrom === 'channels' ? 'jedec,lpddr-channel and rank nodes' : t.topologyFrom === 'ti-emif' ? 'jedec,lpddr2 part and ti,emif device-handle' : 'one jedec,lpddr part node'}: ${t.controllers.map((c) => c.from).join('; ')})`,
    ],
    unverified: fillIn.map((f) => `${f.path} ${f.note}`),
    dram: { standard: std, base: hex(base, 8), size: size(dramSize), temperatureC: 45, parts },
    controllers,
    addressMap: {
      controllers: t.controllers.map((c) => c.id),
      channels: channelOrder,
      bits: { controller: [], channel: [], rank: [], ...bits },
      regions,
    },
    reserved,
    kernel: {
      pageSize: 4096,
      maxOrder: 10,
      pageblockOrder: 9,
      zones: [{ name: 'Normal', end: hex(dramEnd, 8) }],
      movableBytes: 0,
      memoryBlockBytes: size(memoryBlockBytes),
      cma,
      swapBytes: 0,
      nrCpus: t.nrCpus ?? 1,
      costs: {},
    },
    pasr: { sectionBytes: size(sectionBytes), maskRegister, interleave: [] },
  };
  return { config, fillIn };
}

/**
 * JSON in the style of the shipped configs: 2-space indent, objects and arrays of plain values on
 * one line when they fit in 120 columns (below the top level).
 */
export function formatConfigJson(value: unknown): string {
  const flat = (v: unknown): boolean =>
    typeof v !== 'object' ||
    v === null ||
    (Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0) ||
    (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null));
  const inline = (v: unknown): string => {
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map(inline).join(', ')}]`;
    if (typeof v === 'object' && v !== null) {
      const e = Object.entries(v);
      return e.length === 0 ? '{}' : `{ ${e.map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }`;
    }
    return JSON.stringify(v);
  };
  const out = (v: unknown, indent: string, key: string, depth: number): string => {
    const one = inline(v);
    const children = typeof v === 'object' && v !== null ? Object.values(v) : [];
    if (
      typeof v !== 'object' ||
      v === null ||
      (depth > 1 && children.every(flat) && indent.length + key.length + one.length <= 120) ||
      children.length === 0
    )
      return one;
    const inner = indent + '  ';
    if (Array.isArray(v)) return `[\n${v.map((x) => inner + out(x, inner, '', depth + 1)).join(',\n')}\n${indent}]`;
    const lines = Object.entries(v).map(([k, x]) => {
      const kk = `${JSON.stringify(k)}: `;
      return inner + kk + out(x, inner, kk, depth + 1);
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  };
  return out(value, '', '', 0) + '\n';
}
