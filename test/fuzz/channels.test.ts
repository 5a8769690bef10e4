import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { requestChannels, requests, type RequestChannel } from '../../src/shared/contract';
import { errorCodeSchema, type Result } from '../../src/shared/result';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import {
  boundaryValues,
  caseCounter,
  deepNest,
  prototypePollution,
  randomValue,
  SeededRandom,
  withTimeout,
} from '../helpers/fuzz';
import { storeChecksum, totalChanges } from '../helpers/store-checksum';
import { createTmpDirs } from '../helpers/tmp-dir';

// Every contract channel with random and boundary inputs, through `dispatch` of a real workbench (demo
// study imported, two annotators) on a temporary data folder. Each input starts from a plausible one
// built from the channel's JSON Schema, then breaks one field (wrong types, huge strings, negative /
// NaN / Infinity numbers, unknown keys, deep nesting, __proto__ keys) or the whole input. Every case:
// an answer within 5 s, a Result with a known error code and a non-empty message (naming the field
// for invalid input), never an internal error, and a refused input leaves the store as it was.

const seed = Number(process.env.CTT_FUZZ_SEED ?? 20_251_125);
const tmp = createTmpDirs('ctt-fuzz-channels-');
const counter = caseCounter(`contract channels (seed ${seed})`);
let workbench: Workbench;
let fuzzDir: string;
const known = { runId: '', attributionId: '', featureIds: [] as number[], annotatorIds: [] as number[] };

beforeAll(async () => {
  const dataDir = tmp.make();
  fuzzDir = join(tmp.make(), 'paths');
  mkdirSync(fuzzDir);
  workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
  const call = async (channel: string, input: unknown) => {
    const r = await workbench.invoke(channel, input, { transport: 'cli' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as Record<string, unknown>;
  };
  const study = await call('features:importStudy', {});
  known.runId = study.runId as string;
  known.attributionId = workbench.store.attributions.list(known.runId)[0]!.id;
  for (const name of ['ada', 'bob'])
    known.annotatorIds.push((await call('annotators:create', { name })).id as number);
  known.featureIds = workbench.store.features
    .list(known.runId)
    .slice(0, 3)
    .map((f) => f.id);
  // Lazily created rows (the default project) exist before the first case.
  await call('models:list', {});
});
afterAll(async () => {
  counter.report();
  await workbench?.close();
  tmp.cleanup();
});

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  default?: unknown;
};

const pathFields = new Set([
  'path',
  'dir',
  'outDir',
  'taskFile',
  'activationStore',
  'corpusFile',
  'cacheDir',
  'folder',
]);
const idFields: Record<string, () => number[]> = {
  featureId: () => known.featureIds,
  annotatorId: () => known.annotatorIds,
  assignedTo: () => known.annotatorIds,
};

/** A plausible value for a schema: ids and names of things that exist, paths inside the fuzz folder. */
function plausible(schema: JsonSchema, rng: SeededRandom, name = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return plausible(rng.pick(options.filter((o) => o.type !== 'null')), rng, name);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || rng.int(2) === 0) value[key] = plausible(sub, rng, key);
      }
      return value;
    }
    case 'array': {
      const n = Math.min(schema.maxItems ?? 3, Math.max(schema.minItems ?? 0, 1 + rng.int(2)));
      return Array.from({ length: n }, () => plausible(schema.items ?? {}, rng, name));
    }
    case 'string':
      if (name === 'runId') return known.runId;
      if (name === 'attributionId') return known.attributionId;
      if (pathFields.has(name)) return join(fuzzDir, `f${rng.int(1000)}.out`);
      if (name === 'repo') return 'fuzz-org/fuzz-model';
      if (name === 'revision') return 'main';
      if (name === 'language') return 'eng';
      if (name === 'code') return 'eng';
      return `fuzz ${rng.int(1e6)}`.padEnd(schema.minLength ?? 1, 'x').slice(0, schema.maxLength ?? 200);
    case 'integer': {
      if (idFields[name]) return rng.pick(idFields[name]());
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const high = Math.min(schema.maximum ?? low + 4, low + 4);
      return low + rng.int(high - low + 1);
    }
    case 'number': {
      const low = schema.minimum ?? 0;
      const high = schema.maximum ?? low + 1;
      return low + rng.next() * (high - low);
    }
    case 'boolean':
      return rng.int(2) === 0;
    case 'null':
      return null;
    default:
      return schema.default ?? null;
  }
}

