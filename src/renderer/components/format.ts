export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const formatTime = (iso: string | null): string =>
  iso === null ? '—' : new Date(iso).toLocaleTimeString();

const tokenUnits: ReadonlyArray<readonly [number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** 4,200,000,000 → "4.2B"; 2,097,152 → "2.1M"; 512 → "512"; null → "—". */
export function formatTokens(tokens: number | null): string {
  if (tokens === null || !Number.isFinite(tokens)) return '—';
  for (const [size, suffix] of tokenUnits) {
    if (Math.abs(tokens) >= size) {
      const value = tokens / size;
      return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))}${suffix}`;
    }
  }
  return String(tokens);
}

/** The message of an API error (ApiCallError carries the contract's `{code, message, field}`). */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
