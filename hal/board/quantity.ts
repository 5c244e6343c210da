/**
 * Numbers as board files write them: hex strings ("0x80000000"), plain integers, and sizes with a
 * binary unit ("64MiB", "1GiB"). The schema has already checked the shape; this turns them into
 * numbers and rejects what does not fit a safe integer or the physical address space.
 */

/** Highest physical address + 1 a board may use (48-bit physical addresses, as arm64). */
export const PHYS_LIMIT = 2 ** 48;

const UNITS: Record<string, number> = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

export type Quantity = { ok: true; value: number } | { ok: false; message: string };

/** Parse an address, size or register value that already passed the schema. */
export function parseQuantity(raw: unknown, limit = PHYS_LIMIT): Quantity {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string') {
    const unit = /^([0-9]+)(KiB|MiB|GiB|TiB)$/.exec(raw);
    if (unit) value = Number(unit[1]) * UNITS[unit[2]!]!;
    else if (/^0x[0-9a-fA-F]+$/.test(raw)) value = parseInt(raw.slice(2), 16);
    else return { ok: false, message: `bad hex: ${JSON.stringify(raw)}` };
  } else return { ok: false, message: `must be a hex string or an integer` };
  if (!Number.isSafeInteger(value) || value < 0)
    return { ok: false, message: `out of range: ${String(raw)} is not a safe non-negative integer` };
  if (value > limit)
    return {
      ok: false,
      message: `out of range: ${String(raw)} is above ${limit === PHYS_LIMIT ? '2^48, the physical address limit' : String(limit)}`,
    };
  return { ok: true, value };
}
