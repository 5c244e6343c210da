import type { ControllerKind, DramStandard } from '../board/board-config.js';
import { formatBytes } from '../address-map/check.js';
import { hex } from '../bits.js';
import { encodeMr8, geometryOf, VENDORS } from '../lpddr/standards.js';
import {
  allNodes,
  baseName,
  cellCounts,
  cellsOf,
  compatibleOf,
  DtsError,
  pathOf,
  phandleOf,
  regOf,
  u32Of,
  type DtsNode,
  type DtsPos,
  type DtsTree,
} from './dts-tree.js';

/**
 * What a devicetree says about a board's LPDDR memory, read after the Linux bindings
 * (Documentation/devicetree/bindings/memory-controllers/ddr/):
 *  - jedec,lpddr2/3/4/5 nodes: one part each. `compatible` is "vendor,PART" or the generated
 *    "lpddrX-YY,ZZZZ" (YY = MR5 manufacturer ID, ZZZZ = MR6 MR7 revision IDs, lower-case hex);
 *    `density` (Mbit) and `io-width` are what MR8 encodes (per channel on LPDDR4/5, as coreboot
 *    records them); `revision-id` = <MR6 MR7>; `manufacturer-id` (LPDDR3) = MR5.
 *  - jedec,lpddrN-channel nodes with rank@N children: the topology. A channel is an independent
 *    set of pins; channel io-width / rank io-width chips share its command bus (one die in the
 *    board model, `chips` wide).
 *  - ti,emif-4d/-4d5 controllers whose `device-handle` points at a part (OMAP4/5): one die on
 *    CS0, a second on CS1 with `cs1-used`.
 *  - memory nodes (device_type = "memory") give the DRAM window; /reserved-memory children and
 *    /memreserve/ the reserved ranges and CMA pools; /cpus the CPU count.
 * Every value that breaks a binding rule or does not fit the JEDEC tables is a DtsError at its
 * property. What the devicetree cannot say is left undefined for the caller to fill in.
 */

export interface DtsPart {
  /** Name for the board config (`elpida-ECB240ABACN`, `lpddr4-ff-0100-8gb-x16`). */
  readonly name: string;
  readonly densityMbit: number;
  readonly ioWidth: 8 | 16 | 32;
  /** Undefined when the devicetree does not say. */
  readonly mr5: number | undefined;
  readonly mr6: number | undefined;
  readonly mr7: number | undefined;
  readonly mr8: number;
  /** Timing overrides in ns from the fastest speed bin's timings node, when there is one. */
  readonly timings: Readonly<Record<string, number>>;
  readonly at: DtsPos;
}

export interface DtsDie {
  readonly rank: number;
  readonly channel: string | undefined;
  readonly part: DtsPart;
  readonly chips: number;
}

export interface DtsController {
  readonly id: string;
  /** Known when a controller node says it (ti,emif); otherwise the caller picks a placeholder. */
  readonly kind: ControllerKind | undefined;
  readonly base: number | undefined;
  readonly busWidth: number;
  readonly channels: readonly string[];
  readonly dies: readonly DtsDie[];
  /** Where the controller came from, for the config's `sources`. */
  readonly from: string;
}

export interface DtsRange {
  readonly name: string;
  readonly base: number;
  readonly size: number;
}

export interface LpddrTopology {
  readonly standard: DramStandard;
  readonly parts: readonly DtsPart[];
  readonly controllers: readonly DtsController[];
  /** DRAM window from the memory nodes, undefined when there is none. */
  readonly memory: { readonly base: number; readonly size: number } | undefined;
  readonly reserved: readonly DtsRange[];
  readonly cma: readonly DtsRange[];
  /** CPU nodes under /cpus, undefined when there are none. */
  readonly nrCpus: number | undefined;
  /** How the topology was found (channel nodes, controller references, one part assumed ...). */
  readonly topologyFrom: 'channels' | 'ti-emif' | 'single-part';
  /** Things the reader assumed or left out, one sentence each. */
  readonly notes: readonly string[];
}

export interface TopologyOptions {
  /** Refines the standard the bindings name (LPDDR4 -> LPDDR4X: the bindings have no LPDDR4X). */
  readonly standard?: DramStandard;
}

