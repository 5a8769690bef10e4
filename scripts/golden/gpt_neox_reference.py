#!/usr/bin/env python3
"""Independent GPT-NeoX reference (PyTorch, float64) for the runtime's golden parity tests.

Writes random tiny GPT-NeoX models in Hugging Face format (config.json + model.safetensors) and the
reference outputs for fixed token sequences to test/golden/fixtures/<variant>/:
  expected.safetensors: ids_<s> [T] (int32), logits_<s> [T,V], resid_<s>_<L> [T,d] (output of block L,
  before the final LayerNorm), for each sequence s.
The forward follows Hugging Face's modeling_gpt_neox (qkv split per head, rotate-half rotary on the
first rotary_pct of each head, parallel or sequential residual, exact-erf GELU, untied embed_out),
written here from the published semantics, sharing no code with the TypeScript runtime.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 scripts/golden/gpt_neox_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'fixtures')

VARIANTS = {
    # name: (config overrides, stored dtype)
    'gpt-neox-tiny-parallel-f32': (dict(use_parallel_residual=True, rotary_pct=0.25), 'F32'),
    'gpt-neox-tiny-sequential-f16': (dict(use_parallel_residual=False, rotary_pct=1.0), 'F16'),
    'gpt-neox-tiny-parallel-bf16': (dict(use_parallel_residual=True, rotary_pct=0.5), 'BF16'),
}
BASE_CONFIG = dict(
    architectures=['GPTNeoXForCausalLM'], model_type='gpt_neox', vocab_size=97, hidden_size=32,
    num_hidden_layers=3, num_attention_heads=4, intermediate_size=128, hidden_act='gelu',
    rotary_emb_base=10000, max_position_embeddings=64, layer_norm_eps=1e-5, tie_word_embeddings=False,
    bos_token_id=0, eos_token_id=0,
)
SEQUENCES = [[5, 17, 3, 96, 42, 0, 11], [7, 7, 63, 2], [88]]


def to_bf16_bits(a):
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        if a.dtype == np.int32:
            raw, dt = a.tobytes(), 'I32'
        elif dtype == 'F16':
            raw, dt = a.astype(np.float16).tobytes(), 'F16'
        elif dtype == 'BF16':
            raw, dt = to_bf16_bits(a).tobytes(), 'BF16'
        else:
            raw, dt = a.astype(np.float32).tobytes(), 'F32'
        header[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def stored_value(a, dtype):
    """The float64 value the runtime will see after reading `a` stored as `dtype`."""
    if dtype == 'F16':
        return a.astype(np.float16).astype(np.float64)
    if dtype == 'BF16':
        return from_bf16_bits(to_bf16_bits(a)).astype(np.float64)
    return a.astype(np.float32).astype(np.float64)


def random_weights(cfg, rng):
    d, m, v = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size']
    w = {'gpt_neox.embed_in.weight': rng.normal(0, 1.0, (v, d)), 'embed_out.weight': rng.normal(0, 0.2, (v, d))}
    for i in range(cfg['num_hidden_layers']):
        p = f'gpt_neox.layers.{i}.'
        w[p + 'input_layernorm.weight'] = 1 + rng.normal(0, 0.1, d)
        w[p + 'input_layernorm.bias'] = rng.normal(0, 0.1, d)
        w[p + 'post_attention_layernorm.weight'] = 1 + rng.normal(0, 0.1, d)
        w[p + 'post_attention_layernorm.bias'] = rng.normal(0, 0.1, d)
        w[p + 'attention.query_key_value.weight'] = rng.normal(0, 0.3, (3 * d, d))
        w[p + 'attention.query_key_value.bias'] = rng.normal(0, 0.1, 3 * d)
        w[p + 'attention.dense.weight'] = rng.normal(0, 0.2, (d, d))
        w[p + 'attention.dense.bias'] = rng.normal(0, 0.1, d)
        w[p + 'mlp.dense_h_to_4h.weight'] = rng.normal(0, 0.2, (m, d))
        w[p + 'mlp.dense_h_to_4h.bias'] = rng.normal(0, 0.1, m)
        w[p + 'mlp.dense_4h_to_h.weight'] = rng.normal(0, 0.1, (d, m))
        w[p + 'mlp.dense_4h_to_h.bias'] = rng.normal(0, 0.1, d)
    w['gpt_neox.final_layer_norm.weight'] = 1 + rng.normal(0, 0.1, d)
    w['gpt_neox.final_layer_norm.bias'] = rng.normal(0, 0.1, d)
    # Rotary buffer as old Pythia checkpoints store it; the runtime must ignore it.
    w['gpt_neox.layers.0.attention.rotary_emb.inv_freq'] = np.ones(4)
    return w


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(cfg, W, ids):
    """ids: list[int] (one unpadded sequence) -> logits [T,V], residuals after each block [T,d]."""
    d, h = cfg['hidden_size'], cfg['num_attention_heads']
    k = d // h
    rot = int(k * cfg['rotary_pct'])
    eps = cfg['layer_norm_eps']
    t = len(ids)
    x = W['gpt_neox.embed_in.weight'][torch.tensor(ids)]
    inv_freq = 1.0 / (cfg['rotary_emb_base'] ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot))
    freqs = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    residuals = []
    for i in range(cfg['num_hidden_layers']):
        p = f'gpt_neox.layers.{i}.'
        a_in = layer_norm(x, W[p + 'input_layernorm.weight'], W[p + 'input_layernorm.bias'], eps)
        qkv = a_in @ W[p + 'attention.query_key_value.weight'].T + W[p + 'attention.query_key_value.bias']
        qkv = qkv.view(t, h, 3 * k).permute(1, 0, 2)  # [h, t, 3k]
        q, kk, v = qkv[..., :k], qkv[..., k:2 * k], qkv[..., 2 * k:]
        q = torch.cat((q[..., :rot] * cos + rotate_half(q[..., :rot]) * sin, q[..., rot:]), dim=-1)
        kk = torch.cat((kk[..., :rot] * cos + rotate_half(kk[..., :rot]) * sin, kk[..., rot:]), dim=-1)
        scores = (q @ kk.transpose(-1, -2)) / math.sqrt(k)
        scores = scores.masked_fill(~causal, float('-inf'))
        ctx = torch.softmax(scores, dim=-1) @ v  # [h, t, k]
        ctx = ctx.permute(1, 0, 2).reshape(t, d)
        attn = ctx @ W[p + 'attention.dense.weight'].T + W[p + 'attention.dense.bias']

        def mlp(z):
            u = z @ W[p + 'mlp.dense_h_to_4h.weight'].T + W[p + 'mlp.dense_h_to_4h.bias']
            u = torch.nn.functional.gelu(u)  # exact (erf) GELU, as hidden_act 'gelu'
            return u @ W[p + 'mlp.dense_4h_to_h.weight'].T + W[p + 'mlp.dense_4h_to_h.bias']

        post = (W[p + 'post_attention_layernorm.weight'], W[p + 'post_attention_layernorm.bias'])
        if cfg['use_parallel_residual']:
            x = x + attn + mlp(layer_norm(x, post[0], post[1], eps))
        else:
            x = x + attn
            x = x + mlp(layer_norm(x, post[0], post[1], eps))
        residuals.append(x)
    final = layer_norm(x, W['gpt_neox.final_layer_norm.weight'], W['gpt_neox.final_layer_norm.bias'], eps)
    return final @ W['embed_out.weight'].T, residuals


def main():
    for index, (name, (overrides, dtype)) in enumerate(VARIANTS.items()):
        cfg = dict(BASE_CONFIG, **overrides, torch_dtype={'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[dtype])
        rng = np.random.default_rng(1234 + index)
        weights = random_weights(cfg, rng)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'config.json'), 'w') as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(folder, 'model.safetensors'), weights, dtype)
        W = {n: torch.tensor(stored_value(a, dtype)) for n, a in weights.items()}
        expected = {}
        for s, ids in enumerate(SEQUENCES):
            logits, residuals = forward(cfg, W, ids)
            expected[f'ids_{s}'] = np.array(ids, dtype=np.int32)
            expected[f'logits_{s}'] = logits.numpy().astype(np.float32)
            for layer, r in enumerate(residuals):
                expected[f'resid_{s}_{layer}'] = r.numpy().astype(np.float32)
        write_safetensors(os.path.join(folder, 'expected.safetensors'), expected, 'F32')
        print(f'wrote {folder}')


if __name__ == '__main__':
    torch.set_grad_enabled(False)
    main()
