#!/usr/bin/env python3
"""Independent numpy reference for src/core/faithfulness/ (issue 12).

- Matching: the optimum of the maximum-weight one-to-one matching with weights max(cos, 0) by brute
  force over every injective map of the smaller side into the larger (itertools.permutations), so it
  shares nothing with the shortest-augmenting-path solvers it checks. Small sizes only.
- Crosscoder decoder score S(a, b) = Σ_{c ∈ Pa∩Pb} cos_c / |Pa ∪ Pb| by explicit loops over pairs and
  checkpoints (the TypeScript uses one concatenated dot product and a bitmask).
- Cohen's κ from a confusion table built with np.add.at; p_e from the outer product of the marginals.
- Latent scaling: β_c = argmin_β Σ_x ‖β f(x) d̂ − y_c(x)‖² by np.linalg.lstsq on the stacked [N·D, 1]
  system (the TypeScript uses the closed form).

Writes test/unit/faithfulness/fixtures/faithfulness-reference.json (deterministic: a fixed seed). Run,
then format it the way `prettier --check` expects:
    python3 scripts/golden/faithfulness_reference.py
    npx prettier --write test/unit/faithfulness/fixtures/faithfulness-reference.json
"""
import itertools
import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
OUT = os.path.join(ROOT, 'test', 'unit', 'faithfulness', 'fixtures', 'faithfulness-reference.json')


def f32(x):
    return [float(v) for v in np.asarray(x, dtype=np.float32).ravel()]


