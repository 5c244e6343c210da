/**
 * Consistency checks of a parsed board (stage 4 of load-board.ts): what a JSON Schema cannot say.
 * Each problem names the JSON path of the value to fix.
 *
 * Rules (one function each, in this order):
 *  (a) parts: density/width exist in the standard's table; MR8 encodes them; timing overrides are
 *      the standard's timings, give a positive tCK and leave time between auto-refreshes at the
 *      hottest refresh rate; the power table is usable (hal/lpddr/power.ts:
 *      ascending temperatures, the same rails at the same voltages at every point); awake rails
 *      listed once, at the self-refresh table's voltages, with IDD5 >= IDD3N;
 *  (b) controllers: unique ids; register and block names known for the kind; dies addressed the way
 *      the kind addresses them (cs / rank / channel); parts exist; die ids unique; widths fit the bus;
 *  (b') register windows (each controller's block and extra blocks, at their model's size): word
 *      aligned, at a base the model accepts, below 4 GiB for the controllers of 32-bit SoCs (48-bit
 *      otherwise), outside DRAM, no two overlapping;
 *  (c) DRAM: page-aligned, inside the physical address space; the dies add up to dram.size;
 *  (d) the PASR mask register exists on every part;
 *  (e) address map: explicit or derived from registers (both must agree; register images that
 *      cannot be derived are wrong even next to explicit bits, unless the map is set outside the
 *      controllers), consistent with the dies (hal/address-map/check.ts);
 *  (f) PASR sections: power of two, whole pages, one segment (or bank) per die per section;
 *      interleave groups name known dies, once each, and are exactly the dies the address map
 *      interleaves below the section size;
 *  (g) reserved ranges and CMA inside DRAM, not overlapping;
 *  (h) kernel: pageblockOrder <= maxOrder, zones ordered and ending where ZONE_MOVABLE starts,
 *      memory blocks and ZONE_MOVABLE in whole blocks;
 *  (i) every `unverified` entry names something in the file;
 *  (j) RAM ranges (dram.ranges) inside the DRAM window, in address order, not overlapping, each
 *      holding a whole page; CMA areas inside one RAM range; no CMA area without CONFIG_CMA.
 */
import type { AddressMapConfig, BoardConfig, DieConfig, DramPart, PasrConfig } from './board-config.js';
import { formatBytes, type BoardProblem, type PathSegment } from './board-problem.js';
import type { JsonSource } from '../json/json-source.js';
import { didYouMean } from '../json/json-schema.js';
import {
  addressMapProblems,
  compareBits,
  controllerRegisterProblems,
  mr8Mismatch,
  registerWindows,
  partGeometry,
  powerTableProblems,
  refreshTimingProblem,
  TIMING_OVERRIDES,
  timingsProblem,
  type DeriveResult,
  type DieGeometry,
  type Geometry,
} from './board-checks.js';
import { PHYS_LIMIT } from './quantity.js';
import { ramRangesOf } from './ram-ranges.js';
import { hex } from '../bits.js';

export interface BuiltBoard {
  readonly board: Omit<BoardConfig, 'addressMap'> & { addressMap: AddressMapConfig | undefined };
  readonly explicitMap: AddressMapConfig | undefined;
  /** Address map derived from the register images (undefined until the numbers parsed). */
  readonly derivation: DeriveResult | undefined;
  readonly diePaths: ReadonlyMap<DieConfig, PathSegment[]>;
  readonly partsByName: ReadonlyMap<string, DramPart>;
  readonly rawDiePartNames: readonly (readonly string[])[];
}

/** Page frame numbers fit in 31 bits (firmware/mm/layout.ts: buddy arithmetic uses JS bitwise operators). */
const MAX_PFN = 0x7fffffff;

const isPow2 = (x: number): boolean => Number.isInteger(x) && x > 0 && 2 ** Math.round(Math.log2(x)) === x;
const log2 = (x: number): number => Math.round(Math.log2(x));
const list = (xs: readonly (string | number)[]): string => xs.join(', ');

class Checker {
  readonly out: BoardProblem[] = [];
  readonly geometry = new Map<string, Geometry>();
  constructor(
    readonly b: BuiltBoard,
    readonly src: JsonSource,
  ) {}
  add(path: PathSegment[], message: string, atKey = false): void {
    this.out.push(this.src.problem(path, message, atKey));
  }
  get board() {
    return this.b.board;
  }
}