const GENERIC = /^lpddr([2-5])-([0-9a-f]{2}),([0-9a-f]{4})$/;
const PART_COMPATIBLE = /^jedec,lpddr([2-5])(?:-(s4|s2|nvm))?$/;
const CHANNEL_COMPATIBLE = /^jedec,lpddr([2-5])-channel$/;
const EMIF_COMPATIBLES = ['ti,emif-4d', 'ti,emif-4d5'];

/** MR5 by devicetree vendor prefix (JEDEC names with spaces and case dropped: "SK hynix" -> skhynix). */
const VENDOR_PREFIX: ReadonlyMap<string, number> = new Map(
  Object.entries(VENDORS).map(([id, name]) => [name.toLowerCase().replace(/[^a-z0-9]/g, ''), Number(id)]),
);

export function mr5ForVendorPrefix(prefix: string): number | undefined {
  const p = prefix.toLowerCase();
  return VENDOR_PREFIX.get(p) ?? (p === 'hynix' ? VENDOR_PREFIX.get('skhynix') : undefined);
}

/** The devicetree vendor prefix of an MR5 manufacturer ID, when JEDEC names it. */
export function vendorPrefixOf(mr5: number): string | undefined {
  for (const [p, id] of VENDOR_PREFIX) if (id === mr5) return p;
  return undefined;
}

function family(standard: DramStandard): string {
  return standard.startsWith('LPDDR2') ? '2' : standard.slice(5, 6);
}

const sizeName = (mbit: number): string => (mbit >= 1024 && mbit % 1024 === 0 ? `${mbit / 1024}gb` : `${mbit}mb`);

/** The standard a part node's compatible names, or undefined when it is not an LPDDR part. */
function partStandard(node: DtsNode): { standard: DramStandard; at: DtsPos } | undefined {
  const compat = compatibleOf(node);
  const at = node.properties.get('compatible')?.at ?? node.at;
  for (const c of compat) {
    const m = PART_COMPATIBLE.exec(c);
    if (!m) continue;
    if (m[1] === '2') {
      if (m[2] === 'nvm') throw new DtsError(at, `${pathOf(node)}: LPDDR2-NVM parts are not modelled (only SDRAM)`);
      if (m[2] === undefined)
        throw new DtsError(
          at,
          `${pathOf(node)}: an LPDDR2 part names its type: "jedec,lpddr2-s4" or "jedec,lpddr2-s2"`,
        );
      return { standard: m[2] === 's2' ? 'LPDDR2-S2' : 'LPDDR2-S4', at };
    }
    if (m[2] !== undefined) throw new DtsError(at, `${pathOf(node)}: "${c}" is not a compatible of the bindings`);
    return { standard: `LPDDR${m[1]}` as DramStandard, at };
  }
  return undefined;
}

function byte(node: DtsNode, name: string, v: bigint): number {
  if (v > 255n) throw new DtsError(node.properties.get(name)!.at, `${pathOf(node)}: ${name} value ${v} is not a byte`);
  return Number(v);
}

/** One id from two places that must agree. */
function agree(
  node: DtsNode,
  what: string,
  a: { v: number | undefined; from: string },
  b: { v: number | undefined; from: string; at: DtsPos },
): number | undefined {
  if (a.v !== undefined && b.v !== undefined && a.v !== b.v) {
    throw new DtsError(
      b.at,
      `${pathOf(node)}: ${b.from} gives ${what} ${hex(b.v, 2)}, but ${a.from} gives ${hex(a.v, 2)}`,
    );
  }
  return a.v ?? b.v;
}

