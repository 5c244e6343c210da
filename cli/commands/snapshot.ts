/**
 * `pasr snapshot capture` and `pasr snapshot analyze`: the physical memory of a real Linux machine,
 * and what PASR could save on it.
 */
import { Board } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { buildPasrMap } from '../../firmware/pasr/pasr-map.js';
import { PAGE_CLASSES } from '../../firmware/snapshot/kpageflags.js';
import { analyzeMemory, type MemoryReport, UNFLAGGED_RUN_BYTES } from '../../firmware/snapshot/memory-report.js';
import {
  arrayPowerModel,
  boardPowerModel,
  boardSpecs,
  estimatePasr,
  type PasrEstimate,
  type Saving,
  segmentSpecs,
} from '../../firmware/snapshot/pasr-estimate.js';
import { hex } from '../../hal/bits.js';
import { type BoardsDirOption, loadBoard } from '../board-files.js';
import { UsageError } from '../errors.js';
import { sizeText, table } from '../format.js';
import { captureSnapshot } from '../snapshot/capture.js';
import { type LoadedSnapshot, readSnapshot } from '../snapshot/read-snapshot.js';

export async function capture(opts: { out: string }): Promise<void> {
  const r = await captureSnapshot(opts.out);
  const m = r.meta;
  const out: string[] = [
    `pasr snapshot capture: Linux ${m.kernel} ${m.machine}${m.pageSize ? `, ${sizeText(m.pageSize)} pages` : ''}, into ${r.dir}`,
  ];
  out.push(
    table(
      ['FILE', 'READ', 'WRITTEN', 'TIME'],
      r.files.map((f) => [
        f.name,
        f.readBytes > 0 ? sizeText(f.readBytes) : '',
        sizeText(f.writtenBytes),
        f.ms >= 10 ? `${(f.ms / 1000).toFixed(2)} s` : '',
      ]),
    ).trimEnd(),
  );
  const frames = r.files.find((f) => f.name === 'kpageflags.gz')!.readBytes / 8;
  out.push(
    `${frames} page frames; the page flags took ${(m.kpageflagsReadMs / 1000).toFixed(2)} s to read (the kernel's state moves meanwhile: buddyinfo.after is read once they are done)`,
  );
  out.push(`analyze it: pasr snapshot analyze ${r.dir} --segment-size 1GiB   (or --board NAME)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export interface AnalyzeOptions extends BoardsDirOption {
  board?: string;
  /** Checked by the command line (cli/options.ts): 4 KiB to 1 TiB, -40 to 125 °C. */
  segmentSize?: number;
  temperature?: number;
  json?: boolean;
}

/** More segments than this is a table nobody reads: the size is refused. */
const MAX_SEGMENTS = 4096;
/** arrayShare's default rule is anchored at 45 and 85 °C; a plain array is taken at the lower anchor. */
const DEFAULT_TEMPERATURE_C = 45;

export async function analyze(dir: string, opts: AnalyzeOptions): Promise<void> {
  if (opts.board === undefined && opts.segmentSize === undefined)
    throw new UsageError('snapshot analyze: give --board NAME|FILE or --segment-size SIZE');
  const config = opts.board !== undefined ? loadBoard(opts.board, opts) : null;
  const snap = await readSnapshot(dir);
  const { layout, kinds } = snap.data;
  const page = layout.pageSize;
  const memory = analyzeMemory(snap.data);

  let estimate: PasrEstimate;
  if (config) {
    const clock = new SimClock();
    const board = new Board(config, clock, new TraceBus(clock, false));
    const map = buildPasrMap(config, board.addressMap);
    const t = opts.temperature ?? config.temperatureC;
    const boardPages = config.dramSize / config.kernel.pageSize;
    const ratio = layout.pages / boardPages;
    const target = `${config.name}: ${map.units.length} PASR units (${map.register}), ${map.units.filter((u) => u.usable).length} usable; the machine's ${sizeText(layout.pages * page)} of RAM laid end to end and stretched onto its ${sizeText(config.dramSize)} of DRAM (${ratio >= 1 ? `${+ratio.toFixed(2)} machine pages on each board page` : `each machine page on ${+(1 / ratio).toFixed(2)} board pages`})`;
    estimate = estimatePasr(
      kinds,
      layout,
      boardSpecs(board, map, layout),
      target,
      boardPowerModel(board, map, opts.temperature),
      t,
    );
  } else {
    const size = opts.segmentSize!;
    if (size % page !== 0)
      throw new UsageError(`--segment-size ${size}: not a whole number of the snapshot's ${sizeText(page)} pages`);
    const count = Math.ceil((layout.pages * page) / size);
    if (count > MAX_SEGMENTS)
      throw new UsageError(
        `--segment-size ${sizeText(size)}: ${count} segments of this RAM; at most ${MAX_SEGMENTS} (give ${sizeText(2 ** Math.ceil(Math.log2((layout.pages * page) / MAX_SEGMENTS)))} or more)`,
      );
    const specs = segmentSpecs(layout, size);
    const t = opts.temperature ?? DEFAULT_TEMPERATURE_C;
    estimate = estimatePasr(
      kinds,
      layout,
      specs,
      `${specs.length} segments of ${sizeText(size)}: the RAM laid end to end (holes left out) and cut in order`,
      arrayPowerModel(specs, t),
      t,
    );
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(analysisJson(dir, snap, memory, estimate, config?.name ?? null, opts))}\n`);
    return;
  }
  process.stdout.write(`${analysisText(dir, snap, memory, estimate).join('\n')}\n`);
}

function analysisJson(
  dir: string,
  snap: LoadedSnapshot,
  m: MemoryReport,
  e: PasrEstimate,
  board: string | null,
  opts: AnalyzeOptions,
) {
  return {
    snapshot: dir,
    kernel: snap.meta?.kernel ?? null,
    machine: snap.meta?.machine ?? null,
    capturedAt: snap.meta?.capturedAt ?? null,
    pageSize: m.pageSize,
    pfns: m.frames,
    ramPages: m.ramPages,
    ramRanges: m.ramRanges,
    buddyMarking: m.marking,
    classes: m.classes,
    kinds: m.kinds,
    buddyinfoFreePages: m.buddyinfoFreePages,
    buddyinfoFreePagesAfter: m.buddyinfoFreePagesAfter,
    memFreePages: m.memFreePages,
    pcpPages: m.pcpPages,
    freeBlocks: m.freeBlocks,
    zones: m.zones,
    unflaggedRuns: m.unflaggedRuns,
    mappings: m.mappings,
    checks: m.checks,
    discrepancies: m.discrepancies,
    layout: {
      board,
      segmentBytes: opts.segmentSize ?? null,
      description: e.target,
    },
    temperatureC: e.temperatureC,
    arrayShare: e.arrayShare,
    segments: e.segments,
    masked: e.saving.masked,
    savingPercent: e.saving.savingPercent,
    savingBand: e.saving.savingBand,
    arrayUnrefreshedPercent: e.saving.arrayUnrefreshedPercent,
    pagesMoved: e.saving.pagesMoved,
    cleanDropped: e.saving.cleanDropped,
    ifUnknownEmpty: e.ifUnknownEmpty,
  };
}

const pct = (x: number, digits = 1): string => `${x.toFixed(digits)} %`;

function analysisText(dir: string, snap: LoadedSnapshot, m: MemoryReport, e: PasrEstimate): string[] {
  const page = m.pageSize;
  const size = (pages: number): string => sizeText(pages * page);
  const meta = snap.meta;
  const out: string[] = [];
  out.push(
    `pasr snapshot analyze ${dir}: ${meta ? `Linux ${meta.kernel} ${meta.machine}, captured ${meta.capturedAt.replace(/\.\d+Z$/, 'Z')}` : 'no snapshot.json (4 KiB pages assumed)'}`,
  );
  out.push(
    `RAM ${m.ramPages} pages (${size(m.ramPages)}) in ${m.ramRanges.length} System RAM ranges of iomem; ${snap.kpageflagsFile}: ${m.frames} page frames of ${sizeText(page)}, ${m.marking === 'every-page' ? 'every page of a free block flagged buddy' : 'only the first page of a free block flagged buddy (blocks rebuilt from buddyinfo)'}`,
  );
  out.push('');
  const k = m.kinds;
  const details: Record<string, string> = {
    movable: `anon/shmem ${k['anon']}, clean page cache ${k['fileClean']}, dirty ${k['fileDirty']}`,
    unmovable: `slab ${k['slab']}, page tables ${k['pageTables']}, unevictable ${k['unevictable']}, HugeTLB ${k['hugetlb']}, other kernel ${k['kernel']}`,
    reserved: 'PG_reserved: kernel image, memmap, firmware',
    offline: 'given away: balloon, virtio-mem, hotplug',
    nopage: 'no page frame online',
    unknown: 'no flag at all: per-cpu free lists, unflagged kernel pages, struct pages never initialised',
  };
  out.push(
    table(
      ['CLASS', 'PAGES', 'SIZE', 'SHARE', 'OF WHICH'],
      PAGE_CLASSES.map((c) => [
        c,
        String(m.classes[c]),
        size(m.classes[c]),
        pct((100 * m.classes[c]) / m.ramPages),
        details[c] ?? '',
      ]),
    ).trimEnd(),
  );
  out.push('');
  out.push(
    table(
      ['ZONE', 'PFNS', 'PRESENT', 'MANAGED', 'PCP', 'FREE (BUDDYINFO)', 'FREE (FLAGS)', 'RESERVED', 'UNKNOWN'],
      m.zones.map((z) => [
        z.name,
        `${hex(z.startPfn)}-${hex(z.endPfn)}`,
        z.present === null ? '-' : String(z.present),
        z.managed === null ? '-' : String(z.managed),
        z.pcpPages === null ? '-' : String(z.pcpPages),
        z.buddyinfoFreePages === null ? '-' : String(z.buddyinfoFreePages),
        String(z.classes.free),
        String(z.classes.reserved),
        String(z.classes.unknown),
      ]),
    ).trimEnd(),
  );
  const blocks = m.zones.filter((z) => z.pageblocks !== null);
  if (blocks.length > 0)
    out.push(
      `Pageblocks by migrate type (pagetypeinfo): ${blocks
        .map(
          (z) =>
            `${z.name} ${Object.entries(z.pageblocks!)
              .filter(([, n]) => n > 0)
              .map(([t, n]) => `${n} ${t}`)
              .join(', ')}`,
        )
        .join('; ')}`,
    );
  const u = m.unflagged;
  if (u.inLongRuns > 0 || u.notManaged > 0) {
    const runs = m.unflaggedRuns.map((r) => `pfn ${hex(r.startPfn)}-${hex(r.startPfn + r.pages)}`).join(', ');
    out.push(
      `Unknown pages: ${u.inLongRuns} (${size(u.inLongRuns)}) lie in runs of ${sizeText(UNFLAGGED_RUN_BYTES)} or more${runs ? ` (${runs})` : ''}; the zones hold ${u.notManaged} pages (${size(u.notManaged)}) present but neither managed nor flagged reserved: RAM the kernel has not brought up (deferred struct-page init, or memory held back).`,
    );
    if (u.freeOutsideBuddy > 0 && u.freeOutsideBuddy <= u.notManaged)
      out.push(
        `MemFree counts ${u.freeOutsideBuddy} pages free outside the buddy allocator: about ${u.notManaged - u.freeOutsideBuddy} (${size(u.notManaged - u.freeOutsideBuddy)}) of that RAM hold early boot allocations that the flags do not show (such as the memmap: 64 B per page frame).`,
      );
  }
  if (m.mappings)
    out.push(
      `Movable pages mapped: ${m.mappings.movableMapped} (${m.mappings.movableShared} shared); moving them all rewrites ${m.mappings.movableMappings} page-table entries`,
    );
  out.push('');
  out.push(
    table(
      ['CROSS-CHECK (A / B, pages)', 'A', 'B', 'B - A'],
      m.checks.map((c) => [
        c.name,
        String(c.a),
        String(c.b),
        `${c.difference > 0 ? '+' : ''}${c.difference}${c.discrepancy ? '  DISCREPANCY' : ''}`,
      ]),
    ).trimEnd(),
  );
  for (const d of m.discrepancies) out.push(`discrepancy: ${d}`);
  out.push('');
  out.push(`${e.target}:`);
  const boardMode = e.segments.some((s) => s.dies !== undefined);
  const groups = [...new Set(e.segments.filter((s) => s.dies && s.dies.length > 1).map((s) => s.dies!.join(' ')))];
  for (const [i, g] of groups.entries()) out.push(`group ${i}: ${g} (interleaved: masked together)`);
  out.push(
    table(
      [
        boardMode ? 'UNIT' : 'SEG',
        boardMode ? 'MASK' : 'RAM',
        'FREE',
        'MOVABLE',
        'UNMOVABLE',
        'RESERVED',
        'UNKNOWN',
        'STATE',
      ],
      e.segments.map((s) => [
        String(s.index),
        boardMode
          ? `${s.register} bit ${s.bit}, ${s.dies!.length === 1 ? s.dies![0] : `group ${groups.indexOf(s.dies!.join(' '))}`}`
          : s.ranges!.map((r) => `${hex(r.start)}-${hex(r.end - 1)}`).join(' '),
        String(s.freePages),
        String(s.movablePages),
        String(s.unmovablePages),
        String(s.reservedPages),
        String(s.unknownPages),
        s.state,
      ]),
    ).trimEnd(),
  );
  out.push('');
  const usable = e.segments.filter((s) => s.usable).length;
  const a = e.arrayShare;
  out.push(
    `PASR saving, self-refresh power (arrayShare ${a.mid.toFixed(2)}, band ${a.low.toFixed(2)}-${a.high.toFixed(2)}, at ${e.temperatureC} °C):`,
  );
  const row = (label: string, key: keyof Saving['masked']) => {
    const s = e.saving;
    const u = e.ifUnknownEmpty;
    return [
      label,
      `${s.masked[key].length} of ${usable}`,
      pct(s.arrayUnrefreshedPercent[key]),
      `${pct(s.savingPercent[key], 2)} (${s.savingBand[key].low.toFixed(2)}-${pct(s.savingBand[key].high, 2)})`,
      String(s.pagesMoved[key]),
      `${u.masked[key].length} of ${usable}, ${pct(u.savingPercent[key], 2)}`,
    ];
  };
  out.push(
    table(
      ['', 'UNREFRESHED', 'OF THE ARRAY', 'SAVED', 'PAGES MOVED', 'IF UNKNOWN PAGES HOLD NO DATA'],
      [row('now', 'now'), row('after migration', 'afterMigration'), row('oracle', 'oracle')],
    ).trimEnd(),
  );
  out.push(
    `(now: segments holding no data; after migration: no unmovable page and room elsewhere for the movable ones; oracle: clean page cache dropped, ${e.saving.cleanDropped} pages; unknown pages pin their segment unless said otherwise)`,
  );
  return out;
}
