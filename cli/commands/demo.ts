import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { formatEventLine } from '../../hal/trace/format.js';
import { filterEvents } from '../../hal/trace/query.js';
import { bootBoard } from '../../firmware/boot/boot.js';
import { KernelLog } from '../../firmware/boot/dmesg.js';
import { programMasks, selfRefreshCycle } from '../../firmware/pasr/self-refresh.js';
import { checkMasks, formatViolation, isLiveKind } from '../../firmware/pasr/safety.js';
import { unitMasks, type PasrUnit } from '../../firmware/pasr/pasr-map.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError, EXIT } from '../errors.js';
import { sizeText } from '../format.js';
import { hex } from '../../hal/bits.js';
import { arrayShareAt } from '../../hal/lpddr/array-share.js';

const SUSPEND_NS = 10e9;

/**
 * What `npm start` runs: boot the default board and show what happened at the register level,
 * then use PASR once the way a kernel would: find the highest PASR unit with no live page,
 * mask it, suspend for 10 s of simulated time, resume, and check that nothing live was lost.
 * `--unit K` masks unit K instead, live pages or not: the safety check then reports them at
 * self-refresh entry, the cycle runs as the hardware would, and the exit status is 3.
 */
export async function demo(opts: BoardsDirOption & { board: string; unit?: number }): Promise<void> {
  const config = loadBoard(opts.board, opts);
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const out: string[] = [];
  const say = (s = '') => out.push(s);
  const r = bootBoard(config, clock, trace);
  const { board } = r;
  say(`pasr-emu: ${config.name} — ${config.description}`);
  say(
    `${config.standard}, ${sizeText(config.dramSize)} at ${hex(config.dramBase)}, ${board.dies.length} dies on ${config.controllers.map((c) => `${c.id} (${c.kind})`).join(', ')}`,
  );
  say();
  say('Boot loader: DRAM mode-register init through the controller registers');
  const first = board.dies[0]!;
  say(`  register writes on ${first.config.controller} and the mode-register commands they gave ${first.id}:`);
  for (const e of filterEvents(trace.events, { die: first.id, kind: 'mmio.write,dram.mrw' }))
    say(`  ${formatEventLine(e)}`);
  for (const d of board.dies.slice(1)) {
    const mrws = trace.ofKind('dram.mrw').filter((e) => e.die === d.id);
    say(`  ${d.id}: ${mrws.map((e) => `${e.register}=${hex(e.value, 2)}`).join(' ')}`);
  }
  say();
  for (const l of r.log.lines.filter((l) => l.facility === 'SPL' || l.facility === 'pasr')) say(KernelLog.format(l));
  if (!r.kernel) {
    process.stdout.write(`${out.join('\n')}\n`);
    throw new CliError(`boot of ${config.name} failed:`, EXIT.failed, r.bootloader.errors);
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
  const unit =
    opts.unit !== undefined ? chosenUnit(pasr.units, opts.unit, config.name) : candidates.find((u) => live(u) === 0);
  const busy = opts.unit === undefined ? candidates.find((u) => live(u) > 0) : undefined;
  if (!unit) {
    say('No PASR unit is free of live pages on this board right after boot: nothing to mask.');
    process.stdout.write(`${out.join('\n')}\n`);
    return;
  }
  const masks = unitMasks(unit);
  let liveInUnit = 0;
  for (const { startPfn, endPfn } of unit.ranges)
    for (let pfn = startPfn; pfn < endPfn; pfn++)
      if (isLiveKind(mm.memmap.kind(pfn - mm.memmap.startPfn))) liveInUnit++;
  say(
    `PASR: masking ${unit.register} bit ${unit.bit} on ${unit.dies.join(' ')} = ${hex(unit.ranges[0]!.startPfn * page)}-${hex(unit.ranges.at(-1)!.endPfn * page - 1)} (${sizeText(unit.bytes)}, ${liveInUnit === 0 ? 'no live page' : `${liveInUnit} live pages: a kernel would not mask it`})`,
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
  if (rep.violations.length === 0)
    say('  safety check at self-refresh entry: no live page in a masked bank or segment');
  else {
    say('  safety check at self-refresh entry:');
    for (const v of rep.violations) say(`    ${formatViolation(v)}`);
  }
  say(`  pages poisoned on exit: ${rep.poisonedPages}; live pages lost: ${rep.lostPages}`);
  const e = rep.energy;
  const full = e.selfRefreshJ.mid + e.savedJ.mid;
  const pct = (x: number): string => ((x / full) * 100).toFixed(1);
  const shares = arrayShareAt(config.temperatureC);
  say(
    `  DRAM self-refresh energy: ${(rep.energyJ * 1e3).toFixed(3)} mJ vs ${(full * 1e3).toFixed(3)} mJ full-array: ${pct(e.savedJ.mid)} % saved at ${config.temperatureC} °C`,
  );
  say(
    e.savedJ.low === e.savedJ.high
      ? '  (arrayShare as measured: given in the board config)'
      : `  (band ${pct(e.savedJ.low)}-${pct(e.savedJ.high)} % for arrayShare ${shares.low.toFixed(2)}-${shares.high.toFixed(2)}, default ${shares.mid.toFixed(2)}: LPDDR1 tables, none is published for LPDDR2-5; hal/lpddr/ARRAY-SHARE.md)`,
  );
  if (e.platform) {
    const ps = (x: number): string => (x * 100).toFixed(2);
    say(
      `  platform${e.platform.estimate ? ' (estimate)' : ''}: ${(e.platform.joules * 1e3).toFixed(0)} mJ suspended; the saving is ${ps(e.platform.savedShare.mid)} % of it (band ${ps(e.platform.savedShare.low)}-${ps(e.platform.savedShare.high)} %)`,
    );
  }
  for (const c of e.clamped) say(`  clamped: ${c}`);
  const all = [...errors, ...rep.errors];
  process.stdout.write(`${out.join('\n')}\n`);
  if (rep.violations.length > 0 || rep.lostPages > 0) {
    throw new CliError(
      `PASR safety invariant violated: ${rep.violations.length} of ${board.dies.length} dies entered self-refresh with live pages masked; ${rep.lostPages} live pages lost`,
      EXIT.safety,
    );
  }
  if (all.length > 0) throw new CliError(`the PASR cycle on ${config.name} had errors:`, EXIT.failed, all);
}

/** `--unit K`: that unit of the PASR map, if the kernel could mask it at all. */
function chosenUnit(units: readonly PasrUnit[], k: number, board: string): PasrUnit {
  const unit = units[k];
  if (unit === undefined) throw new CliError(`demo: --unit ${k}: ${board} has PASR units 0-${units.length - 1}`);
  if (!unit.usable)
    throw new CliError(
      `demo: --unit ${k}: ${unit.register} bit ${unit.bit} on ${unit.dies.join(' ')} is ${unit.shape}, not whole page frames: no kernel can empty it`,
    );
  return unit;
}