/** A part node -> DtsPart (identity, MR8, timings). */
function readPart(node: DtsNode, standard: DramStandard): DtsPart {
  const path = pathOf(node);
  const compat = compatibleOf(node);
  const compatAt = node.properties.get('compatible')!.at;
  const first = compat[0]!;
  const densityMbit = u32Of(node, 'density');
  const ioWidth = u32Of(node, 'io-width');
  const densityAt = node.properties.get('density')!.at;
  if (ioWidth !== 8 && ioWidth !== 16 && ioWidth !== 32) {
    throw new DtsError(
      node.properties.get('io-width')!.at,
      `${path}: io-width <${ioWidth}>: a part is x8, x16 or x32 (the binding's values)`,
    );
  }
  let mr8: number;
  try {
    geometryOf(standard, densityMbit, ioWidth);
    mr8 = encodeMr8(standard, densityMbit, ioWidth);
  } catch (e) {
    throw new DtsError(densityAt, `${path}: density <${densityMbit}> io-width <${ioWidth}>: ${(e as Error).message}`);
  }

  // Identity: the generated compatible, the vendor prefix, manufacturer-id and revision-id.
  let fromCompat: { mr5?: number; mr6?: number; mr7?: number } = {};
  let name: string;
  const g = GENERIC.exec(first);
  if (g) {
    if (g[1] !== family(standard)) {
      throw new DtsError(compatAt, `${path}: "${first}" names LPDDR${g[1]}, but the node is ${standard}`);
    }
    const rev = parseInt(g[3]!, 16);
    fromCompat = { mr5: parseInt(g[2]!, 16), mr6: rev >> 8, mr7: rev & 0xff };
    name = `lpddr${g[1]}-${g[2]}-${g[3]}-${sizeName(densityMbit)}-x${ioWidth}`;
  } else if (/^[A-Za-z0-9-]+,[A-Za-z0-9._+-]+$/.test(first) && !first.startsWith('jedec,')) {
    // Vendor prefixes are lower-case; older files wrote "Elpida,ECB240ABACN".
    const [vendor, part] = first.split(',') as [string, string];
    fromCompat = { mr5: mr5ForVendorPrefix(vendor) };
    name = `${vendor.toLowerCase()}-${part}`.slice(0, 64);
  } else {
    name = `lpddr${family(standard)}-${sizeName(densityMbit)}-x${ioWidth}`;
  }
  let mr5 = fromCompat.mr5;
  if (node.properties.has('manufacturer-id')) {
    const v = byte(node, 'manufacturer-id', BigInt(u32Of(node, 'manufacturer-id')));
    mr5 = agree(
      node,
      'MR5',
      { v: fromCompat.mr5, from: `compatible "${first}"` },
      { v, from: 'manufacturer-id', at: node.properties.get('manufacturer-id')!.at },
    );
  }
  let mr6 = fromCompat.mr6;
  let mr7 = fromCompat.mr7;
  const revs: [string, number | undefined, number | undefined, DtsPos][] = [];
  if (node.properties.has('revision-id')) {
    const cells = cellsOf(node, 'revision-id');
    const at = node.properties.get('revision-id')!.at;
    if (cells.length > 2)
      throw new DtsError(at, `${path}: revision-id has ${cells.length} cells, at most 2 (<MR6 MR7>)`);
    revs.push([
      'revision-id',
      byte(node, 'revision-id', cells[0]!),
      cells[1] === undefined ? undefined : byte(node, 'revision-id', cells[1]),
      at,
    ]);
  }
  for (const [prop, k] of [
    ['revision-id1', 0],
    ['revision-id2', 1],
  ] as const) {
    if (!node.properties.has(prop)) continue;
    const v = byte(node, prop, BigInt(u32Of(node, prop)));
    revs.push([prop, k === 0 ? v : undefined, k === 1 ? v : undefined, node.properties.get(prop)!.at]);
  }
  for (const [prop, a, b, at] of revs) {
    mr6 = agree(node, 'MR6', { v: mr6, from: `compatible "${first}"` }, { v: a, from: prop, at });
    mr7 = agree(node, 'MR7', { v: mr7, from: `compatible "${first}"` }, { v: b, from: prop, at });
  }
  return {
    name,
    densityMbit,
    ioWidth,
    mr5,
    mr6,
    mr7,
    mr8,
    timings: readTimings(node),
    at: node.at,
  };
}

/** Binding timing names (ps) -> timing overrides (ns). */
const TIMING_MAP: Readonly<Record<string, string>> = {
  tCKESR: 'tSR',
  tZQCS: 'tZQCS',
  tZQCL: 'tZQCL',
  tZQinit: 'tZQINIT',
  tMRD: 'tMRD',
  tRFC: 'tRFCab',
  tXSR: 'tXSR',
};

/**
 * Timings of the fastest speed bin (lpddr2-timings* children by max-freq, LPDDR3 timings@<freq>
 * by reg): tCK = 1 / max-freq, each mapped timing = max(ps value, <name>-min-tck * tCK) in ns.
 */
