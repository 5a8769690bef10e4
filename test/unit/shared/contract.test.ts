import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  eventChannels,
  events,
  isEventChannel,
  isRequestChannel,
  requestChannels,
  requests,
} from '../../../src/shared/contract';
import { annotationFieldsSchema, selfTestParamsSchema } from '../../../src/shared/domain';

const saveInput = requests['annotations:save'].input;
const validSave = { featureId: 1, annotatorId: 2, fields: {} };

describe('contract: channels', () => {
  it('lists every request channel with an input and an output zod schema', () => {
    expect(requestChannels.length).toBeGreaterThan(0);
    expect(requestChannels).toEqual(Object.keys(requests));
    for (const channel of requestChannels) {
      const spec = requests[channel];
      expect(spec.input, `${channel}.input`).toBeInstanceOf(z.ZodType);
      expect(spec.output, `${channel}.output`).toBeInstanceOf(z.ZodType);
    }
  });

  it('names channels as area:verb', () => {
    for (const channel of requestChannels) expect(channel).toMatch(/^[a-z]+:[a-zA-Z]+$/);
  });

  it('every event channel has a payload schema', () => {
    expect(eventChannels).toContain('jobs:progress');
    for (const channel of eventChannels) expect(events[channel]).toBeInstanceOf(z.ZodType);
  });

  it('recognises known channels and rejects unknown ones, including inherited property names', () => {
    expect(isRequestChannel('app:info')).toBe(true);
    expect(isRequestChannel('annotations:save')).toBe(true);
    for (const bad of ['app:nope', '', 'toString', '__proto__', 'constructor', 42, null, undefined, {}]) {
      expect(isRequestChannel(bad), String(bad)).toBe(false);
    }
    expect(isEventChannel('jobs:progress')).toBe(true);
    expect(isEventChannel('app:info')).toBe(false);
    expect(isEventChannel('hasOwnProperty')).toBe(false);
  });
});

