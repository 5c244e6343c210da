import type { TraceEvent, TraceKind } from './events.js';
import { kindSpec, TRACE_KINDS } from './kinds.js';

/**
 * Selecting events from a trace (what `pasr inspect --die/--mr/--kind/--from/--to` does).
 *
 * Different filters combine with AND; several values of one filter (dies, MRs, kinds) with OR.
 * Semantics:
 *  (a) `die`: dram.* events of those dies; pasr.mask/unmask events whose interleave group holds
 *      one of the dies; mmio.* events on their controllers (block equal to a controller id, or
 *      starting with `<controller>.`); guest.error events whose source is one of the dies, or a
 *      block of their controllers that is not another die seen in the trace. System-wide events
 *      (sys.*, policy.decision, mm.batch) concern no die and are not selected. Each kind declares
 *      which of these it is (`place` in kinds.ts).
 *  (b) `mr`: dram.mrw / dram.mrr events of those MRs (of those dies, when `die` is given too),
 *      plus the mmio.write events that caused each of them: the writes on the same controller
 *      since the previous dram.* event of that controller (any die, any kind).
 *  (c) `kind`: exact kinds or globs (`*` any run of characters, `?` one), each value possibly a
 *      comma-separated list of those.
 *  (d) `fromNs` / `toNs`: fromNs <= tNs <= toNs (both inclusive).
 * The result keeps the input order and the event objects themselves (no copies).
 */
export interface TraceFilter {
  readonly die?: string | readonly string[];
  readonly mr?: number | readonly number[];
  readonly kind?: string | readonly string[];
  readonly fromNs?: number;
  readonly toNs?: number;
}

/** Maps a die id to the id of the controller that owns it. */
export type DieToController = (dieId: string) => string;

/** The default mapping: a die id's first dot-separated component (`emif1.cs0` → `emif1`). */
export const controllerOfDie: DieToController = (dieId) => {
  const dot = dieId.indexOf('.');
  return dot < 0 ? dieId : dieId.slice(0, dot);
};

/** Whether an MMIO block (or a guest.error source) belongs to a controller. */
export function blockOnController(block: string, controller: string): boolean {
  return (
    block === controller ||
    (block.length > controller.length && block.startsWith(controller) && block[controller.length] === '.')
  );
}

/** A bad filter argument (an unknown kind pattern, a negative MR number, ...). */
export class TraceFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFilterError';
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The kinds a `--kind` argument selects. Throws TraceFilterError for a pattern that matches no
 * known kind (a typo would otherwise silently select nothing).
 */
export function kindsMatching(pattern: string): Set<TraceKind> {
  const out = new Set<TraceKind>();
  const parts = pattern.split(',').map((p) => p.trim());
  for (const p of parts) {
    if (p === '')
      throw new TraceFilterError(`empty kind in --kind ${JSON.stringify(pattern)} (kinds: ${TRACE_KINDS.join(', ')})`);
    const re = globToRegExp(p);
    const hits = TRACE_KINDS.filter((k) => re.test(k));
    if (hits.length === 0) {
      throw new TraceFilterError(
        `--kind ${JSON.stringify(p)} matches no event kind (kinds: ${TRACE_KINDS.join(', ')}; globs like dram.* work)`,
      );
    }
    for (const k of hits) out.add(k);
  }
  return out;
}

/** One value or several, as a list; undefined (no filter) for none. */
function values<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function checkFilter(f: TraceFilter): void {
  for (const mr of values(f.mr) ?? []) {
    if (!(Number.isInteger(mr) && mr >= 0))
      throw new TraceFilterError(`--mr ${mr}: a mode-register number is an integer >= 0`);
  }
  for (const [name, v] of [
    ['--from', f.fromNs],
    ['--to', f.toNs],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && !Number.isNaN(v)))
      throw new TraceFilterError(`${name} ${v}: expected a time in ns`);
  }
  if (f.fromNs !== undefined && f.toNs !== undefined && f.fromNs > f.toNs) {
    throw new TraceFilterError(`--from ${f.fromNs} is after --to ${f.toNs}`);
  }
  if (values(f.die)?.some((d) => d === '')) throw new TraceFilterError('--die needs a die id, e.g. emif1.cs0');
}