function readTimings(node: DtsNode): Record<string, number> {
  const bins = node.children.filter((c) => compatibleOf(c).some((s) => /^jedec,lpddr[23]-timings$/.test(s)));
  if (bins.length === 0) return {};
  const freqOf = (c: DtsNode): number =>
    c.properties.has('max-freq') ? u32Of(c, 'max-freq') : c.properties.has('reg') ? u32Of(c, 'reg') : 0;
  const best = bins.reduce((a, b) => (freqOf(b) > freqOf(a) ? b : a));
  const freq = freqOf(best);
  if (freq === 0) throw new DtsError(best.at, `${pathOf(best)}: a timings node needs max-freq (or reg) in Hz`);
  const tCK = 1e9 / freq;
  const round = (ns: number): number => Math.round(ns * 1000) / 1000;
  const out: Record<string, number> = { tCK: round(tCK) };
  for (const [dt, ours] of Object.entries(TIMING_MAP)) {
    if (!best.properties.has(dt)) continue;
    let ns = u32Of(best, dt) / 1000;
    const minTck = `${dt}-min-tck`;
    if (node.properties.has(minTck)) ns = Math.max(ns, u32Of(node, minTck) * tCK);
    out[ours] = round(ns);
  }
  return out;
}

/** An address in the root's address space: `reg` translated through the parents' `ranges`. */
function translate(node: DtsNode, address: bigint): bigint | undefined {
  let a = address;
  for (let bus = node.parent; bus?.parent; bus = bus.parent) {
    const ranges = bus.properties.get('ranges');
    if (!ranges) return undefined;
    if (ranges.chunks.length === 0) continue;
    const child = cellCounts(bus);
    const parent = cellCounts(bus.parent);
    const cells = cellsOf(bus, 'ranges');
    const per = child.address + parent.address + child.size;
    const join = (xs: bigint[]): bigint => xs.reduce((acc, x) => (acc << 32n) | x, 0n);
    let hit = false;
    for (let i = 0; i + per <= cells.length; i += per) {
      const c = join(cells.slice(i, i + child.address));
      const p = join(cells.slice(i + child.address, i + child.address + parent.address));
      const s = join(cells.slice(i + child.address + parent.address, i + per));
      if (a >= c && a < c + s) {
        a = p + (a - c);
        hit = true;
        break;
      }
    }
    if (!hit) return undefined;
  }
  return a;
}

const isDisabled = (n: DtsNode): boolean => {
  const p = n.properties.get('status');
  const c = p?.chunks[0];
  return c?.kind === 'string' && c.value !== 'okay' && c.value !== 'ok';
};

function memoryWindow(root: DtsNode): LpddrTopology['memory'] {
  const nodes = allNodes(root).filter((n) => {
    const p = n.properties.get('device_type');
    return p?.chunks[0]?.kind === 'string' && p.chunks[0].value === 'memory' && !isDisabled(n);
  });
  const ranges: { base: bigint; size: bigint; at: DtsPos }[] = [];
  for (const n of nodes) {
    if (!n.properties.has('reg')) continue;
    for (const r of regOf(n))
      if (r.size > 0n) ranges.push({ base: r.address, size: r.size, at: n.properties.get('reg')!.at });
  }
  if (ranges.length === 0) return undefined;
  ranges.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const base = ranges[0]!.base;
  let end = base;
  for (const r of ranges) {
    if (r.base !== end && r !== ranges[0]) {
      throw new DtsError(
        r.at,
        `memory at 0x${r.base.toString(16)} does not follow the memory ending at 0x${end.toString(16)}: the board model has one contiguous DRAM window`,
      );
    }
    end = r.base + r.size;
  }
  if (end > 1n << 48n) throw new DtsError(ranges[0]!.at, 'memory ends beyond the 48-bit physical address space');
  return { base: Number(base), size: Number(end - base) };
}

function reservedRanges(tree: DtsTree, root: DtsNode): { reserved: DtsRange[]; cma: DtsRange[]; dynamic: string[] } {
  const reserved: DtsRange[] = [];
  const cma: DtsRange[] = [];
  const dynamic: string[] = [];
  tree.memreserve.forEach((m, i) => {
    if (m.size > 0n) reserved.push({ name: `memreserve${i}`, base: Number(m.address), size: Number(m.size) });
  });
  const rm = root.children.find((c) => c.name === 'reserved-memory');
  for (const c of rm?.children ?? []) {
    if (isDisabled(c)) continue;
    if (!c.properties.has('reg')) {
      dynamic.push(pathOf(c));
      continue;
    }
    const [r] = regOf(c);
    if (!r || r.size === 0n) continue;
    const range = { name: baseName(c), base: Number(r.address), size: Number(r.size) };
    if (c.properties.has('reusable')) cma.push(range);
    else reserved.push(range);
  }
  return { reserved, cma, dynamic };
}

