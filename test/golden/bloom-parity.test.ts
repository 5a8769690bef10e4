import { expect, it } from 'vitest';
import { alibiSlopes } from '../../src/core/lm/ops';
import { describeFamilyParity } from '../helpers/lm-parity';

// Parity with the independent PyTorch reference (scripts/golden/bloom_reference.py, float64), which wrote
// these fixtures: random tiny BLOOM models in Hugging Face format and their outputs and gradients.
// Variants: 6 heads (ALiBi slopes of 4 power-of-two heads + 2 interleaved), BloomModel names, float32;
// 12 heads (8 + 4), `n_embed`, BloomForCausalLM names ("transformer." prefix), float16.
describeFamilyParity(
  'BLOOM',
  ['bloom-tiny-6heads-f32', 'bloom-tiny-12heads-prefixed-f16'],
  (model, expected) => {
    it('uses the ALiBi slopes of transformers build_alibi_tensor', () => {
      const slopes = Array.from(alibiSlopes(model().config.nHeads));
      const reference = Array.from(expected().get('alibi_slopes')!.data);
      slopes.forEach((s, h) => expect(s).toBeCloseTo(reference[h]!, 7));
    });
  },
);
