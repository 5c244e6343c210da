import { type DecodedTrace, decodeTrace, TraceFormatError } from '../../hal/trace/codec.js';
import { diesOf, filterEvents, TraceFilterError, type TraceFilter } from '../../hal/trace/query.js';
import { renderText, toJson } from '../../hal/trace/format.js';
import { toCsv } from '../../hal/trace/csv.js';
import { toVcd } from '../../hal/trace/vcd.js';
import type { TraceEvent } from '../../hal/trace/events.js';
import { CliError } from '../errors.js';
import { readInput } from '../files.js';

interface InspectOptions {
  die?: string;
  mr?: number;
  kind?: string;
  from?: number;
  to?: number;
  json?: boolean;
  csv?: boolean;
  vcd?: boolean;
}

export async function inspect(file: string, opts: InspectOptions): Promise<void> {
  const bytes = readInput(file, 'trace');
  let trace: DecodedTrace;
  try {
    trace = decodeTrace(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new CliError(e.message);
    throw e;
  }
  const filter: { -readonly [K in keyof TraceFilter]: TraceFilter[K] } = {};
  if (opts.die !== undefined) filter.die = opts.die;
  if (opts.mr !== undefined) filter.mr = opts.mr;
  if (opts.kind !== undefined) filter.kind = opts.kind;
  if (opts.from !== undefined) filter.fromNs = opts.from;
  if (opts.to !== undefined) filter.toNs = opts.to;
  let events: TraceEvent[];
  try {
    events = filterEvents(trace.events, filter);
  } catch (e) {
    if (e instanceof TraceFilterError) throw new CliError(`inspect: ${e.message}`);
    throw e;
  }
  if (opts.die !== undefined && !trace.events.some((e) => diesOf(e).includes(opts.die!))) {
    const known = [...new Set(trace.events.flatMap(diesOf))];
    throw new CliError(
      `inspect: ${file} has no events for die ${opts.die} (dies in this trace: ${known.join(', ') || 'none'})`,
    );
  }
  if (opts.json) process.stdout.write(toJson(events) + '\n');
  else if (opts.csv) process.stdout.write(toCsv(events));
  else if (opts.vcd) process.stdout.write(toVcd(events, { board: trace.board }));
  else {
    process.stdout.write(`${file}: board ${trace.board}, ${trace.events.length} events, ${events.length} shown\n`);
    process.stdout.write(renderText(events));
  }
}
