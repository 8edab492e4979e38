/**
 * A small seeded generator (sfc32, seeded through splitmix32) so simulations and property tests
 * replay exactly from a seed. Not for anything secret.
 */
export interface SeededRandom {
  /** Uniform on (0, 1), 53 bits, never exactly 0 or 1. */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function createSeededRandom(seed: number): SeededRandom {
  let splitState = seed >>> 0;
  const splitmix32 = (): number => {
    splitState = (splitState + 0x9e3779b9) | 0;
    let value = splitState;
    value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
    value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
    return (value ^ (value >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let counter = splitmix32();
  const next32 = (): number => {
    const result = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + result) | 0;
    return result >>> 0;
  };
  // Discard the first outputs: sfc32 mixes slowly from nearby seeds.
  for (let index = 0; index < 12; index += 1) next32();

  let spareNormal: number | null = null;
  const uniform = (): number => {
    const high = next32() >>> 5;
    const low = next32() >>> 6;
    return (high * 67108864 + low + 0.5) / 9007199254740992;
  };
  return {
    uniform,
    normal() {
      if (spareNormal !== null) {
        const value = spareNormal;
        spareNormal = null;
        return value;
      }
      const radius = Math.sqrt(-2 * Math.log(uniform()));
      const angle = 2 * Math.PI * uniform();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
