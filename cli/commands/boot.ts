import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { encodeTrace } from '../../hal/trace/codec.js';
import { bootBoard } from '../../firmware/boot/boot.js';
import { KernelLog } from '../../firmware/boot/dmesg.js';
import { loadBoard } from '../board-files.js';
import { CliError } from '../errors.js';
import { outputTarget, writeOutput } from '../files.js';
import { sizeText, table } from '../format.js';

interface BootOptions {
  board: string;
  trace?: string;
  json?: boolean;
  proc?: 'buddyinfo' | 'pagetypeinfo' | 'vmstat' | 'zoneinfo';
  dmesg?: boolean;
}

export async function boot(opts: BootOptions): Promise<void> {
  // The output is checked before the work: a bad --trace fails at once, not after the boot.
  const toStdout = opts.trace !== undefined && outputTarget(opts.trace, '--trace').kind === 'stdout';
  if (toStdout) {
    if (opts.json || opts.proc)
      throw new CliError(`--trace -: the trace takes standard output, so --${opts.json ? 'json' : 'proc'} cannot`);
    if (process.stdout.isTTY)
      throw new CliError(
        '--trace -: standard output is a terminal; the trace is binary (redirect it to a file or a pipe)',
      );
  }
  // With the trace on standard output, the summary goes to standard error.
  const summary = toStdout ? process.stderr : process.stdout;
  const config = loadBoard(opts.board);
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

  if (opts.proc && r.kernel) {
    const mm = r.kernel.mm;
    process.stdout.write(
      opts.proc === 'buddyinfo'
        ? mm.buddyinfo()
        : opts.proc === 'pagetypeinfo'
          ? mm.pagetypeinfo()
          : opts.proc === 'vmstat'
            ? mm.vmstat()
            : mm.zoneinfo(),
    );
  } else if (opts.json) {
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
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const lines: string[] = [];
    lines.push(
      `Booted ${config.name}: ${config.standard}, ${sizeText(config.dramSize)} at 0x${config.dramBase.toString(16)}, ${board.dies.length} dies, ${registerWrites} register writes in ${(clock.nowNs / 1000).toFixed(1)} µs simulated`,
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
          hex2(d.mr16),
          hex2(d.mr17),
        ]),
      ).trimEnd(),
    );
    if (opts.dmesg || !r.bootloader.ok) {
      lines.push('');
      lines.push(...r.log.lines.map(KernelLog.format));
    }
    if (opts.trace !== undefined)
      lines.push('', `trace: ${trace.events.length} events written to ${toStdout ? 'standard output' : opts.trace}`);
    if (guestErrors.length > 0)
      lines.push('', `guest errors (${guestErrors.length}):`, ...guestErrors.map((g) => `  ${g}`));
    summary.write(lines.join('\n') + '\n');
  }
  if (!r.bootloader.ok)
    throw new CliError(`boot of ${config.name} failed:\n${r.bootloader.errors.map((e) => `  ${e}`).join('\n')}`);
}

const hex2 = (v: number) => '0x' + v.toString(16).padStart(2, '0');
