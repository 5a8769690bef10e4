import type { LanguageAccuracy, TaskAccuracyResult } from './domain';

/*
 * Task accuracy per language per checkpoint: within one result (a task file may mix languages) and over
 * several results of one family run together (CLAMS en and fr, MultiBLiMP per language). Pooled counts:
 * a language's accuracy at a checkpoint is its right pairs over its scored pairs, summed over results.
 */

/**
 * Accuracy per language: `languages[i]` is pair i's ISO 639-3 code, `isCorrect[i]` whether it was right
 * (null: not scored at this checkpoint). Sorted by code.
 */
export function accuracyByLanguage(
  languages: readonly string[],
  isCorrect: readonly (boolean | null)[],
): LanguageAccuracy[] {
  const tally = new Map<string, { right: number; scored: number; skipped: number }>();
  languages.forEach((language, i) => {
    const t = tally.get(language) ?? { right: 0, scored: 0, skipped: 0 };
    const outcome = isCorrect[i] ?? null;
    if (outcome === null) t.skipped++;
    else {
      t.scored++;
      if (outcome) t.right++;
    }
    tally.set(language, t);
  });
  return [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([language, t]) => ({
      language,
      accuracy: t.scored === 0 ? null : t.right / t.scored,
      scored: t.scored,
      skipped: t.skipped,
    }));
}

/**
 * Per-language accuracy of checkpoint `index` of a result: the job's own `byLanguage`, or, for results
 * written before it existed, from the margins (right when good − bad > 0; a null margin is not scored).
 */
export function checkpointLanguageAccuracy(result: TaskAccuracyResult, index: number): LanguageAccuracy[] {
  const checkpoint = result.checkpoints[index];
  if (checkpoint === undefined) return [];
  if (checkpoint.byLanguage !== undefined) return checkpoint.byLanguage;
  return accuracyByLanguage(
    result.pairs.map((p) => p.language),
    checkpoint.margins.map((m) => (m === null ? null : m > 0)),
  );
}

export interface LanguageSeriesPoint {
  checkpointId: number;
  revision: string;
  tokensSeen: number | null;
}

export interface LanguageSeries {
  /** ISO 639-3 code. */
  language: string;
  /** Per checkpoint (as in `checkpoints`): pooled accuracy, null where no pair of it was scored. */
  accuracy: (number | null)[];
  /** Scored pairs per checkpoint, summed over the results. */
  scored: number[];
}

/**
 * Accuracy per language over one or more results (of one family): the checkpoints of all results, by
 * tokens seen (unknown last, then first seen), and one series per language with pooled accuracy, plus
 * `overall` (every pair of every result).
 */
export function languageSeries(results: readonly TaskAccuracyResult[]): {
  checkpoints: LanguageSeriesPoint[];
  series: LanguageSeries[];
  overall: (number | null)[];
} {
  const checkpoints: LanguageSeriesPoint[] = [];
  const tallies = new Map<string, Map<number, { right: number; scored: number }>>();
  for (const result of results) {
    result.checkpoints.forEach((c, index) => {
      if (!checkpoints.some((p) => p.checkpointId === c.checkpointId)) {
        checkpoints.push({ checkpointId: c.checkpointId, revision: c.revision, tokensSeen: c.tokensSeen });
      }
      for (const l of checkpointLanguageAccuracy(result, index)) {
        if (l.accuracy === null) continue;
        const byCheckpoint = tallies.get(l.language) ?? new Map<number, { right: number; scored: number }>();
        const t = byCheckpoint.get(c.checkpointId) ?? { right: 0, scored: 0 };
        // Counts, not rates, are pooled: right pairs are accuracy × scored (exact up to rounding).
        t.right += Math.round(l.accuracy * l.scored);
        t.scored += l.scored;
        byCheckpoint.set(c.checkpointId, t);
        tallies.set(l.language, byCheckpoint);
      }
    });
  }
  const order = (p: LanguageSeriesPoint): number => p.tokensSeen ?? Number.POSITIVE_INFINITY;
  const sorted = checkpoints
    .map((p, i) => ({ p, i }))
    .sort((a, b) => order(a.p) - order(b.p) || a.i - b.i)
    .map(({ p }) => p);
  const series = [...tallies.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([language, byCheckpoint]) => ({
      language,
      accuracy: sorted.map((p) => {
        const t = byCheckpoint.get(p.checkpointId);
        return t === undefined || t.scored === 0 ? null : t.right / t.scored;
      }),
      scored: sorted.map((p) => byCheckpoint.get(p.checkpointId)?.scored ?? 0),
    }));
  const overall = sorted.map((p) => {
    let right = 0;
    let scored = 0;
    for (const byCheckpoint of tallies.values()) {
      const t = byCheckpoint.get(p.checkpointId);
      if (t !== undefined) {
        right += t.right;
        scored += t.scored;
      }
    }
    return scored === 0 ? null : right / scored;
  });
  return { checkpoints: sorted, series, overall };
}
