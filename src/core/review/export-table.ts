/**
 * The table `ctt export` and `export:write` write: one row per feature of a run on one attribution
 * (task), with the scores, the lifecycle category and the feature's record (gold, else the consensus of
 * `consensus.ts`), in CSV, JSONL, LaTeX (booktabs) or Markdown, with provenance.
 *
 * Columns (CSV and JSONL keys; checkpoints named by revision):
 *   feat_id, run, task, ie_<rev>…, rel_ie_<rev>…, rel_dec_<rev>…, category, bucket, description,
 *   uninterpretable (yes/no), interpretability, complexity, languages, lifecycle_label, annotators
 *   (names joined by "; "), n_annotators, agreement, record (gold | consensus | single | none).
 * When the run has a faithfulness report (`hasFaithfulness`), two more after lifecycle_label:
 *   exclusivity_artifact (yes | no; empty when latent scaling says nothing of the feature: not checked,
 *   or it claims every checkpoint) and faithfulness_matched (yes: matched in every reordered or seed run
 *   of the report; no: unmatched in one; empty without per-feature matching data).
 * CSV and JSONL are flat, by feature index. LaTeX and Markdown leave out run, task (in the provenance),
 * category and bucket (the groups), uninterpretable ("-" as description), annotators' names and record,
 * and group the rows by RelIE bucket in the paper's order (`table-groups.ts`): bold groups for 3
 * checkpoints; for 2, italic groups sorted by the later RelIE share ascending.
 */
import type { LifecycleCategory } from '../../shared/domain';
import type { FeatureRecord } from './consensus';
import { shownDescription } from './consensus';
import { writeLatex } from './latex-table';
import { checkpointLabel, type Provenance } from './provenance';
import { bucketGroups, groupRows } from './table-groups';
import {
  type Column,
  type ExportTable,
  type Row,
  writeCsv,
  writeJsonl,
  writeMarkdown,
} from './table-formats';

export type ExportFormat = 'csv' | 'jsonl' | 'latex' | 'md';

export interface ExportFeature {
  index: number;
  ie: readonly number[];
  relIe: readonly number[] | null;
  relDec: readonly (number | null)[] | null;
  bucket: string | null;
  category: LifecycleCategory;
  record: FeatureRecord;
  /** From the run's faithfulness report (src/shared/faithfulness.ts `featureVerdicts`); null: no verdict. */
  faithfulness?: { isExclusivityArtifact: boolean | null; isMatched: boolean | null };
}

export interface ExportInput {
  runId: string;
  task: string;
  revisions: readonly { revision: string; tokensSeen: number | null }[];
  features: readonly ExportFeature[];
  provenance: Provenance;
  /** The run has a faithfulness report: the two faithfulness columns are written. */
  hasFaithfulness?: boolean;
}

const perCheckpoint = (
  prefix: string,
  label: string,
  revisions: ExportInput['revisions'],
  digits: number,
): Column[] =>
  revisions.map((r) => ({
    key: `${prefix}_${r.revision}`,
    label: `${label} ${checkpointLabel(r)}`,
    type: 'number',
    digits,
  }));

