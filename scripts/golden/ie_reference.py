#!/usr/bin/env python3
"""Independent PyTorch (float64, autograd) reference for IE by integrated gradients on the demo family.

Reads two demo checkpoints (resources/demo/models/demo-lm/step400, step1600), makes a small random
crosscoder (seeded), and for six BLiMP-format pairs computes, per checkpoint m and feature i,
IE_m,i = mean over examples of Σ_t −f_t,i · (1/10) Σ_k ∂M_m/∂f^(k)_t,i with f^(k) = (1 − k/10) f,
ε^(k) = (1 − k/10) ε_m, the hook output of block L replaced by f^(k) W_dec[:,m]/s_m + b_dec[m]/s_m + ε^(k),
and M_m = logit(wrong) − logit(right) at the last prefix token (METHOD.md). The GPT-NeoX forward is the one
in gpt_neox_reference.py (written from Hugging Face's semantics); nothing is shared with the TypeScript.

Writes test/golden/fixtures/ie-demo/{crosscoder.safetensors, case.json}.
Run with Debian's interpreter (python3-torch):  /usr/bin/python3 scripts/golden/ie_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

from gpt_neox_reference import layer_norm, rotate_half, write_safetensors

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
DEMO = os.path.join(ROOT, 'resources', 'demo')
OUT = os.path.join(ROOT, 'test', 'golden', 'fixtures', 'ie-demo')
REVISIONS = ['step400', 'step1600']
LAYER, F, STEPS = 1, 32, 10
SCALE = [0.83, 0.47]


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        assert info['dtype'] == 'F32'
        out[name] = torch.tensor(np.frombuffer(data[a:b], dtype=np.float32).reshape(info['shape']).astype(np.float64))
    return out


def block(cfg, W, x, i, cos, sin):
    d, h = cfg['hidden_size'], cfg['num_attention_heads']
    k = d // h
    rot = int(k * cfg['rotary_pct'])
    eps = cfg['layer_norm_eps']
    t = x.shape[0]
    p = f'gpt_neox.layers.{i}.'
    a_in = layer_norm(x, W[p + 'input_layernorm.weight'], W[p + 'input_layernorm.bias'], eps)
    qkv = (a_in @ W[p + 'attention.query_key_value.weight'].T + W[p + 'attention.query_key_value.bias']).view(t, h, 3 * k).permute(1, 0, 2)
    q, kk, v = qkv[..., :k], qkv[..., k:2 * k], qkv[..., 2 * k:]
    q = torch.cat((q[..., :rot] * cos + rotate_half(q[..., :rot]) * sin, q[..., rot:]), dim=-1)
    kk = torch.cat((kk[..., :rot] * cos + rotate_half(kk[..., :rot]) * sin, kk[..., rot:]), dim=-1)
    scores = (q @ kk.transpose(-1, -2)) / math.sqrt(k)
    scores = scores.masked_fill(~torch.tril(torch.ones(t, t, dtype=torch.bool)), float('-inf'))
    attn = (torch.softmax(scores, -1) @ v).permute(1, 0, 2).reshape(t, d) @ W[p + 'attention.dense.weight'].T + W[p + 'attention.dense.bias']
    u = torch.nn.functional.gelu(layer_norm(x, W[p + 'post_attention_layernorm.weight'], W[p + 'post_attention_layernorm.bias'], eps) @ W[p + 'mlp.dense_h_to_4h.weight'].T + W[p + 'mlp.dense_h_to_4h.bias'])
    return x + attn + u @ W[p + 'mlp.dense_4h_to_h.weight'].T + W[p + 'mlp.dense_4h_to_h.bias']


def tables(cfg, t):
    k = cfg['hidden_size'] // cfg['num_attention_heads']
    rot = int(k * cfg['rotary_pct'])
    inv = 1.0 / (cfg['rotary_emb_base'] ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot))
    fr = torch.arange(t, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat((fr, fr), -1)
    return emb.cos(), emb.sin()


def main():
    torch.manual_seed(0)
    models = []
    for r in REVISIONS:
        folder = os.path.join(DEMO, 'models', 'demo-lm', r)
        cfg = json.load(open(os.path.join(folder, 'config.json')))
        assert cfg['use_parallel_residual']
        models.append((cfg, read_safetensors(os.path.join(folder, 'model.safetensors'))))
    d = models[0][0]['hidden_size']
    vocab = json.load(open(os.path.join(folder, 'tokenizer.json')))['model']['vocab']
    rng = np.random.default_rng(11)
    cc = {
        'W_enc': rng.normal(0, 0.15, (2, d, F)),
        'W_dec': rng.normal(0, 0.15, (F, 2, d)),
        'b_enc': rng.normal(0, 0.05, F),
        'b_dec': rng.normal(0, 0.8, (2, d)),
    }
    C = {n: torch.tensor(a.astype(np.float32).astype(np.float64)) for n, a in cc.items()}
    rows = [json.loads(l) for l in open(os.path.join(DEMO, 'tasks', 'sv_pp_attractor.eng.jsonl'))][:6]
    items = [{'prefix': [vocab[w] for w in r['one_prefix_prefix'].split()], 'right': vocab[r['one_prefix_word_good']], 'wrong': vocab[r['one_prefix_word_bad']]} for r in rows]
    ie = np.zeros((2, F))
    for item in items:
        ids = torch.tensor(item['prefix'])
        t = len(item['prefix'])
        cos, sin = tables(models[0][0], t)
        hs = []
        for cfg, W in models:
            x = W['gpt_neox.embed_in.weight'][ids]
            for i in range(LAYER + 1):
                x = block(cfg, W, x, i, cos, sin)
            hs.append(x)
        xs = torch.stack([hs[m] * SCALE[m] for m in range(2)], 1)  # [T,2,d]
        f = torch.relu(xs.reshape(t, 2 * d) @ C['W_enc'].reshape(2 * d, F) + C['b_enc'])
        for m, (cfg, W) in enumerate(models):
            wdec = C['W_dec'][:, m, :] / SCALE[m]
            bdec = C['b_dec'][m] / SCALE[m]
            err = hs[m] - (f @ wdec + bdec)
            grad = torch.zeros_like(f)
            for k in range(STEPS):
                fk = ((1 - k / STEPS) * f).detach().requires_grad_()
                h = fk @ wdec + bdec + (1 - k / STEPS) * err
                for i in range(LAYER + 1, cfg['num_hidden_layers']):
                    h = block(cfg, W, h, i, cos, sin)
                logits = layer_norm(h, W['gpt_neox.final_layer_norm.weight'], W['gpt_neox.final_layer_norm.bias'], cfg['layer_norm_eps']) @ W['embed_out.weight'].T
                metric = logits[-1, item['wrong']] - logits[-1, item['right']]
                (g,) = torch.autograd.grad(metric, fk)
                grad += g / STEPS
            ie[m] += (-f * grad).sum(0).detach().numpy()
    ie /= len(items)
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, 'crosscoder.safetensors'), dict(cc, scale=np.array(SCALE)), 'F32')
    json.dump({'revisions': REVISIONS, 'layer': LAYER, 'steps': STEPS, 'scale': SCALE, 'items': items, 'ie': ie.tolist()}, open(os.path.join(OUT, 'case.json'), 'w'))
    print('wrote', OUT, 'max |IE|', np.abs(ie).max())


if __name__ == '__main__':
    main()
