import type { TraceEvent } from './events.js';
import { kindSpec } from './kinds.js';

/**
 * Trace events as an IEEE 1364 Value Change Dump (VCD), for GTKWave and other waveform viewers.
 *
 * Hierarchy: one top scope named after the board; below it one scope per dot-separated component
 * of die ids and MMIO block names, so die `emif1.cs0` is scope `emif1` > `cs0` and block `emif1`
 * is scope `emif1`.
 *
 * Signals:
 *  - per die: `MR<n>[7:0]` for every mode register written by MRW in the trace (MR16 bank mask,
 *    MR17 segment mask, or whatever the standard uses, e.g. MR23 on LPDDR5), unknown (`x`) until
 *    first written; `self_refresh` (1 bit); `mrw_count`; `poisoned_pages` (cumulative, from
 *    self-refresh exits);
 *  - per MMIO block written: `last_write_addr[31:0]`, `last_write_value[31:0]` (`x` until the
 *    first write);
 *  - scope `system`, when the trace has suspend/resume or PASR mask events: `suspended` (1 bit)
 *    and `masked_units` (the number of distinct PASR units masked at that time).
 * Vectors widen past 8/32 bits only when a value needs it (addresses > 4 GiB). What each event
 * kind does to the signals is declared with the kind (kinds.ts).
 *
 * Time: `$timescale 1 ns` when every event time is a whole number of ns, else `1 ps` (times
 * rounded to the picosecond). Several events at one time collapse to the last value of each
 * signal (VCD has no ordering within a time step).
 *
 * Output is deterministic: scopes in natural order (cs2 before cs10), identifier codes assigned
 * in declaration order (`!`, `"`, ... then two characters), no `$date`.
 */
export interface VcdOptions {
  /** Board name: the top scope and the header comment. */
  readonly board: string;
  /** Dies to declare even when the trace has no event for them. */
  readonly dies?: readonly string[];
}

interface Scope {
  readonly name: string;
  readonly signals: Wave[];
  readonly children: Map<string, Scope>;
}

/**
 * Identifier code alphabet: printable ASCII 33..126 except `$` (legal, but some tokenizers take
 * any word starting with `$` for a keyword).
 */
const ID_CHARS = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => c !== '$');

/** Compact identifier code for the n-th signal: `!`, `"`, `#`, `%`, ... then two characters (bijective base 93). */
export function vcdIdentifier(n: number): string {
  const base = ID_CHARS.length;
  let s = '';
  let k = n + 1;
  while (k > 0) {
    k -= 1;
    s += ID_CHARS[k % base]!;
    k = Math.floor(k / base);
  }
  return s;
}

/** VCD reference names: letters, digits and `_` (other characters become `_`). */
function vcdName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return t === '' ? '_' : t;
}

/** Natural order: `cs2` < `cs10`. Locale-independent, so output is the same everywhere. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

function bitLength(v: number): number {
  return v <= 0 ? 1 : v.toString(2).length;
}

/** A signal as the kind declarations drive it (kinds.ts). */
export interface VcdSignal {
  set(value: number): void;
  add(delta: number): void;
}

export interface VcdDie {
  /** `MR<n>`, declared when first written. */
  mr(n: number): VcdSignal;
  readonly selfRefresh: VcdSignal;
  readonly mrwCount: VcdSignal;
  readonly poisonedPages: VcdSignal;
}

export interface VcdBlock {
  readonly lastWriteAddr: VcdSignal;
  readonly lastWriteValue: VcdSignal;
}

export interface VcdSystem {
  readonly suspended: VcdSignal;
  /** A PASR unit was masked / unmasked: `masked_units` counts the distinct units masked now. */
  mask(unit: number): void;
  unmask(unit: number): void;
}

/** The signals an event can drive: a die's, an MMIO block's, the system's (each declared on first use). */
export interface VcdWaves {
  die(id: string): VcdDie;
  block(id: string): VcdBlock;
  readonly system: VcdSystem;
}

/**
 * A signal with its declaration: `minWidth` 1 is a wire; wider vectors grow to hold the largest
 * value the trace gives them.
 */
class Wave implements VcdSignal {
  id = '';
  /** Bits in the dump, fixed when declared. */
  width = 0;
  value: number | undefined;
  max = 0;
  /** Last value written to the dump (null: nothing yet; undefined: x). */
  dumped: number | undefined | null = null;

  constructor(
    readonly name: string,
    readonly minWidth: number,
    readonly initial: number | undefined,
  ) {
    this.value = initial;
  }

  set(v: number): void {
    this.value = v;
    if (v > this.max) this.max = v;
  }

  add(delta: number): void {
    this.set((this.value ?? 0) + delta);
  }

  widthNeeded(): number {
    return this.minWidth === 1 ? 1 : Math.max(this.minWidth, bitLength(this.max));
  }

  /** Back to the value at time 0 (between the sizing pass and the dumping pass). */
  reset(): void {
    this.value = this.initial;
  }
}

class DieWaves implements VcdDie {
  readonly mrs = new Map<number, Wave>();
  readonly selfRefresh = new Wave('self_refresh', 1, 0);
  readonly mrwCount = new Wave('mrw_count', 32, 0);
  readonly poisonedPages = new Wave('poisoned_pages', 32, 0);

  mr(n: number): Wave {
    let w = this.mrs.get(n);
    if (!w) {
      w = new Wave(`MR${n}`, 8, undefined);
      this.mrs.set(n, w);
    }
    return w;
  }

  /** In declaration order: MRs by number, then the fixed signals. */
  waves(): Wave[] {
    const mrs = [...this.mrs].sort((a, b) => a[0] - b[0]).map(([, w]) => w);
    return [...mrs, this.selfRefresh, this.mrwCount, this.poisonedPages];
  }
}

