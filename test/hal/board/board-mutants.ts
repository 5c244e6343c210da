import fc from 'fast-check';

/**
 * Random mutants of board files: fast-check arbitraries that describe edits (set a field, or a
 * number or hex string, to an odd value, scale a number, flip a register bit, remove a field, duplicate or swap list entries,
 * copy one value over another, retype, rename a key), and the pure function that applies them to
 * a parsed board. A mutant is written back as JSON text, so every problem has a real position.
 *
 * Edits pick their target by an index into the list of paths of the document as it is at that
 * moment (modulo its length), so any sequence of edits applies to any board.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Values no board should carry, or carries only in some places: zero, negative, huge, fractional, NaN-like. */
export const ODD_VALUES: readonly Json[] = [
  0,
  -1,
  1,
  2,
  3,
  7,
  0.5,
  1.5,
  -0.5,
  31,
  64,
  255,
  256,
  4096,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 47,
  2 ** 48,
  2 ** 53,
  2 ** 64,
  1e21,
  1e308,
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '0.5',
  '1e3',
  '0x0',
  '0x1',
  '0x00',
  '0xff',
  '0x80000000',
  '0xffffffff',
  '0x100000000',
  '0xFFFFFFFFFFFF',
  '0x',
  '0xg',
  ' 0x10',
  '0KiB',
  '1KiB',
  '4KiB',
  '1MiB',
  '1GiB',
  '3GiB',
  '16TiB',
  '999999999999999TiB',
  '',
  'x',
  'a',
  'cs0',
  'MR17',
  'LPDDR4',
  'ti-emif',
  null,
  true,
  false,
  [],
  {},
  [0],
  ['a', 'b'],
];

export type Edit =
  | { readonly op: 'set'; readonly at: number; readonly value: Json }
  | { readonly op: 'setNumber'; readonly at: number; readonly value: Json }
  | { readonly op: 'scale'; readonly at: number; readonly by: 'double' | 'half' | 'inc' | 'dec' | 'neg' | 'third' }
  | { readonly op: 'flipBit'; readonly at: number; readonly bit: number }
  | { readonly op: 'remove'; readonly at: number }
  | { readonly op: 'duplicate'; readonly at: number }
  | { readonly op: 'swap'; readonly at: number; readonly other: number }
  | { readonly op: 'copy'; readonly at: number; readonly from: number }
  | { readonly op: 'retype'; readonly at: number }
  | { readonly op: 'renameKey'; readonly at: number; readonly from: number }
  | { readonly op: 'addKey'; readonly at: number; readonly name: string; readonly value: Json }
  /** Not generated: known cases written by hand (`undefined` removes the field). */
  | { readonly op: 'setPath'; readonly path: readonly (string | number)[]; readonly value: Json | undefined };

/** Field names to add: known ones in new places, near misses, and names no board uses. */
export const EXTRA_KEYS: readonly string[] = [
  'timings',
  'tFoo',
  'tMRW',
  'tREFI',
  'tCK',
  'cs',
  'rank',
  'channel',
  'channels',
  'busWidth',
  'blocks',
  'regions',
  'fixed',
  'controller',
  'temperatureC',
  'minFreeKbytes',
  'watermarkScaleFactor',
  'swapBytes',
  'nrCpus',
  'cma',
  'LISA_MAP_0',
  'LISA_MAP_2',
  'SDRAM_CONFIG_2',
  'ADDRMAP0',
  'ADDRMAP9',
  'MDASP',
  'MDMISC',
  'dmm',
  'perf',
  'tcdm',
  'mrw.ns',
  'hotplug.maxRetryPasses',
  'migrate.pagesPerSec',
  'awake',
  'platform',
  'idd5mA',
  'awakeW',
  'suspendedW',
  'estimate',
  'tRFCab',
];

const at = fc.nat({ max: 100_000 });

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('set' as const), at, value: fc.constantFrom(...ODD_VALUES) }), weight: 3 },
  {
    arbitrary: fc.record({ op: fc.constant('setNumber' as const), at, value: fc.constantFrom(...ODD_VALUES) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('scale' as const),
      at,
      by: fc.constantFrom('double', 'half', 'inc', 'dec', 'neg', 'third'),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('flipBit' as const), at, bit: fc.nat({ max: 31 }) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('remove' as const), at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('swap' as const), at, other: at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('copy' as const), at, from: at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('retype' as const), at }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('renameKey' as const), at, from: at }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('addKey' as const),
      at,
      name: fc.constantFrom(...EXTRA_KEYS),
      value: fc.constantFrom(
        ...ODD_VALUES,
        { tFoo: 5 },
        { tMRW: 0 },
        { tREFI: 100 },
        { tRFCab: 2000 },
        { rank: 1 },
        { controller: 1 },
      ),
    }),
    weight: 2,
  },
);

/** One to three edits of one board, sometimes written with a UTF-8 byte order mark. */
export function mutantArb(boards: readonly string[]): fc.Arbitrary<{ board: string; edits: Edit[]; bom: boolean }> {
  return fc.record({
    board: fc.constantFrom(...boards),
    edits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
    bom: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  });
}

function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every path in the document except the root, in document order. */
function paths(doc: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out);
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out);
    }
  }
  return out;
}

/** The value at `path`; undefined when the path leaves the document (strings are not walked into). */
function get(doc: Json, path: Path): Json {
  let v: Json | undefined = doc;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined as unknown as Json;
    v = (v as Record<string | number, Json>)[s];
  }
  return v as Json;
}

