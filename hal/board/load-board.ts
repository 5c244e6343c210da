/**
 * Board config loader: JSON text (or a file's bytes) -> BoardConfig, or a list of problems that each
 * name a line, column, JSON path and what is wrong. Pure: no file system (the CLI reads files).
 *
 * Stages, each run only when the one before found nothing (so later checks see well-formed data):
 *  1. JSON syntax (jsonc-parser; size, nesting and duplicate keys too)   board-json.ts
 *  2. JSON Schema (board-configs/board.schema.json, ajv)                  board-schema.ts
 *  3. numbers (hex, units, ranges) and the parsed BoardConfig            here
 *  4. consistency (sizes, MR8, mask registers, address map, interleave,
 *     reserved ranges, zones, ...)                                        board-semantics.ts
 *
 * Invariants:
 *  (a) parseBoardConfig never throws, for any input text;
 *  (b) ok: true only when every stage found nothing; problems are sorted by line, then column;
 *  (c) at most MAX_PROBLEMS problems are returned (the last one says how many were left out).
 */
import type {
  AddressMapConfig,
  AddressRegion,
  AwakePower,
  BoardConfig,
  ControllerConfig,
  ControllerKind,
  DieConfig,
  DramPart,
  DramStandard,
  KernelConfig,
  PasrConfig,
  PlatformPower,
  ReservedRange,
  ZoneConfig,
} from './board-config.js';
import { formatProblem, type BoardProblem, type PathSegment } from './board-problem.js';
import { internalProblem, MAX_PROBLEMS, sortProblems } from '../json/json-problem.js';
import type { JsonSource } from '../json/json-source.js';
import { decodeJsonText } from '../json/json-text.js';
import { BOARD_FILE, parseBoardJson } from './board-json.js';
import { schemaProblems } from './board-schema.js';
import { parseQuantity } from './quantity.js';
import { deriveAddressMap, type DeriveResult } from './board-checks.js';
import { boardProblems, type BuiltBoard } from './board-semantics.js';

export { formatProblem, MAX_PROBLEMS };
export type { BoardProblem };

export type ParseBoardResult = { ok: true; board: BoardConfig } | { ok: false; problems: BoardProblem[] };

// Shapes the schema guarantees (stage 2), before numbers are parsed.
type Num = string | number;
interface RawPart {
  densityMbit: number;
  ioWidth: 8 | 16 | 32;
  mr5: Num;
  mr6: Num;
  mr7: Num;
  mr8: Num;
  power: { temperatureC: number; rails: { rail: string; volts: number; idd6FullmA: number; arrayShare?: number }[] }[];
  awake?: AwakePower;
  timings?: Record<string, number>;
}
interface RawBlock {
  base: Num;
  registers: Record<string, Num>;
}
interface RawDie {
  cs?: number;
  rank?: number;
  channel?: string;
  part: string;
  temperatureC?: number;
}
interface RawController {
  id: string;
  kind: ControllerKind;
  base: Num;
  busWidth?: number;
  channels?: string[];
  registers: Record<string, Num>;
  blocks?: Record<string, RawBlock>;
  dies: RawDie[];
}
interface RawRange {
  name: string;
  base: Num;
  size: Num;
}
interface RawAddressMap {
  controllers?: string[];
  channels?: string[];
  bits: {
    controller?: number[];
    channel?: number[];
    rank?: number[];
    bank: number[];
    row: number[];
    column: number[];
    byte: number[];
  };
  regions?: { offset: Num; size: Num; fixed?: { controller?: number; channel?: number; rank?: number } }[];
}
interface RawBoard {
  name: string;
  description: string;
  sources: string[];
  unverified: string[];
  dram: {
    standard: DramStandard;
    base: Num;
    size: Num;
    ranges?: { name?: string; base: Num; size: Num }[];
    temperatureC?: number;
    parts: Record<string, RawPart>;
  };
  platform?: PlatformPower;
  controllers: RawController[];
  addressMap?: RawAddressMap;
  reserved: RawRange[];
  kernel: {
    pageSize: number;
    maxOrder: number;
    pageblockOrder: number;
    zones: { name: ZoneConfig['name']; end: Num }[];
    movableBytes: Num;
    memoryBlockBytes: Num;
    cma?: RawRange[];
    swapBytes?: Num;
    nrCpus?: number;
    minFreeKbytes?: number;
    watermarkScaleFactor?: number;
    thp?: boolean;
    configCma?: boolean;
    costs?: Record<string, number>;
  };
  pasr: { sectionBytes: Num; maskRegister: PasrConfig['maskRegister']; interleave: string[][] };
}

/** Turns raw numbers into numbers, collecting a problem for each that does not parse. */
class Numbers {
  readonly problems: BoardProblem[] = [];
  constructor(private readonly source: JsonSource) {}
  get(raw: Num, path: PathSegment[]): number {
    const q = parseQuantity(raw);
    if (q.ok) return q.value;
    this.problems.push(this.source.problem(path, q.message));
    return NaN;
  }
}

