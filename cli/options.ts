import { InvalidArgumentError } from 'commander';

/**
 * Option-value parsers for commander. None of them lets a value through silently: an empty
 * string, a number out of its range and a second value for a one-value option are refused
 * (commander turns the refusal into `pasr: --option VALUE: reason`, exit 2), and repeatable
 * options collect every value.
 *
 * A parser built here belongs to one parse of one command line: `single()` remembers that it has
 * seen its option.
 */

type Parse<T> = (value: string) => T;

/** A number range and its unit, as error messages show it (`1-3600000 ms`). */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly unit?: string;
}

function rangeText(r: Range): string {
  const f = (x: number) => (Number.isSafeInteger(x) || !Number.isInteger(x) ? String(x) : x.toExponential());
  return `${f(r.min)}${r.min < 0 ? ' to ' : '-'}${f(r.max)}${r.unit ? ` ${r.unit}` : ''}`;
}

/** A decimal or 0x-hex integer within `range`. */
export function integer(range: Range): Parse<number> {
  return (v) => {
    const t = v.trim();
    const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number.parseInt(t, 10) : Number.NaN;
    if (Number.isNaN(n)) {
      // A number, but not a plain integer (-5, 2.5, 1e3), or not a number at all.
      const x = t === '' ? Number.NaN : Number(t);
      if (Number.isInteger(x) && (x < range.min || x > range.max))
        throw new InvalidArgumentError(`out of range (${rangeText(range)})`);
      throw new InvalidArgumentError(`not a decimal or 0x-hex integer (${rangeText(range)})`);
    }
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max)
      throw new InvalidArgumentError(`out of range (${rangeText(range)})`);
    return n;
  };
}

/** A decimal number within `range` (`45`, `-10`, `0.25`, `1e-3`); not hex, not Infinity. */
export function decimal(range: Range): Parse<number> {
  return (v) => {
    const t = v.trim();
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`not a number (${rangeText(range)})`);
    if (n < range.min || n > range.max) throw new InvalidArgumentError(`out of range (${rangeText(range)})`);
    return n;
  };
}

/** A non-empty string; `what` says what to give instead (`a serial port path`). */
export function text(what: string): Parse<string> {
  return (v) => {
    if (v.trim() === '') throw new InvalidArgumentError(`empty; give ${what}`);
    return v;
  };
}

/** An option that takes one value: a second occurrence is refused rather than overriding the first. */
export function single<T>(parse: Parse<T>): Parse<T> {
  let first: string | undefined;
  return (v) => {
    if (first !== undefined)
      throw new InvalidArgumentError(`given twice (first ${JSON.stringify(first)}); give it once`);
    first = v;
    return parse(v);
  };
}

/** A repeatable option: every value, in order, without duplicates. */
export function repeatable<T>(parse: Parse<T>): (value: string, previous: T[] | undefined) => T[] {
  return (v, previous = []) => {
    const x = parse(v);
    return previous.includes(x) ? previous : [...previous, x];
  };
}

/**
 * Commander's message for a refused value, `option '--timeout <ms>' argument '0' is invalid.
 * out of range (...)`, in the form every other message takes: `--timeout 0: out of range (...)`.
 */
export function conciseCommanderMessage(message: string): string {
  const m =
    /^option '(-[^ ',]+)[^']*' argument '([\s\S]*)' is invalid\. ([\s\S]*)$/.exec(message) ??
    /^command-argument value '([\s\S]*)' is invalid for argument '([^']*)'\. ([\s\S]*)$/.exec(message);
  if (!m) return message;
  const [name, value] = m[0].startsWith('option') ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
  const shown = value === '' || /\s/.test(value) ? JSON.stringify(value) : value;
  return `${name} ${shown}: ${m[3]}`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** A size as messages show it: 4 KiB, 1 TiB, 1000 B. */
function sizeText(x: number): string {
  for (const [u, s] of [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ] as const)
    if (x >= u && x % u === 0) return `${x / u} ${s}`;
  return `${x} B`;
}

/**
 * A size in bytes within `range`: a plain or 0x-hex integer, or a whole number with a binary unit
 * (512MiB, 1GiB, 64K, 2G; K, M, G and T are powers of 1024 with or without iB).
 */
export function byteSize(range: Range): Parse<number> {
  const within = `${sizeText(range.min)} to ${sizeText(range.max)}`;
  return (v) => {
    const t = v.trim();
    const m = /^(\d+)\s*([KMGT]?)(iB|B)?$/i.exec(t);
    const n = m
      ? Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!
      : /^0x[0-9a-f]+$/i.test(t)
        ? Number.parseInt(t, 16)
        : Number.NaN;
    if (Number.isNaN(n)) throw new InvalidArgumentError(`not a size, e.g. 512MiB, 1GiB or 4096 (${within})`);
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max)
      throw new InvalidArgumentError(`out of range (${within})`);
    return n;
  };
}
