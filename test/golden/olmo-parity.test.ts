import { describeFamilyParity } from '../helpers/lm-parity';

// Parity with the independent PyTorch reference (scripts/golden/olmo_reference.py, float64), which wrote
// these fixtures: random tiny OLMo models in Hugging Face "olmo" format and their outputs and gradients.
// Variants: untied float32; tied embeddings with clip_qkv and another rope_theta, stored as bfloat16.
describeFamilyParity('OLMo', ['olmo-tiny-untied-f32', 'olmo-tiny-tied-clip-bf16']);
