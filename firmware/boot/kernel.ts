import type { Board } from '../../hal/board/board.js';
import { MemoryManager } from '../mm/memory-manager.js';
import { MmMechanisms } from '../mm/mechanisms.js';
import { ramRangesOf, type MemoryLayout } from '../mm/layout.js';
import { buildPasrMap, checkPasrMapInvariants, type PasrMap } from '../pasr/pasr-map.js';
import type { KernelLog } from './dmesg.js';
import { memoryLayoutOf } from './memory-layout.js';

export interface KernelOptions {
  /** Logical pages the address space can name (default: the number of page frames). */
  readonly addressSpacePages?: number;
}

export interface KernelBoot {
  readonly layout: MemoryLayout;
  readonly mm: MemoryManager;
  /** Reclaim, migration, compaction, isolation, CMA, hotplug and shrinkers on top of `mm`. */
  readonly mech: MmMechanisms;
  readonly pasr: PasrMap;
}

/**
 * memmap_init(): the pages of holes that get a struct page (reserved) and which zone they are
 * counted in, as "On node 0, zone Z: N pages in unavailable ranges": each hole before a range's
 * part in a populated zone, and the hole from the end of memory to the end of its section. Holes
 * in memory sections without RAM have no struct page and count nothing.
 */
export function unavailableRanges(mm: MemoryManager): { zone: string; pages: number }[] {
  const memmap = mm.memmap;
  const shift = memmap.sectionShift;
  const secStart = memmap.startPfn >> shift;
  const nrSections = ((memmap.endPfn - 1) >> shift) - secStart + 1;
  const validPages = (a: number, b: number): number => {
    let n = 0;
    for (let p = a; p < b; ) {
      const next = Math.min(b, ((p >> shift) + 1) * 2 ** shift);
      const sec = (p >> shift) - secStart;
      if (sec >= 0 && sec < nrSections && (memmap.sectionPresent === null || memmap.sectionPresent[sec] === 1))
        n += next - p;
      p = next;
    }
    return n;
  };
  const out: { zone: string; pages: number }[] = [];
  const report = (zone: string, a: number, b: number): void => {
    const pages = validPages(a, b);
    if (pages > 0) out.push({ zone, pages });
  };
  let hole = 0;
  let zoneName = '';
  for (const r of memmap.ranges) {
    for (const z of mm.zones) {
      if (!z.populated) continue;
      const s = Math.min(Math.max(r.startPfn, z.zoneStartPfn), z.endPfn);
      const e = Math.min(Math.max(r.endPfn, z.zoneStartPfn), z.endPfn);
      zoneName = z.name;
      if (s >= e) continue;
      if (hole < s) report(z.name, hole, s);
      hole = e;
    }
  }
  const end = Math.ceil(memmap.endPfn / 2 ** shift) * 2 ** shift;
  if (hole < end) report(zoneName, hole, end);
  return out;
}

const memRange = (start: number, end: number): string =>
  `[mem 0x${start.toString(16).padStart(16, '0')}-0x${(end - 1).toString(16).padStart(16, '0')}]`;

function mib(bytes: number): string {
  return bytes >= 2 ** 30 && bytes % 2 ** 30 === 0
    ? `${bytes / 2 ** 30} GiB`
    : bytes >= 2 ** 20
      ? `${+(bytes / 2 ** 20).toFixed(2)} MiB`
      : `${bytes / 1024} KiB`;
}

/**
 * The kernel stage of boot: memblock (DRAM, reserved ranges, CMA), zones and the buddy
 * allocator (mm core), then the PASR map. Logs what Linux logs at the same points
 * (setup_arch/paging_init, mem_init, the PASR framework's init), with simulated timestamps.
 */