/** The die a die event (dram.*) concerns, or undefined for other kinds. */
function dieOf(e: TraceEvent): string | undefined {
  return kindSpec(e.kind).place === 'die' ? (e as { die: string }).die : undefined;
}

/** The dies an event names: its die, or the dies of its PASR unit; none for other kinds. */
export function diesOf(e: TraceEvent): readonly string[] {
  const place = kindSpec(e.kind).place;
  if (place === 'die') return [(e as { die: string }).die];
  if (place === 'dies') return (e as { dies: readonly string[] }).dies;
  return [];
}

/** Filter (a): whether `--die` (one die or several) selects an event. */
function onDies(
  e: TraceEvent,
  dies: ReadonlySet<string>,
  onControllers: (block: string) => boolean,
  otherDies: ReadonlySet<string>,
): boolean {
  const v = e as unknown as Record<string, unknown>;
  switch (kindSpec(e.kind).place) {
    case 'die':
      return dies.has(v['die'] as string);
    case 'dies':
      return (v['dies'] as readonly string[]).some((d) => dies.has(d));
    case 'block':
      return onControllers(v['block'] as string);
    case 'source': {
      const source = v['source'] as string;
      return dies.has(source) || (!otherDies.has(source) && onControllers(source));
    }
    default:
      return false;
  }
}

/** Events selected by `filter`, in input order. */
export function filterEvents(
  events: readonly TraceEvent[],
  filter: TraceFilter,
  dieToController: DieToController = controllerOfDie,
): TraceEvent[] {
  checkFilter(filter);
  const kindList = values(filter.kind);
  const kinds = kindList !== undefined ? kindsMatching(kindList.join(',')) : undefined;
  const dieList = values(filter.die);
  const dies = dieList !== undefined ? new Set(dieList) : undefined;
  const controllers = dieList !== undefined ? [...new Set(dieList.map(dieToController))] : [];
  const onControllers = (block: string) => controllers.some((c) => blockOnController(block, c));
  const mrList = values(filter.mr);
  const mrs = mrList !== undefined ? new Set(mrList) : undefined;
  // Dies that appear in the trace: a guest.error from another die of the same controller is not ours.
  const otherDies = new Set<string>();
  if (dies !== undefined) {
    for (const e of events) for (const d of diesOf(e)) if (!dies.has(d)) otherDies.add(d);
  }

  // (b) mark the MR accesses and their causing writes in one forward pass. Pending writes are kept
  // per block; a dram.* event on controller C settles (keeps or drops) the pending writes of C's blocks.
  let keptByMr: Uint8Array | undefined;
  if (mrs !== undefined) {
    keptByMr = new Uint8Array(events.length);
    const pending = new Map<string, number[]>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind === 'mmio.write') {
        const list = pending.get(e.block);
        if (list) list.push(i);
        else pending.set(e.block, [i]);
        continue;
      }
      const d = dieOf(e);
      if (d === undefined) continue;
      const c = dieToController(d);
      const hit =
        (e.kind === 'dram.mrw' || e.kind === 'dram.mrr') && mrs.has(e.mr) && (dies === undefined || dies.has(d));
      if (hit) keptByMr[i] = 1;
      for (const [block, list] of pending) {
        if (list.length === 0 || !blockOnController(block, c)) continue;
        if (hit) for (const j of list) keptByMr[j] = 1;
        list.length = 0;
      }
    }
  }

  const out: TraceEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (kinds && !kinds.has(e.kind)) continue;
    if (filter.fromNs !== undefined && e.tNs < filter.fromNs) continue;
    if (filter.toNs !== undefined && e.tNs > filter.toNs) continue;
    if (keptByMr && !keptByMr[i]) continue;
    if (dies !== undefined && !onDies(e, dies, onControllers, otherDies)) continue;
    out.push(e);
  }
  return out;
}
