import { importTaskFile, TaskFileError } from '../../core/tasks/importers';
import { AppError } from '../../shared/result';
import { requireFile } from './checkpoint-sources';

/**
 * Checks, before a job starts, that `taskFile` exists and yields at least one minimal pair; a malformed
 * line becomes `invalid_input` naming the file and line (never a failed job later).
 */
export async function requireUsableTaskFile(
  taskFile: string,
  limit: number | undefined,
  field = 'input.taskFile',
): Promise<void> {
  await requireFile(taskFile, field);
  try {
    const imported = await importTaskFile(taskFile, limit === undefined ? {} : { limit });
    if (imported.pairs.length === 0) {
      throw new AppError(
        'invalid_input',
        `${taskFile} holds no usable minimal pair (${imported.skipped.length} lines skipped).`,
        field,
      );
    }
  } catch (error) {
    if (error instanceof TaskFileError) throw new AppError('invalid_input', error.message, field);
    throw error;
  }
}
