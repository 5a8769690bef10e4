import { SeededRandom } from '../../src/core/random';

// A small seeded fuzzing kit (the project has no fast-check): boundary values of every JSON type,
// random JSON, byte-level mutations of files, a per-case timeout, and case counters per target.

export { SeededRandom };

const huge = 'x'.repeat(1 << 20);

/** Values that break naive code: wrong types, extremes of numbers and strings, odd keys. */
export function boundaryValues(): unknown[] {
  return [
    undefined,
    null,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    -1e308,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    2 ** 31,
    NaN,
    Infinity,
    -Infinity,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '..',
    '../../../../etc/passwd',
    '%2e%2e%2f',
    'C:\\Windows\\system32',
    '\uD800',
    '👍🏽'.repeat(50),
    '<script>alert(1)</script>',
    "'; DROP TABLE annotations; --",
    '=HYPERLINK("http://evil")',
    '1',
    '-1',
    'NaN',
    'true',
    'null',
    huge,
    [],
    [null],
    new Array(10_001).fill(0),
    {},
    { a: 1 },
    prototypePollution(),
    deepNest(2000),
  ];
}

/** An object whose own keys are `__proto__`, `constructor` and `prototype` (as JSON.parse makes them). */
export function prototypePollution(): Record<string, unknown> {
  return JSON.parse(
    '{"__proto__": {"polluted": true, "isAdmin": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}}',
  ) as Record<string, unknown>;
}

/** An object nested `depth` levels deep ({a:{a:{…}}}). */
export function deepNest(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const keyPool = [
  'a',
  'id',
  'name',
  'path',
  '__proto__',
  'constructor',
  'toString',
  'ok',
  '',
  'valueOf',
  'x'.repeat(300),
];

/** Random JSON-like value (with the boundary values mixed in). */
export function randomValue(rng: SeededRandom, depth = 3): unknown {
  const roll = rng.int(10);
  if (roll < 3) return rng.pick(boundaryValues());
  if (roll === 3) return rng.int(2 ** 31) - 2 ** 30;
  if (roll === 4) return rng.normal() * 10 ** rng.int(12);
  if (roll === 5) return randomString(rng, rng.int(40));
  if (roll === 6 || depth <= 0) return rng.pick([true, false, null, 0, 1, '']);
  if (roll === 7) return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth - 1));
  const object: Record<string, unknown> = {};
  for (let i = rng.int(5); i > 0; i--) {
    Object.defineProperty(object, rng.pick(keyPool) + (rng.int(3) === 0 ? String(rng.int(9)) : ''), {
      value: randomValue(rng, depth - 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return object;
}

export function randomString(rng: SeededRandom, length: number): string {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz ',
    '0123456789.-+eE',
    '\\/.:%\u0000\n\r\t"\',;=',
    'éü漢字👍\uFEFF\u202E',
  ];
  let text = '';
  for (let i = 0; i < length; i++) {
    const alphabet = rng.pick(alphabets);
    text += [...alphabet][rng.int([...alphabet].length)];
  }
  return text;
}

/** One random mutation of a file's bytes: flips, truncation, insertion, deletion, duplication, zeroing. */
export function mutateBytes(rng: SeededRandom, input: Uint8Array): { bytes: Uint8Array; how: string } {
  const bytes = Uint8Array.from(input);
  const at = (): number => rng.int(Math.max(1, bytes.length));
  switch (rng.int(7)) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) bytes[at()] = rng.int(256);
      return { bytes, how: `${n} random bytes` };
    }
    case 1: {
      const end = at();
      return { bytes: bytes.slice(0, end), how: `truncated at ${end}` };
    }
    case 2: {
      const i = at();
      const junk = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
      return {
        bytes: concat(bytes.slice(0, i), junk, bytes.slice(i)),
        how: `${junk.length} bytes inserted at ${i}`,
      };
    }
    case 3: {
      const i = at();
      const n = 1 + rng.int(256);
      return { bytes: concat(bytes.slice(0, i), bytes.slice(i + n)), how: `${n} bytes deleted at ${i}` };
    }
    case 4: {
      const i = at();
      const n = 1 + rng.int(512);
      return { bytes: concat(bytes.slice(0, i + n), bytes.slice(i)), how: `${n} bytes duplicated at ${i}` };
    }
    case 5: {
      const i = at();
      const n = 1 + rng.int(4096);
      bytes.fill(0, i, i + n);
      return { bytes, how: `${n} bytes zeroed at ${i}` };
    }
    default: {
      const i = at();
      bytes[i] = bytes[i]! ^ (1 << rng.int(8));
      return { bytes, how: `bit flip at ${i}` };
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Rejects when `work` takes longer than `ms` (a hang); a synchronous hang still blocks, of course. */
export async function withTimeout<T>(
  work: Promise<T> | (() => Promise<T>),
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([typeof work === 'function' ? work() : work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Cases run per fuzz target, printed by `report()` (call it in afterAll). */
export function caseCounter(suite: string) {
  const counts = new Map<string, { cases: number; accepted: number; refused: number }>();
  return {
    count(target: string, outcome: 'accepted' | 'refused'): void {
      const c = counts.get(target) ?? { cases: 0, accepted: 0, refused: 0 };
      c.cases++;
      c[outcome]++;
      counts.set(target, c);
    },
    total(): number {
      return [...counts.values()].reduce((n, c) => n + c.cases, 0);
    },
    report(): void {
      const lines = [...counts.entries()].map(
        ([t, c]) =>
          `  ${t.padEnd(34)} ${String(c.cases).padStart(6)} cases (${c.refused} refused, ${c.accepted} accepted)`,
      );
      console.log(`[fuzz] ${suite}: ${this.total()} cases\n${lines.join('\n')}`);
    },
  };
}