export function bootKernel(board: Board, log: KernelLog, options: KernelOptions = {}): KernelBoot {
  const cfg = board.config;
  const page = cfg.kernel.pageSize;
  log.log('', 'Booting Linux on physical CPU 0x0');
  log.log('', `Machine model: ${cfg.description}`);
  const layout = memoryLayoutOf(cfg);
  for (const r of cfg.reserved) {
    const start = Math.floor(r.base / page) * page;
    log.log('memblock', `reserve ${memRange(start, Math.ceil((r.base + r.size) / page) * page)} ${r.name}`);
  }
  for (const c of layout.cma) {
    log.log(
      '',
      `Reserved memory: created CMA memory pool at 0x${(c.startPfn * page).toString(16).padStart(16, '0')}, size ${((c.endPfn - c.startPfn) * page) / 2 ** 20} MiB`,
    );
  }
  log.log('', 'Zone ranges:');
  for (const name of ['DMA', 'DMA32', 'Normal'] as const) {
    const z = layout.zones.find((x) => x.name === name);
    if (name !== 'Normal' && !z && !cfg.kernel.zones.some((x) => x.name === name)) continue;
    log.log('', `  ${name.padEnd(8)} ${z ? memRange(z.startPfn * page, z.endPfn * page) : 'empty'}`);
  }
  log.log('', 'Movable zone start for each node');
  const movable = layout.zones.find((z) => z.name === 'Movable');
  if (movable) log.log('', `  Node 0: 0x${(movable.startPfn * page).toString(16).padStart(16, '0')}`);
  log.log('', 'Early memory node ranges');
  for (const r of ramRangesOf(layout)) log.log('', `  node   0: ${memRange(r.startPfn * page, r.endPfn * page)}`);
  log.log('', `Initmem setup node 0 ${memRange(layout.startPfn * page, (layout.startPfn + layout.nrPages) * page)}`);

  const mm = new MemoryManager(layout, board.clock, cfg.kernel.configCma === false ? { configCma: false } : {});
  for (const u of unavailableRanges(mm))
    log.log('', `On node 0, zone ${u.zone}: ${u.pages} pages in unavailable ranges`);
  const mech = new MmMechanisms(mm, {
    costs: cfg.kernel.costs,
    costsWhere: `${cfg.name}: kernel.costs`,
    memoryBlockBytes: cfg.kernel.memoryBlockBytes,
    ...(options.addressSpacePages !== undefined ? { addressSpacePages: options.addressSpacePages } : {}),
  });
  const present = mm.zones.reduce((s, z) => s + z.presentPages, 0);
  const managed = mm.zones.reduce((s, z) => s + z.managedPages, 0);
  log.log('', `Built 1 zonelists, mobility grouping on.  Total pages: ${present}`);
  const cmaPages = layout.cma.reduce((s, r) => s + r.endPfn - r.startPfn, 0);
  log.log(
    '',
    `Memory: ${(mm.nrFreePages() * page) / 1024}K/${(present * page) / 1024}K available (${((present - managed) * page) / 1024}K reserved, ${(cmaPages * page) / 1024}K cma-reserved)`,
  );

  const pasr = buildPasrMap(cfg, board.addressMap);
  checkPasrMapInvariants(cfg, pasr);
  for (const d of board.dies) {
    const g = d.geometry;
    log.log(
      'pasr',
      `die ${d.id}: ${cfg.standard} ${g.densityMbit} Mbit x${g.ioWidth}, ${g.banks} banks of ${mib(board.addressMap.bankBytes(d.id))}, ${g.segments} segments of ${mib(board.addressMap.segmentBytes(d.id))}`,
    );
  }
  pasr.groups.forEach((g, i) => {
    if (g.length > 1) log.log('pasr', `group ${i}: ${g.join(' ')} are interleaved: masked together`);
  });
  const usable = pasr.units.filter((u) => u.usable);
  const shapes = [...new Set(pasr.units.map((u) => u.shape))].join('/');
  log.log(
    'pasr',
    `${pasr.units.length} units (${pasr.register}), ${usable.length} usable, ${shapes}; section ${mib(cfg.pasr.sectionBytes)}`,
  );
  for (const u of pasr.units) {
    const where =
      u.ranges.length === 1
        ? memRange(u.ranges[0]!.startPfn * page, u.ranges[0]!.endPfn * page)
        : `${u.ranges.length} ranges`;
    log.log(
      'pasr',
      `unit ${u.index}: ${u.register} bit ${u.bit} on group ${u.group}: ${where} ${mib(u.bytes)} ${u.shape}${u.usable ? '' : u.holePages > 0 ? ` (unusable: ${u.holePages} pages are memory holes)` : ' (unusable: not whole pages)'}`,
    );
  }
  if (pasr.bootParams.length > 0) log.log('pasr', `equivalent RFC boot parameters: ${pasr.bootParams.join(' ')}`);
  return { layout, mm, mech, pasr };
}
