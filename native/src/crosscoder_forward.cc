// The crosscoder step's forward pass (see crosscoder_core.h): decoder norms, encoders (L1; BatchTopK
// with its batch-wide cut and the AuxK selection), decoder and error, AuxK decode. Legend: B M D F,
// K = M·D. Batch sums run per column in row order, so they repeat bit for bit at any thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "crosscoder_core.h"
#include "crosscoder_parallel.h"

// Let GCC if-convert (and so vectorise) the masked loops: without it, a select whose arms hold a
// float op that "could trap" stays a branch, and the sign of a pre-activation is a coin flip for the
// branch predictor. Traps are off anyway; results do not change.
#pragma GCC optimize("no-trapping-math")

namespace ctt {

using detail::Bits;
using detail::ForRanges;
using detail::Gemm;
using detail::kInf;
using detail::kParallelWork;

/** c_i = Σ_m ‖W_dec[i,m,:]‖ and the per-checkpoint norms. */
void CrosscoderCore::DecoderNorms() {
  const float* w = params_[kWDec].data();
  ForRanges(F_, K_, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      double c = 0;
      for (int64_t m = 0; m < M_; m++) {
        const float* row = w + i * K_ + m * D_;
        double sq = 0;
        for (int64_t d = 0; d < D_; d++) sq += double(row[d]) * row[d];
        const float norm = float(std::sqrt(sq));
        norms_FM_[i * M_ + m] = norm;
        c += norm;
      }
      c_F_[i] = float(c);
    }
  });
}

/** L1: a = f = ReLU(x·W_enc + b_enc), with per-feature fired counts, Σ_b f and min positive f. */
void CrosscoderCore::EncodeL1(const float* x) {
  float* a = a_BF_.data();
  Gemm(false, false, B_, F_, K_, 1.0f, x, K_, params_[kWEnc].data(), F_, 0.0f, a, F_);
  Mark("encode sgemm");
  const float* bEnc = params_[kBEnc].data();
  float* fired = fired_.data();
  double* sumF = sumF_F_.data();
  float* minF = minF_F_.data();
  ForRanges(F_, B_, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) fired[i] = 0, sumF[i] = 0, minF[i] = kInf;
    for (int64_t b = 0; b < B_; b++) {
      float* row = a + b * F_;
      #pragma omp simd
      for (int64_t i = i0; i < i1; i++) {
        float v = row[i] + bEnc[i];
        v = v > 0 ? v : 0.0f;
        row[i] = v;
        // Branch-free (vectorised): the sign of a pre-activation is a coin flip for the predictor.
        const float positive = v > 0 ? v : kInf;
        fired[i] += v > 0 ? 1.0f : 0.0f;
        sumF[i] += v;
        minF[i] = positive < minF[i] ? positive : minF[i];
      }
    }
  });
  Mark("bias+relu");
}

/**
 * The cut of BatchTopK: the keep-th largest positive s = a·c of the batch, from the top-12-bit
 * histogram that the ReLU pass built (bits of positive floats order like their values): the bin
 * holding it, then an exact selection among that bin's values only. Returns the cut (> 0); when at
 * most `keep` values are positive, the smallest positive float (every s > 0 is kept).
 */
float CrosscoderCore::SelectCut(int64_t keep, int threads) {
  uint32_t* total = hist_.data();  // thread 0's first copy takes the sum
  for (int t = 0; t < threads; t++)
    for (int copy = 0; copy < kHistCopies; copy++) {
      if (t == 0 && copy == 0) continue;
      const uint32_t* h = hist_.data() + (size_t(t) * kHistCopies + copy) * kHistBins;
      for (int bin = 0; bin < kHistBins; bin++) total[bin] += h[bin];
    }
  int64_t positives = 0;
  for (int bin = 1; bin < kHistBins; bin++) positives += total[bin];
  if (positives <= keep) return std::numeric_limits<float>::denorm_min();
  int64_t rank = keep, top = kHistBins - 1;
  for (int64_t above = 0; top > 0; top--) {
    if (above + int64_t(total[top]) >= rank) {
      rank -= above;
      break;
    }
    above += total[top];
  }
  // Gather that bin's values: each thread into its own rows' span of s_BF, then packed in order.
  const float* a = a_BF_.data();
  const float* c = c_F_.data();
  float* cand = s_BF_.data();
  const int64_t rowsPer = (B_ + threads - 1) / threads;
  std::vector<int64_t>& counts = candidateCounts_;
#pragma omp parallel for schedule(static) num_threads(threads) if (B_ * F_ >= kParallelWork)
  for (int t = 0; t < threads; t++) {
    float* out = cand + t * rowsPer * F_;
    int64_t n = 0;
    for (int64_t b = t * rowsPer; b < std::min(B_, (t + 1) * rowsPer); b++) {
      const float* row = a + b * F_;
      for (int64_t i = 0; i < F_; i++) {
        const float v = row[i] * c[i];
        if (int64_t(Bits(v) >> 20) == top) out[n++] = v;  // rare, so the branch predicts well
      }
    }
    counts[t] = n;
  }
  int64_t n = counts[0];
  for (int t = 1; t < threads; t++) {
    std::memmove(cand + n, cand + t * rowsPer * F_, counts[t] * sizeof(float));
    n += counts[t];
  }
  std::nth_element(cand, cand + rank - 1, cand + n, std::greater<float>());
  return cand[rank - 1];
}