// (a) parts
function checkParts(c: Checker): void {
  const std = c.board.standard;
  for (const [name, p] of c.b.partsByName) {
    const at: PathSegment[] = ['dram', 'parts', name];
    const g = partGeometry(std, p.densityMbit, p.ioWidth);
    if (typeof g === 'string') c.add([...at, 'densityMbit'], g);
    else c.geometry.set(name, g);
    const why = mr8Mismatch(std, p.mr8, p.densityMbit, p.ioWidth);
    if (why) c.add([...at, 'mr8'], why);
    if (p.timings) {
      const unknown = Object.keys(p.timings).filter((k) => !TIMING_OVERRIDES.includes(k));
      for (const k of unknown)
        c.add(
          [...at, 'timings', k],
          `unknown timing "${k}" (known: ${list(TIMING_OVERRIDES)})${didYouMean(k, TIMING_OVERRIDES)}`,
          true,
        );
      if (p.timings['tCK'] === 0) c.add([...at, 'timings', 'tCK'], 'must be more than 0 (the clock period, ns)');
      else if (unknown.length === 0 && typeof g !== 'string') {
        const bad = timingsProblem(std, p.densityMbit, p.timings);
        if (bad) c.add([...at, 'timings'], bad);
        const refresh = bad ? undefined : refreshTimingProblem(std, p.densityMbit, p.timings);
        if (refresh) {
          const key = 'tRFCab' in p.timings ? 'tRFCab' : 'tREFI' in p.timings ? 'tREFI' : undefined;
          c.add(key ? [...at, 'timings', key] : [...at, 'timings'], refresh);
        }
      }
    }
    for (const q of powerTableProblems(p.power)) c.add([...at, 'power', ...q.path], q.message.replace(/ C\b/g, ' °C'));
    checkAwake(c, p, at);
  }
}

// (a) the awake table: rails once each, at the voltage the self-refresh table gives them, IDD5 >= IDD3N
function checkAwake(c: Checker, p: DramPart, at: PathSegment[]): void {
  const seen = new Set<string>();
  p.awake?.rails.forEach((r, j) => {
    const ra: PathSegment[] = [...at, 'awake', 'rails', j];
    if (seen.has(r.rail)) c.add([...ra, 'rail'], `rail ${r.rail} is listed twice`);
    seen.add(r.rail);
    const sr = p.power[0]?.rails.find((x) => x.rail === r.rail);
    if (sr !== undefined && sr.volts !== r.volts)
      c.add([...ra, 'volts'], `${r.volts} V, but the self-refresh table gives ${r.rail} ${sr.volts} V`);
    if (r.idd5mA < r.idd3nmA)
      c.add(
        [...ra, 'idd5mA'],
        `${r.idd5mA} mA is below idd3nmA ${r.idd3nmA} mA: refresh would draw less than active standby`,
      );
  });
}

const CS_KINDS = new Set(['ti-emif', 'fsl-mmdc', 'ste-prcmu']);
const MAX_CS: Record<string, number> = { 'ti-emif': 1, 'fsl-mmdc': 1, 'ste-prcmu': 1, 'snps-umctl2': 3 };

// (b) controllers and dies
function checkControllers(c: Checker): void {
  const ids = new Map<string, number>();
  const dieIds = new Map<string, PathSegment[]>();
  const partNames = [...c.b.partsByName.keys()];
  c.board.controllers.forEach((ctrl, ci) => {
    const at: PathSegment[] = ['controllers', ci];
    const prev = ids.get(ctrl.id);
    if (prev !== undefined) c.add([...at, 'id'], `duplicate controller id "${ctrl.id}" (also controllers[${prev}])`);
    else ids.set(ctrl.id, ci);

    for (const p of controllerRegisterProblems(ctrl.kind, ctrl.registers, ctrl.blocks)) {
      const where: PathSegment[] = p.block === undefined ? [...at] : [...at, 'blocks', p.block];
      if (p.register !== undefined) where.push('registers', p.register);
      const hint = p.known ? didYouMean(p.register ?? '', p.known) : '';
      const msg =
        p.register !== undefined && p.known
          ? `${p.message} for a ${ctrl.kind} controller${p.block ? ` (block ${p.block})` : ''}${hint}`
          : p.message;
      c.add(
        p.register === undefined && p.block === undefined ? [...at, 'blocks'] : where,
        msg,
        p.known !== undefined || p.register === undefined,
      );
    }
    const channels = ctrl.channels ?? [];
    if (channels.length > 0 && ctrl.kind !== 'snps-umctl2') {
      c.add([...at, 'channels'], `a ${ctrl.kind} controller has no channels with their own mode registers`);
    }
    const busWidth = ctrl.busWidth ?? 32;
    const dieWidth = busWidth / Math.max(1, channels.length);
    if (channels.length > 0 && !Number.isInteger(dieWidth))
      c.add([...at, 'channels'], `${channels.length} channels do not divide a ${busWidth}-bit bus`);

    ctrl.dies.forEach((die, di) => {
      const dat: PathSegment[] = [...at, 'dies', di];
      const rawNode = c.src.nodeAt(dat);
      const has = (k: string): boolean => !!rawNode?.children?.some((p) => p.children?.[0]?.value === k);
      if (CS_KINDS.has(ctrl.kind)) {
        if (!has('cs'))
          c.add(dat, `a ${ctrl.kind} die is addressed by chip select: give "cs"${has('rank') ? ', not "rank"' : ''}`);
        else if (has('rank')) c.add([...dat, 'rank'], `a ${ctrl.kind} die is addressed by "cs" only`, true);
        if (has('channel'))
          c.add([...dat, 'channel'], `a ${ctrl.kind} controller has no channels with their own mode registers`, true);
      } else {
        if (!has('rank'))
          c.add(dat, `a ${ctrl.kind} die is addressed by rank: give "rank"${has('cs') ? ', not "cs"' : ''}`);
        else if (has('cs')) c.add([...dat, 'cs'], `a ${ctrl.kind} die is addressed by "rank" only`, true);
        if (channels.length > 0 && !has('channel'))
          c.add(dat, `controller ${ctrl.id} lists channels ${list(channels)}: give the die's "channel"`);
        if (channels.length === 0 && has('channel'))
          c.add([...dat, 'channel'], `controller ${ctrl.id} lists no channels (one MRW reaches every channel)`, true);
        if (channels.length > 0 && die.channel !== undefined && !channels.includes(die.channel)) {
          c.add(
            [...dat, 'channel'],
            `channel "${die.channel}" is not one of controller ${ctrl.id}'s channels (${list(channels)})`,
          );
        }
      }
      if (die.rank > MAX_CS[ctrl.kind]!)
        c.add(
          [...dat, has('cs') ? 'cs' : 'rank'],
          `a ${ctrl.kind} controller has ${MAX_CS[ctrl.kind]! + 1} chip selects (0-${MAX_CS[ctrl.kind]!}), got ${die.rank}`,
        );
      const partName = c.b.rawDiePartNames[ci]![di]!;
      const part = c.b.partsByName.get(partName);
      if (!part)
        c.add(
          [...dat, 'part'],
          `unknown part "${partName}" (parts: ${list(partNames)})${didYouMean(partName, partNames)}`,
        );
      else if (dieWidth < part.ioWidth || dieWidth % part.ioWidth !== 0) {
        c.add([...dat, 'part'], `a x${part.ioWidth} part does not fit the ${dieWidth}-bit data path of ${die.id}`);
      }
      const other = dieIds.get(die.id);
      if (other) c.add(dat, `duplicate die id ${die.id} (also ${formatSegs(other)})`);
      else dieIds.set(die.id, dat);
    });
  });
}