function dieIdOf(ctrl: string, d: RawDie): string {
  if (d.cs !== undefined) return `${ctrl}.cs${d.cs}`;
  return `${ctrl}.rank${d.rank ?? 0}${d.channel !== undefined ? `.ch${d.channel}` : ''}`;
}

function build(raw: RawBoard, file: string, n: Numbers): BuiltBoard {
  const standard = raw.dram.standard;
  const parts = new Map<string, DramPart>();
  for (const [name, p] of Object.entries(raw.dram.parts)) {
    const at = ['dram', 'parts', name];
    parts.set(name, {
      name,
      densityMbit: p.densityMbit,
      ioWidth: p.ioWidth,
      mr5: n.get(p.mr5, [...at, 'mr5']),
      mr6: n.get(p.mr6, [...at, 'mr6']),
      mr7: n.get(p.mr7, [...at, 'mr7']),
      mr8: n.get(p.mr8, [...at, 'mr8']),
      power: p.power.map((pt) => ({ temperatureC: pt.temperatureC, rails: pt.rails.map((r) => ({ ...r })) })),
      ...(p.awake ? { awake: { source: p.awake.source, rails: p.awake.rails.map((r) => ({ ...r })) } } : {}),
      ...(p.timings ? { timings: { ...p.timings } } : {}),
    });
  }

  const controllers: ControllerConfig[] = [];
  const dies: DieConfig[] = [];
  const diePaths = new Map<DieConfig, PathSegment[]>();
  raw.controllers.forEach((c, ci) => {
    const at: PathSegment[] = ['controllers', ci];
    const registers: Record<string, number> = {};
    for (const [k, v] of Object.entries(c.registers)) registers[k] = n.get(v, [...at, 'registers', k]);
    const blocks: Record<string, { base: number; registers: Record<string, number> }> = {};
    for (const [b, blk] of Object.entries(c.blocks ?? {})) {
      const regs: Record<string, number> = {};
      for (const [k, v] of Object.entries(blk.registers)) regs[k] = n.get(v, [...at, 'blocks', b, 'registers', k]);
      blocks[b] = { base: n.get(blk.base, [...at, 'blocks', b, 'base']), registers: regs };
    }
    const busWidth = c.busWidth ?? 32;
    const channels = c.channels ?? [];
    const ctrlDies: DieConfig[] = c.dies.map((d, di) => {
      const part = parts.get(d.part);
      const dieWidth = busWidth / Math.max(1, channels.length);
      const chips = part ? Math.max(1, Math.floor(dieWidth / part.ioWidth)) : 1;
      const die: DieConfig = {
        id: dieIdOf(c.id, d),
        controller: c.id,
        rank: d.cs ?? d.rank ?? 0,
        ...(d.channel !== undefined ? { channel: d.channel } : {}),
        ...(d.temperatureC !== undefined ? { temperatureC: d.temperatureC } : {}),
        // An unknown part is a problem reported by the semantic stage; a placeholder keeps the shape.
        part: part ?? { name: d.part, densityMbit: 0, ioWidth: 32, mr5: 0, mr6: 0, mr7: 0, mr8: 0, power: [] },
        chips,
        sizeBytes: part ? part.densityMbit * 2 ** 17 * chips : 0,
      };
      diePaths.set(die, [...at, 'dies', di]);
      return die;
    });
    dies.push(...ctrlDies);
    controllers.push({
      id: c.id,
      kind: c.kind,
      base: n.get(c.base, [...at, 'base']),
      registers,
      blocks,
      dies: ctrlDies,
      busWidth,
      channels,
    });
  });

  const range = (r: RawRange, at: PathSegment[]): ReservedRange => ({
    name: r.name,
    base: n.get(r.base, [...at, 'base']),
    size: n.get(r.size, [...at, 'size']),
  });
  const dramBase = n.get(raw.dram.base, ['dram', 'base']);
  const dramSize = n.get(raw.dram.size, ['dram', 'size']);

  let explicitMap: AddressMapConfig | undefined;
  if (raw.addressMap) {
    const m = raw.addressMap;
    const regions: AddressRegion[] = (m.regions ?? []).map((r, i) => ({
      offset: n.get(r.offset, ['addressMap', 'regions', i, 'offset']),
      size: n.get(r.size, ['addressMap', 'regions', i, 'size']),
      fixed: { ...(r.fixed ?? {}) },
    }));
    explicitMap = {
      controllers: m.controllers ?? raw.controllers.map((c) => c.id),
      channels: m.channels ?? [...new Set(raw.controllers.flatMap((c) => c.channels ?? []))],
      bits: {
        controller: m.bits.controller ?? [],
        channel: m.bits.channel ?? [],
        rank: m.bits.rank ?? [],
        bank: m.bits.bank,
        row: m.bits.row,
        column: m.bits.column,
        byte: m.bits.byte,
      },
      regions,
      source: 'config',
    };
  }
  // The derived map (if any) is attached once the numbers are known to be good (attachAddressMap).
  const addressMap: AddressMapConfig | undefined = explicitMap;

  const k = raw.kernel;
  const kernel: KernelConfig = {
    pageSize: k.pageSize,
    maxOrder: k.maxOrder,
    pageblockOrder: k.pageblockOrder,
    zones: k.zones.map((z, i) => ({ name: z.name, end: n.get(z.end, ['kernel', 'zones', i, 'end']) })),
    movableBytes: n.get(k.movableBytes, ['kernel', 'movableBytes']),
    memoryBlockBytes: n.get(k.memoryBlockBytes, ['kernel', 'memoryBlockBytes']),
    cma: (k.cma ?? []).map((r, i) => range(r, ['kernel', 'cma', i])),
    swapBytes: k.swapBytes === undefined ? 0 : n.get(k.swapBytes, ['kernel', 'swapBytes']),
    nrCpus: k.nrCpus ?? 1,
    ...(k.minFreeKbytes !== undefined ? { minFreeKbytes: k.minFreeKbytes } : {}),
    ...(k.watermarkScaleFactor !== undefined ? { watermarkScaleFactor: k.watermarkScaleFactor } : {}),
    ...(k.thp !== undefined ? { thp: k.thp } : {}),
    ...(k.configCma !== undefined ? { configCma: k.configCma } : {}),
    costs: { ...(k.costs ?? {}) },
  };
  const pasr: PasrConfig = {
    sectionBytes: n.get(raw.pasr.sectionBytes, ['pasr', 'sectionBytes']),
    maskRegister: raw.pasr.maskRegister,
    interleave: raw.pasr.interleave.map((g) => [...g]),
  };

  const board: Omit<BoardConfig, 'addressMap'> & { addressMap: AddressMapConfig | undefined } = {
    name: raw.name,
    file,
    description: raw.description,
    sources: [...raw.sources],
    unverified: [...raw.unverified],
    standard,
    dramBase,
    dramSize,
    ...(raw.dram.ranges
      ? {
          ranges: raw.dram.ranges.map((r, i) => ({
            base: n.get(r.base, ['dram', 'ranges', i, 'base']),
            size: n.get(r.size, ['dram', 'ranges', i, 'size']),
          })),
        }
      : {}),
    temperatureC: raw.dram.temperatureC ?? 45,
    ...(raw.platform ? { platform: { ...raw.platform } } : {}),
    controllers,
    dies,
    addressMap,
    reserved: raw.reserved.map((r, i) => range(r, ['reserved', i])),
    kernel,
    pasr,
  };
  return {
    board,
    explicitMap,
    derivation: undefined,
    diePaths,
    partsByName: parts,
    rawDiePartNames: raw.controllers.map((c) => c.dies.map((d) => d.part)),
  };
}

