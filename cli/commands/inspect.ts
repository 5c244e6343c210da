import type { TraceEvent } from '../../hal/trace/events.js';
import { diesOf, filterEvents, TraceFilterError, type TraceFilter } from '../../hal/trace/query.js';
import { renderText, toJson } from '../../hal/trace/format.js';
import { toCsv } from '../../hal/trace/csv.js';
import { toVcd } from '../../hal/trace/vcd.js';
import { CliError, UsageError } from '../errors.js';
import { readTrace } from '../trace-file.js';

interface InspectOptions {
  die?: string[];
  mr?: number[];
  kind?: string[];
  from?: number;
  to?: number;
  json?: boolean;
  csv?: boolean;
  vcd?: boolean;
}

/** Sorted distinct values of a trace, for "(dies in this trace: ...)" hints. */
function present<T extends string | number>(events: readonly TraceEvent[], pick: (e: TraceEvent) => readonly T[]): T[] {
  const s = new Set<T>();
  for (const e of events) for (const v of pick(e)) s.add(v);
  return [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function inspect(file: string, opts: InspectOptions): Promise<void> {
  const trace = readTrace(file);
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
    if (e instanceof TraceFilterError) throw new UsageError(`inspect: ${e.message}`);
    throw e;
  }
  // A die or MR the trace never mentions is a typo or the wrong trace, not an empty answer.
  const dies = present(trace.events, diesOf);
  for (const d of opts.die ?? []) {
    if (!dies.includes(d))
      throw new CliError(
        `inspect: ${file} has no events for die ${d} (dies in this trace: ${dies.join(', ') || 'none'})`,
      );
  }
  const mrs = present(trace.events, (e) => (e.kind === 'dram.mrw' || e.kind === 'dram.mrr' ? [e.mr] : []));
  for (const mr of opts.mr ?? []) {
    if (!mrs.includes(mr))
      throw new CliError(
        `inspect: ${file} has no access to MR${mr} (mode registers in this trace: ${mrs.map((m) => `MR${m}`).join(', ') || 'none'})`,
      );
  }
  if (opts.json) process.stdout.write(`${toJson(events)}\n`);
  else if (opts.csv) process.stdout.write(toCsv(events));
  else if (opts.vcd) process.stdout.write(toVcd(events, { board: trace.board }));
  else {
    process.stdout.write(`${file}: board ${trace.board}, ${trace.events.length} events, ${events.length} shown\n`);
    process.stdout.write(renderText(events));
  }
}