function parentOf(doc: Json, path: Path): Json[] | Record<string, Json> {
  return get(doc, path.slice(0, -1)) as Json[] | Record<string, Json>;
}

function put(doc: Json, path: Path, value: Json): void {
  (parentOf(doc, path) as Record<string | number, Json>)[path[path.length - 1]!] = value;
}

const HEX = /^0x[0-9a-fA-F]+$/;

/** A number or hex string as a number, or undefined. */
function numeric(v: Json): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && HEX.test(v)) return parseInt(v, 16);
  return undefined;
}

/** `n` in the form `like` had: a hex string stays a hex string (negative or fractional ones become numbers). */
function sameForm(like: Json, n: number): Json {
  if (typeof like === 'string' && Number.isSafeInteger(n) && n >= 0) return `0x${n.toString(16)}`;
  return n;
}

/** The path with the index of its deepest array ancestor replaced by another index of that array. */
function sibling(doc: Json, path: Path, pick: number): Path | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    if (typeof path[i] !== 'number') continue;
    const arr = get(doc, path.slice(0, i)) as Json[];
    if (arr.length < 2) continue;
    const j = pick % arr.length === path[i] ? (pick + 1) % arr.length : pick % arr.length;
    const other = [...path.slice(0, i), j, ...path.slice(i + 1)];
    return get(doc, other) === undefined ? undefined : other;
  }
  return undefined;
}

/** Apply one edit in place; edits that do not fit their target leave the document as it was. */
export function applyEdit(doc: Json, e: Edit): void {
  if (e.op === 'setPath') {
    const parent = get(doc, e.path.slice(0, -1)) as Record<string | number, Json>;
    const key = e.path[e.path.length - 1]!;
    if (e.value === undefined) delete parent[key];
    else parent[key] = clone(e.value);
    return;
  }
  const all = paths(doc);
  // Number edits aim at numbers and hex strings (addresses, sizes, register values), the rest anywhere.
  const numbers = all.filter((p) => numeric(get(doc, p)) !== undefined);
  const targets = e.op === 'setNumber' || e.op === 'scale' || e.op === 'flipBit' ? numbers : all;
  if (targets.length === 0) return;
  const path = targets[e.at % targets.length]!;
  const cur = get(doc, path);
  switch (e.op) {
    case 'set':
    case 'setNumber':
      put(doc, path, clone(e.value));
      return;
    case 'scale': {
      const n = numeric(cur);
      if (n === undefined) return;
      const r = { double: n * 2, half: n / 2, inc: n + 1, dec: n - 1, neg: -n, third: n / 3 }[e.by];
      put(doc, path, sameForm(cur, r));
      return;
    }
    case 'flipBit': {
      const n = numeric(cur);
      if (n === undefined || !Number.isInteger(n) || n < 0 || n >= 2 ** 32) return;
      put(doc, path, sameForm(cur, (n ^ (1 << e.bit)) >>> 0));
      return;
    }
    case 'remove': {
      const parent = parentOf(doc, path);
      if (Array.isArray(parent)) parent.splice(path[path.length - 1] as number, 1);
      else delete parent[path[path.length - 1] as string];
      return;
    }
    case 'duplicate': {
      // The nearest list entry on the path is listed twice.
      for (let i = path.length - 1; i >= 0; i--) {
        if (typeof path[i] !== 'number') continue;
        const arr = get(doc, path.slice(0, i)) as Json[];
        arr.splice(path[i] as number, 0, clone(arr[path[i] as number]!));
        return;
      }
      return;
    }
    case 'swap': {
      const other = sibling(doc, path, e.other);
      if (!other) return;
      const a = clone(get(doc, path));
      put(doc, path, clone(get(doc, other)));
      put(doc, other, a);
      return;
    }
    case 'copy': {
      const from = all[e.from % all.length]!;
      put(doc, path, clone(get(doc, from)));
      return;
    }
    case 'retype': {
      const n = numeric(cur);
      if (typeof cur === 'number') put(doc, path, String(cur));
      else if (typeof cur === 'string' && n !== undefined) put(doc, path, n);
      else if (typeof cur === 'string') put(doc, path, [cur]);
      else if (Array.isArray(cur)) put(doc, path, cur[0] ?? null);
      return;
    }
    case 'renameKey': {
      const key = path[path.length - 1];
      const parent = parentOf(doc, path);
      if (typeof key !== 'string' || Array.isArray(parent)) return;
      // Take the name of another key in the document (a known register, field or part name elsewhere).
      const keys = all.map((p) => p[p.length - 1]).filter((k): k is string => typeof k === 'string');
      const name = keys[e.from % keys.length]!;
      if (name === key) return;
      const rebuilt: Record<string, Json> = {};
      for (const [k, v] of Object.entries(parent)) rebuilt[k === key ? name : k] = v;
      for (const k of Object.keys(parent)) delete parent[k];
      Object.assign(parent, rebuilt);
      return;
    }
    case 'addKey': {
      // Into the object at the path, or the object holding it.
      const target = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? cur : parentOf(doc, path);
      if (Array.isArray(target)) return;
      target[e.name] = clone(e.value);
      return;
    }
  }
}

/** The mutant's file text. */
export function mutate(board: Json, edits: readonly Edit[], bom = false): string {
  const doc = clone(board);
  for (const e of edits) applyEdit(doc, e);
  return (bom ? '\uFEFF' : '') + JSON.stringify(doc, null, 2) + '\n';
}
