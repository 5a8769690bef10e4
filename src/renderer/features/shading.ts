// Per-token shading of activating contexts: a token's background grows with its activation relative
// to the feature's maximum; its exact value goes in the tooltip.

/** Share of the maximum, clamped to [0, 1]; 0 for missing, negative or non-finite values. */
export function shadeIntensity(activation: number | null, maxActivation: number): number {
  if (activation === null || !Number.isFinite(activation) || !(maxActivation > 0)) return 0;
  return Math.min(1, Math.max(0, activation / maxActivation));
}

/**
 * Background of a token: transparent at 0, then an orange whose alpha rises from 0.12 to 0.9 (visible
 * on light and dark panels alike; the text colour switches to dark above `darkTextFrom`).
 */
export function shadeColor(intensity: number): string {
  if (intensity <= 0) return 'transparent';
  const alpha = 0.12 + 0.78 * Math.min(1, intensity);
  return `rgba(255, 140, 0, ${alpha.toFixed(3)})`;
}

/** Above this intensity the shaded token uses dark text whatever the theme. */
export const darkTextFrom = 0.45;

/** What a token shows: spaces and line breaks made visible so the snippet keeps its shape. */
export function visibleToken(text: string): string {
  return text.replace(/\n/g, '⏎').replace(/\t/g, '⇥');
}

/** Tooltip of a token: its text and activation (3 significant digits). */
export function tokenTitle(text: string, activation: number | null): string {
  const value = activation === null ? 'no activation' : `activation ${formatActivation(activation)}`;
  return `${JSON.stringify(text)} · ${value}`;
}

export function formatActivation(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1000 || abs < 0.001 ? value.toExponential(2) : Number(value.toPrecision(3)).toString();
}

/**
 * Whether a context's tokens carry no whitespace at all (a word-level tokenizer, as in the demo model):
 * then the snippet shows a gap between tokens, which BPE tokens (" key") bring themselves.
 */
export function needsTokenGaps(texts: readonly string[]): boolean {
  return texts.length > 1 && texts.every((t) => !/\s/.test(t));
}