def rounded(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def cosine_matrix(a, b):
    def unit(x):
        n = np.linalg.norm(x, axis=1, keepdims=True)
        return np.divide(x, n, out=np.zeros_like(x), where=n > 0)
    return unit(a) @ unit(b).T


def brute_force_optimum(w):
    w = np.maximum(w, 0.0)
    n, m = w.shape
    if n > m:
        w, n, m = w.T, m, n
    best = 0.0
    for cols in itertools.permutations(range(m), n):
        best = max(best, float(w[np.arange(n), list(cols)].sum()))
    return best


def matching_cases(rng):
    cases = []
    shapes = [(1, 1), (3, 3), (4, 4), (5, 5), (6, 6), (4, 7), (7, 4), (2, 6), (6, 3), (7, 7)]
    for n, m in shapes:
        d = int(rng.integers(2, 6))
        a = rng.normal(size=(n, d)).astype(np.float32)
        b = rng.normal(size=(m, d)).astype(np.float32)
        if n >= 3:
            a[1] = 0.0  # a zero vector never matches
            b[min(m - 1, 2)] = b[0]  # duplicate column: ties
        a, b = a.astype(np.float64), b.astype(np.float64)
        w = cosine_matrix(a, b)
        cases.append({'n': n, 'm': m, 'd': d, 'a': f32(a), 'b': f32(b), 'optimum': brute_force_optimum(w)})
    return cases


def crosscoder_cases(rng):
    cases = []
    for f_a, f_b, c, d in [(5, 5, 2, 4), (6, 5, 3, 3), (4, 6, 3, 5)]:
        wa = rng.normal(size=(f_a, c, d))
        wb = rng.normal(size=(f_b, c, d))
        wa[0, 0] *= 0.01  # absent at checkpoint 0 (below 0.1 × max)
        wb[1, c - 1] = 0.0
        wa[2] = 0.0  # a dead feature: absent everywhere
        wa, wb = rounded(wa), rounded(wb)
        perm = list(rng.permutation(c))  # B stores A's checkpoint k at position perm[k]
        wb_perm = np.zeros_like(wb)
        for k in range(c):
            wb_perm[:, perm[k]] = wb[:, k]
        s = np.zeros((f_a, f_b))
        for i in range(f_a):
            na = np.linalg.norm(wa[i], axis=1)
            pa = na >= 0.1 * na.max() if na.max() > 0 else np.zeros(c, bool)
            for j in range(f_b):
                nb = np.linalg.norm(wb[j], axis=1)
                pb = nb >= 0.1 * nb.max() if nb.max() > 0 else np.zeros(c, bool)
                union = int((pa | pb).sum())
                if union == 0:
                    continue
                total = 0.0
                for k in range(c):
                    if pa[k] and pb[k]:
                        total += wa[i, k] @ wb[j, k] / (na[k] * nb[k])
                s[i, j] = total / union
        cases.append({
            'fA': f_a, 'fB': f_b, 'c': c, 'd': d, 'map': [int(p) for p in perm],
            'wA': f32(wa), 'wB': f32(wb_perm), 'similarity': [float(x) for x in s.ravel()],
            'optimum': brute_force_optimum(s),
        })
    return cases


def kappa(a, b, labels):
    index = {l: i for i, l in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(table, ([index[x] for x in a], [index[x] for x in b]), 1)
    n = table.sum()
    if n == 0:
        return table, None, None, None
    po = np.trace(table) / n
    pe = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if np.isclose(pe, 1.0, rtol=0, atol=1e-15):
        return table, float(po), pe, None
    return table, float(po), pe, float((po - pe) / (1 - pe))


def kappa_cases(rng):
    cases = []
    names = ['maintained', 'emerged', 'discontinued', 'other', 'transient-gap']
    for i in range(20):
        k = int(rng.integers(2, 6))
        labels = sorted(names[:k])
        n = int(rng.integers(1, 120))
        a = list(rng.choice(labels, size=n))
        agree = rng.random(n) < rng.random()
        b = [x if agree[t] else str(rng.choice(labels)) for t, x in enumerate(a)]
        table, po, pe, value = kappa(a, b, labels)
        cases.append({'a': [str(x) for x in a], 'b': b, 'labels': labels, 'counts': table.tolist(),
                      'observed': po, 'expected': pe, 'kappa': value})
    a = ['maintained'] * 7
    table, po, pe, value = kappa(a, a, ['maintained'])
    cases.append({'a': a, 'b': a, 'labels': ['maintained'], 'counts': table.tolist(),
                  'observed': po, 'expected': pe, 'kappa': value})
    return cases


def scaling_cases(rng):
    cases = []
    for n, c, d in [(40, 2, 6), (60, 3, 5)]:
        dec = rng.normal(size=(c, d))
        dec[0] *= 0.02  # looks exclusive to the later checkpoints
        f = np.maximum(rng.normal(size=n), 0.0)
        acts = rng.normal(size=(n, c, d))
        recon = acts + 0.3 * rng.normal(size=(n, c, d))
        dec, f, acts, recon = rounded(dec), rounded(f), rounded(acts), rounded(recon)
        norms = np.linalg.norm(dec, axis=1)
        home = int(np.argmax(norms))
        unit = dec[home] / norms[home]
        out = {}
        for target in ['activation', 'error', 'reconstruction']:
            betas = []
            for k in range(c):
                if target == 'activation':
                    y = acts[:, k]
                elif target == 'reconstruction':
                    y = recon[:, k]
                else:
                    y = acts[:, k] - recon[:, k] + f[:, None] * dec[k][None, :]
                design = (f[:, None] * unit[None, :]).reshape(-1, 1)
                beta, *_ = np.linalg.lstsq(design, y.reshape(-1), rcond=None)
                betas.append(float(beta[0]))
            out[target] = betas
        cases.append({'n': n, 'c': c, 'd': d, 'dec': f32(dec), 'f': f32(f), 'acts': f32(acts),
                      'recon': f32(recon), 'reference': home, 'betas': out})
    return cases


def main():
    rng = np.random.default_rng(20250512)
    # Inputs are rounded to float32 before the reference computes, so both sides see the same numbers.
    data = {
        'source': 'scripts/golden/faithfulness_reference.py',
        'numpy': np.__version__,
        'matching': matching_cases(rng),
        'crosscoder': crosscoder_cases(rng),
        'kappa': kappa_cases(rng),
        'scaling': scaling_cases(rng),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(data, f)
        f.write('\n')
    print('wrote', os.path.relpath(OUT, ROOT))


if __name__ == '__main__':
    main()
