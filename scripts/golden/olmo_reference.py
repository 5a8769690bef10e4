#!/usr/bin/env python3
"""Independent OLMo reference (PyTorch, float64) for the runtime's golden parity tests.

Writes random tiny OLMo models in Hugging Face format ("olmo" architecture, as allenai/OLMo-1B-0724-hf:
config.json + model.safetensors) and reference outputs for fixed token sequences to
test/golden/fixtures/<variant>/expected.safetensors:
  ids_<s> [T] (int32), logits_<s> [T,V], resid_<s>_<L> [T,d] (output of block L, before the final norm);
  gradient check on sequence 0: grad_dir [T,V] (a fixed random direction), grad_layer [1] (int32), and
  grad_resid [T,d] = d/dh of sum(log_softmax(logits) * grad_dir), h = the residual at the output of
  block grad_layer, through the rest of the model (torch autograd); grad_embed [T,d] the same for the
  residual entering block 0.
The forward follows transformers' modeling_olmo, written here from its published semantics and
sharing no code with the TypeScript runtime: LayerNorm without weight or bias (eps 1e-5), q/k/v/o
projections without bias, q/k/v clamped to +-clip_qkv when set, rotate-half rotary over the whole
head (inv_freq = rope_theta^(-2j/K)), causal softmax attention scaled by 1/sqrt(K),
down_proj(silu(gate_proj(x)) * up_proj(x)), sequential residual, lm_head or the tied embedding.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 scripts/golden/olmo_reference.py
"""
import json
import math
import os

import numpy as np
import torch

from gpt_neox_reference import stored_value, write_safetensors

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'fixtures')

BASE_CONFIG = dict(
    architectures=['OlmoForCausalLM'], model_type='olmo', vocab_size=97, hidden_size=32,
    num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4, intermediate_size=88,
    hidden_act='silu', max_position_embeddings=64, rope_theta=10000.0, rope_scaling=None,
    attention_bias=False, attention_dropout=0.0, clip_qkv=None, tie_word_embeddings=False,
    pad_token_id=1, bos_token_id=None, eos_token_id=0,
)
VARIANTS = {
    # name: (config overrides, stored dtype)
    'olmo-tiny-untied-f32': (dict(), 'F32'),
    'olmo-tiny-tied-clip-bf16': (dict(tie_word_embeddings=True, clip_qkv=2.0, rope_theta=1000.0), 'BF16'),
}
SEQUENCES = [[5, 17, 3, 96, 42, 0, 11], [7, 7, 63, 2], [88]]
GRAD_LAYER = 0
EPS = 1e-5


def random_weights(cfg, rng):
    d, m, v = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size']
    w = {'model.embed_tokens.weight': rng.normal(0, 1.0, (v, d))}
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}.'
        for name in ('q_proj', 'k_proj', 'v_proj'):
            w[p + f'self_attn.{name}.weight'] = rng.normal(0, 0.3, (d, d))
        w[p + 'self_attn.o_proj.weight'] = rng.normal(0, 0.2, (d, d))
        w[p + 'mlp.gate_proj.weight'] = rng.normal(0, 0.3, (m, d))
        w[p + 'mlp.up_proj.weight'] = rng.normal(0, 0.3, (m, d))
        w[p + 'mlp.down_proj.weight'] = rng.normal(0, 0.15, (d, m))
    if not cfg['tie_word_embeddings']:
        w['lm_head.weight'] = rng.normal(0, 0.2, (v, d))
    # A rotary buffer as some conversions store it; the runtime must ignore it.
    w['model.layers.0.self_attn.rotary_emb.inv_freq'] = np.ones(4)
    return w


def layer_norm(x):
    """OlmoLayerNorm: normalise over the last axis, no weight, no bias."""
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Olmo:
    def __init__(self, cfg, W):
        self.cfg, self.W = cfg, W
        self.d, self.h = cfg['hidden_size'], cfg['num_attention_heads']
        self.k = self.d // self.h

    def embed(self, ids):
        return self.W['model.embed_tokens.weight'][torch.tensor(ids)]

    def block(self, i, x):
        W, cfg, t, h, k = self.W, self.cfg, x.shape[0], self.h, self.k
        p = f'model.layers.{i}.'
        inv_freq = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, k, 2, dtype=torch.float64) / k))
        freqs = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        a = layer_norm(x)
        q, kk, v = (a @ W[p + f'self_attn.{n}.weight'].T for n in ('q_proj', 'k_proj', 'v_proj'))
        if cfg['clip_qkv'] is not None:
            c = cfg['clip_qkv']
            q, kk, v = q.clamp(-c, c), kk.clamp(-c, c), v.clamp(-c, c)
        q, kk, v = (z.view(t, h, k).transpose(0, 1) for z in (q, kk, v))  # [h, t, k]
        q = q * cos + rotate_half(q) * sin
        kk = kk * cos + rotate_half(kk) * sin
        scores = (q @ kk.transpose(-1, -2)) / math.sqrt(k)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        scores = scores.masked_fill(~causal, float('-inf'))
        ctx = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(t, self.d)
        x = x + ctx @ W[p + 'self_attn.o_proj.weight'].T
        m = layer_norm(x)
        gate = torch.nn.functional.silu(m @ W[p + 'mlp.gate_proj.weight'].T)
        up = m @ W[p + 'mlp.up_proj.weight'].T
        return x + (gate * up) @ W[p + 'mlp.down_proj.weight'].T

    def head(self, x):
        tied = self.cfg['tie_word_embeddings']
        unembed = self.W['model.embed_tokens.weight' if tied else 'lm_head.weight']
        return layer_norm(x) @ unembed.T

    def forward_from(self, first, x):
        for i in range(first, self.cfg['num_hidden_layers']):
            x = self.block(i, x)
        return self.head(x)

    def forward(self, ids):
        x = self.embed(ids)
        residuals = []
        for i in range(self.cfg['num_hidden_layers']):
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
    for index, (name, (overrides, dtype)) in enumerate(VARIANTS.items()):
        cfg = dict(BASE_CONFIG, **overrides, torch_dtype={'F32': 'float32', 'BF16': 'bfloat16'}[dtype])
        rng = np.random.default_rng(4321 + index)
        weights = random_weights(cfg, rng)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'config.json'), 'w') as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(folder, 'model.safetensors'), weights, dtype)
        model = Olmo(cfg, {n: torch.tensor(stored_value(a, dtype)) for n, a in weights.items()})
        expected = {}
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
