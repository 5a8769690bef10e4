import {
  requests,
  isRequestChannel,
  type ParsedInput,
  type RequestChannel,
  type RequestOutput,
} from '../../shared/contract';
import { AppError, describeZodError, fail, ok, type Result } from '../../shared/result';
import { authorize, ownerSession, type CallSession } from './session-access';

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
    return fail('invalid_input', `Invalid input for ${channel}: ${message}`, field);
  }
  const access = authorize(channel, parsed.data, sessionOf(context));
  if (!access.ok) return fail('unauthorized', access.message, access.field);
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
    if (error instanceof AppError) return fail(error.code, error.message, error.field);
    options.onInternalError?.(channel, error);
    const message = error instanceof Error ? error.message : String(error);
    return fail('internal', `Internal error in ${channel}: ${message}`);
  }
}

export type ChannelResult<C extends RequestChannel> = Result<RequestOutput<C>>;
