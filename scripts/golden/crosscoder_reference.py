#!/usr/bin/env python3
"""Independent PyTorch (float64, autograd) reference for the crosscoder losses and their gradients.

Writes test/golden/fixtures/crosscoder/case.safetensors with inputs (x, W_enc, W_dec, b_enc, b_dec,
dead) and, for the L1 loss (λ = 0.7) and the BatchTopK loss (k = 4, AuxK α = 1/32, correct residual
sign e = x − x̂ held constant), every loss term and the gradient of the total loss for every parameter.
Written from ../shared/METHOD.md and METHOD-REFERENCE.md §1–2, sharing no code with the TypeScript.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 scripts/golden/crosscoder_reference.py
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden', 'fixtures', 'crosscoder')
B, M, D, F = 16, 3, 8, 32
LAMBDA, K, AUXK_ALPHA = 0.7, 4, 1 / 32


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].astype(np.float32))
        raw = a.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = metadata
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def params_from(arrays):
    return {n: torch.tensor(arrays[n].astype(np.float32).astype(np.float64), requires_grad=True)
            for n in ('W_enc', 'W_dec', 'b_enc', 'b_dec')}


def encode_pre(p, x):
    return x.reshape(B, M * D) @ p['W_enc'].reshape(M * D, F) + p['b_enc']


def decode(p, f, bias=True):
    out = (f @ p['W_dec'].reshape(F, M * D)).reshape(B, M, D)
    return out + p['b_dec'] if bias else out


def norm_sum(p):
    return p['W_dec'].norm(dim=2).sum(dim=1)  # [F]


def l1_case(arrays, x):
    p = params_from(arrays)
    f = torch.relu(encode_pre(p, x))
    rec = ((decode(p, f) - x) ** 2).sum() / B
    sp = (f * norm_sum(p)).sum() / B
    loss = rec + LAMBDA * sp
    loss.backward()
    out = {'l1.loss': loss, 'l1.reconstruction': rec, 'l1.sparsity': sp, 'l1.l0': (f > 0).double().sum(1).mean()}
    out.update({f'l1.grad.{n}': t.grad for n, t in p.items()})
    return out


def batchtopk_case(arrays, x, dead):
    p = params_from(arrays)
    a = torch.relu(encode_pre(p, x))
    scaled = (a * norm_sum(p)).detach()
    flat = scaled.flatten()
    cut = torch.topk(flat, K * B).values.min()
    mask = ((scaled >= cut) & (scaled > 0)).double()
    f = a * mask
    xhat = decode(p, f)
    rec = ((xhat - x) ** 2).sum() / B
    k_aux = min(D // 2, int(dead.sum()))
    dead_scaled = scaled * dead - (1 - dead)
    row_cut = torch.topk(dead_scaled, k_aux, dim=1).values.min(dim=1, keepdim=True).values
    aux_mask = ((dead_scaled >= row_cut) & (dead_scaled > 0)).double()
    x_aux = decode(p, a * aux_mask, bias=False)
    e = (x - xhat).detach()
    num = ((e - x_aux) ** 2).sum() / B
    den = ((e - e.mean(0, keepdim=True)) ** 2).sum() / B
    aux = num / den
    loss = rec + AUXK_ALPHA * aux
    loss.backward()
    out = {'btk.loss': loss, 'btk.reconstruction': rec, 'btk.auxiliary': aux, 'btk.kept': mask.sum()}
    out.update({f'btk.grad.{n}': t.grad for n, t in p.items()})
    return out


def main():
    rng = np.random.default_rng(7)
    arrays = {
        'W_dec': rng.normal(0, 0.3, (F, M, D)),
        'b_enc': rng.normal(0, 0.1, F),
        'b_dec': rng.normal(0, 0.1, (M, D)),
    }
    arrays['W_enc'] = np.transpose(arrays['W_dec'], (1, 2, 0)) + rng.normal(0, 0.1, (M, D, F))
    arrays['x'] = rng.normal(0, 1, (B, M, D))
    dead = np.zeros(F)
    dead[rng.choice(F, 10, replace=False)] = 1
    arrays['dead'] = dead
    x = torch.tensor(arrays['x'].astype(np.float32).astype(np.float64))
    results = {**l1_case(arrays, x), **batchtopk_case(arrays, x, torch.tensor(dead))}
    tensors = dict(arrays)
    tensors.update({n: t.detach().numpy().reshape(t.shape if t.dim() else (1,)) for n, t in results.items()})
    os.makedirs(OUT, exist_ok=True)
    meta = {'lambda': str(LAMBDA), 'k': str(K), 'auxk_alpha': str(AUXK_ALPHA), 'B': str(B), 'M': str(M), 'D': str(D), 'F': str(F)}
    write_safetensors(os.path.join(OUT, 'case.safetensors'), tensors, meta)
    print('wrote', OUT, {n: float(t) for n, t in results.items() if t.dim() == 0})


if __name__ == '__main__':
    main()
