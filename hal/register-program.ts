import type { Clock } from './clock.js';
import { BusError, type RegisterAccess } from './mmio-bus.js';

/**
 * A register program: a plain list of register operations that a driver wants executed.
 *
 * The same program runs on the emulated MMIO bus (synchronously, `runProgram` below) and on
 * a real board through the U-Boot console (`mw.l` / `md.l`). That is how the emulator and
 * the hardware share one driver. Programs carry notes (for dry-run listings) and hazards
 * (known-dangerous sequences that a real-board executor refuses unless forced).
 */
export type RegOp =
  | { readonly op: 'write'; readonly address: number; readonly value: number; readonly note?: string }
  /** Read a register and keep its value under `label` in the result. */
  | { readonly op: 'read'; readonly address: number; readonly label: string; readonly note?: string }
  /** Re-read until (value & mask) === expect, at most until timeoutNs has passed. */
  | {
      readonly op: 'poll';
      readonly address: number;
      readonly mask: number;
      readonly expect: number;
      readonly timeoutNs: number;
      readonly intervalNs: number;
      readonly note?: string;
    }
  | { readonly op: 'delay'; readonly ns: number; readonly note?: string };

export interface Hazard {
  /** Stable code, e.g. `mmdc-con-req-stall`. */
  readonly code: string;
  readonly message: string;
}

export interface RegisterProgram {
  readonly name: string;
  readonly ops: readonly RegOp[];
  readonly hazards: readonly Hazard[];
}

export type ProgramResult =
  | { readonly ok: true; readonly applied: number; readonly reads: Readonly<Record<string, number>> }
  | {
      readonly ok: false;
      /** Operations completed before the failure. */
      readonly applied: number;
      /** Index of the operation that failed. */
      readonly failedAt: number;
      readonly reason: string;
      readonly reads: Readonly<Record<string, number>>;
    };

export function program(name: string, ops: readonly RegOp[], hazards: readonly Hazard[] = []): RegisterProgram {
  for (const [i, op] of ops.entries()) {
    if (op.op === 'delay') continue;
    if (!Number.isInteger(op.address) || op.address < 0 || op.address % 4 !== 0) {
      throw new RangeError(`${name}: op ${i}: address ${op.address} is not a word-aligned address`);
    }
    if (op.op === 'write' && (!Number.isInteger(op.value) || op.value < 0 || op.value > 0xffffffff)) {
      throw new RangeError(`${name}: op ${i}: value ${op.value} is not a 32-bit value`);
    }
  }
  return { name, ops, hazards };
}

/** Concatenate programs into one (hazards are merged). */
export function concatPrograms(name: string, parts: readonly RegisterProgram[]): RegisterProgram {
  const hazards = new Map<string, Hazard>();
  for (const p of parts) for (const h of p.hazards) hazards.set(h.code, h);
  return { name, ops: parts.flatMap((p) => p.ops), hazards: [...hazards.values()] };
}

/**
 * Run a program on an emulated bus, synchronously. Polls advance the simulated clock by
 * their interval between reads, so hardware that finishes work on an alarm (a busy window)
 * completes while the program waits. A bus error or a poll timeout stops the program.
 */
export function runProgram(p: RegisterProgram, bus: RegisterAccess, clock: Clock): ProgramResult {
  const reads: Record<string, number> = {};
  for (let i = 0; i < p.ops.length; i++) {
    const op = p.ops[i]!;
    try {
      switch (op.op) {
        case 'write':
          bus.write32(op.address, op.value);
          break;
        case 'read':
          reads[op.label] = bus.read32(op.address);
          break;
        case 'delay':
          clock.advance(op.ns);
          break;
        case 'poll': {
          const deadline = clock.nowNs + op.timeoutNs;
          for (;;) {
            const v = bus.read32(op.address);
            if ((v & op.mask) >>> 0 === op.expect >>> 0) break;
            if (clock.nowNs >= deadline) {
              return {
                ok: false,
                applied: i,
                failedAt: i,
                reason: `poll of 0x${op.address.toString(16)} timed out after ${op.timeoutNs} ns (last 0x${v.toString(16)}, wanted 0x${op.expect.toString(16)} under mask 0x${op.mask.toString(16)})`,
                reads,
              };
            }
            clock.advance(Math.max(1, op.intervalNs));
          }
          break;
        }
      }
    } catch (e) {
      if (e instanceof BusError) return { ok: false, applied: i, failedAt: i, reason: e.message, reads };
      throw e;
    }
  }
  return { ok: true, applied: p.ops.length, reads };
}
