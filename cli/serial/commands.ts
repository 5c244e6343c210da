import type { BoardConfig, DieConfig } from '../../hal/board/board-config.js';
import { Board } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import type { MmioWriteEvent, TraceEvent } from '../../hal/trace/events.js';
import type { Hazard, RegisterProgram } from '../../hal/register-program.js';
import { concatPrograms, program as makeProgram } from '../../hal/register-program.js';
import { vendorName, decodeMr8 } from '../../hal/lpddr/standards.js';
import type { Timer } from '../../hal/uboot/byte-stream.js';
import { ConsoleError, UbootConsole, type ConsoleOptions } from '../../hal/uboot/transport.js';
import {
  executeOnConsole,
  hazardRefusal,
  planConsoleProgram,
  renderPlan,
  type ConsoleProgramResult,
  type ConsoleStep,
} from '../../hal/uboot/console-executor.js';
import { HAZARDS } from '../../firmware/drivers/mr-driver.js';
import { extract } from '../../hal/bits.js';
import { FSL_MMDC } from '../../hal/memctrl/fsl-mmdc.js';
import { fieldOf, registerOf } from '../../hal/regs/register.js';
import { CliError, UsageError } from '../errors.js';
import { sizeText } from '../format.js';
import { hostTimer, type PortStream } from './port-stream.js';
import { listPorts, type ListPortsDeps } from './list-ports.js';
import { serveBoardOnPty, type VirtualBoardOptions } from './serve.js';
import { hex } from '../../hal/bits.js';

/**
 * `pasr board ...`: the command functions the CLI dispatcher calls. Each takes parsed options
 * (board configs and traces already loaded), an output sink and optional dependencies, and
 * returns an exit code: 0 success, 1 a mismatch or a failed operation (the output says what
 * was applied and what was not). Bad input throws CliError.
 */

// ---- output and dependencies ------------------------------------------------------------

export interface SerialIo {
  /** One line of standard output (no trailing newline). */
  out(line: string): void;
  /** One line of standard error. */
  err(line: string): void;
  /** Where a progress bar may draw, when it is an interactive terminal (stderr). */
  readonly progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The real stdout/stderr. */
export function processIo(): SerialIo {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    progressStream: process.stderr,
  };
}

/** Mode-register access for one die, as the firmware drivers build it. */
export interface MrPrograms {
  /** Program that writes `value` to mode register `mr` of die `dieId`. */
  mrw(board: BoardConfig, dieId: string, mr: number, value: number): RegisterProgram;
  /**
   * Program that reads mode register `mr` of die `dieId`, with the decoder of its reads; or a
   * sentence saying why this controller cannot do an MRR from the CPU.
   */
  mrr(
    board: BoardConfig,
    dieId: string,
    mr: number,
  ): { program: RegisterProgram; decode(reads: Readonly<Record<string, number>>): number } | string;
  /** Every die one MRW addressed to `dieId` reaches (itself included). */
  reach?(board: BoardConfig, dieId: string): string[];
}

export interface SerialDeps {
  /** Opens the port (default: serialport through open-port.ts). */
  readonly openPort?: (path: string, options: { baudRate: number }) => Promise<PortStream>;
  readonly timer?: Timer;
  /** MR programs (default: firmware/drivers). */
  readonly mr?: MrPrograms;
  /** Console client tuning (tests shorten the sync timeouts). */
  readonly consoleOptions?: ConsoleOptions;
  /** For `serve`: stops serving when aborted (default: SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  /** For `serve`: called once the pty is ready. */
  readonly onServing?: (info: { path: string; link: string | undefined }) => void;
  readonly listPorts?: ListPortsDeps;
}

export interface PortOptions {
  readonly port: string;
  /** Default 115200. */
  readonly baud?: number;
  /** Per-command timeout in ms. Default 3000. */
  readonly timeout?: number;
}

async function defaultOpen(path: string, options: { baudRate: number }): Promise<PortStream> {
  const { openSerialPort } = await import('./open-port.js');
  return openSerialPort(path, options);
}

