import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../core/backend';
import { writeSafetensors } from '../core/hf/safetensors';
import { padBatch } from '../core/lm/batch';
import { loadLanguageModel } from '../core/lm/load';
import type { BackendPreference } from '../shared/domain';

/** `ctt lm forward`: logits [T,V] and optionally the residual [T,d] after block L, to a safetensors file. */
export async function runLmForward(options: {
  model: string;
  ids: number[] | undefined;
  text: string | undefined;
  layer: number | undefined;
  out: string;
  backend: BackendPreference | undefined;
}): Promise<void> {
  if ((options.ids === undefined) === (options.text === undefined)) {
    throw new Error('give exactly one of --ids and --text');
  }
  await selectBackend(options.backend ?? 'auto');
  const loaded = await loadLanguageModel(options.model, { isTokenizerRequired: options.text !== undefined });
  try {
    const ids = options.ids ?? loaded.tokenizer!.encode(options.text!);
    if (ids.length === 0) throw new Error('the input encodes to no tokens');
    const { vocabSize, nLayers } = loaded.folder.config;
    const badId = ids.find((id) => id >= vocabSize);
    if (badId !== undefined)
      throw new Error(`token id ${badId} is outside the vocabulary (size ${vocabSize})`);
    if (options.layer !== undefined && (options.layer < 0 || options.layer >= nLayers)) {
      throw new Error(`--layer ${options.layer} is out of range: the model has blocks 0…${nLayers - 1}`);
    }
    const out = loaded.model.forward(padBatch([ids]), {
      readLayers: options.layer === undefined ? [] : [options.layer],
    });
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    const logits_TV = tf.squeeze(out.logits_BTV!, [0]);
    tensors.logits = { shape: logits_TV.shape, data: (await logits_TV.data()) as Float32Array };
    const resid = options.layer === undefined ? undefined : out.residuals.get(options.layer);
    if (resid) {
      const resid_TD = tf.squeeze(resid, [0]);
      tensors.resid = { shape: resid_TD.shape, data: (await resid_TD.data()) as Float32Array };
      resid_TD.dispose();
    }
    tf.dispose([logits_TV, out.logits_BTV!, ...out.residuals.values()]);
    await writeSafetensors(options.out, tensors, {
      model: loaded.folder.dir,
      ids: ids.join(','),
      ...(options.layer === undefined ? {} : { layer: String(options.layer) }),
    });
    console.log(
      `wrote ${options.out}: logits [${tensors.logits.shape.join(',')}]` +
        (tensors.resid
          ? `, resid [${tensors.resid.shape.join(',')}] (output of block ${options.layer})`
          : ''),
    );
  } finally {
    loaded.model.dispose();
  }
}
