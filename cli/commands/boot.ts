import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { encodeTrace } from '../../hal/trace/codec.js';
import { bootBoard } from '../../firmware/boot/boot.js';
import { KernelLog } from '../../firmware/boot/dmesg.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError } from '../errors.js';
import { writeOutput } from '../files.js';
import { sizeText, table } from '../format.js';

interface BootOptions extends BoardsDirOption {
  board: string;
  trace?: string;
  json?: boolean;
  proc?: 'buddyinfo' | 'pagetypeinfo' | 'vmstat' | 'zoneinfo';
  dmesg?: boolean;
}

export async function boot(opts: BootOptions): Promise<void> {
  const config = loadBoard(opts.board, opts);
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const r = bootBoard(config, clock, trace);
  const { board } = r;

  if (opts.trace) {
    writeOutput(opts.trace, encodeTrace({ board: config.name, creator: 'pasr-emu boot', events: trace.events }));
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
    if (opts.trace) lines.push('', `trace: ${trace.events.length} events written to ${opts.trace}`);
    if (guestErrors.length > 0)
      lines.push('', `guest errors (${guestErrors.length}):`, ...guestErrors.map((g) => `  ${g}`));
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!r.bootloader.ok)
    throw new CliError(`boot of ${config.name} failed:\n${r.bootloader.errors.map((e) => `  ${e}`).join('\n')}`);
}

const hex2 = (v: number) => '0x' + v.toString(16).padStart(2, '0');
