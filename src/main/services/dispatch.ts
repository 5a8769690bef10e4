import {
  requests,
  isRequestChannel,
  type ParsedInput,
  type RequestChannel,
  type RequestOutput,
} from '../../shared/contract';
import { AppError, describeZodError, fail, ok, type Result } from '../../shared/result';
import { authorize, ownerSession, type CallSession } from './session-access';
import { pathOutsideRoots, type PathPolicy } from './path-policy';

/** Who is calling; adapters fill it in. */
export interface CallContext {
  transport: 'ipc' | 'http' | 'cli';
  /**
   * The caller. The HTTP adapter always sets it (owner or annotator, from the token); in-process
   * callers (IPC from the app's own window, the CLI, tests) may leave it out and are the owner.
   */
  session?: CallSession;
}

export const sessionOf = (context: CallContext): CallSession => context.session ?? ownerSession;

/** One handler per contract channel: leaving one out is a compile error where the object is built. */
export type Handlers = {
  [C in RequestChannel]: (
    input: ParsedInput<C>,
    context: CallContext,
  ) => RequestOutput<C> | Promise<RequestOutput<C>>;
};

export interface DispatchOptions {
  /** Check handler outputs against the contract too (tests and development). */
  shouldValidateOutput?: boolean;
  onInternalError?: (channel: string, error: unknown) => void;
  /** Folders that paths in inputs must lie in (the adapters' calls); no check when left out. */
  pathPolicy?: PathPolicy;
}

/**
 * Validates the channel and the input, checks the caller may make this call (`authorize`), runs the
 * handler, and turns every outcome into a Result. Invalid or unauthorized input never reaches a
 * handler, so it cannot change anything.
 */
export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  rawInput: unknown,
  context: CallContext,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isRequestChannel(channel)) {
    return fail('not_found', `Unknown channel ${JSON.stringify(channel)}.`, 'channel');
  }
  const spec = requests[channel];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const { message, field } = describeZodError(parsed.error, 'input');
    return fail('invalid_input', clip(`Invalid input for ${channel}: ${message}`), field);
  }
  const access = authorize(channel, parsed.data, sessionOf(context));
  if (!access.ok) return fail('unauthorized', clip(access.message), access.field);
  if (options.pathPolicy !== undefined) {
    const outside = pathOutsideRoots(access.input, options.pathPolicy);
    if (outside !== null)
      return fail(
        'invalid_input',
        clip(
          `${outside.path} is outside the folders the workbench may use (${options.pathPolicy.roots.join(', ')}); ` +
            'add a folder with CTT_ALLOWED_ROOTS.',
        ),
        outside.field,
      );
  }
  try {
    const handler = handlers[channel] as (input: unknown, context: CallContext) => unknown;
    const value = await handler(access.input, context);
    if (options.shouldValidateOutput) {
      const checked = spec.output.safeParse(value);
      if (!checked.success) {
        const { message } = describeZodError(checked.error, 'output');
        throw new Error(`Handler for ${channel} broke the contract: ${message}`);
      }
    }
    return ok(value);
  } catch (error) {
    if (error instanceof AppError) return fail(error.code, clip(error.message), error.field);
    const storage = storageFailure(error);
    if (storage !== null) return fail('unavailable', `${channel}: ${storage}`);
    options.onInternalError?.(channel, error);
    const message = error instanceof Error ? error.message : String(error);
    return fail('internal', clip(`Internal error in ${channel}: ${message}`));
  }
}

/** Longest error message a reply carries: messages quote inputs, and an input may be megabytes long. */
export const maxErrorMessageLength = 2000;

function clip(message: string): string {
  if (message.length <= maxErrorMessageLength) return message;
  const cut = message.length - maxErrorMessageLength;
  return `${message.slice(0, maxErrorMessageLength)}… (${cut} more characters)`;
}

/**
 * SQLite errors that say the database cannot take a write right now (full disk, read-only file, another
 * process holding the lock): a sentence for the user instead of an internal error. SQLite rolled the
 * statement or transaction back, so what was saved before is intact.
 */
function storageFailure(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_FULL'))
    return 'not saved: the disk holding the workbench database is full (SQLITE_FULL). Free some space and try again; everything saved before is intact.';
  if (code.startsWith('SQLITE_READONLY'))
    return `not saved: the workbench database is read-only (${code}). Check the file's permissions; everything saved before is intact.`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return `not saved: the workbench database is in use by another process that held its lock for more than 5 s (${code}). Try again; everything saved before is intact.`;
  return null;
}

export type ChannelResult<C extends RequestChannel> = Result<RequestOutput<C>>;