/**
 * AuxK selection, per token: among dead features, the top k_aux by s = a·c (ties at the cut kept,
 * s > 0 required), stored compacted as s_BF[b, j] = a (kept) or 0 for the j-th dead feature.
 */
void CrosscoderCore::SelectAux(const uint8_t* isDead) {
  int64_t nDead = 0;
  for (int64_t i = 0; i < F_; i++)
    if (isDead[i]) dead_[nDead++] = int32_t(i);
  const int64_t kAux = std::min<int64_t>(D_ / 2, nDead);
  isAuxActive_ = kAux > 0;
  deadCount_ = nDead;
  if (!isAuxActive_) return;
  const float* a = a_BF_.data();
  const float* c = c_F_.data();
  float* sel = s_BF_.data();
  const int32_t* dead = dead_.data();
  ForRanges(B_, nDead, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const float* row = a + b * F_;
      float* vals = sel + b * nDead;
      for (int64_t j = 0; j < nDead; j++) vals[j] = row[dead[j]] * c[dead[j]];
      std::nth_element(vals, vals + kAux - 1, vals + nDead, std::greater<float>());
      const float cut = vals[kAux - 1];
      for (int64_t j = 0; j < nDead; j++) {
        const float v = row[dead[j]];
        const float s = v * c[dead[j]];
        vals[j] = s >= cut && s > 0 ? v : 0.0f;
      }
    }
  });
}

/** BatchTopK: a = ReLU(x·W_enc + b_enc); keep the k·B largest a·c of the batch; AuxK selection. */
void CrosscoderCore::EncodeBatchTopK(const float* x, const StepOptions& options) {
  float* a = a_BF_.data();
  Gemm(false, false, B_, F_, K_, 1.0f, x, K_, params_[kWEnc].data(), F_, 0.0f, a, F_);
  Mark("encode sgemm");
  const float* bEnc = params_[kBEnc].data();
  const float* c = c_F_.data();
  const int threads = std::min(omp_get_max_threads(), maxThreads_);
  const int64_t rowsPer = (B_ + threads - 1) / threads;
  // ReLU, and a histogram of the top 12 bits of s = a·c: computed vectorised into a row of bins, then
  // counted into kHistCopies interleaved copies (equal bins in a row would serialise on one counter).
  // Bin 0 holds s = 0 (and positive s < 2^-126/8, taken as 0).
#pragma omp parallel for schedule(static) num_threads(threads) if (B_ * F_ >= kParallelWork)
  for (int t = 0; t < threads; t++) {
    uint32_t* h = hist_.data() + size_t(t) * kHistCopies * kHistBins;
    uint16_t* bins = binScratch_.data() + t * F_;
    std::fill(h, h + kHistCopies * kHistBins, 0u);
    for (int64_t b = t * rowsPer; b < std::min(B_, (t + 1) * rowsPer); b++) {
      float* row = a + b * F_;
#pragma omp simd
      for (int64_t i = 0; i < F_; i++) {
        float v = row[i] + bEnc[i];
        v = v > 0 ? v : 0.0f;
        row[i] = v;
        bins[i] = uint16_t((Bits(v * c[i]) >> 20) & 0x7FF);  // a NaN with its sign bit stays in range
      }
      int64_t i = 0;
      for (; i + kHistCopies <= F_; i += kHistCopies)
        for (int copy = 0; copy < kHistCopies; copy++) h[copy * kHistBins + bins[i + copy]]++;
      for (; i < F_; i++) h[bins[i]]++;
    }
  }
  Mark("bias+relu+histogram");
  const float cut = SelectCut(std::min(options.k * B_, B_ * F_), threads);
  Mark("batch top-k select");
  isAuxActive_ = false;
  deadCount_ = 0;
  if (options.isDead != nullptr) SelectAux(options.isDead);
  Mark("auxk select");
  float* fired = fired_.data();
  double* sumF = sumF_F_.data();
  float* minF = minF_F_.data();
  ForRanges(F_, B_, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) fired[i] = 0, sumF[i] = 0, minF[i] = kInf;
    for (int64_t b = 0; b < B_; b++) {
      float* row = a + b * F_;
      #pragma omp simd
      for (int64_t i = i0; i < i1; i++) {
        // Kept: s = a·c ≥ cut (> 0). As a 0/1 factor, which GCC vectorises (a select of a it does not).
        const float a_i = row[i];
        const float isKept = a_i * c[i] >= cut ? 1.0f : 0.0f;
        const float v = a_i * isKept;
        const float positive = v > 0 ? v : kInf;
        row[i] = v;
        fired[i] += isKept;
        sumF[i] += v;
        minF[i] = positive < minF[i] ? positive : minF[i];
      }
    }
  });
  Mark("mask");
}

