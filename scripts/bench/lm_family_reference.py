#!/usr/bin/env python3
"""PyTorch CPU reference for `npm run bench -- lm-memory`: forward and forward+backward tokens/s and peak
RSS of a GPT-NeoX, OLMo or BLOOM of a given shape, with random float32 weights.

Usage: /usr/bin/python3 scripts/bench/lm_family_reference.py '<json>'  with json
  {"family": "olmo", "d": 2048, "layers": 16, "heads": 16, "mlp": 8192, "vocab": 50304, "tied": true,
   "rotary_pct": 1, "tokens": 8, "repeats": 3, "threads": 2}
Prints one JSON line: {"forward_tokens_per_s": ..., "backward_tokens_per_s": ..., "peak_rss_bytes": ...}.
"Backward" is the gradient of the next-token loss w.r.t. the residual entering block 0, with no weight
gradients: the work the TypeScript runtime's attribution does. Medians of `repeats` runs after a warm-up.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def alibi_slopes(n):
    closest = 2 ** math.floor(math.log2(n))
    base = 2 ** (-(2 ** -(math.log2(closest) - 3)))
    slopes = [base ** p for p in range(1, 1 + closest)]
    if closest != n:
        extra = 2 ** (-(2 ** -(math.log2(2 * closest) - 3)))
        slopes += [extra ** p for p in range(1, 1 + 2 * min(closest, n - closest), 2)]
    return torch.tensor(slopes)


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c.get('threads', 2))
    torch.manual_seed(0)
    family, d, n_layers, h, m, v, t = c['family'], c['d'], c['layers'], c['heads'], c['mlp'], c['vocab'], c['tokens']
    k = d // h
    rot = int(k * c.get('rotary_pct', 1))

    def p(*shape):
        return torch.randn(*shape) * 0.02

    embed = p(v, d)
    unembed = embed if c['tied'] else p(v, d)
    ones, zeros = torch.ones(d), torch.zeros(d)
    layers = []
    for _ in range(n_layers):
        if family == 'olmo':
            layers.append(dict(q=p(d, d), k=p(d, d), v=p(d, d), o=p(d, d), gate=p(m, d), up=p(m, d), down=p(d, m)))
        else:
            layers.append(dict(qkv_w=p(3 * d, d), qkv_b=p(3 * d), out_w=p(d, d), out_b=p(d),
                               up_w=p(m, d), up_b=p(m), down_w=p(d, m), down_b=p(d)))
    mask = torch.triu(torch.full((t, t), float('-inf')), 1)
    if rot > 0:
        inv_freq = 1.0 / (10000 ** (torch.arange(0, rot, 2).float() / rot))
        freqs = torch.arange(t).float()[:, None] * inv_freq[None, :]
        cos, sin = torch.cat((freqs, freqs), -1).cos(), torch.cat((freqs, freqs), -1).sin()
    alibi = alibi_slopes(h)[:, None, None] * torch.arange(t).float()[None, None, :]

    def rotate(x):
        r, half = x[..., :rot], rot // 2
        rh = torch.cat((-r[..., half:], r[..., :half]), -1)
        return torch.cat((r * cos + rh * sin, x[..., rot:]), -1)

    def ln(x):
        return F.layer_norm(x, (d,), ones if family != 'olmo' else None, zeros if family != 'olmo' else None)

    def attend(q, kk, vv, is_alibi):
        q, kk, vv = (z.view(t, h, k).transpose(0, 1) for z in (q, kk, vv))
        if not is_alibi:
            q, kk = rotate(q), rotate(kk)
        scores = q @ kk.transpose(-1, -2) / math.sqrt(k) + mask
        if is_alibi:
            scores = scores + alibi
        return (torch.softmax(scores, -1) @ vv).transpose(0, 1).reshape(t, d)

    def block(x, w):
        if family == 'olmo':
            a = ln(x)
            x = x + attend(a @ w['q'].T, a @ w['k'].T, a @ w['v'].T, False) @ w['o'].T
            b = ln(x)
            return x + (F.silu(b @ w['gate'].T) * (b @ w['up'].T)) @ w['down'].T
        qkv = (ln(x) @ w['qkv_w'].T + w['qkv_b']).view(t, h, 3, k)
        q, kk, vv = (qkv[:, :, j].reshape(t, d) for j in range(3))
        attn = attend(q, kk, vv, family == 'bloom') @ w['out_w'].T + w['out_b']

        def mlp(z):
            u = ln(z) @ w['up_w'].T + w['up_b']
            u = F.gelu(u, approximate='tanh') if family == 'bloom' else F.gelu(u)
            return u @ w['down_w'].T + w['down_b']

        if family == 'gpt_neox':
            return x + attn + mlp(x)  # parallel residual, as Pythia
        x = x + attn
        return x + mlp(x)

    ids = torch.tensor([(i * 7919) % v for i in range(t)])

    def start():
        x = embed[ids]
        return ln(x) if family == 'bloom' else x

    def rest(x):
        for w in layers:
            x = block(x, w)
        return ln(x) @ unembed.T

    def forward():
        with torch.no_grad():
            rest(start())

    def backward():
        x = start().detach().requires_grad_(True)
        logp = torch.log_softmax(rest(x), -1)
        loss = -logp[:-1].gather(1, ids[1:, None]).mean()
        loss.backward()

    results = {}
    for name, fn in (('forward', forward), ('backward', backward)):
        fn()
        times = []
        for _ in range(c.get('repeats', 3)):
            begin = time.perf_counter()
            fn()
            times.append(time.perf_counter() - begin)
        results[f'{name}_tokens_per_s'] = t / sorted(times)[len(times) // 2]
    results['peak_rss_bytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results['torch'] = torch.__version__
    print(json.dumps(results))


if __name__ == '__main__':
    main()