class BlockWaves implements VcdBlock {
  readonly lastWriteAddr = new Wave('last_write_addr', 32, undefined);
  readonly lastWriteValue = new Wave('last_write_value', 32, undefined);
}

class SystemWaves implements VcdSystem {
  readonly suspended = new Wave('suspended', 1, 0);
  readonly maskedUnits = new Wave('masked_units', 32, 0);
  private readonly masked = new Set<number>();

  mask(unit: number): void {
    this.masked.add(unit);
    this.maskedUnits.set(this.masked.size);
  }

  unmask(unit: number): void {
    this.masked.delete(unit);
    this.maskedUnits.set(this.masked.size);
  }

  reset(): void {
    this.masked.clear();
    this.suspended.reset();
    this.maskedUnits.reset();
  }
}

class Waves implements VcdWaves {
  readonly dies = new Map<string, DieWaves>();
  readonly blocks = new Map<string, BlockWaves>();
  systemWaves: SystemWaves | undefined;

  die(id: string): DieWaves {
    let d = this.dies.get(id);
    if (!d) {
      d = new DieWaves();
      this.dies.set(id, d);
    }
    return d;
  }

  block(id: string): BlockWaves {
    let b = this.blocks.get(id);
    if (!b) {
      b = new BlockWaves();
      this.blocks.set(id, b);
    }
    return b;
  }

  get system(): SystemWaves {
    this.systemWaves ??= new SystemWaves();
    return this.systemWaves;
  }
}

/** Events as VCD text. */
export function toVcd(events: readonly TraceEvent[], options: VcdOptions): string {
  // Events in time order (stable: equal times keep trace order).
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.tNs - b.e.tNs || a.i - b.i)
    .map((x) => x.e);

  // Pass 1 runs every event against the waves to learn which signals exist and how wide they
  // must be; pass 2 (below) runs them again from time 0 and dumps the changes.
  const waves = new Waves();
  for (const d of options.dies ?? []) waves.die(d);
  const apply = (e: TraceEvent): void => kindSpec(e.kind).vcd?.(e, waves);
  for (const e of ordered) apply(e);

  // Declarations: build the scope tree, then assign identifiers in the order they are printed.
  const root: Scope = { name: vcdName(options.board), signals: [], children: new Map() };
  const scopeAt = (path: string): Scope => {
    let s = root;
    for (const part of path.split('.')) {
      const name = vcdName(part);
      let c = s.children.get(name);
      if (!c) {
        c = { name, signals: [], children: new Map() };
        s.children.set(name, c);
      }
      s = c;
    }
    return s;
  };
  const resets: Wave[] = [];
  const place = (path: string, ws: Wave[]): void => {
    const scope = scopeAt(path);
    for (const w of ws) {
      scope.signals.push(w);
      resets.push(w);
    }
  };
  for (const id of [...waves.dies.keys()].sort(naturalCompare)) place(id, waves.dies.get(id)!.waves());
  for (const id of [...waves.blocks.keys()].sort(naturalCompare)) {
    const b = waves.blocks.get(id)!;
    place(id, [b.lastWriteAddr, b.lastWriteValue]);
  }
  if (waves.systemWaves) place('system', [waves.systemWaves.suspended, waves.systemWaves.maskedUnits]);
  for (const w of resets) w.reset();
  waves.systemWaves?.reset();

  const allSignals: Wave[] = [];
  const lines: string[] = [];
  const comment = `pasr-emu register trace, board ${options.board}`.replace(/\$/g, '');
  lines.push(`$comment ${comment} $end`, '$version pasr-emu $end');
  const wholeNs = ordered.every((e) => Number.isInteger(e.tNs));
  lines.push(`$timescale ${wholeNs ? '1 ns' : '1 ps'} $end`);
  const declare = (s: Scope): void => {
    lines.push(`$scope module ${s.name} $end`);
    for (const sig of s.signals) {
      sig.id = vcdIdentifier(allSignals.length);
      sig.width = sig.widthNeeded();
      allSignals.push(sig);
      lines.push(
        sig.width === 1
          ? `$var wire 1 ${sig.id} ${sig.name} $end`
          : `$var wire ${sig.width} ${sig.id} ${sig.name} [${sig.width - 1}:0] $end`,
      );
    }
    for (const name of [...s.children.keys()].sort(naturalCompare)) declare(s.children.get(name)!);
    lines.push('$upscope $end');
  };
  declare(root);
  lines.push('$enddefinitions $end');

  const fmt = (sig: Wave): string => {
    if (sig.width === 1) return `${sig.value === undefined ? 'x' : sig.value ? '1' : '0'}${sig.id}`;
    return `b${sig.value === undefined ? 'x' : sig.value.toString(2)} ${sig.id}`;
  };
  const flush = (): string[] => {
    const out: string[] = [];
    for (const sig of allSignals) {
      if (sig.dumped !== null && sig.dumped === sig.value) continue;
      sig.dumped = sig.value;
      out.push(fmt(sig));
    }
    return out;
  };

  lines.push('#0', '$dumpvars', ...flush(), '$end');

  // Pass 2: apply events one time step at a time; print what changed at the end of each step.
  const stamp = (t: number): number => (wholeNs ? t : Math.round(t * 1000));
  let now = 0;
  let i = 0;
  while (i < ordered.length) {
    const t = stamp(ordered[i]!.tNs);
    for (; i < ordered.length && stamp(ordered[i]!.tNs) === t; i++) {
      apply(ordered[i]!);
    }
    const changes = flush();
    if (changes.length === 0) continue;
    if (t !== now) lines.push(`#${t}`);
    now = t;
    lines.push(...changes);
  }
  return lines.join('\n') + '\n';
}
