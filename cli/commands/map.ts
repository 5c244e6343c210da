import { Board } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { CliError, UsageError } from '../errors.js';
import { sizeText } from '../format.js';
import { hex } from '../../hal/bits.js';

interface MapOptions extends BoardsDirOption {
  board: string;
  segment?: number;
  bank?: number;
  die?: string[];
  json?: boolean;
}

const MAX_LISTED = 16;

export async function map(opts: MapOptions): Promise<void> {
  if (opts.segment === undefined && opts.bank === undefined) throw new UsageError('map: give --segment S or --bank K');
  const config = loadBoard(opts.board, opts);
  const clock = new SimClock();
  const board = new Board(config, clock, new TraceBus(clock, false));
  const dies = opts.die && opts.die.length > 0 ? opts.die : board.dies.map((d) => d.id);
  for (const id of dies) {
    if (!board.addressMap.dieIds.includes(id))
      throw new CliError(`map: board ${config.name} has no die ${id} (dies: ${board.addressMap.dieIds.join(', ')})`);
  }
  const selector = opts.segment !== undefined ? { segment: opts.segment } : { bank: opts.bank! };
  const limit =
    opts.segment !== undefined ? Math.max(...dies.map((d) => board.addressMap.segmentsOf(d))) : board.addressMap.banks;
  const value = opts.segment ?? opts.bank!;
  if (value < 0 || value >= limit) {
    throw new CliError(
      `map: ${opts.segment !== undefined ? 'segment' : 'bank'} ${value} does not exist on ${config.name} (0-${limit - 1})`,
    );
  }
  const c = board.addressMap.cover(dies, selector, 'whole');
  const page = config.kernel.pageSize;
  if (opts.json) {
    const ranges: { start: number; end: number }[] = [];
    c.forEachRange((s, e) => ranges.push({ start: s * page, end: e * page }));
    const out = {
      board: config.name,
      dies,
      ...selector,
      shape: c.shape,
      bytes: c.bytes,
      pfnCount: c.pfnCount,
      granuleBytes: c.granuleBytes,
      ranges,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const what = opts.segment !== undefined ? `segment ${opts.segment}` : `bank ${opts.bank}`;
  const lines = [
    `${config.name}: ${what} on ${dies.length === board.dies.length ? `all ${dies.length} dies` : dies.join(' ')}`,
    `  shape     ${c.shape}${c.shape === 'strided' ? ` (${c.runPfns} page${c.runPfns === 1 ? '' : 's'} every ${c.stridePfns} pages)` : ''}`,
    `  array     ${sizeText(c.bytes)} of the dies' arrays, in ${sizeText(c.granuleBytes)} pieces`,
    `  pages     ${c.pfnCount} whole page frames (${sizeText(c.pfnCount * page)}) in ${c.rangeCount} range${c.rangeCount === 1 ? '' : 's'}`,
  ];
  let n = 0;
  c.forEachRange((s, e) => {
    if (n++ < MAX_LISTED) lines.push(`  ${hex(s * page)}-${hex(e * page - 1)}  ${sizeText((e - s) * page)}`);
  });
  if (n > MAX_LISTED) lines.push(`  … ${n - MAX_LISTED} more ranges (use --json for all)`);
  if (c.shape === 'sub-page')
    lines.push('  no page frame lies wholly in it: the kernel cannot empty it without the interleaved dies');
  process.stdout.write(lines.join('\n') + '\n');
}