async function defaultMr(): Promise<MrPrograms> {
  const { firmwareMrPrograms } = await import('./mr-programs.js');
  return firmwareMrPrograms;
}

/** Open the port, run `fn` with a console on it, always close the port. */
async function withConsole<T>(
  opts: PortOptions,
  deps: SerialDeps,
  io: SerialIo,
  fn: (con: UbootConsole) => Promise<T>,
): Promise<T> {
  const baudRate = opts.baud ?? 115200;
  const timeout = opts.timeout ?? 3000;
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new UsageError(`--timeout ${timeout}: not a positive number of milliseconds`);
  const stream = await (deps.openPort ?? defaultOpen)(opts.port, { baudRate });
  const con = new UbootConsole(stream, deps.timer ?? hostTimer, {
    commandTimeoutMs: timeout,
    onWarning: (w) => io.err(`warning: ${w}`),
    ...deps.consoleOptions,
  });
  try {
    return await fn(con);
  } finally {
    con.dispose();
    await stream.close();
  }
}

/**
 * After a reset a real U-Boot prints its banner and counts down to autoboot: left alone it
 * boots the OS. Keep pressing Ctrl-C (bounded) until the prompt is back, and say whether it is.
 */
async function catchAutoboot(con: UbootConsole): Promise<string> {
  try {
    await con.sync({ attempts: 10, timeoutMs: 1000 });
    return 'the board came back to the U-Boot prompt (autoboot stopped with Ctrl-C); its registers are at their boot values';
  } catch (e) {
    return `the board did not come back to the U-Boot prompt: ${(e as Error).message}`;
  }
}

function emulated(config: BoardConfig): Board {
  const clock = new SimClock();
  return new Board(config, clock, new TraceBus(clock, false));
}

function dieOf(config: BoardConfig, id: string): DieConfig {
  const d = config.dies.find((x) => x.id === id);
  if (!d)
    throw new CliError(
      `--die ${id}: board ${config.name} has no such die (dies: ${config.dies.map((x) => x.id).join(', ')})`,
    );
  return d;
}

/** Long step lists are cut in the middle: the first 6 and the last 3 are shown. */
function stepLines(label: string, steps: readonly ConsoleStep[]): string[] {
  const line = (st: ConsoleStep) => `  ${label.padEnd(12)} #${st.index} ${st.command ?? st.comment}`;
  if (steps.length <= 12) return steps.map(line);
  const hidden = steps.slice(6, -3);
  return [
    ...steps.slice(0, 6).map(line),
    `  ${label.padEnd(12)} … ${hidden.length} more (#${hidden[0]!.index}-#${hidden.at(-1)!.index}) …`,
    ...steps.slice(-3).map(line),
  ];
}

/**
 * Describe a failed program run: `pasr: <reason>`, then what was applied, what may have been,
 * and what was not.
 */
export function describeFailure(
  r: Extract<ConsoleProgramResult, { ok: false }>,
  what = 'operations',
  context?: string,
): string[] {
  const total = r.appliedSteps.length + (r.uncertainStep ? 1 : 0) + r.notAppliedSteps.length;
  const first = `pasr: ${context ? `${context}: ` : ''}${r.reason}`;
  if (r.code === 'hazard') return [first, `nothing was sent: 0 of ${total} ${what} applied`];
  const lines = [first];
  lines.push(
    `applied ${r.applied} of ${total} ${what}${r.boardReset && r.applied > 0 ? ' (then undone by the board reset)' : ''}${r.applied ? ':' : ''}`,
  );
  lines.push(...stepLines('applied', r.appliedSteps));
  if (r.uncertainStep)
    lines.push(
      `  UNCERTAIN    #${r.uncertainStep.index} ${r.uncertainStep.command} (sent; no prompt came back, so it may or may not have run)`,
    );
  lines.push(...stepLines('not applied', r.notAppliedSteps));
  return lines;
}

// ---- board ports ------------------------------------------------------------------------

