/**
 * Quantities of workload scenarios as people write them: durations with a unit ("90s", "15m",
 * "1.5h", "1d") and sizes as a percentage of RAM ("15%") or a plain fraction (0.15). Used by the
 * scenario loader and by the command line (`--duration 90s`).
 */

/** A parsed quantity, or why not: `message` names the input ("duration '5 parsecs': ..."), `reason` does not. */
export type Parsed = { ok: true; value: number } | { ok: false; message: string; reason: string };

function failure(what: string, text: string, reason: string): Parsed {
  return { ok: false, message: `${what} '${text}': ${reason}`, reason };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};

/** The duration syntax, for schemas and messages. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h|d)$';
const DURATION = new RegExp(DURATION_PATTERN);

/**
 * Longest duration accepted: simulated time is nanoseconds in a double, exact up to 2^53 ns
 * (104 days), and a run starts a little after boot.
 */
export const MAX_DURATION_NS = 100 * 86400e9;

/** "90s" -> 90e9 (nanoseconds, rounded to a whole nanosecond). */
export function parseDuration(text: string): Parsed {
  const m = DURATION.exec(text);
  if (!m) return failure('duration', text, 'expected a number followed by ns, us, ms, s, m, h or d');
  const unit = m[2]!;
  const value = Math.round(Number(text.slice(0, text.length - unit.length)) * DURATION_UNITS[unit]!);
  if (!(value <= MAX_DURATION_NS))
    return failure(
      'duration',
      text,
      `longer than ${formatDuration(MAX_DURATION_NS)}, the longest simulated time kept to the nanosecond`,
    );
  return { ok: true, value };
}

/**
 * Nanoseconds in the largest unit that divides them, days from two days on (86400e9 -> "24h",
 * 5400e9 -> "90m", 100 days -> "100d").
 */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const day = DURATION_UNITS.d!;
  if (ns >= 2 * day && ns % day === 0) return `${ns / day}d`;
  for (const unit of ['h', 'm', 's', 'ms', 'us'] as const) {
    const u = DURATION_UNITS[unit]!;
    if (ns % u === 0) return `${ns / u}${unit}`;
  }
  return `${ns}ns`;
}

/** The percentage syntax, for schemas and messages. */
export const PERCENT_PATTERN = '^[0-9]+(\\.[0-9]+)?%$';
const PERCENT = new RegExp(PERCENT_PATTERN);

/** "15%" -> 0.15; a plain number is already a fraction (0.15). */
export function parseFraction(raw: string | number): Parsed {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0)
      return failure('size', String(raw), 'expected a fraction of RAM of at least 0 (0.15 is 15%)');
    return { ok: true, value: raw };
  }
  if (!PERCENT.test(raw))
    return failure('size', raw, 'expected a percentage of RAM like "15%" or a fraction like 0.15');
  const value = Number(raw.slice(0, -1)) / 100;
  if (!Number.isFinite(value)) return failure('size', raw, 'too large');
  return { ok: true, value };
}

/** A fraction as a percentage for messages: 0.15 -> "15%", 0.002 -> "0.2%". */
export function formatPercent(fraction: number): string {
  return `${+(fraction * 100).toPrecision(6)}%`;
}
