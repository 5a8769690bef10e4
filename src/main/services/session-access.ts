import type { RequestChannel } from '../../shared/contract';

/**
 * Who is calling. The Electron window, the CLI and the serve-mode start token are the owner; an
 * annotator token (annotators:createToken) is one annotator, who may use only `annotatorChannels` and
 * only as themselves.
 */
export type CallSession = { role: 'owner' } | { role: 'annotator'; annotatorId: number };

export const ownerSession: CallSession = { role: 'owner' };

/** What an annotator needs to annotate: read the queue and features, write their own annotations. */
export const annotatorChannels: ReadonlySet<RequestChannel> = new Set<RequestChannel>([
  'session:get',
  'app:info',
  'settings:get',
  'annotators:list',
  'annotators:progress',
  'annotations:save',
  'annotations:latest',
  'annotations:history',
  'annotations:others',
  'features:queue',
  'features:get',
  'features:dashboard',
  'features:attributions',
  'queues:list',
  // The run picker of the Features page (names and headline numbers only).
  'runs:list',
  // Reviewer comments on a feature: an annotator reads them and adds their own (as themselves).
  'comments:list',
  'comments:add',
  // Whether the open project is an offline review bundle (a banner; no data).
  'bundle:identity',
  // The faithfulness verdicts behind the queue's badges and the form's exclusivity-artifact flag
  // (about the crosscoder, not about anyone's answers).
  'faithfulness:features',
]);

/** Input fields that name an annotator; for an annotator session they must name the caller. */
const annotatorFields = ['annotatorId', 'assignedTo'] as const;

export type Access = { ok: true; input: unknown } | { ok: false; message: string; field: string };

/**
 * The one place that limits annotator sessions: the channel must be on the allow-list and every
 * annotator named in the (parsed) input must be the caller. `annotations:history` without an annotator
 * becomes the caller's own history. The owner may do anything.
 */
export function authorize(channel: RequestChannel, input: unknown, session: CallSession): Access {
  if (session.role === 'owner') return { ok: true, input };
  if (!annotatorChannels.has(channel)) {
    return {
      ok: false,
      message: `${channel} is for the workbench owner; an annotator's link opens annotation only.`,
      field: 'channel',
    };
  }
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  for (const name of annotatorFields) {
    const value = fields[name];
    if (value !== undefined && value !== session.annotatorId) {
      return {
        ok: false,
        message: `This link belongs to annotator ${session.annotatorId}; it cannot act for or read annotator ${String(value)}.`,
        field: `input.${name}`,
      };
    }
  }
  if (channel === 'annotations:history' && fields.annotatorId === undefined)
    return { ok: true, input: { ...fields, annotatorId: session.annotatorId } };
  return { ok: true, input };
}