export async function boardPorts(opts: { json?: boolean }, io: SerialIo, deps: SerialDeps = {}): Promise<number> {
  let nativeList = deps.listPorts?.nativeList;
  if (!nativeList && !deps.listPorts) nativeList = (await import('./open-port.js')).nativePortList;
  const r = await listPorts({ ...deps.listPorts, ...(nativeList ? { nativeList } : {}) });
  if (opts.json) {
    io.out(JSON.stringify(r.ports, null, 2));
    if (r.note) io.err(`note: ${r.note}`);
    return 0;
  }
  if (r.note) io.err(`note: ${r.note}`);
  if (r.ports.length === 0) io.out('no serial ports found');
  for (const p of r.ports) {
    const extra = [
      p.manufacturer,
      p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : undefined,
      p.serialNumber,
      p.byId,
    ]
      .filter(Boolean)
      .join('  ');
    io.out(extra ? `${p.path}  ${extra}` : p.path);
  }
  return 0;
}

// ---- board serve ------------------------------------------------------------------------

export interface ServeOptions extends Omit<VirtualBoardOptions, 'onEvent'> {
  readonly board: BoardConfig;
  /** Log each console command and reset to stderr. */
  readonly verbose?: boolean;
}

export async function boardServe(opts: ServeOptions, io: SerialIo, deps: SerialDeps = {}): Promise<number> {
  const served = await serveBoardOnPty(opts.board, {
    ...opts,
    onEvent: (e) => {
      if (e.kind === 'reset') io.err(`board reset (${e.reason})`);
      else if (opts.verbose && e.kind === 'command') io.err(`> ${e.repeat ? '(repeat) ' : ''}${e.line}`);
    },
  });
  io.out(
    `serving ${opts.board.name} (${served.board.controllers.map((c) => `${c.id}: ${c.kind}`).join(', ')}) on ${served.pty.path}`,
  );
  if (served.link) io.out(`link ${served.link} -> ${served.pty.path}`);
  io.out(
    'open it with: pasr board probe --port ' +
      (served.link ?? served.pty.path) +
      ` --board ${opts.board.name}   (stop with Ctrl-C)`,
  );
  deps.onServing?.({ path: served.pty.path, link: served.link });

  const stopped = new Promise<'signal' | Error | undefined>((resolve) => {
    void served.pty.closed.then(resolve);
    if (deps.signal) {
      if (deps.signal.aborted) resolve('signal');
      deps.signal.addEventListener('abort', () => resolve('signal'), { once: true });
    } else {
      const onSignal = () => resolve('signal');
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, onSignal);
    }
  });
  const why = await stopped;
  await served.close();
  if (why !== 'signal') {
    io.err(`pasr: the pseudo-terminal ${served.pty.path} closed unexpectedly${why ? `: ${why.message}` : ''}`);
    return 1;
  }
  io.err(`stopped serving ${opts.board.name}`);
  return 0;
}

// ---- board probe ------------------------------------------------------------------------

export interface ProbeOptions extends PortOptions {
  readonly board: BoardConfig;
  readonly json?: boolean;
}

interface RegisterCheck {
  controller: string;
  block: string;
  register: string;
  address: number;
  expected: number;
  /** Bits compared (write-only and self-clearing fields read as 0). */
  mask: number;
  actual?: number;
  ok: boolean;
}

interface DieCheck {
  id: string;
  expected: { mr5: number; mr6: number; mr7: number; mr8: number };
  actual?: { mr5: number; mr6: number; mr7: number; mr8: number };
  ok: boolean;
  /** Why MR5-MR8 were not read. */
  skipped?: string;
  mismatches: string[];
}

