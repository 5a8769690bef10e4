#!/usr/bin/env python3
"""PyTorch CPU reference for `npm run bench -- lm`: GPT-NeoX forward and forward+backward tokens/s.

Usage: /usr/bin/python3 scripts/bench/lm_reference.py '<json>'  with json
  {"d": 768, "layers": 12, "heads": 12, "mlp": 3072, "vocab": 50304, "rotary_pct": 0.25,
   "batch": 1, "tokens": 128, "repeats": 3, "threads": 2}
Prints one JSON line: {"forward_tokens_per_s": …, "backward_tokens_per_s": …, "torch": "…"}.
Random float32 weights, parallel residual, exact GELU: the same work the TypeScript runtime does.
"Backward" is the gradient of the next-token loss w.r.t. the embedding output (attribution's case),
with no weight gradients.
"""
import json
import math
import sys
import time

import torch


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c.get('threads', 2))
    torch.manual_seed(0)
    d, n_layers, h, m, v = c['d'], c['layers'], c['heads'], c['mlp'], c['vocab']
    k = d // h
    rot = int(k * c['rotary_pct'])
    b, t = c['batch'], c['tokens']

    def p(*shape, scale=0.02):
        return torch.randn(*shape) * scale

    params = {'embed': p(v, d), 'unembed': p(v, d), 'lnf_w': torch.ones(d), 'lnf_b': torch.zeros(d)}
    layers = []
    for _ in range(n_layers):
        layers.append(dict(ln1_w=torch.ones(d), ln1_b=torch.zeros(d), ln2_w=torch.ones(d), ln2_b=torch.zeros(d),
                           qkv_w=p(3 * d, d), qkv_b=p(3 * d), out_w=p(d, d), out_b=p(d),
                           up_w=p(m, d), up_b=p(m), down_w=p(d, m), down_b=p(d)))
    inv_freq = 1.0 / (10000 ** (torch.arange(0, rot, 2).float() / rot))
    freqs = torch.arange(t).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.triu(torch.full((t, t), float('-inf')), 1)

    def rotate(x):
        r = x[..., :rot]
        half = rot // 2
        rh = torch.cat((-r[..., half:], r[..., :half]), -1)
        return torch.cat((r * cos + rh * sin, x[..., rot:]), -1)

    def forward(ids, x=None):
        if x is None:
            x = params['embed'][ids]
        for L in layers:
            a = torch.nn.functional.layer_norm(x, (d,), L['ln1_w'], L['ln1_b'])
            qkv = torch.nn.functional.linear(a, L['qkv_w'], L['qkv_b']).view(b, t, h, 3 * k).permute(0, 2, 1, 3)
            q, kk, vv = rotate(qkv[..., :k]), rotate(qkv[..., k:2 * k]), qkv[..., 2 * k:]
            att = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(k) + mask, -1) @ vv
            att = torch.nn.functional.linear(att.permute(0, 2, 1, 3).reshape(b, t, d), L['out_w'], L['out_b'])
            u = torch.nn.functional.gelu(torch.nn.functional.linear(
                torch.nn.functional.layer_norm(x, (d,), L['ln2_w'], L['ln2_b']), L['up_w'], L['up_b']))
            x = x + att + torch.nn.functional.linear(u, L['down_w'], L['down_b'])
        x = torch.nn.functional.layer_norm(x, (d,), params['lnf_w'], params['lnf_b'])
        return x @ params['unembed'].T

    ids = torch.randint(0, v, (b, t))

    def timed(fn):
        fn()  # warm-up
        times = []
        for _ in range(c.get('repeats', 3)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2]

    def fwd():
        with torch.no_grad():
            forward(ids)

    def fwd_bwd():
        x0 = params['embed'][ids].clone().requires_grad_()
        logits = forward(ids, x0)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, v), ids[:, 1:].reshape(-1))
        loss.backward()

    fb = timed(fwd_bwd)
    f = timed(fwd)
    print(json.dumps({'forward_tokens_per_s': b * t / f, 'backward_tokens_per_s': b * t / fb, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