// (b') register windows on the bus
function checkWindows(c: Checker): void {
  const { dramBase, dramSize } = c.board;
  const dramEnd = dramBase + dramSize;
  type Window = {
    path: PathSegment[];
    what: string;
    block?: string;
    base: number;
    end: number;
    refuse?: (base: number) => string | undefined;
  };
  const placed: Window[] = [];
  c.board.controllers.forEach((ctrl, ci) => {
    const model = registerWindows(ctrl.kind);
    const windows: Window[] = [
      { path: ['controllers', ci, 'base'], what: ctrl.id, base: ctrl.base, end: ctrl.base + model.main.bytes },
    ];
    for (const [key, b] of Object.entries(ctrl.blocks)) {
      const win = model.blocks[key];
      if (win === undefined) continue; // an unknown block is reported by checkControllers
      windows.push({
        path: ['controllers', ci, 'blocks', key, 'base'],
        what: `${ctrl.id} block ${key}`,
        block: key,
        base: b.base,
        end: b.base + win.bytes,
        ...(win.baseRefusal ? { refuse: win.baseRefusal } : {}),
      });
    }
    for (const w of windows) {
      const span = `${hex(w.base)}-${hex(w.end)}`;
      if (w.base % 4 !== 0) {
        c.add(w.path, `${hex(w.base)} is not a multiple of 4: registers are 32-bit words`);
        continue;
      }
      const refused = w.refuse?.(w.base);
      if (refused) {
        c.add(w.path, refused);
        continue;
      }
      if (w.end > model.addressEnd) {
        c.add(
          w.path,
          model.addressEnd < PHYS_LIMIT
            ? `the registers of ${w.what} (${span}) lie above 4 GiB: a ${ctrl.kind} controller sits in a 32-bit SoC`
            : `the registers of ${w.what} would end at ${hex(w.end)}, beyond the 48-bit physical address space`,
        );
        continue;
      }
      if (w.base < dramEnd && w.end > dramBase) {
        c.add(w.path, `the registers of ${w.what} (${span}) lie inside DRAM (${hex(dramBase)}-${hex(dramEnd)})`);
        continue;
      }
      const o = placed.find((p) => w.base < p.end && p.base < w.end);
      if (o) {
        const shared = w.block !== undefined && w.block === o.block;
        c.add(
          w.path,
          `the registers of ${w.what} (${span}) overlap those of ${o.what} (${hex(o.base)}-${hex(o.end)}, ${formatSegs(o.path)})` +
            (shared ? `: a block shared by several controllers is declared once, on the first` : ''),
        );
        continue;
      }
      placed.push(w);
    }
  });
}

