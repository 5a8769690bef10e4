import type {
  ArtifactEntry,
  FaithfulnessReport,
  MatchSummary,
  ScalingTargetName,
} from '../../shared/faithfulness';

// What the Faithfulness page draws from a report (src/shared/faithfulness.ts): pure, tested without a DOM.

export const formatShare = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
export const formatNumber = (x: number | null, digits = 3): string => (x === null ? '—' : x.toFixed(digits));

/** "0.704 (p_o 0.796, p_e 0.311, n 49)" or "undefined: <reason>". */
export function kappaText(s: MatchSummary): string {
  const k = s.kappa;
  if (k.value === null) return `undefined${k.reason ? `: ${k.reason}` : ''}`;
  return `${formatNumber(k.value)} (p_o ${formatNumber(k.observed)}, p_e ${formatNumber(k.expected)}, n ${k.n})`;
}

/** Checked items matched in the other run, when the report holds per-item data. */
export function itemsMatched(s: MatchSummary): { matched: number; total: number } | null {
  if (s.items === undefined) return null;
  return { matched: s.items.filter((i) => i.isMatched).length, total: s.items.length };
}

/** The confusion table with only the rows and columns that hold something. */
export function compactConfusion(s: MatchSummary): MatchSummary['confusion'] {
  const { rowLabels, colLabels, counts } = s.confusion;
  const rows = rowLabels.map((_, r) => r).filter((r) => (counts[r] ?? []).some((n) => n > 0));
  const cols = colLabels.map((_, c) => c).filter((c) => counts.some((row) => (row[c] ?? 0) > 0));
  return {
    rowLabels: rows.map((r) => rowLabels[r]!),
    colLabels: cols.map((c) => colLabels[c]!),
    counts: rows.map((r) => cols.map((c) => counts[r]?.[c] ?? 0)),
  };
}

export interface TargetCounts {
  target: ScalingTargetName;
  /** Features scaled on this target. */
  total: number;
  /** Those claiming to lack some checkpoint (a flag is defined). */
  claimed: number;
  flagged: number;
  medianRatio: number | null;
  /** Flagged / claimed per category. */
  byCategory: { category: string; flagged: number; claimed: number }[];
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Latent scaling's flag counts per target, in the report's order of targets. */
export function targetCounts(report: FaithfulnessReport): TargetCounts[] {
  const targets = [...new Set(report.artifacts.map((a) => a.target))];
  return targets.map((target) => {
    const rows = report.artifacts.filter((a) => a.target === target);
    const claimed = rows.filter((a) => a.flag !== null);
    const categories = [...new Set(claimed.map((a) => a.category ?? '—'))];
    return {
      target,
      total: rows.length,
      claimed: claimed.length,
      flagged: claimed.filter((a) => a.flag === true).length,
      medianRatio: median(claimed.flatMap((a) => (a.ratio === null ? [] : [a.ratio]))),
      byCategory: categories.map((category) => {
        const of = claimed.filter((a) => (a.category ?? '—') === category);
        return { category, claimed: of.length, flagged: of.filter((a) => a.flag === true).length };
      }),
    };
  });
}

export interface RatioPoint {
  feature: number;
  category: string | null;
  ratio: number;
  isFlagged: boolean;
}

/** ν per feature on one target (features whose ν is defined), ascending: the plot's points. */
export function ratioPoints(artifacts: readonly ArtifactEntry[], target: ScalingTargetName): RatioPoint[] {
  return artifacts
    .filter((a) => a.target === target && a.ratio !== null && Number.isFinite(a.ratio))
    .map((a) => ({ feature: a.feature, category: a.category, ratio: a.ratio!, isFlagged: a.flag === true }))
    .sort((a, b) => a.ratio - b.ratio || a.feature - b.feature);
}

/** The run's checkpoints as the report names them (reference run). */
export const checkpointsOf = (report: FaithfulnessReport): string[] => report.runs[0]?.checkpoints ?? [];

/** "[step1600, step400, step100]" for the run a summary compares with. */
export function orderOf(report: FaithfulnessReport, runId: string): string {
  const run = report.runs.find((r) => r.runId === runId);
  return run === undefined ? '' : `[${run.checkpoints.join(', ')}]`;
}