describe('contract: annotations:save input', () => {
  it('accepts a minimal save and fills every field default', () => {
    const parsed = saveInput.parse(validSave);
    expect(parsed.fields).toEqual({
      description: '',
      isUninterpretable: false,
      interpretability: null,
      complexity: null,
      languages: [],
      isAllLanguages: false,
      lifecycleOverride: null,
      lifecycleOverrideReason: '',
      isFlagged: false,
      notes: '',
      timeSpentMs: 0,
      status: 'draft',
    });
    expect(parsed.baseRevision).toBeUndefined();
  });

  it('accepts the bounds 0 and 1 for ratings', () => {
    expect(annotationFieldsSchema.parse({ interpretability: 0, complexity: 1 })).toMatchObject({
      interpretability: 0,
      complexity: 1,
    });
  });

  it.each([1.5, -0.1, '0.5', Number.NaN])('rejects interpretability %s, naming the field', (value) => {
    const result = saveInput.safeParse({ ...validSave, fields: { interpretability: value } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('fields.interpretability');
  });

  it('explains an out-of-range rating in words', () => {
    const result = saveInput.safeParse({ ...validSave, fields: { complexity: 2 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe('must be between 0 and 1');
  });

  it.each(['english', 'EN', 'en', 'ENG', 'e1g'])('rejects language code %j', (code) => {
    const result = saveInput.safeParse({ ...validSave, fields: { languages: [{ code }] } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['fields', 'languages', 0, 'code']);
  });

  it('accepts an ISO 639-3 code and defaults isTentative to false', () => {
    const parsed = saveInput.parse({
      ...validSave,
      fields: { languages: [{ code: 'eng' }, { code: 'deu', isTentative: true }] },
    });
    expect(parsed.fields.languages).toEqual([
      { code: 'eng', isTentative: false, isCustom: false },
      { code: 'deu', isTentative: true, isCustom: false },
    ]);
  });

  it.each([
    ['featureId', { ...validSave, featureId: 0 }],
    ['annotatorId', { ...validSave, annotatorId: 1.5 }],
    ['baseRevision', { ...validSave, baseRevision: -1 }],
    ['fields.lifecycleOverride', { ...validSave, fields: { lifecycleOverride: 'reborn' } }],
    ['fields.timeSpentMs', { ...validSave, fields: { timeSpentMs: -5 } }],
  ])('rejects a bad %s', (path, input) => {
    const result = saveInput.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('contract: other inputs and defaults', () => {
  it('projects:create trims the name, rejects empty names, defaults the description', () => {
    expect(requests['projects:create'].input.parse({ name: '  Pythia  ' })).toEqual({
      name: 'Pythia',
      description: '',
    });
    expect(requests['projects:create'].input.safeParse({ name: '   ' }).success).toBe(false);
    expect(requests['projects:create'].input.safeParse({ name: 42 }).success).toBe(false);
    expect(requests['projects:create'].input.safeParse({ name: 'x'.repeat(201) }).success).toBe(false);
  });

  it('jobs:startSelfTest fills default sizes and repeats and bounds them', () => {
    expect(requests['jobs:startSelfTest'].input.parse({})).toEqual({ sizes: [128, 256, 512], repeats: 5 });
    expect(selfTestParamsSchema.safeParse({ sizes: [4] }).success).toBe(false);
    expect(selfTestParamsSchema.safeParse({ sizes: [] }).success).toBe(false);
    expect(selfTestParamsSchema.safeParse({ repeats: 0 }).success).toBe(false);
    expect(selfTestParamsSchema.safeParse({ backendPreference: 'cuda' }).success).toBe(false);
  });

  it('settings:update is strict: an unknown key is an error', () => {
    const result = requests['settings:update'].input.safeParse({ theme: 'dark' });
    expect(result.success).toBe(false);
  });

  it('settings:update rejects out-of-range values', () => {
    expect(requests['settings:update'].input.safeParse({ maxConcurrentJobs: 0 }).success).toBe(false);
    expect(requests['settings:update'].input.safeParse({ maxConcurrentJobs: 9 }).success).toBe(false);
    expect(requests['settings:update'].input.safeParse({ backendPreference: 'gpu' }).success).toBe(false);
  });

  // A patch must carry only the keys the caller sent; otherwise saving one setting resets the others.
  it('settings:update parses a partial patch without adding the keys it left out', () => {
    expect(requests['settings:update'].input.parse({ backendPreference: 'wasm' })).toEqual({
      backendPreference: 'wasm',
    });
    expect(requests['settings:update'].input.parse({})).toEqual({});
  });

  it('settings:get output fills defaults', () => {
    expect(requests['settings:get'].output.parse({})).toEqual({
      backendPreference: 'auto',
      activeAnnotatorId: null,
      maxConcurrentJobs: 1,
      isBlindMode: false,
    });
  });

  it('jobs:get and jobs:cancel require a non-empty jobId', () => {
    for (const channel of ['jobs:get', 'jobs:cancel'] as const) {
      expect(requests[channel].input.safeParse({ jobId: '' }).success).toBe(false);
      expect(requests[channel].input.safeParse({}).success).toBe(false);
      expect(requests[channel].input.parse({ jobId: 'abc' })).toEqual({ jobId: 'abc' });
    }
  });
});

describe('contract: models and tasks inputs', () => {
  const add = requests['models:add'].input;

  it('models:add defaults the family to gpt_neox and trims the path', () => {
    expect(add.parse({ name: ' p ', source: { kind: 'folder', path: ' /m ' } })).toEqual({
      name: 'p',
      family: 'gpt_neox',
      source: { kind: 'folder', path: '/m' },
    });
  });

  it('models:add refuses an unknown source kind, a repo without org, "..", and a non-positive tokensPerStep', () => {
    const bad = [
      { name: 'p', source: { kind: 'url', path: '/m' } },
      { name: 'p', source: { kind: 'hfCache', repo: 'pythia' } },
      { name: 'p', source: { kind: 'hfCache', repo: 'org/../x' } },
      { name: 'p', source: { kind: 'folder', path: '' } },
      { name: 'p', source: { kind: 'folder', path: '/m' }, tokensPerStep: 0 },
      { name: 'p', family: 'gpt2', source: { kind: 'folder', path: '/m' } },
      { name: 'p', source: { kind: 'hfCache', repo: 'a/b', revisions: [] } },
      { name: 'p', source: { kind: 'hfCache', repo: 'a/b', revisions: [{ revision: 'main', repo: 'x' }] } },
    ];
    for (const input of bad) expect(add.safeParse(input).success, JSON.stringify(input)).toBe(false);
    expect(
      add.parse({ name: 'p', source: { kind: 'hfCache', repo: 'EleutherAI/pythia-1.4b' } }).source,
    ).toEqual({
      kind: 'hfCache',
      repo: 'EleutherAI/pythia-1.4b',
    });
  });

  it('models:add takes the OLMo and BLOOM families and a preset’s revisions from two repos', () => {
    for (const family of ['olmo', 'bloom'] as const)
      expect(add.parse({ name: 'p', family, source: { kind: 'folder', path: '/m' } }).family).toBe(family);
    const revisions = [{ revision: 'global_step10000' }, { revision: 'main', repo: 'bigscience/bloom-1b1' }];
    expect(
      add.parse({
        name: 'b',
        family: 'bloom',
        source: { kind: 'hfCache', repo: 'bigscience/bloom-1b1-intermediate', revisions },
      }).source,
    ).toEqual({ kind: 'hfCache', repo: 'bigscience/bloom-1b1-intermediate', revisions });
  });

  it('tasks:startAccuracy defaults the policy and refuses a zero limit', () => {
    const start = requests['tasks:startAccuracy'].input;
    expect(start.parse({ modelId: 1, taskFile: '/t.jsonl' })).toEqual({
      modelId: 1,
      taskFile: '/t.jsonl',
      policy: 'multiToken',
    });
    expect(start.safeParse({ modelId: 1, taskFile: '/t.jsonl', limit: 0 }).success).toBe(false);
  });
});

describe('contract: languages and description limits', () => {
  const fields = (f: Record<string, unknown>) => saveInput.safeParse({ ...validSave, fields: f });

  it('refuses a code outside ISO 639-3 unless it is marked custom', () => {
    const refused = fields({ languages: [{ code: 'qqq' }] });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toContain('not an ISO 639-3 code');
    expect(fields({ languages: [{ code: 'qqq', isCustom: true }] }).success).toBe(true);
  });

  it('refuses a language listed twice', () => {
    expect(fields({ languages: [{ code: 'fra' }, { code: 'fra', isTentative: true }] }).success).toBe(false);
  });

  it('refuses a description over 2,000 characters and accepts one of exactly 2,000', () => {
    expect(fields({ description: 'x'.repeat(2000) }).success).toBe(true);
    const refused = fields({ description: 'x'.repeat(2001) });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toContain('at most 2000 characters');
  });
});
