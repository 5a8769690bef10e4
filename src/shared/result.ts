import { z } from 'zod';

/** Error codes every reply may carry. Adapters map them to HTTP statuses; the UI shows `message`. */
export const errorCodeSchema = z.enum([
  'invalid_input',
  'not_found',
  'conflict',
  'unauthorized',
  'cancelled',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const apiErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  /** Dotted path of the offending field, when one input field is to blame (`fields.interpretability`). */
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, field?: string): Result<never> => ({
  ok: false,
  error: field === undefined ? { code, message } : { code, message, field },
});

/** Thrown by services; turned into `{ok:false,error}` at the adapter boundary. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** One readable sentence per zod issue, each naming the field path: `input.name: Too small: …`. */
export function describeZodError(error: z.ZodError, root: string): { message: string; field?: string } {
  const parts = error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  const first = error.issues[0];
  const field = first ? [root, ...first.path.map(String)].join('.') : undefined;
  return field === undefined ? { message: parts.join('; ') } : { message: parts.join('; '), field };
}