/** Every column, in order; `isPaper` drops those LaTeX and Markdown leave out. */
export function exportColumns(
  revisions: ExportInput['revisions'],
  isPaper: boolean,
  hasFaithfulness = false,
): Column[] {
  const all: (Column & { isData?: boolean })[] = [
    { key: 'feat_id', label: 'Feature', type: 'number' },
    { key: 'run', label: 'Run', type: 'text', isData: true },
    { key: 'task', label: 'Task', type: 'text', isData: true },
    ...perCheckpoint('ie', 'IE', revisions, 3),
    ...perCheckpoint('rel_ie', 'RelIE', revisions, 2),
    ...perCheckpoint('rel_dec', 'RelDec', revisions, 2),
    { key: 'category', label: 'Category', type: 'text', isData: true },
    { key: 'bucket', label: 'Bucket', type: 'text', isData: true },
    { key: 'description', label: 'Description', type: 'text' },
    { key: 'uninterpretable', label: 'Uninterpretable', type: 'text', isData: true },
    { key: 'interpretability', label: 'Interp.', type: 'number', digits: 2 },
    { key: 'complexity', label: 'Compl.', type: 'number', digits: 2 },
    { key: 'languages', label: 'Languages', type: 'text' },
    { key: 'lifecycle_label', label: 'Human label', type: 'text' },
    ...(hasFaithfulness
      ? [
          { key: 'exclusivity_artifact', label: 'Excl. artifact', type: 'text' as const },
          { key: 'faithfulness_matched', label: 'Matched', type: 'text' as const },
        ]
      : []),
    { key: 'annotators', label: 'Annotators', type: 'text', isData: true },
    { key: 'n_annotators', label: 'Ann.', type: 'number' },
    { key: 'agreement', label: 'Agr.', type: 'number', digits: 2 },
    { key: 'record', label: 'Record', type: 'text', isData: true },
  ];
  return all.filter((c) => !(isPaper && c.isData === true)).map(({ isData: _drop, ...c }) => c);
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

const yesNo = (x: boolean | null | undefined): string => (x === true ? 'yes' : x === false ? 'no' : '');

export function exportRow(input: ExportInput, f: ExportFeature): Row {
  const row: Record<string, string | number | null> = {
    feat_id: f.index,
    run: input.runId,
    task: input.task,
    category: f.category,
    bucket: f.bucket ?? '',
    description: shownDescription(f.record),
    uninterpretable: f.record.isUninterpretable ? 'yes' : 'no',
    interpretability: f.record.interpretability,
    complexity: f.record.complexity,
    languages: f.record.languages,
    lifecycle_label: f.record.lifecycleLabel ?? '',
    annotators: f.record.annotators.join('; '),
    n_annotators: f.record.annotators.length,
    agreement: f.record.agreement,
    record: f.record.source,
  };
  if (input.hasFaithfulness === true) {
    row.exclusivity_artifact = yesNo(f.faithfulness?.isExclusivityArtifact);
    row.faithfulness_matched = yesNo(f.faithfulness?.isMatched);
  }
  input.revisions.forEach((r, m) => {
    row[`ie_${r.revision}`] = finiteOrNull(f.ie[m]);
    row[`rel_ie_${r.revision}`] = finiteOrNull(f.relIe?.[m]);
    row[`rel_dec_${r.revision}`] = finiteOrNull(f.relDec?.[m]);
  });
  return row;
}

export function exportTable(input: ExportInput, format: ExportFormat): ExportTable {
  const isPaper = format === 'latex' || format === 'md';
  const columns = exportColumns(input.revisions, isPaper, input.hasFaithfulness === true);
  const rows = [...input.features].sort((a, b) => a.index - b.index).map((f) => exportRow(input, f));
  if (!isPaper) return { columns, groups: [{ key: 'all', label: '', rows }], provenance: input.provenance };
  const bucketByIndex = new Map(input.features.map((f) => [f.index, f.bucket]));
  const m = input.revisions.length;
  const later = input.revisions.at(-1)!.revision;
  const groups =
    m === 2 || m === 3
      ? groupRows(
          rows,
          (row) => bucketByIndex.get(row.feat_id as number) ?? null,
          bucketGroups(input.revisions.map(checkpointLabel)),
          m === 2
            ? (a, b) =>
                ((a[`rel_ie_${later}`] as number | null) ?? 2) -
                ((b[`rel_ie_${later}`] as number | null) ?? 2)
            : undefined,
        )
      : [{ key: 'all', label: '', rows }];
  return { columns, groups, provenance: input.provenance };
}

/** The file text of an export in one format. */
export function renderExport(input: ExportInput, format: ExportFormat): string {
  const table = exportTable(input, format);
  switch (format) {
    case 'csv':
      return writeCsv(table);
    case 'jsonl':
      return writeJsonl(table);
    case 'md':
      return writeMarkdown(table);
    case 'latex':
      return writeLatex(table, {
        groupStyle: input.revisions.length === 2 ? 'italic' : 'bold',
        caption: `Features of ${input.task} by lifecycle bucket`,
      });
  }
}

/** Rows an export holds (every group). */
export const exportRowCount = (input: ExportInput): number => input.features.length;