const inputSchemas = Object.fromEntries(
  requestChannels.map((c) => [
    c,
    z.toJSONSchema(requests[c].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
  ]),
) as Record<RequestChannel, JsonSchema>;

/** The inputs of one channel: plausible, each field broken in each way, the whole input broken. */
function casesFor(channel: RequestChannel, rng: SeededRandom): { label: string; input: unknown }[] {
  const schema = inputSchemas[channel];
  const base = () => plausible(schema, rng) as Record<string, unknown>;
  const cases: { label: string; input: unknown }[] = [{ label: 'plausible', input: base() }];
  const boundaries = boundaryValues();
  const fields = Object.keys(schema.properties ?? {});
  for (const field of fields) {
    for (const [i, value] of boundaries.entries())
      cases.push({ label: `${field}=boundary#${i}`, input: { ...base(), [field]: value } });
    const sub = schema.properties![field]!;
    // One level down (annotation fields, model source, queue filters…).
    const nested = sub.properties ?? sub.anyOf?.[0]?.properties ?? sub.oneOf?.[0]?.properties;
    if (nested) {
      for (const inner of Object.keys(nested)) {
        for (const value of [
          null,
          -1,
          NaN,
          Infinity,
          '',
          'x'.repeat(100_000),
          [],
          {},
          prototypePollution(),
        ]) {
          const b = base();
          const parent = typeof b[field] === 'object' && b[field] !== null ? b[field] : plausible(sub, rng);
          cases.push({
            label: `${field}.${inner}=${String(value).slice(0, 12)}`,
            input: { ...b, [field]: { ...(parent as object), [inner]: value } },
          });
        }
      }
    }
  }
  for (const value of [null, undefined, 0, NaN, 'x', [], [base()], true, deepNest(5000)])
    cases.push({ label: `whole=${String(value).slice(0, 12)}`, input: value });
  cases.push({ label: 'unknown key', input: { ...base(), unexpectedKey: 1, ['x'.repeat(10_000)]: 'y' } });
  cases.push({ label: '__proto__ keys', input: Object.assign(prototypePollution(), base()) });
  cases.push({ label: 'JSON __proto__', input: JSON.parse(`{"__proto__": ${JSON.stringify(base())}}`) });
  cases.push({ label: 'deep nesting', input: { ...base(), nested: deepNest(10_000) } });
  for (let i = 0; i < 25; i++) {
    const b = base();
    const keys = [...fields, 'extra'];
    b[rng.pick(keys)] = randomValue(rng);
    cases.push({ label: `random#${i}`, input: rng.int(6) === 0 ? randomValue(rng) : b });
  }
  return cases;
}

describe('contract channels under random and boundary inputs', () => {
  it('answer every case with a clear Result; refused inputs change nothing', async () => {
    const rng = new SeededRandom(seed);
    const problems: string[] = [];
    const db = workbench.store.db;
    let checksumAt = -1;
    let checksum = '';
    const currentChecksum = (): string => {
      const changes = totalChanges(db);
      if (changes !== checksumAt) {
        checksum = storeChecksum(db);
        checksumAt = changes;
      }
      return checksum;
    };
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const channel of requestChannels) {
      for (const { label, input } of casesFor(channel, rng)) {
        const before = currentChecksum();
        const changesBefore = totalChanges(db);
        let result: Result<unknown>;
        try {
          result = await withTimeout(
            dispatch(workbench.handlers, channel, input, { transport: 'ipc' }),
            5000,
            `${channel} ${label}`,
          );
        } catch (error) {
          problems.push(`${channel} ${label}: threw ${String(error)}`);
          continue;
        }
        const where = `${channel} [${label}]`;
        if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
          problems.push(`${where}: not a Result`);
          continue;
        }
        counter.count(channel, result.ok ? 'accepted' : 'refused');
        if (result.ok) continue;
        const { code, message, field } = result.error;
        if (!errorCodeSchema.safeParse(code).success) problems.push(`${where}: unknown code ${code}`);
        if (code === 'internal') problems.push(`${where}: internal error: ${message.slice(0, 300)}`);
        if (typeof message !== 'string' || message.trim() === '') problems.push(`${where}: empty message`);
        if (code === 'invalid_input' && field === undefined && !/input/.test(message))
          problems.push(`${where}: invalid_input names no field: ${message.slice(0, 200)}`);
        if (message.length > 2100) problems.push(`${where}: a ${message.length}-character message`);
        if (totalChanges(db) !== changesBefore && storeChecksum(db) !== before)
          problems.push(`${where}: refused (${code}) but the store changed`);
      }
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(problems).toEqual([]);
    expect(counter.total()).toBeGreaterThan(3000);
  }, 120_000);
});