/** Derive the address map from the register images; use it when the file gives none, else mark the explicit one checked. */
function attachAddressMap(built: BuiltBoard): BuiltBoard {
  const b = built.board;
  let derivation: DeriveResult;
  try {
    derivation = deriveAddressMap(b.controllers, b.dramBase, b.dramSize);
  } catch (e) {
    derivation = {
      ok: false,
      problems: [{ path: 'controllers', message: `cannot derive the address map: ${(e as Error).message}` }],
    };
  }
  let addressMap = built.explicitMap;
  if (derivation.ok) {
    addressMap = built.explicitMap
      ? { ...built.explicitMap, source: 'both' }
      : {
          controllers: derivation.map.controllers,
          channels: derivation.map.channels,
          bits: derivation.map.bits,
          regions: [],
          source: 'registers',
        };
  }
  return { ...built, derivation, board: { ...b, addressMap } };
}

function finish(problems: BoardProblem[]): ParseBoardResult {
  return { ok: false, problems: sortProblems(problems) };
}

/** Parse and check a board config file's text (`file` is used in BoardConfig.file and messages only). */
export function parseBoardConfig(text: string, file: string): ParseBoardResult {
  try {
    const { source, value, problems } = parseBoardJson(text);
    if (problems.length > 0) return finish(problems);
    const schema = schemaProblems(value, source);
    if (schema.length > 0) return finish(schema);
    const numbers = new Numbers(source);
    const unchecked = build(value as RawBoard, file, numbers);
    if (numbers.problems.length > 0) return finish(numbers.problems);
    const built = attachAddressMap(unchecked);
    const semantic = boardProblems(built, source);
    if (semantic.length > 0) return finish(semantic);
    return { ok: true, board: built.board as BoardConfig };
  } catch (e) {
    // Invariant (a): a bug in a check must not turn into a stack trace for the user.
    return { ok: false, problems: [internalProblem(e)] };
  }
}

/** Parse and check a board file's bytes as read from disk (UTF-8, decoded by hal/json/json-text.ts). */
export function parseBoardBytes(bytes: Uint8Array, file: string): ParseBoardResult {
  const decoded = decodeJsonText(bytes, BOARD_FILE.noun);
  return decoded.ok ? parseBoardConfig(decoded.text, file) : { ok: false, problems: [decoded.problem] };
}
