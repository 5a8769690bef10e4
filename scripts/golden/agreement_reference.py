#!/usr/bin/env python3
"""Independent numpy reference for src/core/review/agreement.ts.

Krippendorff's alpha is computed the textbook way, through the coincidence matrix over the distinct
values (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", §E):
    o_ck = Σ_u Σ_{i≠j in u} [v_i = c][v_j = k] / (m_u − 1),  n_c = Σ_k o_ck,  n = Σ_c n_c,
    α = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck,
with δ²_ck = [c ≠ k] (nominal) or (c − k)² (interval). (The TypeScript never builds that matrix: it sums
pair disagreements per unit and over all pairable values.)
ICC(2,1) uses sums of squares from a two-way ANOVA computed with numpy's axis means and the residual
matrix x_ij − x̄_i − x̄_j + x̄ directly (Shrout & Fleiss 1979, Table 1), where the TypeScript gets EMS by
subtraction.

Writes test/unit/core/review/fixtures/agreement-reference.json: seeded random units × coders matrices
with missing values (null), and for each: alpha (nominal, interval), ICC(2,1), per-coder bias and
spread, per-unit disagreement. Undefined statistics are null. Run:  python3 scripts/golden/agreement_reference.py
"""
import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
OUT = os.path.join(ROOT, 'test', 'unit', 'core', 'review', 'fixtures', 'agreement-reference.json')


def alpha(matrix, level):
    units = [[v for v in row if v is not None] for row in matrix]
    units = [u for u in units if len(u) >= 2]
    if not units:
        return None
    values = sorted({v for u in units for v in u})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for u in units:
        m = len(u)
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[index[u[i]], index[u[j]]] += 1.0 / (m - 1)
    nc = o.sum(axis=1)
    n = nc.sum()
    v = np.array(values, dtype=float)
    delta2 = (v[:, None] - v[None, :]) ** 2 if level == 'interval' else (v[:, None] != v[None, :]).astype(float)
    expected = (np.outer(nc, nc) * delta2).sum()
    if expected == 0:
        return None
    return float(1 - (n - 1) * (o * delta2).sum() / expected)


def icc21(matrix):
    rows = [row for row in matrix if all(v is not None for v in row)]
    if len(rows) < 2 or len(matrix[0]) < 2:
        return None
    x = np.array(rows, dtype=float)
    n, k = x.shape
    grand = x.mean()
    row_mean = x.mean(axis=1)
    col_mean = x.mean(axis=0)
    bms = k * ((row_mean - grand) ** 2).sum() / (n - 1)
    jms = n * ((col_mean - grand) ** 2).sum() / (k - 1)
    resid = x - row_mean[:, None] - col_mean[None, :] + grand
    ems = (resid ** 2).sum() / ((n - 1) * (k - 1))
    den = bms + (k - 1) * ems + k * (jms - ems) / n
    if not den > 1e-300:
        return None
    return float((bms - ems) / den)


def coder_stats(matrix):
    k = len(matrix[0])
    out = []
    for c in range(k):
        diffs = []
        for row in matrix:
            others = [v for j, v in enumerate(row) if j != c and v is not None]
            if row[c] is not None and others:
                diffs.append(row[c] - np.mean(others))
        own = [row[c] for row in matrix if row[c] is not None]
        out.append({
            'bias': float(np.mean(diffs)) if diffs else None,
            'spread': float(np.std(own, ddof=1)) if len(own) >= 2 else None,
        })
    return out


def unit_disagreement(row, level):
    values = [v for v in row if v is not None]
    if len(values) < 2:
        return None
    if level == 'interval':
        return float(np.std(values, ddof=1))
    _, counts = np.unique(values, return_counts=True)
    return float(1 - counts.max() / len(values))


def random_case(rng, units, coders, kind, missing):
    if kind == 'nominal':
        x = rng.integers(0, rng.integers(2, 5), size=(units, coders)).astype(float)
    elif kind == 'scale':  # 0.0–1.0 in steps of 0.1, like interpretability ratings
        x = np.round(np.clip(rng.normal(0.5, 0.25, size=(units, 1)) + rng.normal(0, 0.15, size=(units, coders)), 0, 1), 1)
    else:
        x = rng.normal(0, 1, size=(units, 1)) + rng.normal(0, 0.7, size=(units, coders)) + rng.normal(0, 0.3, size=coders)
    mask = rng.random((units, coders)) < missing
    return [[None if mask[u, c] else float(x[u, c]) for c in range(coders)] for u in range(units)]


def describe(matrix):
    level = 'interval'
    return {
        'matrix': matrix,
        'alphaNominal': alpha(matrix, 'nominal'),
        'alphaInterval': alpha(matrix, level),
        'icc21': icc21(matrix),
        'coders': coder_stats(matrix),
        'unitNominal': [unit_disagreement(row, 'nominal') for row in matrix],
        'unitInterval': [unit_disagreement(row, level) for row in matrix],
    }


def published_checks():
    # Krippendorff 2011 §C: 4 observers × 12 units, missing data. Expected α nominal 0.743, interval 0.849.
    A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    m = [list(r) for r in zip(A, B, C, D)]
    print('Krippendorff 2011 §C nominal', round(alpha(m, 'nominal'), 3), 'interval', round(alpha(m, 'interval'), 3))
    # Shrout & Fleiss 1979 Table 2 (6 targets × 4 judges): ICC(2,1) = .29
    sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    print('Shrout & Fleiss Table 2 ICC(2,1)', round(icc21(sf), 2))


def main():
    published_checks()
    rng = np.random.default_rng(20250805)
    cases = []
    for i in range(24):
        kind = ['nominal', 'scale', 'real'][i % 3]
        units = int(rng.integers(3, 40))
        coders = int(rng.integers(2, 6))
        missing = [0.0, 0.15, 0.4][(i // 3) % 3]
        cases.append({'kind': kind, **describe(random_case(rng, units, coders, kind, missing))})
    # Edge cases: all identical (alpha, ICC undefined), one rating a unit (nothing pairable).
    cases.append({'kind': 'constant', **describe([[1.0, 1.0, None], [1.0, 1.0, 1.0], [None, 1.0, 1.0]])})
    cases.append({'kind': 'unpairable', **describe([[1.0, None], [None, 2.0], [3.0, None]])})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'source': 'scripts/golden/agreement_reference.py', 'numpy': np.__version__, 'cases': cases}, f)
        f.write('\n')
    print('wrote', os.path.relpath(OUT, ROOT), len(cases), 'cases')


if __name__ == '__main__':
    main()