/** Registers of the board config's register images, with their bus addresses and readable bits. */
function configRegisters(config: BoardConfig): Omit<RegisterCheck, 'ok'>[] {
  const board = emulated(config);
  const out: Omit<RegisterCheck, 'ok'>[] = [];
  for (const c of config.controllers) {
    const model = board.controller(c.id);
    const images: [string, Readonly<Record<string, number>>, number][] = [[c.id, c.registers, c.base]];
    for (const [key, b] of Object.entries(c.blocks)) images.push([key, b.registers, b.base]);
    for (const [blockKey, image, base] of images) {
      const blk = Object.values(model.blocks).find((b) => b.base === base);
      if (!blk) throw new Error(`${c.id}: no register block at ${hex(base)} in the model`);
      for (const [name, expected] of Object.entries(image)) {
        const decl = blk.reg(name);
        let mask = 0;
        for (const f of decl.fields)
          if (f.access !== 'wo' && f.access !== 'wsc') mask = (mask | ((2 ** f.width - 1) * 2 ** f.shift)) >>> 0;
        out.push({
          controller: c.id,
          block: blockKey,
          register: name,
          address: base + decl.offset,
          expected: expected >>> 0,
          mask,
        });
      }
    }
  }
  return out;
}

export async function boardProbe(opts: ProbeOptions, io: SerialIo, deps: SerialDeps = {}): Promise<number> {
  const config = opts.board;
  const regs = configRegisters(config);
  const mr = deps.mr ?? (await defaultMr());
  const registerChecks: RegisterCheck[] = [];
  const dieChecks: DieCheck[] = [];
  let failure: string[] | undefined;

  await withConsole(opts, deps, io, async (con) => {
    try {
      for (const r of regs) {
        const actual = await con.readWord(r.address);
        registerChecks.push({ ...r, actual, ok: ((actual ^ r.expected) & r.mask) >>> 0 === 0 });
      }
    } catch (e) {
      if (!(e instanceof ConsoleError)) throw e;
      failure = [`pasr: cannot read ${regName(regs[registerChecks.length]!)}: ${e.message}`];
      if (e.code === 'board-reset') failure.push(await catchAutoboot(con));
      return;
    }
    for (const d of config.dies) {
      const expected = { mr5: d.part.mr5, mr6: d.part.mr6, mr7: d.part.mr7, mr8: d.part.mr8 };
      const actual: Record<string, number> = {};
      let skipped: string | undefined;
      for (const n of [5, 6, 7, 8]) {
        const p = mr.mrr(config, d.id, n);
        if (typeof p === 'string') {
          skipped = p;
          break;
        }
        if (p.program.hazards.length > 0) {
          skipped = `MRR needs a hazardous sequence (${p.program.hazards.map((h) => h.code).join(', ')}): not read`;
          break;
        }
        const r = await executeOnConsole(con, p.program, deps.timer ?? hostTimer);
        if (!r.ok) {
          failure = describeFailure(r, 'operations', `cannot read MR${n} of ${d.id}`);
          if (r.boardReset) failure.push(await catchAutoboot(con));
          return;
        }
        actual[`mr${n}`] = p.decode(r.reads);
      }
      if (skipped !== undefined) {
        dieChecks.push({ id: d.id, expected, ok: true, skipped, mismatches: [] });
        continue;
      }
      const got = { mr5: actual['mr5']!, mr6: actual['mr6']!, mr7: actual['mr7']!, mr8: actual['mr8']! };
      const mismatches = (['mr5', 'mr6', 'mr7', 'mr8'] as const)
        .filter((k) => got[k] !== expected[k])
        .map((k) => `${k.toUpperCase()} ${hex(got[k], 2)}, config says ${hex(expected[k], 2)}`);
      dieChecks.push({ id: d.id, expected, actual: got, ok: mismatches.length === 0, mismatches });
    }
  });

  const mismatches = [
    ...registerChecks
      .filter((r) => !r.ok)
      .map((r) => `${regName(r)} at ${hex(r.address)} reads ${hex(r.actual!)}, config says ${hex(r.expected)}`),
    ...dieChecks.flatMap((d) => d.mismatches.map((m) => `${d.id}: ${m}`)),
  ];
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          board: config.name,
          port: opts.port,
          ok: failure === undefined && mismatches.length === 0,
          error: failure?.join('\n').replace(/^pasr: /, ''),
          registers: registerChecks,
          dies: dieChecks.map((d) => ({ ...d, identity: d.actual ? identity(config, d.actual) : undefined })),
          mismatches,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(`board ${config.name} on ${opts.port}`);
    for (const r of registerChecks) {
      io.out(
        `  ${regName(r).padEnd(34)} ${hex(r.address)}  ${hex(r.actual!)}  ${r.ok ? 'ok' : `MISMATCH (config ${hex(r.expected)})`}`,
      );
    }
    for (const d of dieChecks) {
      if (d.skipped) io.out(`  ${d.id.padEnd(16)} MR5-MR8 not read: ${d.skipped}`);
      else {
        const a = d.actual!;
        io.out(
          `  ${d.id.padEnd(16)} MR5 ${hex(a.mr5, 2)} MR6 ${hex(a.mr6, 2)} MR7 ${hex(a.mr7, 2)} MR8 ${hex(a.mr8, 2)}  ${identity(config, a)}  ${d.ok ? 'ok' : 'MISMATCH'}`,
        );
      }
    }
    if (!failure && mismatches.length === 0) io.out('probe: board matches its config');
  }
  // The verdict on stderr in both forms (the JSON carries the details too).
  if (failure) for (const l of opts.json ? failure.slice(0, 1) : failure) io.err(l);
  else if (mismatches.length > 0) {
    const n = mismatches.length;
    io.err(
      `pasr: board ${config.name} on ${opts.port} does not match its config (${n} mismatch${n === 1 ? '' : 'es'})${opts.json ? '' : ':'}`,
    );
    if (!opts.json) for (const m of mismatches) io.err(`  ${m}`);
  }
  return failure || mismatches.length > 0 ? 1 : 0;
}