function cpuCount(root: DtsNode): number | undefined {
  const cpus = root.children.find((c) => c.name === 'cpus');
  const n = (cpus?.children ?? []).filter((c) => {
    const t = c.properties.get('device_type');
    return (t?.chunks[0]?.kind === 'string' && t.chunks[0].value === 'cpu') || baseName(c) === 'cpu';
  }).length;
  return n > 0 ? n : undefined;
}

/** The LPDDR memory a devicetree describes. Throws DtsError. */
export function readLpddrTopology(tree: DtsTree, options: TopologyOptions = {}): LpddrTopology {
  const root = tree.root;
  const nodes = allNodes(root).filter((n) => !isDisabled(n));
  const notes: string[] = [];
  const channels = nodes.filter((n) => compatibleOf(n).some((c) => CHANNEL_COMPATIBLE.test(c)));
  const partNodes = nodes.filter((n) => partStandard(n) !== undefined);

  // One standard for the whole board.
  let standard: { s: DramStandard; node: DtsNode } | undefined;
  const useStandard = (s: DramStandard, node: DtsNode, at: DtsPos): void => {
    if (standard && standard.s !== s) {
      throw new DtsError(
        at,
        `${pathOf(node)} is ${s}, but ${pathOf(standard.node)} is ${standard.s}: a board has one DRAM standard`,
      );
    }
    standard ??= { s, node };
  };
  for (const n of partNodes) {
    const ps = partStandard(n)!;
    useStandard(ps.standard, n, ps.at);
  }
  if (!standard) {
    if (channels.length > 0)
      throw new DtsError(channels[0]!.at, `${pathOf(channels[0]!)}: an LPDDR channel with no rank@N part nodes`);
    throw new DtsError(
      root.at,
      'no LPDDR nodes: expected jedec,lpddr2/3/4/5 parts or jedec,lpddrN-channel nodes with rank@N children',
    );
  }
  let std = standard.s;
  if (options.standard !== undefined) {
    if (!(std === 'LPDDR4' && options.standard === 'LPDDR4X') && options.standard !== std) {
      throw new DtsError(standard.node.at, `the devicetree describes ${std} parts, not ${options.standard}`);
    }
    std = options.standard;
  }

  // Rank nodes that describe the same part (same name, geometry, IDs and timings) share one DtsPart.
  const parts = new Map<DtsNode, DtsPart>();
  const byContent = new Map<string, DtsPart>();
  const partOf = (n: DtsNode): DtsPart => {
    let p = parts.get(n);
    if (!p) {
      const read = readPart(n, std);
      const key = JSON.stringify({ ...read, at: undefined });
      p = byContent.get(key) ?? read;
      byContent.set(key, p);
      parts.set(n, p);
    }
    return p;
  };

  let controllers: DtsController[];
  let topologyFrom: LpddrTopology['topologyFrom'];
  const emifs = nodes.filter(
    (n) => compatibleOf(n).some((c) => EMIF_COMPATIBLES.includes(c)) && n.properties.has('device-handle'),
  );
  if (channels.length > 0) {
    topologyFrom = 'channels';
    controllers = fromChannels(channels, partOf);
    const loose = partNodes.filter((n) => !channels.includes(n.parent!));
    if (loose.length > 0) notes.push(`part nodes outside the channels were left out: ${loose.map(pathOf).join(', ')}`);
  } else if (emifs.length > 0) {
    topologyFrom = 'ti-emif';
    controllers = emifs.map((n) => {
      const part = partOf(phandleOf(root, n, 'device-handle'));
      const reg = n.properties.has('reg') ? regOf(n)[0] : undefined;
      const base = reg ? translate(n, reg.address) : undefined;
      if (base === undefined) notes.push(`${pathOf(n)}: its reg could not be translated to a CPU address`);
      const ncs = n.properties.has('cs1-used') ? 2 : 1;
      const chips = Math.max(1, 32 / part.ioWidth);
      return {
        id: n.labels.find((l) => /^[A-Za-z][A-Za-z0-9_]*$/.test(l)) ?? baseName(n),
        kind: 'ti-emif' as const,
        base: base === undefined ? undefined : Number(base),
        busWidth: 32,
        channels: [],
        dies: Array.from({ length: ncs }, (_, cs) => ({ rank: cs, channel: undefined, part, chips })),
        from: `${pathOf(n)} (${compatibleOf(n)[0]}, device-handle${ncs === 2 ? ', cs1-used' : ''})`,
      };
    });
    const ids = controllers.map((c) => c.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw new DtsError(emifs[ids.lastIndexOf(dup)]!.at, `two EMIF nodes are both named ${dup}: label them`);
  } else {
    topologyFrom = 'single-part';
    if (partNodes.length > 1) {
      throw new DtsError(
        partNodes[1]!.at,
        `${partNodes.length} part nodes (${partNodes.map(pathOf).join(', ')}) and no jedec,lpddrN-channel node that says which dies use which: describe the topology with channel and rank@N nodes`,
      );
    }
    const part = partOf(partNodes[0]!);
    const dieBytes = part.densityMbit * 2 ** 17;
    const mem = memoryWindow(root);
    let count = 1;
    if (mem) {
      count = mem.size / dieBytes;
      if (![1, 2, 4].includes(count)) {
        throw new DtsError(
          partNodes[0]!.at,
          `${pathOf(partNodes[0]!)}: the memory node's ${formatBytes(mem.size)} is not 1, 2 or 4 dies of ${formatBytes(dieBytes)}: describe the topology with jedec,lpddrN-channel and rank@N nodes`,
        );
      }
    }
    notes.push(
      `${pathOf(partNodes[0]!)} is the only part and no channel node gives the topology: ${count} die${count > 1 ? 's' : ''} (rank${count > 1 ? `s 0-${count - 1}` : ' 0'}) of one x${part.ioWidth} chip each assumed${mem ? ' from the memory size' : ''}`,
    );
    controllers = [
      {
        id: 'ddrc',
        kind: undefined,
        base: undefined,
        busWidth: Math.max(16, part.ioWidth),
        channels: [],
        dies: Array.from({ length: count }, (_, r) => ({
          rank: r,
          channel: undefined,
          part,
          chips: part.ioWidth < 16 ? 16 / part.ioWidth : 1,
        })),
        from: `${pathOf(partNodes[0]!)}`,
      },
    ];
  }

  const dieTotal = controllers.reduce(
    (s, c) => s + c.dies.reduce((t, d) => t + d.part.densityMbit * 2 ** 17 * d.chips, 0),
    0,
  );
  const memory = memoryWindow(root);
  if (memory && memory.size !== dieTotal) {
    const memNode = nodes.find((n) => n.properties.has('device_type') && n.properties.has('reg'))!;
    const dies = controllers.reduce((s, c) => s + c.dies.length, 0);
    throw new DtsError(
      memNode.properties.get('reg')!.at,
      `${pathOf(memNode)}: reg gives ${formatBytes(memory.size)} of memory, but the ${dies} LPDDR dies hold ${formatBytes(dieTotal)}`,
    );
  }
  const { reserved, cma, dynamic } = reservedRanges(tree, root);
  if (dynamic.length > 0)
    notes.push(`reserved-memory nodes placed at boot (size, no reg) were left out: ${dynamic.join(', ')}`);
  return {
    standard: std,
    parts: [...new Set(parts.values())],
    controllers,
    memory,
    reserved,
    cma,
    nrCpus: cpuCount(root),
    topologyFrom,
    notes,
  };
}

/** Channel nodes -> controllers: a label `X_ch<a-d>` names controller X and channel, `X` a controller; unlabelled channels share controller `ddrc`. */
function fromChannels(channels: DtsNode[], partOf: (n: DtsNode) => DtsPart): DtsController[] {
  interface Group {
    id: string;
    members: { node: DtsNode; channel: string | undefined }[];
  }
  const groups: Group[] = [];
  const group = (id: string): Group => {
    let g = groups.find((x) => x.id === id);
    if (!g) {
      g = { id, members: [] };
      groups.push(g);
    }
    return g;
  };
  const unlabelled: DtsNode[] = [];
  for (const ch of channels) {
    const label = ch.labels.find((l) => /^[A-Za-z][A-Za-z0-9_]*$/.test(l));
    const m = label ? /^([A-Za-z][A-Za-z0-9_]*?)_ch([a-d])$/.exec(label) : null;
    if (m) group(m[1]!).members.push({ node: ch, channel: m[2] });
    else if (label) group(label).members.push({ node: ch, channel: undefined });
    else unlabelled.push(ch);
  }
  if (unlabelled.length > 0) {
    if (unlabelled.length > 4)
      throw new DtsError(
        unlabelled[4]!.at,
        `more than 4 unlabelled channels: label them X_cha ... to name controllers`,
      );
    const g = group('ddrc');
    for (const [i, node] of unlabelled.entries())
      g.members.push({ node, channel: unlabelled.length > 1 ? 'abcd'[i] : undefined });
  }
  return groups.map((g) => {
    const withCh = g.members.filter((m) => m.channel !== undefined);
    if (withCh.length > 0 && withCh.length !== g.members.length) {
      throw new DtsError(
        g.members.find((m) => m.channel === undefined)!.node.at,
        `controller ${g.id}: some of its channels are labelled ${g.id}_ch<x> and some are not`,
      );
    }
    const letters = g.members.map((m) => m.channel).filter((c): c is string => c !== undefined);
    const dup = letters.find((c, i) => letters.indexOf(c) !== i);
    if (dup)
      throw new DtsError(g.members[letters.lastIndexOf(dup)]!.node.at, `controller ${g.id} has channel ${dup} twice`);
    const widths = g.members.map((m) => u32Of(m.node, 'io-width'));
    if (widths.some((w) => w !== widths[0])) {
      const k = widths.findIndex((w) => w !== widths[0]);
      throw new DtsError(
        g.members[k]!.node.properties.get('io-width')!.at,
        `${pathOf(g.members[k]!.node)}: io-width <${widths[k]}> differs from <${widths[0]}> of the other channels of controller ${g.id}`,
      );
    }
    const dies: DtsDie[] = [];
    for (const m of g.members) {
      const chWidth = u32Of(m.node, 'io-width');
      const ranks = m.node.children.filter((c) => baseName(c) === 'rank');
      if (ranks.length === 0) throw new DtsError(m.node.at, `${pathOf(m.node)}: a channel with no rank@N node`);
      const family = CHANNEL_COMPATIBLE.exec(compatibleOf(m.node).find((c) => CHANNEL_COMPATIBLE.test(c))!)![1]!;
      for (const r of ranks) {
        const ps = partStandard(r);
        if (!ps) {
          throw new DtsError(
            r.properties.get('compatible')?.at ?? r.at,
            `${pathOf(r)}: a rank of a jedec,lpddr${family}-channel needs compatible "jedec,lpddr${family}${family === '2' ? '-s4' : ''}"`,
          );
        }
        if (!ps.standard.startsWith(`LPDDR${family}`)) {
          throw new DtsError(ps.at, `${pathOf(r)}: a ${ps.standard} rank in a jedec,lpddr${family}-channel`);
        }
        if (!r.properties.has('reg')) throw new DtsError(r.at, `${pathOf(r)}: missing property reg (the rank number)`);
        const rank = u32Of(r, 'reg');
        if (rank > 3) throw new DtsError(r.properties.get('reg')!.at, `${pathOf(r)}: reg <${rank}>: ranks are 0-3`);
        if (dies.some((d) => d.rank === rank && d.channel === m.channel))
          throw new DtsError(r.properties.get('reg')!.at, `${pathOf(r)}: rank ${rank} is already on this channel`);
        const part = partOf(r);
        if (chWidth % part.ioWidth !== 0) {
          throw new DtsError(
            m.node.properties.get('io-width')!.at,
            `${pathOf(m.node)}: io-width <${chWidth}> is not a multiple of the x${part.ioWidth} chips of ${pathOf(r)}`,
          );
        }
        dies.push({ rank, channel: m.channel, part, chips: chWidth / part.ioWidth });
      }
    }
    const busWidth = widths[0]! * g.members.length;
    if (![16, 32, 64].includes(busWidth)) {
      const n = g.members[0]!.node;
      throw new DtsError(
        n.properties.get('io-width')!.at,
        `${pathOf(n)}: controller ${g.id} would have a ${busWidth}-bit bus; the board model takes 16, 32 or 64 bits`,
      );
    }
    // Rank-major order, as board configs list dies (rank0.cha, rank0.chb, rank1.cha, ...).
    dies.sort((a, b) => a.rank - b.rank || letters.indexOf(a.channel ?? '') - letters.indexOf(b.channel ?? ''));
    return {
      id: g.id,
      kind: undefined,
      base: undefined,
      busWidth,
      channels: letters,
      dies,
      from: g.members.map((m) => pathOf(m.node)).join(', '),
    };
  });
}
