import type { ApiError } from '../../shared/result';
import type { SaveFailure } from './autosave';

// Turns a rejected `annotations:save` (an ApiCallError carrying the contract's {code, message, field})
// into what the autosave does next. Duck-typed so it needs neither the client nor a DOM.

export function apiErrorOf(error: unknown): ApiError | null {
  if (typeof error !== 'object' || error === null || !('error' in error)) return null;
  const inner = (error as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const e = inner as Partial<ApiError>;
  return typeof e.code === 'string' && typeof e.message === 'string' ? (e as ApiError) : null;
}

export function classifySaveError(error: unknown): SaveFailure {
  const api = apiErrorOf(error);
  const message = api?.message ?? (error instanceof Error ? error.message : String(error));
  switch (api?.code) {
    case 'conflict':
      return { kind: 'conflict', message };
    case 'invalid_input':
      return { kind: 'invalid', message, field: api.field ?? null };
    case 'not_found':
      return { kind: 'notFound', message };
    case 'unavailable':
    case undefined:
      return { kind: 'unavailable', message };
    default:
      return { kind: 'refused', message };
  }
}
