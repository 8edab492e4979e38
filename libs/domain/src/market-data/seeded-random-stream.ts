import { createHash } from 'node:crypto';

/**
 * A seeded pseudo-random source (sfc32, 128-bit state), so a simulation is the same on every run for
 * a seed. Independent streams are derived by name (`SeededRandomStream.derive(seed, 'AAPL')`), so adding a
 * symbol does not change the paths of the others.
 */
export class SeededRandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  private constructor(state: [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = state;
    // Discard the first outputs: sfc32 mixes its state over its first few rounds.
    for (let index = 0; index < 12; index += 1) this.nextUint32();
  }

  /** A stream identified by a seed and a name; the state is SHA-256 of both. */
  static derive(seed: number, name: string): SeededRandomStream {
    const digest = createHash('sha256').update(`${seed}\u001f${name}`).digest();
    return new SeededRandomStream([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in (0, 1): safe to take the logarithm of. */
  uniformPositive(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal, Box–Muller (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniformPositive()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Poisson count with mean `lambda` (Knuth's product method; meant for small means). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    const limit = Math.exp(-lambda);
    let count = 0;
    let product = this.uniformPositive();
    while (product > limit) {
      count += 1;
      product *= this.uniformPositive();
    }
    return count;
  }

  /** An index chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = this.uniform() * total;
    for (let index = 0; index < weights.length; index += 1) {
      target -= weights[index]!;
      if (target < 0) return index;
    }
    return weights.length - 1;
  }
}
