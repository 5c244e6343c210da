/**
 * The run's seeded pseudo-random numbers (pure-rand's xoroshiro128+): one seed gives one
 * sequence, so one seed gives a byte-identical run. Independent streams (workload, policy) are
 * jumps of the same generator, 2^64 draws apart, so adding draws to one never shifts another.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export class Prng {
  private readonly g: JumpableRandomGenerator;

  constructor(seed: number | JumpableRandomGenerator) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
        throw new RangeError(`seed ${seed} is not an integer in [0, 2^32)`);
      this.g = xoroshiro128plus(seed);
    } else {
      this.g = seed;
    }
  }

  /** A new independent stream (this stream jumped ahead by 2^64 draws, then cloned). */
  fork(): Prng {
    this.g.jump();
    const c = this.g.clone();
    this.g.jump();
    return new Prng(c);
  }

  /** Uniform in [0, 1). */
  next(): number {
    // Two 32-bit draws give 53 bits, as Math.random() has.
    const hi = this.g.next() >>> 5;
    const lo = this.g.next() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Exponentially distributed with the given mean (a Poisson process's gaps). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
