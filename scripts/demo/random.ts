/**
 * A small seeded pseudo-random generator for the demo generators (grammar, corpus, tasks).
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit state) seeded through
 * splitmix32, so that nearby seeds (1, 2, 3, …) give unrelated streams. Everything is 32-bit integer
 * arithmetic (`Math.imul`, `>>> 0`), so a seed gives the same sequence on every platform and Node
 * version. Not for cryptography.
 */

/** splitmix32: turns one 32-bit value into a well-mixed 32-bit value; used to fill sfc32's state. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A 32-bit seed for one named stream of a generator: `deriveSeed(seed, 'tasks:det_noun:eng')`.
 * Streams with different labels are independent, so adding draws to one (more corpus sentences)
 * never shifts another (the tasks).
 */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, then mixed with the seed.
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return splitmix32((hash ^ splitmix32(seed >>> 0)) >>> 0);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    const s0 = splitmix32(seed >>> 0);
    const s1 = splitmix32(s0);
    const s2 = splitmix32(s1);
    this.a = s0;
    this.b = s1;
    this.c = s2;
    this.d = 1;
    // Discard the first outputs, as the sfc32 reference does, to leave the seeding transient.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty array');
    return items[this.int(items.length)]!;
  }

  /** One element with probability proportional to its weight (weights ≥ 0, not all 0). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error(
        `weighted() needs as many weights as items (${items.length} items, ${weights.length} weights)`,
      );
    }
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weights must be finite and ≥ 0, got ${w}`);
      total += w;
    }
    if (total <= 0) throw new Error('weighted() needs at least one positive weight');
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    // Rounding can leave r at 0 after the last item: return the last item with a positive weight.
    for (let i = items.length - 1; i >= 0; i--) if (weights[i]! > 0) return items[i]!;
    throw new Error('unreachable');
  }

  /** A Fisher–Yates shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/** A generator for one seed; `createRng(deriveSeed(seed, 'corpus'))` for a named stream. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
