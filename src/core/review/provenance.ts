/**
 * Provenance carried by every exported table (../shared/METHOD.md "Exports"): where the numbers come
 * from, so that a table pasted into a paper can be traced back to a run. Each format writes it in its
 * own comment syntax (CSV `#` lines before the header, JSONL a first line, Markdown an HTML comment,
 * LaTeX `%` lines); `provenanceLines` is the one text form they share.
 */
import { z } from 'zod';

export const exportMarker = 'Crosscoder Workbench export';

export const provenanceSchema = z.object({
  /** Model family name (e.g. `pythia-1b`). */
  model: z.string().min(1),
  /** The crosscoder's checkpoints, earliest first, with the tokens each had seen (null: unknown). */
  revisions: z
    .array(z.object({ revision: z.string().min(1), tokensSeen: z.number().nonnegative().nullable() }))
    .min(1),
  /** Residual-stream layer the crosscoder reads (null: the run does not say). */
  layer: z.number().int().nonnegative().nullable(),
  /** Hash of the run's resolved config.json (identifies the crosscoder). */
  runConfigHash: z.string().min(1),
  /** Lifecycle thresholds t_low, t_high used for the categories. */
  thresholds: z.object({ low: z.number(), high: z.number() }),
  /** App version (package.json) that wrote the file. */
  appVersion: z.string().min(1),
  /** When the file was written, ISO 8601. */
  createdAt: z.string().min(1),
  /** Training seed of the run, task of the attribution, annotators whose labels are in the table. */
  seed: z.number().int().nullable().optional(),
  task: z.string().nullable().optional(),
  annotators: z.array(z.string()).optional(),
  /** The faithfulness report behind the exclusivity_artifact and faithfulness_matched columns. */
  faithfulness: z.string().nullable().optional(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

/**
 * Short tokens-seen label as the paper writes checkpoints ("1B", "286B", "3048B"): billions from 1e9 up
 * (one decimal below 10B), then M and K; null when unknown.
 */
export function tokensLabel(tokens: number | null): string | null {
  if (tokens === null) return null;
  const scaled = (unit: number, suffix: string): string => {
    const x = tokens / unit;
    return `${x < 10 ? Number(x.toFixed(1)) : Math.round(x)}${suffix}`;
  };
  if (tokens >= 1e9) return scaled(1e9, 'B');
  if (tokens >= 1e6) return scaled(1e6, 'M');
  if (tokens >= 1e3) return scaled(1e3, 'K');
  return String(tokens);
}

/** A checkpoint's label in table headers: its tokens-seen label, else the revision name. */
export const checkpointLabel = (r: { revision: string; tokensSeen: number | null }): string =>
  tokensLabel(r.tokensSeen) ?? r.revision;

/** One line per field, `key: value`, newlines in values flattened to spaces (safe in every comment syntax). */
export function provenanceLines(input: Provenance): string[] {
  const p = provenanceSchema.parse(input);
  const revisions = p.revisions
    .map(
      (r) =>
        `${r.revision} (${r.tokensSeen === null ? 'tokens seen unknown' : `${r.tokensSeen} tokens seen`})`,
    )
    .join(', ');
  const lines: [string, string][] = [
    ['model', p.model],
    ['revisions', revisions],
    ['layer', p.layer === null ? 'unknown' : String(p.layer)],
    ['run config hash', p.runConfigHash],
    ['thresholds', `t_low ${p.thresholds.low}, t_high ${p.thresholds.high}`],
  ];
  if (p.seed !== undefined && p.seed !== null) lines.push(['seed', String(p.seed)]);
  if (p.task !== undefined && p.task !== null) lines.push(['task', p.task]);
  if (p.annotators !== undefined) lines.push(['annotators', p.annotators.join(', ')]);
  if (p.faithfulness !== undefined && p.faithfulness !== null) lines.push(['faithfulness', p.faithfulness]);
  lines.push(['app version', p.appVersion], ['created', p.createdAt]);
  return [exportMarker, ...lines.map(([k, v]) => `${k}: ${v.replace(/[\r\n\u2028\u2029]+/g, ' ')}`)];
}
