import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { encodeTrace } from '../../hal/trace/codec.js';
import { bootBoard } from '../../firmware/boot/boot.js';
import { KernelLog } from '../../firmware/boot/dmesg.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { outputTarget, writeOutput } from '../files.js';
import { sizeText, table } from '../format.js';
import { hex } from '../../hal/bits.js';

interface BootOptions extends BoardsDirOption {
  board: string;
  trace?: string;
  json?: boolean;
  proc?: ProcView[];
  dmesg?: boolean;
}

type ProcView = 'buddyinfo' | 'pagetypeinfo' | 'vmstat' | 'zoneinfo';

export async function boot(opts: BootOptions): Promise<void> {
  // The output is checked before the work: a bad --trace fails at once, not after the boot.
  const toStdout = opts.trace !== undefined && outputTarget(opts.trace, '--trace').kind === 'stdout';
  if (toStdout) {
    if (opts.json || opts.proc)
      throw new UsageError(`--trace -: the trace takes standard output, so --${opts.json ? 'json' : 'proc'} cannot`);
    if (process.stdout.isTTY)
      throw new CliError(
        '--trace -: standard output is a terminal; the trace is binary (redirect it to a file or a pipe)',
      );
  }
  // With the trace on standard output, the summary goes to standard error.
  const summary = toStdout ? process.stderr : process.stdout;
  const config = loadBoard(opts.board, opts);
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const r = bootBoard(config, clock, trace);
  const { board } = r;

  if (opts.trace !== undefined) {
    writeOutput(
      opts.trace,
      encodeTrace({ board: config.name, creator: 'pasr-emu boot', events: trace.events }),
      '--trace',
    );
  }
  const registerWrites = trace.ofKind('mmio.write').length;
  const dies = board.dies.map((d) => ({
    id: d.id,
    controller: d.config.controller,
    standard: config.standard,
    densityMbit: d.geometry.densityMbit,
    banks: d.geometry.banks,
    segments: d.geometry.segments,
    segmentBytes: d.geometry.segmentBytes,
    mr16: d.mr16,
    mr17: d.mr17,
  }));
  const guestErrors = trace.ofKind('guest.error').map((e) => `${e.source}: ${e.message}`);

  // The /proc views asked for, in the order asked (none when the kernel stage did not run).
  const proc: [ProcView, string][] = [];
  if (r.kernel) {
    const mm = r.kernel.mm;
    const views: Record<ProcView, () => string> = {
      buddyinfo: () => mm.buddyinfo(),
      pagetypeinfo: () => mm.pagetypeinfo(),
      vmstat: () => mm.vmstat(),
      zoneinfo: () => mm.zoneinfo(),
    };
    for (const v of opts.proc ?? []) proc.push([v, views[v]()]);
  }
  const dmesg = r.log.lines.map(KernelLog.format);

  if (opts.json) {
    const out = {
      board: config.name,
      ok: r.bootloader.ok,
      errors: r.bootloader.errors,
      guestErrors,
      bootTimeNs: clock.nowNs,
      registerWrites,
      traceEvents: trace.events.length,
      dies,
      identity: r.bootloader.identity,
      memory: r.kernel
        ? {
            zones: r.kernel.mm.zones
              .filter((z) => z.presentPages > 0)
              .map((z) => ({
                name: z.name,
                startPfn: z.zoneStartPfn,
                pages: z.presentPages,
                managed: z.managedPages,
                free: z.nrFreePages,
              })),
            freePages: r.kernel.mm.nrFreePages(),
          }
        : null,
      pasr: r.kernel
        ? {
            register: r.kernel.pasr.register,
            groups: r.kernel.pasr.groups,
            units: r.kernel.pasr.units.map((u) => ({
              index: u.index,
              group: u.group,
              bit: u.bit,
              shape: u.shape,
              bytes: u.bytes,
              pfnCount: u.pfnCount,
              usable: u.usable,
            })),
            bootParams: r.kernel.pasr.bootParams,
          }
        : null,
      ...(opts.dmesg ? { dmesg } : {}),
      ...(opts.proc ? { proc: Object.fromEntries(proc) } : {}),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (opts.proc) {
    // The kernel's exact formats, one after another (after the log when --dmesg asks for it).
    if (opts.dmesg) process.stdout.write(`${dmesg.join('\n')}\n\n`);
    process.stdout.write(proc.map(([, t]) => t).join('\n'));
  } else {
    const lines: string[] = [];
    lines.push(
      `Booted ${config.name}: ${config.standard}, ${sizeText(config.dramSize)} at ${hex(config.dramBase)}, ${board.dies.length} dies, ${registerWrites} register writes in ${(clock.nowNs / 1000).toFixed(1)} µs simulated`,
    );
    lines.push('');
    lines.push(
      table(
        ['DIE', 'CONTROLLER', 'DENSITY', 'BANKS', 'SEGMENTS', 'SEGMENT', 'MR16', 'MR17'],
        dies.map((d) => [
          d.id,
          d.controller,
          `${d.densityMbit} Mbit`,
          String(d.banks),
          String(d.segments),
          sizeText(d.segmentBytes),
          hex(d.mr16, 2),
          hex(d.mr17, 2),
        ]),
      ).trimEnd(),
    );
    if (opts.dmesg || !r.bootloader.ok) {
      lines.push('');
      lines.push(...dmesg);
    }
    if (opts.trace !== undefined)
      lines.push('', `trace: ${trace.events.length} events written to ${toStdout ? 'standard output' : opts.trace}`);
    if (guestErrors.length > 0)
      lines.push('', `guest errors (${guestErrors.length}):`, ...guestErrors.map((g) => `  ${g}`));
    summary.write(`${lines.join('\n')}\n`);
  }
  if (!r.bootloader.ok) {
    const n = r.bootloader.errors.length;
    throw new CliError(
      `boot of ${config.name} failed (${n} error${n === 1 ? '' : 's'}):`,
      EXIT.failed,
      r.bootloader.errors.map((e) => `  ${e}`),
    );
  }
}
