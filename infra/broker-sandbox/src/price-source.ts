import { createHash } from 'node:crypto';
import { Decimal, decString } from '@tollgate/kernel';
import type { SandboxQuote } from './matching-engine';

/** A small seeded generator (mulberry32): the same seed gives the same price path. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Synthetic quotes: a random walk per symbol, each symbol's walk seeded from the sandbox seed and its
 * name, so the path of one symbol does not depend on which other symbols are traded.
 */
export class SyntheticPriceSource {
  private readonly walks = new Map<string, { random: () => number; mid: Decimal }>();

  constructor(private readonly seed: number, private readonly volatility = 0.001) {}

  /** Starts (or moves) a symbol's walk from a known price, e.g. the last price before a restart. */
  anchor(symbol: string, mid: string): void {
    const walk = this.walk(symbol);
    walk.mid = new Decimal(mid);
  }

  knows(symbol: string): boolean {
    return this.walks.has(symbol);
  }

  /** The current quote of a symbol without moving it. */
  current(symbol: string, at: string): SandboxQuote {
    return this.quoteFor(symbol, this.walk(symbol), at);
  }

  /** Moves every known symbol one step and returns the new quotes. */
  tick(at: string): SandboxQuote[] {
    return [...this.walks.entries()].map(([symbol, walk]) => {
      const step = (walk.random() - 0.5) * 2 * this.volatility;
      walk.mid = Decimal.max(new Decimal('0.01'), walk.mid.mul(1 + step));
      return this.quoteFor(symbol, walk, at);
    });
  }

  private walk(symbol: string): { random: () => number; mid: Decimal } {
    let walk = this.walks.get(symbol);
    if (!walk) {
      const digest = createHash('sha256').update(`${this.seed}:${symbol}`).digest();
      const random = seededRandom(digest.readUInt32BE(0));
      walk = { random, mid: new Decimal(20 + Math.floor(random() * 480)).plus(new Decimal(Math.floor(random() * 100)).div(100)) };
      this.walks.set(symbol, walk);
    }
    return walk;
  }

  private quoteFor(symbol: string, walk: { random: () => number; mid: Decimal }, at: string): SandboxQuote {
    const mid = walk.mid.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
    const halfSpread = Decimal.max(new Decimal('0.01'), mid.mul('0.0002').toDecimalPlaces(2, Decimal.ROUND_UP));
    const size = (100 * (1 + Math.floor(walk.random() * 5))).toString();
    return {
      symbol,
      bid: decString(Decimal.max(new Decimal('0.01'), mid.minus(halfSpread)), 2),
      ask: decString(mid.plus(halfSpread), 2),
      bidSize: size,
      askSize: size,
      at,
    };
  }
}