/** `emif1.SDRAM_CONFIG`, or `emif1/dmm.LISA_MAP_3` for a register of an extra block. */
function regName(r: { controller: string; block: string; register: string }): string {
  return r.block === r.controller ? `${r.controller}.${r.register}` : `${r.controller}/${r.block}.${r.register}`;
}

function identity(config: BoardConfig, a: { mr5: number; mr8: number }): string {
  let mr8: string;
  try {
    const d = decodeMr8(config.standard, a.mr8);
    mr8 = `${d.type}, ${d.densityMbit} Mbit, x${d.ioWidth}`;
  } catch (e) {
    mr8 = (e as Error).message;
  }
  return `${vendorName(a.mr5) ?? 'unknown vendor'}; ${mr8}`;
}

// ---- board apply ------------------------------------------------------------------------

export interface ApplyOptions extends Partial<PortOptions> {
  readonly board: BoardConfig;
  readonly die: readonly string[];
  readonly mr16?: number;
  readonly mr17?: number;
  /** Segments to mask, e.g. `4-7` or `1,3,5`. */
  readonly segments?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
}

/** `4-7`, `1,3`, `0-1,6` -> bit mask. */
export function parseSegmentList(list: string, segments: number, where = '--segments'): number {
  let mask = 0;
  const text = list.trim();
  if (text === '') throw new UsageError(`${where}: empty list (use e.g. 4-7 or 1,3)`);
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`${where} ${list}: ${JSON.stringify(part)} is not a segment number or range`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`${where} ${list}: range ${part.trim()} runs backwards`);
    if (b >= segments) throw new CliError(`${where} ${list}: segment ${b} does not exist (segments 0-${segments - 1})`);
    for (let s = a; s <= b; s++) mask |= 1 << s;
  }
  return mask >>> 0;
}

