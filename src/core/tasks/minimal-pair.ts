/**
 * One minimal pair of a task: a shared prefix and a right and a wrong continuation. Every importer
 * (BLiMP, CLAMS, MultiBLiMP) produces this one type, and everything downstream (accuracy, IE, the
 * per-item task view) reads only this type.
 *
 * Text conventions, fixed here so that tokenisation is the same everywhere:
 * - `prefix` has no trailing whitespace;
 * - `goodAnswer` and `badAnswer` each start with exactly the one space that separates them from the
 *   prefix, so `prefix + goodAnswer` is the grammatical text up to and including the answer word.
 */
import { z } from 'zod';

export const taskSourceSchema = z.enum(['blimp', 'clams', 'multiblimp']);
/** The file format a pair came from; also the importer's `format`. */
export type TaskSource = z.infer<typeof taskSourceSchema>;

const continuationSchema = z
  .string()
  .regex(/^ \S/, 'an answer starts with one space followed by the answer text')
  .refine((text) => text.trim().length > 0, 'an answer is not empty');

export const minimalPairSchema = z
  .object({
    /** Stable id: `${UID}:${pairID}` for BLiMP, `${taskName}:${line}` otherwise. */
    id: z.string().min(1),
    /** The task the pair belongs to: the BLiMP UID, the CLAMS file name, `multiblimp_${language}`. */
    taskName: z.string().min(1),
    /** The file format the pair was imported from. */
    source: taskSourceSchema,
    /** ISO 639-3 code (`eng`, `fra`, …; `und` when unknown). */
    language: z.string().regex(/^[a-z]{3}$/, 'an ISO 639-3 code (three lower-case letters)'),
    /** Shared context before the answer, without trailing whitespace. */
    prefix: z
      .string()
      .min(1)
      .refine((text) => text === text.trimEnd() && text.trim().length > 0, 'prefix: no trailing space'),
    /** The grammatical continuation after `prefix`, with its leading space (`" is"`). */
    goodAnswer: continuationSchema,
    /** The ungrammatical continuation after `prefix`, with its leading space (`" are"`). */
    badAnswer: continuationSchema,
    /** The full grammatical sentence as given in the file. */
    sentenceGood: z.string(),
    /** The full ungrammatical sentence as given in the file. */
    sentenceBad: z.string(),
    /** Finer label when the file has one (BLiMP `linguistics_term`, MultiBLiMP `phenomenon`). */
    phenomenon: z.string().optional(),
    /** 1-based physical line of the pair in `file`. */
    line: z.number().int().positive(),
    /** The file the pair was read from, as the caller named it. */
    file: z.string(),
  })
  .refine((pair) => pair.goodAnswer !== pair.badAnswer, {
    message: 'goodAnswer and badAnswer are identical',
    path: ['badAnswer'],
  });

export type MinimalPair = z.infer<typeof minimalPairSchema>;
