#!/usr/bin/env python3
"""PyTorch CPU reference for `npm run bench -- crosscoder`: one L1 crosscoder training step (encode,
decode, squared error + decoder-norm-weighted L1, backward, global-norm clip, Adam), float32.

Usage: /usr/bin/python3 scripts/bench/crosscoder_reference.py '{"B":4096,"M":3,"d":128,"F":4096,"repeats":5,"threads":2}'
Prints one JSON line: {"steps_per_s": …, "gflops": …, "sgemm_peak_gflops": …}. GFLOP/s counts
10·B·M·d·F per step (two forward and three backward matmuls), as ../shared/PERFORMANCE.md does; the
step is timed as the median of `repeats` after 2 warm-ups, the sgemm peak at 4096³ (best of 3).
Same hyperparameters as the bench's native and tfjs steps: λ = 2 from step 0, lr 5e-5, clip 1.
"""
import json
import sys
import time

import torch


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c.get('threads', 2))
    torch.manual_seed(0)
    B, M, d, F = c['B'], c['M'], c['d'], c['F']
    w_dec = torch.randn(F, M, d)
    w_dec = (w_dec / w_dec.norm(dim=2, keepdim=True) * 0.08).requires_grad_()
    w_enc = w_dec.detach().permute(1, 2, 0).clone().requires_grad_()
    b_enc = torch.zeros(F, requires_grad=True)
    b_dec = torch.zeros(M, d, requires_grad=True)
    params = [w_enc, w_dec, b_enc, b_dec]
    opt = torch.optim.Adam(params, lr=5e-5)
    x = torch.randn(B, M, d)

    def step():
        f = torch.relu(x.reshape(B, M * d) @ w_enc.reshape(M * d, F) + b_enc)
        xhat = (f @ w_dec.reshape(F, M * d)).reshape(B, M, d) + b_dec
        loss = ((xhat - x) ** 2).sum() / B + 2 * (f * w_dec.norm(dim=2).sum(1)).sum() / B
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()
    step()
    times = []
    for _ in range(c.get('repeats', 5)):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    t = sorted(times)[len(times) // 2]
    # sgemm peak at 4096³ (as the native bench measures it), best of 3 after a warm-up.
    n = 4096
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    a @ b
    best = float('inf')
    for _ in range(3):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    peak = 2 * n ** 3 / best / 1e9
    print(json.dumps({'steps_per_s': 1 / t, 'gflops': 10 * B * M * d * F / t / 1e9, 'sgemm_peak_gflops': peak}))


if __name__ == '__main__':
    main()
