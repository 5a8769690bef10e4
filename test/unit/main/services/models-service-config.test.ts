import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelsService } from '../../../../src/main/services/models-service';
import { createStore, type Store } from '../../../../src/main/store/store';
import { AppError } from '../../../../src/shared/result';
import { storeChecksum } from '../../../helpers/store-checksum';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// models:add and models:addCheckpoint read a local folder's config.json as the model loader does and
// refuse one it would refuse, naming the file and the field; nothing is stored.

const tmp = createTmpDirs('ctt-models-config-');
let store: Store;
let service: ModelsService;

beforeEach(() => {
  store = createStore(':memory:');
  service = new ModelsService(store, { defaultCacheDir: () => join(tmp.make(), 'no-cache') });
  service.defaultProjectId(); // made on first use: not a change a refusal makes
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

async function refusal(work: Promise<unknown>, field: string): Promise<string> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'invalid_input', field });
  return (error as AppError).message;
}

/** A complete tiny model folder whose config.json is then replaced by `text` or edited by `edit`. */
async function folderWithConfig(
  change: string | ((config: Record<string, unknown>) => void),
): Promise<string> {
  const dir = tmp.make();
  await writeTinyModelFolder(dir);
  const path = join(dir, 'config.json');
  if (typeof change === 'string') writeFileSync(path, change);
  else {
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    change(config);
    writeFileSync(path, JSON.stringify(config));
  }
  return dir;
}

const addFolder = (path: string, name = 'broken') =>
  service.add({ name, family: 'gpt_neox', source: { kind: 'folder', path } });

describe('models:add with a broken config.json', () => {
  it('refuses config.json that is not JSON, not an object, of an unknown architecture or missing a field', async () => {
    const cases: [string | ((c: Record<string, unknown>) => void), RegExp][] = [
      ['{"model_type": "gpt_neox",', /config\.json is not valid JSON/],
      ['[1, 2]', /config\.json: is not a JSON object/],
      [
        (c) => ((c.model_type = 'llama'), (c.architectures = ['LlamaForCausalLM'])),
        /unknown architecture llama/,
      ],
      [(c) => delete c.hidden_size, /field "hidden_size"/],
      [(c) => (c.num_hidden_layers = 'four'), /field "num_hidden_layers"/],
    ];
    for (const [change, pattern] of cases) {
      const dir = await folderWithConfig(change);
      const before = storeChecksum(store.db);
      const message = await refusal(addFolder(dir), 'input.source.path');
      expect(message).toContain(join(dir, 'config.json'));
      expect(message).toMatch(pattern);
      expect(storeChecksum(store.db)).toBe(before);
    }
    expect(service.list()).toEqual([]);
  });

  it('refuses a folder of model folders when one of them has a broken config.json, storing none', async () => {
    const root = tmp.make();
    await writeTinyModelFolder(join(root, 'step100'));
    await writeTinyModelFolder(join(root, 'step200'));
    writeFileSync(join(root, 'step200', 'config.json'), '{"model_type": "gpt_neox"}');
    const message = await refusal(addFolder(root), 'input.source.path');
    expect(message).toContain(join(root, 'step200', 'config.json'));
    expect(message).toMatch(/field "hidden_size"/);
    expect(service.list()).toEqual([]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get()).toEqual({ n: 0 });
  });

  it('still adds a folder with a good config.json and missing weights (validation reports them)', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir);
    rmSync(join(dir, 'model.safetensors'));
    const model = await addFolder(dir, 'filling-up');
    const report = await service.validate(model.checkpoints[0]!.id);
    expect(report.isComplete).toBe(false);
    expect(report.problems.join('\n')).toMatch(/safetensors/);
  });
});

describe('models:addCheckpoint with a broken config.json', () => {
  it('refuses it naming the file and field, and leaves the family as it was', async () => {
    const good = tmp.make();
    await writeTinyModelFolder(good);
    const model = await addFolder(good, 'family');
    const before = storeChecksum(store.db);
    const dir = await folderWithConfig((c) => delete c.vocab_size);
    const message = await refusal(
      service.addCheckpoint({ modelId: model.id, revision: 'step9', path: dir }),
      'input.path',
    );
    expect(message).toContain(join(dir, 'config.json'));
    expect(message).toMatch(/field "vocab_size"/);
    expect(storeChecksum(store.db)).toBe(before);
    expect(service.getModel(model.id).checkpoints).toHaveLength(1);
  });
});
