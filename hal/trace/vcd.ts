import type { TraceEvent } from './events.js';

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
 *    first write). Vectors widen past 8/32 bits only when a value needs it (addresses > 4 GiB).
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

interface Signal {
  /** Identifier code, assigned when declared. */
  id: string;
  readonly name: string;
  readonly width: number;
  /** Current value (undefined = x). */
  value: number | undefined;
  /** Last value written to the dump ('x' state included). */
  dumped: number | undefined | null;
}

interface Scope {
  readonly name: string;
  readonly signals: Signal[];
  readonly children: Map<string, Scope>;
}

interface DieSignals {
  readonly mr: Map<number, Signal>;
  readonly selfRefresh: Signal;
  readonly mrwCount: Signal;
  readonly poisonedPages: Signal;
}

interface BlockSignals {
  readonly lastWriteAddr: Signal;
  readonly lastWriteValue: Signal;
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

/** Events as VCD text. */
export function toVcd(events: readonly TraceEvent[], options: VcdOptions): string {
  // Events in time order (stable: equal times keep trace order).
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.tNs - b.e.tNs || a.i - b.i)
    .map((x) => x.e);

  // Pass 1: which dies, MRs and blocks exist, and how wide each signal must be.
  const dieMrs = new Map<string, Map<number, number>>(); // die -> mr -> max value
  const dieCounts = new Map<string, { mrw: number; poisoned: number }>();
  const blockMax = new Map<string, { addr: number; value: number }>();
  const noteDie = (d: string): { mrw: number; poisoned: number } => {
    let c = dieCounts.get(d);
    if (!c) {
      c = { mrw: 0, poisoned: 0 };
      dieCounts.set(d, c);
      dieMrs.set(d, new Map());
    }
    return c;
  };
  for (const d of options.dies ?? []) noteDie(d);
  for (const e of ordered) {
    switch (e.kind) {
      case 'dram.mrw': {
        const c = noteDie(e.die);
        c.mrw++;
        const mrs = dieMrs.get(e.die)!;
        mrs.set(e.mr, Math.max(mrs.get(e.mr) ?? 0, e.value));
        break;
      }
      case 'dram.mrr':
      case 'dram.sr.enter':
        noteDie(e.die);
        break;
      case 'dram.sr.exit':
        noteDie(e.die).poisoned += e.poisonedPages;
        break;
      case 'mmio.write': {
        const m = blockMax.get(e.block) ?? { addr: 0, value: 0 };
        blockMax.set(e.block, { addr: Math.max(m.addr, e.address), value: Math.max(m.value, e.value) });
        break;
      }
      default:
        break;
    }
  }

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
  const mk = (scope: Scope, name: string, width: number, initial: number | undefined): Signal => {
    const sig: Signal = { id: '', name, width, value: initial, dumped: null };
    scope.signals.push(sig);
    return sig;
  };
  const dies = new Map<string, DieSignals>();
  for (const d of [...dieCounts.keys()].sort(naturalCompare)) {
    const scope = scopeAt(d);
    const c = dieCounts.get(d)!;
    const mr = new Map<number, Signal>();
    for (const [n, max] of [...dieMrs.get(d)!].sort((a, b) => a[0] - b[0]))
      mr.set(n, mk(scope, `MR${n}`, Math.max(8, bitLength(max)), undefined));
    dies.set(d, {
      mr,
      selfRefresh: mk(scope, 'self_refresh', 1, 0),
      mrwCount: mk(scope, 'mrw_count', Math.max(32, bitLength(c.mrw)), 0),
      poisonedPages: mk(scope, 'poisoned_pages', Math.max(32, bitLength(c.poisoned)), 0),
    });
  }
  const blocks = new Map<string, BlockSignals>();
  for (const b of [...blockMax.keys()].sort(naturalCompare)) {
    const scope = scopeAt(b);
    const m = blockMax.get(b)!;
    blocks.set(b, {
      lastWriteAddr: mk(scope, 'last_write_addr', Math.max(32, bitLength(m.addr)), undefined),
      lastWriteValue: mk(scope, 'last_write_value', Math.max(32, bitLength(m.value)), undefined),
    });
  }

  const allSignals: Signal[] = [];
  const lines: string[] = [];
  const comment = `pasr-emu register trace, board ${options.board}`.replace(/\$/g, '');
  lines.push(`$comment ${comment} $end`, '$version pasr-emu $end');
  const wholeNs = ordered.every((e) => Number.isInteger(e.tNs));
  lines.push(`$timescale ${wholeNs ? '1 ns' : '1 ps'} $end`);
  const declare = (s: Scope): void => {
    lines.push(`$scope module ${s.name} $end`);
    for (const sig of s.signals) {
      sig.id = vcdIdentifier(allSignals.length);
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

  const fmt = (sig: Signal): string => {
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
      const e = ordered[i]!;
      switch (e.kind) {
        case 'dram.mrw': {
          const d = dies.get(e.die)!;
          d.mr.get(e.mr)!.value = e.value;
          d.mrwCount.value = (d.mrwCount.value ?? 0) + 1;
          break;
        }
        case 'dram.sr.enter':
          dies.get(e.die)!.selfRefresh.value = 1;
          break;
        case 'dram.sr.exit': {
          const d = dies.get(e.die)!;
          d.selfRefresh.value = 0;
          d.poisonedPages.value = (d.poisonedPages.value ?? 0) + e.poisonedPages;
          break;
        }
        case 'mmio.write': {
          const b = blocks.get(e.block)!;
          b.lastWriteAddr.value = e.address;
          b.lastWriteValue.value = e.value;
          break;
        }
        default:
          break;
      }
    }
    const changes = flush();
    if (changes.length === 0) continue;
    if (t !== now) lines.push(`#${t}`);
    now = t;
    lines.push(...changes);
  }
  return lines.join('\n') + '\n';
}