function formatSegs(p: PathSegment[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

// (c) DRAM window and capacity
function checkDram(c: Checker): void {
  const { dramBase, dramSize, kernel } = c.board;
  if (dramSize === 0) c.add(['dram', 'size'], 'must be more than 0');
  if (dramBase + dramSize > PHYS_LIMIT)
    c.add(['dram', 'size'], `DRAM would end at ${hex(dramBase + dramSize)}, beyond the 48-bit physical address space`);
  if ((dramBase + dramSize) / kernel.pageSize > MAX_PFN)
    c.add(
      ['dram', 'size'],
      `DRAM would end at ${hex(dramBase + dramSize)}, page frame ${hex((dramBase + dramSize) / kernel.pageSize)}: the emulated kernel keeps page frame numbers below 2^31`,
    );
  if (dramBase % kernel.pageSize !== 0)
    c.add(['dram', 'base'], `${hex(dramBase)} is not a multiple of the page size (${formatBytes(kernel.pageSize)})`);
  if (dramSize % kernel.pageSize !== 0)
    c.add(
      ['dram', 'size'],
      `${formatBytes(dramSize)} is not a whole number of pages (${formatBytes(kernel.pageSize)})`,
    );
  const dies = c.board.dies.filter((d) => c.b.partsByName.has(d.part.name));
  if (dies.length !== c.board.dies.length || dies.length === 0) return;
  const total = dies.reduce((s, d) => s + (d.sizeBytes ?? 0), 0);
  if (total !== dramSize) {
    const sizes = new Map<number, number>();
    for (const d of dies) sizes.set(d.sizeBytes ?? 0, (sizes.get(d.sizeBytes ?? 0) ?? 0) + 1);
    const how = [...sizes].map(([s, k]) => `${k} × ${formatBytes(s)}`).join(' + ');
    c.add(
      ['dram', 'size'],
      `is ${formatBytes(dramSize)}, but the ${dies.length} dies add up to ${formatBytes(total)} (${how})`,
    );
  }
}

// (d) mask register
function checkMaskRegister(c: Checker): void {
  const mr = c.board.pasr.maskRegister;
  const std = c.board.standard;
  const at: PathSegment[] = ['pasr', 'maskRegister'];
  if (mr === 'MR23' && std !== 'LPDDR5') {
    c.add(
      at,
      `MR23 is the LPDDR5 segment mask; ${std} parts mask segments with MR17${std.startsWith('LPDDR4') ? ' (their MR23 is the DQS oscillator count)' : ''}`,
    );
    return;
  }
  if (mr === 'MR17' && std === 'LPDDR5') {
    c.add(at, 'LPDDR5 has no MR17: its segment mask is MR23');
    return;
  }
  if (mr === 'MR16' && std === 'LPDDR5') {
    c.add(at, 'LPDDR5 has no bank mask (MR16): mask segments with MR23');
    return;
  }
  for (const [name, g] of c.geometry) {
    const p = c.b.partsByName.get(name)!;
    if ((mr === 'MR17' || mr === 'MR23') && g.segmentMaskMr !== Number(mr.slice(2))) {
      c.add(at, `part "${name}" (${std} ${p.densityMbit} Mbit) has no ${mr}: LPDDR2 has MR17 on 1-8 Gb S4 parts only`);
    }
    if (mr === 'MR16' && g.bankMaskKind !== 'bitmask') {
      c.add(
        at,
        `part "${name}" (${std} ${p.densityMbit} Mbit) has no MR16 bank mask${g.bankMaskKind === 's2-code' ? ': on S2 parts MR16 is a PASR fraction code' : ''}`,
      );
    }
  }
}

// (e) address map
/** The map to check against the dies: explicit (checked against the registers too) or derived; `agrees` false when they differ. */
function checkAddressMap(c: Checker, structuralOk: boolean): { map: AddressMapConfig; agrees: boolean } | undefined {
  const { explicitMap, derivation } = c.b;
  const ctrlIds = c.board.controllers.map((x) => x.id);
  if (derivation && !derivation.ok && !derivation.elsewhere) {
    // The register images are wrong, or describe a layout the models do not have: explicit bits
    // cannot stand in for them, since the emulated controllers run from those registers.
    // (Unknown registers or parts found above are the cause to report, not this.)
    if (structuralOk) for (const p of derivation.problems) c.add(parsePath(p.path), p.message);
    return undefined;
  }
  if (!explicitMap) {
    if (derivation?.ok && c.board.addressMap) return { map: c.board.addressMap, agrees: true };
    const why = derivation && !derivation.ok ? derivation.problems[0]?.message : undefined;
    c.add(['addressMap'], `required: the register images do not determine the address map${why ? ` (${why})` : ''}`);
    return undefined;
  }
  let ok = true;
  let agrees = true;
  explicitMap.controllers.forEach((id, i) => {
    if (!ctrlIds.includes(id)) {
      c.add(['addressMap', 'controllers', i], `unknown controller "${id}" (controllers: ${list(ctrlIds)})`);
      ok = false;
    } else if (explicitMap.controllers.indexOf(id) !== i) {
      c.add(['addressMap', 'controllers', i], `controller "${id}" is listed twice`);
      ok = false;
    }
  });
  for (const id of ctrlIds) {
    if (!explicitMap.controllers.includes(id)) {
      c.add(['addressMap', 'controllers'], `does not list controller "${id}"`);
      ok = false;
    }
  }
  const chans = [...new Set(c.board.controllers.flatMap((x) => x.channels ?? []))];
  if (explicitMap.channels.join() !== chans.join()) {
    c.add(
      ['addressMap', 'channels'],
      `is [${list(explicitMap.channels)}], but the controllers' channels are [${list(chans)}]`,
    );
    ok = false;
  }
  if (derivation?.ok) {
    const from = 'the register images';
    for (const p of compareBits(explicitMap.bits, derivation.map.bits)) {
      c.add(parsePath(p.path), p.message.replace('the controller registers', from));
      agrees = false;
    }
    if (derivation.map.controllers.join() !== explicitMap.controllers.join()) {
      c.add(
        ['addressMap', 'controllers'],
        `[${list(explicitMap.controllers)}] but ${from} give [${list(derivation.map.controllers)}]`,
      );
      agrees = false;
    }
    if (derivation.map.channels.join() !== explicitMap.channels.join()) {
      c.add(
        ['addressMap', 'channels'],
        `[${list(explicitMap.channels)}] but ${from} give [${list(derivation.map.channels)}]`,
      );
      agrees = false;
    }
  }
  return ok ? { map: explicitMap, agrees } : undefined;
}

function dieGeometries(c: Checker): DieGeometry[] {
  return c.board.dies.map((d) => {
    const g = c.geometry.get(d.part.name);
    const ctrl = c.board.controllers.find((x) => x.id === d.controller)!;
    const dieWidth = (ctrl.busWidth ?? 32) / Math.max(1, (ctrl.channels ?? []).length);
    return {
      id: d.id,
      controller: d.controller,
      rank: d.rank,
      channel: d.channel,
      ...(g
        ? {
            rowBits: g.rowBits,
            bankBits: log2(g.banks),
            columnBits: g.columnBits,
            byteBits: log2(dieWidth / 8),
            ...(isPow2(g.rows) ? {} : { rows: g.rows }),
          }
        : {}),
    };
  });
}

/** `addressMap.bits.bank[1]` -> path segments. */
function parsePath(p: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function checkMapConsistency(c: Checker, map: AddressMapConfig): boolean {
  const problems = addressMapProblems(map, c.board.dramSize, dieGeometries(c));
  const derivedOnly = !c.b.explicitMap;
  for (const p of problems)
    c.add(parsePath(p.path), derivedOnly ? `${p.message} (address map derived from the register images)` : p.message);
  return problems.length === 0;
}

// (f) PASR sections and interleave groups
function checkSections(c: Checker, map: AddressMapConfig | undefined): void {
  const pasr: PasrConfig = c.board.pasr;
  const { pageSize } = c.board.kernel;
  const S = pasr.sectionBytes;
  const at: PathSegment[] = ['pasr', 'sectionBytes'];
  if (!isPow2(S)) c.add(at, `${formatBytes(S)} is not a power of two`);
  else if (S % pageSize !== 0)
    c.add(at, `${formatBytes(S)} is not a multiple of the page size (${formatBytes(pageSize)})`);
  const sizeOk = isPow2(S) && S % pageSize === 0;

  // Group names.
  const dieIds = [...new Set(c.board.dies.map((d) => d.id))];
  const groupOf = new Map<string, number>();
  let namesOk = true;
  pasr.interleave.forEach((g, gi) => {
    g.forEach((id, k) => {
      const path: PathSegment[] = ['pasr', 'interleave', gi, k];
      if (!dieIds.includes(id)) {
        c.add(path, `unknown die "${id}" (dies: ${list(dieIds)})${didYouMean(id, dieIds)}`);
        namesOk = false;
      } else if (groupOf.has(id)) {
        const prev = groupOf.get(id)!;
        c.add(
          path,
          prev === gi ? `die ${id} is listed twice in this group` : `die ${id} is already in pasr.interleave[${prev}]`,
        );
        namesOk = false;
      } else groupOf.set(id, gi);
    });
  });
  if (!map || !sizeOk || !namesOk) return;

  const sBit = log2(S);
  const bits = map.bits;
  // Segment (or bank) bits and the bits that must sit below them.
  const segmentMask = pasr.maskRegister !== 'MR16';
  const unitBits = segmentMask ? bits.row.slice(-3) : [...bits.bank];
  const unitName = segmentMask
    ? `${pasr.maskRegister} segments (top 3 row bits: ${list(unitBits)})`
    : `MR16 banks (bank bits: ${list(unitBits)})`;
  const inner: [string, readonly number[]][] = segmentMask
    ? [
        ['bank', bits.bank],
        ['row', bits.row.slice(0, -3)],
        ['column', bits.column],
        ['byte', bits.byte],
      ]
    : [
        ['row', bits.row],
        ['column', bits.column],
        ['byte', bits.byte],
      ];
  const lowest = Math.min(...unitBits);
  const above = inner.flatMap(([name, list_]) => list_.filter((b) => b > lowest).map((b) => `${name} bit ${b}`));
  if (above.length > 0) {
    c.add(
      ['pasr', 'maskRegister'],
      `${unitName} are not whole sections with this address map: ${above[0]} lies above them` +
        (segmentMask
          ? ' (a bank-row-column map masks banks with MR16)'
          : ' (a row-bank-column map masks segments with MR17)'),
    );
    return;
  }
  if (lowest !== sBit) {
    c.add(
      at,
      `is ${formatBytes(S)}, but ${unitName} start at address bit ${lowest}: a section is ${formatBytes(2 ** lowest)}`,
    );
    return;
  }

  // Interleave groups: dies that differ only in die-select bits below the section share every section.
  const regions = map.regions.length > 0 ? map.regions : [{ offset: 0, size: c.board.dramSize, fixed: {} }];
  const select: [string, readonly number[], (d: DieConfig) => number][] = [
    ['controller', bits.controller, (d) => map.controllers.indexOf(d.controller)],
    [
      'channel',
      map.channels.length > 0 ? bits.channel : [],
      (d) => (d.channel === undefined ? 0 : map.channels.indexOf(d.channel)),
    ],
    ['rank', bits.rank, (d) => d.rank],
  ];
  const keyOf = (d: DieConfig): string =>
    select
      .map(([, bl, val]) => {
        const v = val(d);
        return bl.map((b, i) => (b >= sBit ? String(Math.floor(v / 2 ** i) % 2) : '*')).join('');
      })
      .join('|');
  const lowBits = select.flatMap(([name, bl]) => bl.filter((b) => b < sBit).map((b) => `${name} bit ${b}`));
  const expected = new Map<string, string[]>();
  for (const d of c.board.dies) {
    const k = regions.some((r) => Object.keys(r.fixed).length > 0) ? d.id : keyOf(d);
    expected.set(k, [...(expected.get(k) ?? []), d.id]);
  }
  const expectedOf = new Map<string, string[]>();
  for (const g of expected.values()) for (const id of g) expectedOf.set(id, g);
  const section = formatBytes(S);
  const covered = new Set<string>();
  pasr.interleave.forEach((g, gi) => {
    const want = expectedOf.get(g[0]!)!;
    const stranger = g.find((id) => !want.includes(id));
    if (stranger) {
      const d1 = c.board.dies.find((d) => d.id === g[0])!;
      const d2 = c.board.dies.find((d) => d.id === stranger)!;
      const diff = select.flatMap(([name, bl, val]) =>
        bl
          .filter((b, i) => b >= sBit && Math.floor(val(d1) / 2 ** i) % 2 !== Math.floor(val(d2) / 2 ** i) % 2)
          .map((b) => `${name} bit ${b}`),
      );
      c.add(
        ['pasr', 'interleave', gi],
        `dies ${g[0]} and ${stranger} are not interleaved: ${diff[0] ?? 'an address bit'} selects between them above the ${section} section`,
      );
      return;
    }
    if (g.length !== want.length) {
      c.add(
        ['pasr', 'interleave', gi],
        `lists ${list(g)}, but the address map interleaves ${list(want)} below the ${section} section (${list(lowBits)})`,
      );
    }
    for (const id of want) covered.add(id);
  });
  for (const g of expected.values()) {
    if (g.length > 1 && !g.some((id) => covered.has(id))) {
      c.add(
        ['pasr', 'interleave'],
        `dies ${list(g)} share every ${section} section (${list(lowBits)} below it), but no group lists them`,
      );
    }
  }
}

/**
 * The end of a range that must be non-empty and inside DRAM, or null once the problem is said
 * (`what(end)` names the range; the DRAM window is appended).
 */
function endInDram(
  c: Checker,
  path: PathSegment[],
  r: { base: number; size: number },
  what: (end: number) => string,
): number | null {
  const { dramBase, dramSize } = c.board;
  if (r.size === 0) {
    c.add([...path, 'size'], 'must be more than 0');
    return null;
  }
  const end = r.base + r.size;
  if (r.base < dramBase || end > dramBase + dramSize) {
    c.add(path, `${what(end)} (${hex(dramBase)}-${hex(dramBase + dramSize)})`);
    return null;
  }
  return end;
}

// (g) reserved ranges and CMA
function checkRanges(c: Checker): void {
  const all: { path: PathSegment[]; name: string; base: number; end: number }[] = [];
  const each = (
    ranges: readonly { name: string; base: number; size: number }[],
    prefix: PathSegment[],
    what: string,
  ): void => {
    ranges.forEach((r, i) => {
      const path = [...prefix, i];
      const end = endInDram(c, path, r, (e) => `${what} "${r.name}" ${hex(r.base)}-${hex(e)} lies outside DRAM`);
      if (end === null) return;
      const page = c.board.kernel.pageSize;
      const firstPage = Math.floor(r.base / page) * page;
      const endPage = Math.ceil(end / page) * page;
      for (const o of all) {
        if (r.base < o.end && o.base < end) {
          c.add(
            path,
            `${what} "${r.name}" ${hex(r.base)}-${hex(end)} overlaps ${formatSegs(o.path)} "${o.name}" (${hex(o.base)}-${hex(o.end)})`,
          );
        } else if (firstPage < Math.ceil(o.end / page) * page && Math.floor(o.base / page) * page < endPage) {
          c.add(
            path,
            `${what} "${r.name}" ${hex(r.base)}-${hex(end)} shares a ${formatBytes(page)} page with ${formatSegs(o.path)} "${o.name}" (${hex(o.base)}-${hex(o.end)}): memblock reserves whole pages`,
          );
        }
      }
      all.push({ path, name: r.name, base: r.base, end });
    });
  };
  each(c.board.reserved, ['reserved'], 'range');
  each(c.board.kernel.cma, ['kernel', 'cma'], 'CMA area');
  checkCmaPlacement(c);
}

/** CMA areas start and end on pageblocks (CMA_MIN_ALIGNMENT_BYTES) and lie in one zone. */
function checkCmaPlacement(c: Checker): void {
  const { kernel: k, dramBase, dramSize } = c.board;
  const pageblock = k.pageSize * 2 ** k.pageblockOrder;
  const movableStart = dramBase + dramSize - k.movableBytes;
  // Zone boundaries inside DRAM: the configured zone ends below ZONE_MOVABLE, and its start.
  const bounds = k.zones.map((z) => ({ at: z.end, between: z.name })).filter((b) => b.at < movableStart);
  if (k.movableBytes > 0) bounds.push({ at: movableStart, between: 'Movable' });
  k.cma.forEach((r, i) => {
    const end = r.base + r.size;
    const path: PathSegment[] = ['kernel', 'cma', i];
    if (r.size === 0 || r.base < dramBase || end > dramBase + dramSize) return; // reported above
    if (r.base % pageblock !== 0 || end % pageblock !== 0) {
      c.add(
        path,
        `CMA area "${r.name}" ${hex(r.base)}-${hex(end)} does not start and end on ${formatBytes(pageblock)} pageblocks (CMA_MIN_ALIGNMENT_BYTES: page size × 2^pageblockOrder)`,
      );
      return;
    }
    const cut = bounds.find((b) => r.base < b.at && b.at < end);
    if (cut) {
      c.add(
        path,
        `CMA area "${r.name}" ${hex(r.base)}-${hex(end)} crosses the zone boundary at ${hex(cut.at)} (${cut.between === 'Movable' ? 'ZONE_MOVABLE starts' : `ZONE_${cut.between.toUpperCase()} ends`}): a CMA area lies in one zone`,
      );
    }
  });
}

// (h) kernel settings
const ZONE_RANK: Record<string, number> = { DMA: 0, DMA32: 1, Normal: 2 };

function checkKernel(c: Checker): void {
  const k = c.board.kernel;
  const { dramBase, dramSize } = c.board;
  const dramEnd = dramBase + dramSize;
  if (k.pageblockOrder > k.maxOrder)
    c.add(['kernel', 'pageblockOrder'], `${k.pageblockOrder} is above kernel.maxOrder ${k.maxOrder}`);
  const maxBlock = k.pageSize * 2 ** k.maxOrder;
  if (!isPow2(k.memoryBlockBytes))
    c.add(['kernel', 'memoryBlockBytes'], `${formatBytes(k.memoryBlockBytes)} is not a power of two`);
  else if (k.memoryBlockBytes < maxBlock)
    c.add(
      ['kernel', 'memoryBlockBytes'],
      `${formatBytes(k.memoryBlockBytes)} is smaller than a MAX_ORDER block (${formatBytes(maxBlock)})`,
    );
  else if (dramBase % k.memoryBlockBytes !== 0)
    c.add(
      ['kernel', 'memoryBlockBytes'],
      `DRAM base ${hex(dramBase)} is not aligned to a ${formatBytes(k.memoryBlockBytes)} memory block`,
    );
  if (k.movableBytes >= dramSize)
    c.add(
      ['kernel', 'movableBytes'],
      `${formatBytes(k.movableBytes)} leaves nothing for the kernel (DRAM is ${formatBytes(dramSize)})`,
    );
  else if (isPow2(k.memoryBlockBytes) && k.movableBytes % k.memoryBlockBytes !== 0) {
    c.add(
      ['kernel', 'movableBytes'],
      `${formatBytes(k.movableBytes)} is not a whole number of memory blocks (${formatBytes(k.memoryBlockBytes)})`,
    );
  }
  let prevEnd = dramBase;
  let prevRank = -1;
  k.zones.forEach((z, i) => {
    const at: PathSegment[] = ['kernel', 'zones', i];
    const rank = ZONE_RANK[z.name]!;
    if (rank <= prevRank)
      c.add([...at, 'name'], `zone ${z.name} after ${k.zones[i - 1]!.name}: zones go DMA, DMA32, Normal, each once`);
    prevRank = Math.max(prevRank, rank);
    if (z.end <= prevEnd)
      c.add(
        [...at, 'end'],
        `${hex(z.end)} is not above ${i === 0 ? 'the DRAM base' : "the previous zone's end"} (${hex(prevEnd)})`,
      );
    else if (z.end > dramEnd) c.add([...at, 'end'], `${hex(z.end)} is beyond the end of DRAM (${hex(dramEnd)})`);
    else if (z.end % k.pageSize !== 0) c.add([...at, 'end'], `${hex(z.end)} is not page-aligned`);
    prevEnd = Math.max(prevEnd, z.end);
  });
  const last = k.zones[k.zones.length - 1];
  const ram = ramRangesOf(c.board);
  const movableStart = ram[ram.length - 1]!.base + ram[ram.length - 1]!.size - k.movableBytes;
  if (last && last.end > dramBase && last.end <= dramEnd && k.movableBytes < dramSize && last.end !== movableStart) {
    c.add(
      ['kernel', 'zones', k.zones.length - 1, 'end'],
      `the last zone must end where ZONE_MOVABLE starts: ${c.board.ranges ? 'RAM' : 'DRAM'} end ${hex(movableStart + k.movableBytes)} - movableBytes ${formatBytes(k.movableBytes)} = ${hex(movableStart)}, got ${hex(last.end)}`,
    );
  }
}

// (j) RAM ranges
function checkRam(c: Checker): void {
  const { kernel } = c.board;
  const ranges = c.board.ranges ?? [];
  let prev: { i: number; end: number } | null = null;
  ranges.forEach((r, i) => {
    const path: PathSegment[] = ['dram', 'ranges', i];
    const end = endInDram(c, path, r, (e) => `RAM range ${hex(r.base)}-${hex(e)} lies outside the DRAM window`);
    if (end === null) return;
    if (Math.floor(end / kernel.pageSize) <= Math.ceil(r.base / kernel.pageSize))
      c.add(path, `RAM range ${hex(r.base)}-${hex(end)} holds no whole page of ${formatBytes(kernel.pageSize)}`);
    if (prev && r.base < prev.end)
      c.add(
        [...path, 'base'],
        `${hex(r.base)} is below the end of dram.ranges[${prev.i}] (${hex(prev.end)}): ranges go in address order without overlapping`,
      );
    prev = { i, end: Math.max(end, prev?.end ?? 0) };
  });
  if (kernel.configCma === false && kernel.cma.length > 0)
    c.add(
      ['kernel', 'cma'],
      `lists ${kernel.cma.length} CMA area${kernel.cma.length > 1 ? 's' : ''} but kernel.configCma is false (no CONFIG_CMA)`,
    );
  if (ranges.length === 0) return;
  kernel.cma.forEach((a, i) => {
    const end = a.base + a.size;
    if (!ranges.some((r) => r.base <= a.base && end <= r.base + r.size))
      c.add(
        ['kernel', 'cma', i],
        `CMA area "${a.name}" ${hex(a.base)}-${hex(end)} is not inside one of dram.ranges: a CMA area cannot cover a memory hole`,
      );
  });
}

// (i) unverified entries
function resolves(src: JsonSource, segs: string[]): boolean {
  const walk = (node: ReturnType<JsonSource['nodeAt']>, i: number): boolean => {
    if (!node) return false;
    if (i === segs.length) return true;
    const s = segs[i]!;
    const kids =
      node.type === 'object'
        ? (node.children ?? []).filter((p) => s === '*' || p.children?.[0]?.value === s).map((p) => p.children?.[1])
        : node.type === 'array'
          ? (node.children ?? []).filter((_, k) => s === '*' || String(k) === s)
          : [];
    return kids.some((k) => walk(k, i + 1));
  };
  return walk(src.root, 0);
}

function checkUnverified(c: Checker): void {
  c.board.unverified.forEach((entry, i) => {
    const path = entry.split(' ')[0]!;
    const segs = [...path.matchAll(/([^.[\]]+)|\[(\d+|\*)\]/g)].map((m) => m[2] ?? m[1]!);
    if (!resolves(c.src, segs)) c.add(['unverified', i], `"${path}" names nothing in this file`);
  });
}

/** All consistency problems of a built board ([] when it is consistent). */
export function boardProblems(b: BuiltBoard, src: JsonSource): BoardProblem[] {
  const c = new Checker(b, src);
  checkParts(c);
  checkControllers(c);
  checkWindows(c);
  checkDram(c);
  checkMaskRegister(c);
  const structural = c.out.length;
  const checked = checkAddressMap(c, structural === 0);
  let map = checked?.agrees ? checked.map : undefined;
  if (checked && structural === 0 && !checkMapConsistency(c, checked.map)) map = undefined;
  checkSections(c, structural === 0 ? map : undefined);
  checkRanges(c);
  checkKernel(c);
  checkRam(c);
  checkUnverified(c);
  return c.out;
}