/** e = x̂ − x with x̂ = f·W_dec + b_dec; per-column Σ_b e and Σ_b e². */
void CrosscoderCore::Decode(const float* x) {
  float* e = e_BK_.data();
  const float* bDec = params_[kBDec].data();
  ForRanges(B_, K_, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      for (int64_t k = 0; k < K_; k++) e[b * K_ + k] = bDec[k] - x[b * K_ + k];
  });
  Gemm(false, false, B_, K_, F_, 1.0f, a_BF_.data(), F_, params_[kWDec].data(), K_, 1.0f, e, K_);
  Mark("decode sgemm");
  ForRanges(K_, B_, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; k++) colE_K_[k] = 0, colSq_K_[k] = 0;
    for (int64_t b = 0; b < B_; b++) {
      const float* row = e + b * K_;
      #pragma omp simd
      for (int64_t k = k0; k < k1; k++) {
        colE_K_[k] += row[k];
        colSq_K_[k] += double(row[k]) * row[k];
      }
    }
  });
  double sq = 0;
  for (int64_t k = 0; k < K_; k++) sq += colSq_K_[k];
  terms_.reconstruction = sq / B_;
  Mark("error");
}

/**
 * AuxK: x_aux = f_aux·W_dec (no b_dec) over the dead features, residual e = x − x̂ held constant,
 * L_aux = mean_b ‖e − x_aux‖² / mean_b ‖e − mean_b e‖² (0 when the denominator is 0).
 */
void CrosscoderCore::AuxForward(double auxkAlpha) {
  const int64_t nDead = deadCount_;
  const float* wDec = params_[kWDec].data();
  float* wDead = wDead_FK_.data();
  ForRanges(nDead, K_, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) std::memcpy(wDead + j * K_, wDec + dead_[j] * K_, K_ * sizeof(float));
  });
  float* xAux = xAux_BK_.data();
  Gemm(false, false, B_, K_, nDead, 1.0f, s_BF_.data(), nDead, wDead, K_, 0.0f, xAux, K_);
  const float* e = e_BK_.data();
  // colSq_K_ is free again (the reconstruction is summed): it takes the numerator's columns.
  double* num = colSq_K_.data();
  double* spread = colAux_K_.data();
  ForRanges(K_, B_, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; k++) num[k] = 0, spread[k] = 0;
    for (int64_t b = 0; b < B_; b++) {
      #pragma omp simd
      for (int64_t k = k0; k < k1; k++) {
        const double residual = -double(e[b * K_ + k]);  // e = x − x̂
        const double mean = -colE_K_[k] / B_;
        const double r = residual - xAux[b * K_ + k];
        num[k] += r * r;
        spread[k] += (residual - mean) * (residual - mean);
      }
    }
  });
  double numerator = 0, denominator = 0;
  for (int64_t k = 0; k < K_; k++) numerator += num[k], denominator += spread[k];
  numerator /= B_;
  denominator /= B_;
  terms_.auxiliary = denominator > 0 ? numerator / denominator : 0;
  auxScale_ = denominator > 0 ? auxkAlpha * 2.0 / (B_ * denominator) : 0;
  isAuxActive_ = auxScale_ != 0;
  Mark("auxk forward");
}

}  // namespace ctt
