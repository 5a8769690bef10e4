import type { AnnotationsCsvImportResult, ExportResult } from '../../shared/review';
import type { ApiError } from '../../shared/result';

// What the Export page says after a table export or a CSV import, kept out of React.

/**
 * The first lines of the written file when the result carries them (`preview` as lines or as one
 * text); null when it does not (the contract's result has path and row count only).
 */
export function previewLinesOf(result: ExportResult, maxLines = 12): string[] | null {
  const preview: unknown = (result as ExportResult & { preview?: unknown }).preview;
  const lines =
    typeof preview === 'string'
      ? preview.split(/\r?\n/)
      : Array.isArray(preview) && preview.every((l) => typeof l === 'string')
        ? (preview as string[])
        : null;
  if (lines === null || lines.length === 0) return null;
  return lines.slice(0, maxLines);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "12 rows checked: 10 new revisions, 2 unchanged (dry run: nothing written)". */
export function importSummary(result: AnnotationsCsvImportResult): string {
  const head = `${plural(result.rows, 'row')} ${result.isApplied ? 'read' : 'checked'}: `;
  if (result.isApplied)
    return `${head}${plural(result.imported, 'revision')} appended, ${result.unchanged} unchanged.`;
  const fresh = result.preview.filter((r) => r.action === 'new').length;
  return `${head}${plural(fresh, 'new revision')} to append, ${result.unchanged} unchanged (dry run: nothing written).`;
}

/** An import refusal with where it happened: the server's message, and the field it names if any. */
export function importErrorText(error: ApiError | null, fallback: string): string {
  if (error === null) return fallback;
  const field = error.field?.trim();
  if (field === undefined || field === '' || error.message.includes(field)) return error.message;
  return `${error.message} (${field})`;
}
