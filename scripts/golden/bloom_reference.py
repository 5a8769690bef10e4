#!/usr/bin/env python3
"""Independent BLOOM reference (PyTorch, float64) for the runtime's golden parity tests.

Writes random tiny BLOOM models in Hugging Face format (as bigscience/bloom-1b1: config.json +
model.safetensors) and reference outputs for fixed token sequences to
test/golden/fixtures/<variant>/expected.safetensors:
  ids_<s> [T] (int32), logits_<s> [T,V], resid_<s>_<L> [T,d] (output of block L, before ln_f);
  alibi_slopes [H]; gradient check on sequence 0: grad_dir [T,V] (a fixed random direction),
  grad_layer [1] (int32), grad_resid [T,d] = d/dh of sum(log_softmax(logits) * grad_dir), h = the
  residual at the output of block grad_layer, through the rest of the model (torch autograd);
  grad_embed [T,d] the same for the residual entering block 0 (after word_embeddings_layernorm).
The forward follows transformers' modeling_bloom, written here from its published semantics and
sharing no code with the TypeScript runtime: word embedding then LayerNorm; per block LayerNorm,
fused query_key_value viewed as [T, H, 3, K], scores = alibi + q k^T / sqrt(K) (alibi = slope_h *
key position, slopes from build_alibi_tensor including heads beyond the largest power of two),
causal softmax, dense, residual; LayerNorm, dense_h_to_4h, bloom_gelu (tanh form), dense_4h_to_h,
residual (apply_residual_connection_post_layernorm false); ln_f; lm_head tied to word_embeddings.
Both weight namings are covered: BloomModel's (`h.0...`) and BloomForCausalLM's (`transformer.h.0...`).

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 scripts/golden/bloom_reference.py
"""
import json
import math
import os

import numpy as np
import torch

from gpt_neox_reference import stored_value, write_safetensors

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'fixtures')

BASE_CONFIG = dict(
    architectures=['BloomForCausalLM'], model_type='bloom', vocab_size=97, hidden_size=48, n_layer=3,
    n_head=6, layer_norm_epsilon=1e-5, apply_residual_connection_post_layernorm=False,
    attention_softmax_in_fp32=True, hidden_dropout=0.0, attention_dropout=0.0, pretraining_tp=1,
    slow_but_exact=False, bos_token_id=1, eos_token_id=2, pad_token_id=3, unk_token_id=0,
)
VARIANTS = {
    # name: (config overrides, stored dtype, weight name prefix)
    # 6 heads: slopes of the 4 power-of-two heads, then 2 from the interleaved odd powers.
    'bloom-tiny-6heads-f32': (dict(), 'F32', ''),
    # 12 heads (8 + 4), sizes under BLOOM's older key n_embed, BloomForCausalLM names, float16.
    'bloom-tiny-12heads-prefixed-f16': (dict(hidden_size=None, n_embed=48, n_head=12), 'F16', 'transformer.'),
}
SEQUENCES = [[5, 17, 3, 96, 42, 0, 11], [7, 7, 63, 2], [88]]
GRAD_LAYER = 1


def alibi_slopes(num_heads):
    """transformers' build_alibi_tensor slopes (float32 there; float64 here)."""
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = 2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3)))
    slopes = [base ** p for p in range(1, 1 + closest_power_of_2)]
    if closest_power_of_2 != num_heads:
        extra_base = 2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3)))
        num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
        slopes += [extra_base ** p for p in range(1, 1 + 2 * num_remaining_heads, 2)]
    return torch.tensor(slopes, dtype=torch.float64)


def bloom_gelu(x):
    return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def sizes(cfg):
    d = cfg.get('n_embed') or cfg['hidden_size']
    return d, cfg['n_head'], cfg['n_layer']


def random_weights(cfg, rng, prefix):
    d, _, layers = sizes(cfg)
    v = cfg['vocab_size']
    w = {
        'word_embeddings.weight': rng.normal(0, 1.0, (v, d)),
        'word_embeddings_layernorm.weight': 1 + rng.normal(0, 0.1, d),
        'word_embeddings_layernorm.bias': rng.normal(0, 0.1, d),
    }
    for i in range(layers):
        p = f'h.{i}.'
        w[p + 'input_layernorm.weight'] = 1 + rng.normal(0, 0.1, d)
        w[p + 'input_layernorm.bias'] = rng.normal(0, 0.1, d)
        w[p + 'self_attention.query_key_value.weight'] = rng.normal(0, 0.3, (3 * d, d))
        w[p + 'self_attention.query_key_value.bias'] = rng.normal(0, 0.1, 3 * d)
        w[p + 'self_attention.dense.weight'] = rng.normal(0, 0.2, (d, d))
        w[p + 'self_attention.dense.bias'] = rng.normal(0, 0.1, d)
        w[p + 'post_attention_layernorm.weight'] = 1 + rng.normal(0, 0.1, d)
        w[p + 'post_attention_layernorm.bias'] = rng.normal(0, 0.1, d)
        w[p + 'mlp.dense_h_to_4h.weight'] = rng.normal(0, 0.2, (4 * d, d))
        w[p + 'mlp.dense_h_to_4h.bias'] = rng.normal(0, 0.1, 4 * d)
        w[p + 'mlp.dense_4h_to_h.weight'] = rng.normal(0, 0.1, (d, 4 * d))
        w[p + 'mlp.dense_4h_to_h.bias'] = rng.normal(0, 0.1, d)
    w['ln_f.weight'] = 1 + rng.normal(0, 0.1, d)
    w['ln_f.bias'] = rng.normal(0, 0.1, d)
    return {prefix + n: a for n, a in w.items()}


