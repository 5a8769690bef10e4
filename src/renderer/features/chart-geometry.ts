// Geometry of the Features page's small charts (plain SVG: three-point timelines and the activation
// histogram): linear and log scales, round tick values, short labels. Plain numbers in and out.

/** Maps [d0, d1] onto [r0, r1] (the middle of the range when the domain is one value). */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value: number): number => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((value - d0) / (d1 - d0)) * (r1 - r0));
}

/** As `linearScale` on log10 of positive values. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]) {
  const scale = linearScale([Math.log10(domain[0]), Math.log10(domain[1])], range);
  return (value: number): number => scale(Math.log10(value));
}

/** 1, 2, 2.5, 5 or 10 times a power of ten: the round step nearest to `raw`. */
function roundStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction < 1.5 ? 1 : fraction < 2.25 ? 2 : fraction < 3.5 ? 2.5 : fraction < 7.5 ? 5 : 10) * power;
}

/**
 * About `count` round tick values covering [min, max] (the first at or below min, the last at or
 * above max); a single value gets a band around it.
 */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  let [low, high] = min <= max ? [min, max] : [max, min];
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) / 2;
    [low, high] = [low - pad, high + pad];
  }
  const step = roundStep((high - low) / Math.max(1, count - 1));
  const first = Math.floor(low / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < high + step * (1 - 1e-9); t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks.length === 1) ticks.push(Number((first + step).toPrecision(12)));
  return ticks;
}

/** A tick label: up to 3 significant digits, an exponent when tiny or huge. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  return abs < 0.001 || abs >= 1e5 ? value.toExponential(0) : Number(value.toPrecision(3)).toString();
}

/** Tokens seen, short: 1.5M, 40k, 3B. */
export function compactTokens(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${n}`;
}

/** SVG path through the points in order; missing values are skipped (the line joins across them). */
export function linePath(points: readonly { x: number; y: number | null }[]): string {
  return points
    .filter((p): p is { x: number; y: number } => p.y !== null)
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
    .join(' ');
}