/** The MR writes `apply` asks for, per die, validated against each die's geometry. */
export function applyWrites(opts: ApplyOptions): { die: string; mr: number; value: number }[] {
  const chosen = [opts.mr16 !== undefined, opts.mr17 !== undefined, opts.segments !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('apply: give exactly one of --mr16, --mr17, --segments');
  if (opts.die.length === 0) throw new UsageError('apply: give at least one --die');
  const board = emulated(opts.board);
  const out: { die: string; mr: number; value: number }[] = [];
  for (const id of new Set(opts.die)) {
    dieOf(opts.board, id);
    const g = board.die(id).geometry;
    if (opts.mr16 !== undefined) {
      if (g.bankMaskMr !== 16) throw new CliError(`--mr16: die ${id} (${g.standard}) has no bank mask register`);
      const limit = g.bankMaskKind === 's2-code' ? 3 : 2 ** g.banks - 1;
      if (!Number.isInteger(opts.mr16) || opts.mr16 < 0 || opts.mr16 > limit) {
        throw new CliError(
          `--mr16 ${opts.mr16}: die ${id} takes 0..${hex(limit, 2)} (${g.bankMaskKind === 's2-code' ? 'S2 PASR fraction code' : `${g.banks} banks`})`,
        );
      }
      out.push({ die: id, mr: 16, value: opts.mr16 });
    } else {
      const mr = g.segmentMaskMr;
      if (mr === null)
        throw new CliError(`die ${id} (${g.standard}, ${g.densityMbit} Mbit) has no segment mask register`);
      if (opts.mr17 !== undefined && mr !== 17)
        throw new CliError(`--mr17: die ${id} (${g.standard}) masks segments with MR${mr}; use --segments`);
      const value = opts.mr17 ?? parseSegmentList(opts.segments!, g.segments);
      const limit = 2 ** g.segments - 1;
      if (!Number.isInteger(value) || value < 0 || value > 0xff || (value & ~limit) !== 0) {
        throw new CliError(`--mr17 ${value}: die ${id} has segments 0-${g.segments - 1} (mask 0..${hex(limit, 2)})`);
      }
      out.push({ die: id, mr, value });
    }
  }
  return out;
}

/**
 * Masking only some dies of an interleave group. Where address bits below the page size
 * interleave the group (the OMAP4 DMM's 128-byte interleave of two EMIFs), the masked dies'
 * share of a segment or bank is made of pieces of every page in its range, so every one of
 * those pages loses data on a real board, whatever the kernel freed. Dies an MRW reaches
 * anyway (channels sharing a command bus) count as masked.
 */
export function partialGroupHazard(
  config: BoardConfig,
  writes: readonly { die: string; mr: number; value: number }[],
  reach: (die: string) => readonly string[],
): Hazard | undefined {
  const masked = new Map<string, { mr: number; value: number }>();
  for (const w of writes) if (w.value !== 0) for (const d of reach(w.die)) masked.set(d, w);
  if (masked.size === 0) return undefined;
  const board = emulated(config);
  for (const group of config.pasr.interleave) {
    const part = group.filter((d) => masked.has(d));
    if (part.length === 0 || part.length === group.length) continue;
    const w = masked.get(part[0]!)!;
    const bit = Math.log2(w.value & -w.value);
    const geometry = board.die(part[0]!).geometry;
    // An S2 bank-mask code is a refreshed fraction, not a bank: assume the worst.
    const byBank = w.mr === geometry.bankMaskMr;
    const c =
      byBank && geometry.bankMaskKind === 's2-code'
        ? undefined
        : board.addressMap.cover(part, byBank ? { bank: bit } : { segment: bit }, 'whole');
    if (c !== undefined && c.granuleBytes >= config.kernel.pageSize) continue;
    const pieces = c !== undefined ? ` in ${sizeText(c.granuleBytes)} pieces` : '';
    const others = group.filter((d) => !masked.has(d));
    return {
      code: HAZARDS.partialInterleave.code,
      message:
        `${part.join(', ')} ${part.length === 1 ? 'is' : 'are'} interleaved with ${others.join(', ')}${pieces}: ` +
        `${HAZARDS.partialInterleave.message}; mask the whole group: ${group.map((d) => `--die ${d}`).join(' ')}`,
    };
  }
  return undefined;
}

export async function boardApply(opts: ApplyOptions, io: SerialIo, deps: SerialDeps = {}): Promise<number> {
  const writes = applyWrites(opts);
  const mr = deps.mr ?? (await defaultMr());
  const programs = writes.map((w) => mr.mrw(opts.board, w.die, w.mr, w.value));
  const reach = (die: string) => mr.reach?.(opts.board, die) ?? [die];
  for (const w of writes) {
    const others = reach(w.die).filter((d) => d !== w.die);
    if (others.length > 0)
      io.err(`note: an MRW to ${w.die} also reaches ${others.join(', ')} (they share its command bus)`);
  }
  const joined = concatPrograms(
    `apply ${writes.map((w) => `${w.die} MR${w.mr}=${hex(w.value, 2)}`).join(', ')}`,
    programs,
  );
  const partial = partialGroupHazard(opts.board, writes, reach);
  const p = partial ? { ...joined, hazards: [...joined.hazards, partial] } : joined;
  if (opts.dryRun) {
    for (const l of renderPlan(planConsoleProgram(p))) io.out(l);
    if (p.hazards.length > 0 && !opts.force)
      io.err(`note: these hazards make apply refuse without --force: ${p.hazards.map((h) => h.code).join(', ')}`);
    if (opts.port) io.err(`note: --dry-run: nothing was sent to ${opts.port}`);
    return 0;
  }
  if (!opts.port) throw new UsageError('apply: --port is required (or use --dry-run)');
  // Refuse a hazardous program before the port is even opened.
  const refused = hazardRefusal(p, { force: opts.force ?? false });
  if (refused) {
    for (const l of describeFailure(refused, 'register operations')) io.err(l);
    return 1;
  }
  const port: PortOptions = {
    port: opts.port,
    ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
  };
  const result = await withConsole(port, deps, io, async (con) => {
    const r = await executeOnConsole(con, p, deps.timer ?? hostTimer, { force: opts.force ?? false });
    if (!r.ok) {
      for (const l of describeFailure(r, 'register operations')) io.err(l);
      if (r.boardReset) io.err(await catchAutoboot(con));
    }
    return r;
  });
  if (!result.ok) return 1;
  for (const h of result.forced) io.err(`warning: ran despite hazard ${h.code}: ${h.message}`);
  for (const w of writes) io.out(`${w.die}: MR${w.mr} = ${hex(w.value, 2)}`);
  io.out(`applied ${result.applied} register operations on ${opts.board.name} over ${opts.port}`);
  return 0;
}

// ---- board replay -----------------------------------------------------------------------

export interface ReplayOptions extends Partial<PortOptions> {
  readonly board: BoardConfig;
  /** Decoded trace events (any kinds; the mmio.write ones are replayed, in seq order). */
  readonly trace: readonly TraceEvent[];
  /** For messages: the trace file name. */
  readonly traceName?: string;
  readonly dryRun?: boolean;
  /** Send writes that are not registers of this board, and hazardous ones. */
  readonly force?: boolean;
}

/**
 * Writes that must not be replayed blindly on a live board: the hazards the drivers declare
 * (firmware/drivers/mr-driver.ts HAZARDS), found from the trace itself: an MMDC write that
 * sets MDSCR.CON_REQ, the DRAM init MRWs (MR63 reset, MR10 = 0xFF ZQ init) and a self-refresh
 * entry, each named by the write that caused it.
 */
export function replayHazards(
  config: BoardConfig,
  events: readonly TraceEvent[],
  writes: readonly MmioWriteEvent[],
): Hazard[] {
  const found = new Map<string, Hazard>();
  const add = (h: Hazard, w: MmioWriteEvent | undefined, what: string) => {
    if (found.has(h.code)) return;
    const at = w ? `write #${writes.indexOf(w)} (seq ${w.seq}, ${w.block}.${w.register})` : 'the trace';
    found.set(h.code, { code: h.code, message: `${at} ${what}: ${h.message}` });
  };
  const mdscr = registerOf(FSL_MMDC, 'MDSCR');
  const conReq = fieldOf(mdscr, 'CON_REQ');
  for (const c of config.controllers) {
    if (c.kind !== 'fsl-mmdc') continue;
    const w = writes.find((e) => e.address === c.base + mdscr.offset && extract(e.value, conReq.shift, 1) === 1);
    if (w) add(HAZARDS.mmdcConReq, w, `sets ${c.id} MDSCR.CON_REQ`);
  }
  /** The write that caused an event: the last write before it. */
  const cause = (seq: number): MmioWriteEvent | undefined => {
    let last: MmioWriteEvent | undefined;
    for (const w of writes) if (w.seq < seq) last = w;
    return last;
  };
  for (const e of events) {
    if (e.kind === 'dram.mrw' && (e.mr === 63 || (e.mr === 10 && e.value === 0xff))) {
      add(
        HAZARDS.dramInitLive,
        cause(e.seq),
        `issues ${e.mr === 63 ? 'the MR63 reset' : 'MR10 = 0xFF (ZQ init)'} on ${e.die}`,
      );
    } else if (e.kind === 'dram.sr.enter') {
      add(HAZARDS.selfRefreshLive, cause(e.seq), `puts ${e.die} into self-refresh`);
    }
  }
  return [...found.values()];
}

export function replayProgram(opts: ReplayOptions): RegisterProgram {
  const writes = opts.trace
    .filter((e): e is MmioWriteEvent => e.kind === 'mmio.write')
    .slice()
    .sort((a, b) => a.seq - b.seq);
  const name = opts.traceName ?? 'trace';
  if (writes.length === 0) throw new CliError(`${name}: no mmio.write events to replay`);
  if (!opts.force) {
    const board = emulated(opts.board);
    const foreign = writes.filter((w) => !board.bus.decode(w.address));
    if (foreign.length > 0) {
      const w = foreign[0]!;
      throw new CliError(
        `${name}: ${foreign.length} write(s) are not registers of ${opts.board.name}, first seq ${w.seq} at ${hex(w.address)} (${w.block}.${w.register}); ` +
          'was the trace recorded on another board? (--force sends them anyway)',
      );
    }
  }
  return makeProgram(
    `replay ${name}`,
    writes.map((w) => ({
      op: 'write' as const,
      address: w.address,
      value: w.value >>> 0,
      note: `seq ${w.seq} ${w.block}.${w.register}`,
    })),
    replayHazards(opts.board, opts.trace, writes),
  );
}

export async function boardReplay(opts: ReplayOptions, io: SerialIo, deps: SerialDeps = {}): Promise<number> {
  const p = replayProgram(opts);
  if (opts.dryRun) {
    for (const l of renderPlan(planConsoleProgram(p))) io.out(l);
    if (p.hazards.length > 0 && !opts.force)
      io.err(`note: these hazards make replay refuse without --force: ${p.hazards.map((h) => h.code).join(', ')}`);
    if (opts.port) io.err(`note: --dry-run: nothing was sent to ${opts.port}`);
    return 0;
  }
  if (!opts.port) throw new UsageError('replay: --port is required (or use --dry-run)');
  const refused = hazardRefusal(p, { force: opts.force ?? false });
  if (refused) {
    for (const l of describeFailure(refused, 'writes')) io.err(l);
    return 1;
  }
  const port: PortOptions = {
    port: opts.port,
    ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
  };
  const bar = await progressBar(io, p.ops.length);
  let result: ConsoleProgramResult;
  try {
    result = await withConsole(port, deps, io, async (con) => {
      const r = await executeOnConsole(con, p, deps.timer ?? hostTimer, {
        force: opts.force ?? false,
        onStep: (_s, done) => bar?.update(done),
      });
      bar?.stop();
      if (!r.ok) {
        for (const l of describeFailure(r, 'writes')) io.err(l);
        if (r.boardReset) io.err(await catchAutoboot(con));
      }
      return r;
    });
  } finally {
    bar?.stop();
  }
  if (!result.ok) return 1;
  for (const h of result.forced) io.err(`warning: ran despite hazard ${h.code}: ${h.message}`);
  io.out(
    `replayed ${result.applied} writes of ${opts.traceName ?? 'the trace'} on ${opts.board.name} over ${opts.port}`,
  );
  return 0;
}

/** A cli-progress bar on stderr, only when stderr is a terminal. */
async function progressBar(
  io: SerialIo,
  total: number,
): Promise<{ update(n: number): void; stop(): void } | undefined> {
  const stream = io.progressStream;
  if (!stream?.isTTY) return undefined;
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    { stream, format: 'replay [{bar}] {value}/{total} writes', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}
