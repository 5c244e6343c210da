import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { formatEventLine } from '../../hal/trace/format.js';
import { filterEvents } from '../../hal/trace/query.js';
import { bootBoard } from '../../firmware/boot/boot.js';
import { KernelLog } from '../../firmware/boot/dmesg.js';
import { programMasks, selfRefreshCycle } from '../../firmware/pasr/self-refresh.js';
import { checkMasks, formatViolation } from '../../firmware/pasr/safety.js';
import { unitMasks, type PasrUnit } from '../../firmware/pasr/pasr-map.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError } from '../errors.js';
import { hexAddr, sizeText } from '../format.js';

const SUSPEND_NS = 10e9;

/**
 * What `npm start` runs: boot the default board and show what happened at the register level,
 * then use PASR once the way a kernel would: find the highest PASR unit with no live page,
 * mask it, suspend for 10 s of simulated time, resume, and check that nothing live was lost.
 */
export async function demo(opts: BoardsDirOption & { board: string }): Promise<void> {
  const config = loadBoard(opts.board, opts);
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const out: string[] = [];
  const say = (s = '') => out.push(s);
  const r = bootBoard(config, clock, trace);
  const { board } = r;
  say(`pasr-emu: ${config.name} — ${config.description}`);
  say(
    `${config.standard}, ${sizeText(config.dramSize)} at ${hexAddr(config.dramBase)}, ${board.dies.length} dies on ${config.controllers.map((c) => `${c.id} (${c.kind})`).join(', ')}`,
  );
  say();
  say('Boot loader: DRAM mode-register init through the controller registers');
  const first = board.dies[0]!;
  say(`  register writes on ${first.config.controller} and the mode-register commands they gave ${first.id}:`);
  for (const e of filterEvents(trace.events, { die: first.id, kind: 'mmio.write,dram.mrw' }))
    say(`  ${formatEventLine(e)}`);
  for (const d of board.dies.slice(1)) {
    const mrws = trace.ofKind('dram.mrw').filter((e) => e.die === d.id);
    say(`  ${d.id}: ${mrws.map((e) => `${e.register}=0x${e.value.toString(16).padStart(2, '0')}`).join(' ')}`);
  }
  say();
  for (const l of r.log.lines.filter((l) => l.facility === 'SPL' || l.facility === 'pasr')) say(KernelLog.format(l));
  if (!r.kernel) {
    process.stdout.write(out.join('\n') + '\n');
    throw new CliError(`boot failed:\n${r.bootloader.errors.join('\n')}`);
  }
  const { mm, pasr } = r.kernel;
  const page = config.kernel.pageSize;
  say();
  say(
    `Kernel: ${mm.nrFreePages()} of ${config.dramSize / page} pages free; ${pasr.units.filter((u) => u.usable).length} usable PASR units (${pasr.register})`,
  );

  // What a PASR governor does: pick units with no live page, highest address first.
  const candidates = pasr.units.filter((u) => u.usable).sort((a, b) => b.ranges[0]!.startPfn - a.ranges[0]!.startPfn);
  const live = (u: PasrUnit) => checkMasks(board, mm.memmap, unitMasks(u)).reduce((n, v) => n + v.livePages, 0);
  const unit = candidates.find((u) => live(u) === 0);
  const busy = candidates.find((u) => live(u) > 0);
  if (!unit) {
    say('No PASR unit is free of live pages on this board right after boot: nothing to mask.');
    process.stdout.write(out.join('\n') + '\n');
    return;
  }
  const masks = unitMasks(unit);
  say(
    `PASR: masking ${unit.register} bit ${unit.bit} on ${unit.dies.join(' ')} = ${hexAddr(unit.ranges[0]!.startPfn * page)}-${hexAddr(unit.ranges.at(-1)!.endPfn * page - 1)} (${sizeText(unit.bytes)}, no live page)`,
  );
  const before = trace.events.length;
  const errors = programMasks(board, r.bootloader.drivers, masks);
  for (const e of trace.events.slice(before))
    if (e.kind === 'mmio.write' || e.kind === 'dram.mrw') say(`  ${formatEventLine(e)}`);
  if (busy) {
    // Show the safety check refusing a unit that holds live pages, without running it.
    const verdict = checkMasks(board, mm.memmap, unitMasks(busy));
    say(
      `  (the safety check would refuse ${busy.register} bit ${busy.bit}: ${verdict.map(formatViolation)[0] ?? 'no live page'})`,
    );
  }
  const rep = selfRefreshCycle(board, r.bootloader.drivers, mm.memmap, SUSPEND_NS);
  say();
  say(`Suspend ${SUSPEND_NS / 1e9} s (simulated) with the mask in force, then resume:`);
  say(
    `  safety check at self-refresh entry: ${rep.violations.length === 0 ? 'no live page in a masked bank or segment' : rep.violations.map(formatViolation).join('\n  ')}`,
  );
  say(`  pages poisoned on exit: ${rep.poisonedPages}; live pages lost: ${rep.lostPages}`);
  say(
    `  DRAM self-refresh energy: ${(rep.energyJ * 1e3).toFixed(3)} mJ vs ${(rep.fullArrayEnergyJ * 1e3).toFixed(3)} mJ full-array (${((1 - rep.energyJ / rep.fullArrayEnergyJ) * 100).toFixed(1)} % saved at ${config.temperatureC} °C; array share is an unverified parameter)`,
  );
  const all = [...errors, ...rep.errors];
  process.stdout.write(out.join('\n') + '\n');
  if (rep.violations.length > 0 || rep.lostPages > 0)
    throw new CliError(`PASR safety invariant violated: ${rep.lostPages} live pages lost`);
  if (all.length > 0) throw new CliError(all.join('\n'));
}
