import type { DramStandard } from '../board/board-config.js';

/**
 * What a memory controller sees of an LPDDR die: the command interface for mode registers
 * and self-refresh. Implemented by LpddrDie (die.ts). A controller that owns several dies
 * (chip selects, ranks, channels) holds one DiePort per die.
 *
 * Illegal accesses (MRW to a read-only MR, MRR of a write-only MR, MRW before tMRW has
 * elapsed, an MR change while in self-refresh) are recorded as `guest.error` trace events;
 * they never throw.
 */
export interface DiePort {
  /** `<controller>.<cs|rank><n>[.ch<x>]`. */
  readonly id: string;
  readonly standard: DramStandard;
  /** Mode-register write (MRW). */
  mrw(mr: number, value: number): void;
  /** Mode-register read (MRR): the 8-bit value on DQ[7:0]. */
  mrr(mr: number): number;
  enterSelfRefresh(): void;
  exitSelfRefresh(): void;
  readonly inSelfRefresh: boolean;
}

/**
 * Where a die reports what it did not refresh. On self-refresh exit the die calls
 * `poison` with its masked banks and segments; the board turns that into page frames
 * through the address map, marks them poisoned, and returns how many pages it touched.
 */
export interface PoisonSink {
  poison(dieId: string, maskedBanks: number, maskedSegments: number): number;
}