class Bloom:
    def __init__(self, cfg, W):
        self.cfg, self.W = cfg, W
        self.d, self.h, self.layers = sizes(cfg)
        self.k = self.d // self.h
        self.eps = cfg['layer_norm_epsilon']

    def ln(self, x, name):
        return layer_norm(x, self.W[name + '.weight'], self.W[name + '.bias'], self.eps)

    def embed(self, ids):
        return self.ln(self.W['word_embeddings.weight'][torch.tensor(ids)], 'word_embeddings_layernorm')

    def block(self, i, x):
        W, t, h, k = self.W, x.shape[0], self.h, self.k
        p = f'h.{i}.'
        a = self.ln(x, p + 'input_layernorm')
        fused = a @ W[p + 'self_attention.query_key_value.weight'].T + W[p + 'self_attention.query_key_value.bias']
        fused = fused.view(t, h, 3, k)
        q, kk, v = (fused[:, :, j, :].transpose(0, 1) for j in range(3))  # [h, t, k]
        alibi = alibi_slopes(h)[:, None, None] * torch.arange(t, dtype=torch.float64)[None, None, :]  # [h,1,t]
        scores = alibi + (q @ kk.transpose(-1, -2)) * (1.0 / math.sqrt(k))
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        scores = scores.masked_fill(~causal, float('-inf'))
        ctx = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(t, self.d)
        x = x + ctx @ W[p + 'self_attention.dense.weight'].T + W[p + 'self_attention.dense.bias']
        m = self.ln(x, p + 'post_attention_layernorm')
        up = bloom_gelu(m @ W[p + 'mlp.dense_h_to_4h.weight'].T + W[p + 'mlp.dense_h_to_4h.bias'])
        return x + up @ W[p + 'mlp.dense_4h_to_h.weight'].T + W[p + 'mlp.dense_4h_to_h.bias']

    def head(self, x):
        return self.ln(x, 'ln_f') @ self.W['word_embeddings.weight'].T

    def forward_from(self, first, x):
        for i in range(first, self.layers):
            x = self.block(i, x)
        return self.head(x)

    def forward(self, ids):
        x = self.embed(ids)
        residuals = []
        for i in range(self.layers):
            x = self.block(i, x)
            residuals.append(x)
        return self.head(x), residuals


def gradient(model, start, first, direction):
    """d/d start of sum(log_softmax(model.forward_from(first, start)) * direction)."""
    h = start.detach().clone().requires_grad_(True)
    objective = (torch.log_softmax(model.forward_from(first, h), dim=-1) * direction).sum()
    objective.backward()
    return h.grad


def main():
    for index, (name, (overrides, dtype, prefix)) in enumerate(VARIANTS.items()):
        cfg = dict(BASE_CONFIG, **overrides, torch_dtype={'F32': 'float32', 'F16': 'float16'}[dtype])
        cfg = {key: value for key, value in cfg.items() if value is not None}
        rng = np.random.default_rng(8765 + index)
        weights = random_weights(cfg, rng, prefix)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'config.json'), 'w') as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(folder, 'model.safetensors'), weights, dtype)
        W = {n[len(prefix):]: torch.tensor(stored_value(a, dtype)) for n, a in weights.items()}
        model = Bloom(cfg, W)
        expected = {'alibi_slopes': alibi_slopes(model.h).numpy().astype(np.float32)}
        with torch.no_grad():
            for s, ids in enumerate(SEQUENCES):
                logits, residuals = model.forward(ids)
                expected[f'ids_{s}'] = np.array(ids, dtype=np.int32)
                expected[f'logits_{s}'] = logits.numpy().astype(np.float32)
                for layer, r in enumerate(residuals):
                    expected[f'resid_{s}_{layer}'] = r.numpy().astype(np.float32)
            _, residuals = model.forward(SEQUENCES[0])
            embedded = model.embed(SEQUENCES[0])
        direction = torch.tensor(rng.normal(0, 1.0, (len(SEQUENCES[0]), cfg['vocab_size'])))
        expected['grad_dir'] = direction.numpy().astype(np.float32)
        expected['grad_layer'] = np.array([GRAD_LAYER], dtype=np.int32)
        expected['grad_resid'] = gradient(model, residuals[GRAD_LAYER], GRAD_LAYER + 1, direction).numpy().astype(np.float32)
        expected['grad_embed'] = gradient(model, embedded, 0, direction).numpy().astype(np.float32)
        write_safetensors(os.path.join(folder, 'expected.safetensors'), expected, 'F32')
        print(f'wrote {folder}')


if __name__ == '__main__':
    main()
