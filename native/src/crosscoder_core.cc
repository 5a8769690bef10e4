// The crosscoder step (see crosscoder_core.h): buffers allocated and touched once, the backward pass,
// gradient clipping, Adam, and the step itself; the forward pass is in crosscoder_forward.cc. Every
// reduction is deterministic: sums over the batch run per column in row order, whole-tensor sums in
// fixed chunks added in chunk order, so a seeded run repeats bit for bit at any thread count.
// Legend: B M D F, K = M·D.
#include "crosscoder_core.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "crosscoder_parallel.h"

// Let GCC if-convert (and so vectorise) the masked loops: without it, a select whose arms hold a
// float op that "could trap" stays a branch, and the sign of a pre-activation is a coin flip for the
// branch predictor. Traps are off anyway; results do not change.
#pragma GCC optimize("no-trapping-math")

namespace ctt {

using detail::ForRanges;
using detail::Gemm;
using detail::kHugePage;
using detail::kInf;
using detail::kSumChunk;
using detail::SingleThreadedBlas;

// ---------- buffers ----------

FloatBuffer::FloatBuffer(size_t n) : size_(n) {
  size_t bytes = std::max<size_t>(n * sizeof(float), 64);
  const size_t align = bytes >= kHugePage ? kHugePage : 64;
  bytes = (bytes + align - 1) / align * align;
  data_ = static_cast<float*>(std::aligned_alloc(align, bytes));
  if (data_ == nullptr) throw std::bad_alloc();
  // Fewer page faults (first touch costs ~8 µs a 4 KiB page on these VMs) and TLB misses.
  if (align == kHugePage) madvise(data_, bytes, MADV_HUGEPAGE);
  float* p = data_;
  ForRanges(static_cast<int64_t>(bytes / sizeof(float)), 1,
            [p](int64_t i0, int64_t i1) { std::memset(p + i0, 0, (i1 - i0) * sizeof(float)); });
}

FloatBuffer::FloatBuffer(FloatBuffer&& o) noexcept : data_(o.data_), size_(o.size_) {
  o.data_ = nullptr;
  o.size_ = 0;
}

FloatBuffer& FloatBuffer::operator=(FloatBuffer&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

FloatBuffer::~FloatBuffer() { std::free(data_); }

uint64_t EstimateSessionBytes(const CrosscoderShape& s) {
  const uint64_t B = s.batchSize, F = s.nFeatures, K = s.K(), M = s.nCheckpoints;
  const uint64_t paramFloats = 2 * K * F + F + K;
  uint64_t floats = 4 * paramFloats;  // parameters, two Adam moments, gradients
  floats += 2 * B * F + B * K;        // a_BF, g_BF, e_BK
  if (s.isBatchTopK) floats += B * F + B * K + F * K;  // s_BF, xAux_BK, wDead_FK
  const uint64_t perFeature = F * 32 + F * M * 4 + K * 24;
  return floats * 4 + perFeature + (paramFloats / kSumChunk + 8) * 8 + (1 << 20);
}

CrosscoderCore::CrosscoderCore(const CrosscoderShape& s)
    : shape_(s), B_(s.batchSize), F_(s.nFeatures), K_(s.K()), M_(s.nCheckpoints), D_(s.dModel) {
  maxThreads_ = std::max({omp_get_max_threads(), omp_get_num_procs(), 1});
  const size_t sizes[kParamCount] = {size_t(K_ * F_), size_t(F_ * K_), size_t(F_), size_t(K_)};
  for (int p = 0; p < kParamCount; p++) {
    params_[p] = FloatBuffer(sizes[p]);
    m_[p] = FloatBuffer(sizes[p]);
    v_[p] = FloatBuffer(sizes[p]);
    grads_[p] = FloatBuffer(sizes[p]);
  }
  a_BF_ = FloatBuffer(B_ * F_);
  g_BF_ = FloatBuffer(B_ * F_);
  e_BK_ = FloatBuffer(B_ * K_);
  if (s.isBatchTopK) {
    s_BF_ = FloatBuffer(B_ * F_);
    xAux_BK_ = FloatBuffer(B_ * K_);
    wDead_FK_ = FloatBuffer(F_ * K_);
  }
  c_F_.assign(F_, 0);
  norms_FM_.assign(F_ * M_, 0);
  minF_F_.assign(F_, 0);
  sumF_F_.assign(F_, 0);
  fired_.assign(F_, 0);
  dead_.assign(F_, 0);
  colE_K_.assign(K_, 0);
  colSq_K_.assign(K_, 0);
  colAux_K_.assign(K_, 0);
  colG_F_.assign(F_, 0);
  partials_.assign((K_ * F_ + kSumChunk - 1) / kSumChunk + 8, 0);
  hist_.assign(size_t(maxThreads_) * kHistCopies * kHistBins, 0);
  candidateCounts_.assign(maxThreads_, 0);
  if (s.isBatchTopK) binScratch_.assign(size_t(maxThreads_) * F_, 0);
  const char* profile = std::getenv("CTT_NATIVE_PROFILE");
  isProfiling = profile != nullptr && profile[0] != '\0' && profile[0] != '0';
}

void CrosscoderCore::Mark(const char* phase) {
  if (!isProfiling) return;
  const double now = omp_get_wtime();
  phaseMs_.emplace_back(phase, (now - markTime_) * 1000);
  markTime_ = now;
}

// ---------- backward ----------

/**
 * AuxK gradients: ∂L/∂x_aux = α·2/(B·den)·(x_aux − e); back through the dead features' decoder rows
 * into ∂L/∂pre (where the aux mask kept a feature) and into W_dec's gradient (scattered by row).
 */
void CrosscoderCore::AuxBackward() {
  const int64_t nDead = deadCount_;
  float* xAux = xAux_BK_.data();
  const float* e = e_BK_.data();
  const float scale = float(auxScale_);
  ForRanges(B_, K_, [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0 * K_; i < b1 * K_; i++) xAux[i] = scale * (xAux[i] + e[i]);
  });
  // ∂L/∂f_aux [B,nDead] into a_BF (the kept f is no longer needed), then into g_BF by mask.
  float* t = a_BF_.data();
  float* wDead = wDead_FK_.data();
  const float* sel = s_BF_.data();
  Gemm(false, true, B_, nDead, K_, 1.0f, xAux, K_, wDead, K_, 0.0f, t, nDead);
  float* g = g_BF_.data();
  ForRanges(B_, nDead, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      for (int64_t j = 0; j < nDead; j++)
        if (sel[b * nDead + j] > 0) g[b * F_ + dead_[j]] += t[b * nDead + j];
  });
  // ∂L/∂W_dead [nDead,K] = f_auxᵀ·∂L/∂x_aux, overwriting the gathered rows, then added by row.
  Gemm(true, false, nDead, K_, B_, 1.0f, sel, nDead, xAux, K_, 0.0f, wDead, K_);
  float* gWDec = grads_[kWDec].data();
  ForRanges(nDead, K_, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) {
      float* out = gWDec + int64_t(dead_[j]) * K_;
      const float* in = wDead + j * K_;
      for (int64_t k = 0; k < K_; k++) out[k] += in[k];
    }
  });
  Mark("auxk backward");
}

/**
 * ∂L/∂x̂ = 2/B·e: G = ∂L/∂pre [B,F], then the five-matmul backward, the L1 penalty's gradient on
 * the decoder norms, and the biases' column sums.
 */
void CrosscoderCore::Backward(const float* x, const StepOptions& options) {
  const float two = 2.0f / float(B_);
  float* a = a_BF_.data();
  float* g = g_BF_.data();
  const float* e = e_BK_.data();
  const float* wDec = params_[kWDec].data();
  float* gWDec = grads_[kWDec].data();
  Gemm(false, true, B_, F_, K_, two, e, K_, wDec, K_, 0.0f, g, F_);
  Mark("dF sgemm");
  Gemm(true, false, F_, K_, B_, two, a, F_, e, K_, 0.0f, gWDec, K_);
  Mark("dW_dec sgemm");
  // L1: ∂(λ/B·Σ f·c)/∂f = λ/B·c. Both: ReLU / top-k mask (f > 0 exactly where it passes gradient).
  const bool isL1 = !shape_.isBatchTopK;
  const float lamOverB = float(double(options.lambda) / B_);
  const float* c = c_F_.data();
  double* colG = colG_F_.data();
  ForRanges(F_, B_, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) colG[i] = 0;
    for (int64_t b = 0; b < B_; b++) {
      float* row = g + b * F_;
      const float* fRow = a + b * F_;
      if (isL1) {
#pragma omp simd
        for (int64_t i = i0; i < i1; i++) {
          const float v = row[i] + lamOverB * c[i];
          row[i] = fRow[i] > 0 ? v : 0.0f;
          colG[i] += row[i];
        }
      } else {
#pragma omp simd
        for (int64_t i = i0; i < i1; i++) {
          row[i] = fRow[i] > 0 ? row[i] : 0.0f;
          colG[i] += row[i];
        }
      }
    }
  });
  Mark("dF mask");
  if (isAuxActive_) {
    AuxBackward();  // adds to g where the aux mask kept a dead feature: sum the columns again
    ForRanges(F_, B_, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) colG[i] = 0;
      for (int64_t b = 0; b < B_; b++)
#pragma omp simd
        for (int64_t i = i0; i < i1; i++) colG[i] += g[b * F_ + i];
    });
  }
  float* gBEnc = grads_[kBEnc].data();
  for (int64_t i = 0; i < F_; i++) gBEnc[i] = float(colG[i]);
  Gemm(true, false, K_, F_, B_, 1.0f, x, K_, g, F_, 0.0f, grads_[kWEnc].data(), F_);
  Mark("dW_enc sgemm");
  float* gBDec = grads_[kBDec].data();
  for (int64_t k = 0; k < K_; k++) gBDec[k] = float(2.0 * colE_K_[k] / B_);
  if (isL1 && options.lambda != 0) {
    // ∂/∂W_dec[i,m,:] of λ/B·Σ_b f_bi·Σ_m ‖W_dec[i,m]‖ = λ/B·(Σ_b f_bi)·W_dec[i,m,:]/‖W_dec[i,m]‖.
    const double lam = double(options.lambda) / B_;
    ForRanges(F_, K_, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) {
        for (int64_t m = 0; m < M_; m++) {
          const float norm = norms_FM_[i * M_ + m];
          const float coef = norm > 0 ? float(lam * sumF_F_[i] / norm) : 0.0f;
          const float* w = wDec + i * K_ + m * D_;
          float* out = gWDec + i * K_ + m * D_;
          for (int64_t d = 0; d < D_; d++) out[d] += coef * w[d];
        }
      }
    });
    Mark("L1 decoder-norm grad");
  }
}

// ---------- update ----------

double CrosscoderCore::GradNormSquared() {
  double total = 0;
  for (int p = 0; p < kParamCount; p++) {
    const float* g = grads_[p].data();
    const int64_t n = int64_t(grads_[p].size());
    const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
    double* partial = partials_.data();
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t ch = 0; ch < chunks; ch++) {
      const int64_t i1 = std::min(n, (ch + 1) * kSumChunk);
      // 8 double lanes (vectorisable without reassociation), added in a fixed order.
      double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = ch * kSumChunk;
      for (; i + 8 <= i1; i += 8)
        for (int l = 0; l < 8; l++) lanes[l] += double(g[i + l]) * g[i + l];
      double sum = 0;
      for (int l = 0; l < 8; l++) sum += lanes[l];
      for (; i < i1; i++) sum += double(g[i]) * g[i];
      partial[ch] = sum;
    }
    for (int64_t ch = 0; ch < chunks; ch++) total += partial[ch];
  }
  Mark("grad norm");
  return total;
}

/** tfjs's Adam, op for op in float32 (adam_optimizer.js), on the clipped gradient g·scale. */
void CrosscoderCore::Adam(const StepOptions& o, float scale) {
  const float b1 = float(o.beta1), b2 = float(o.beta2);
  const float oneMinusB1 = float(1.0 - o.beta1), oneMinusB2 = float(1.0 - o.beta2);
  const float oneMinusAcc1 = 1.0f - accBeta1, oneMinusAcc2 = 1.0f - accBeta2;
  const float eps = float(o.epsilon), negLr = float(-double(o.learningRate));
  for (int p = 0; p < kParamCount; p++) {
    float* w = params_[p].data();
    float* m = m_[p].data();
    float* v = v_[p].data();
    const float* g = grads_[p].data();
    ForRanges(int64_t(params_[p].size()), 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) {
        const float gi = g[i] * scale;
        const float mi = m[i] * b1 + gi * oneMinusB1;
        const float vi = v[i] * b2 + (gi * gi) * oneMinusB2;
        m[i] = mi;
        v[i] = vi;
        const float mHat = mi / oneMinusAcc1;
        const float vHat = vi / oneMinusAcc2;
        w[i] = (mHat / (std::sqrt(vHat) + eps)) * negLr + w[i];
      }
    });
  }
  accBeta1 *= b1;
  accBeta2 *= b2;
  Mark("adam");
}

/** min over kept f of f·c with the updated decoder (what the tfjs trainer reads for θ). */
double CrosscoderCore::MinPositiveAfterUpdate() {
  DecoderNorms();
  float best = kInf;
  for (int64_t i = 0; i < F_; i++) {
    if (!(minF_F_[i] < kInf)) continue;
    const float s = minF_F_[i] * c_F_[i];
    if (s > 0 && s < best) best = s;
  }
  Mark("min positive");
  return best;
}

// ---------- the step ----------

StepTerms CrosscoderCore::Gradients(const float* x, const StepOptions& options) {
  const SingleThreadedBlas blas;
  if (isProfiling) {
    phaseMs_.clear();
    markTime_ = omp_get_wtime();
  }
  terms_ = StepTerms{};
  isAuxActive_ = false;
  DecoderNorms();
  Mark("decoder norms");
  if (shape_.isBatchTopK) {
    EncodeBatchTopK(x, options);
  } else {
    EncodeL1(x);
  }
  Decode(x);
  if (isAuxActive_) AuxForward(options.auxkAlpha);
  double sparsity = 0, kept = 0;
  for (int64_t i = 0; i < F_; i++) sparsity += double(c_F_[i]) * sumF_F_[i], kept += double(fired_[i]);
  terms_.sparsity = sparsity / B_;
  terms_.l0 = kept / B_;
  terms_.loss = shape_.isBatchTopK ? terms_.reconstruction + options.auxkAlpha * terms_.auxiliary
                                   : terms_.reconstruction + double(options.lambda) * terms_.sparsity;
  Backward(x, options);
  return terms_;
}

StepTerms CrosscoderCore::Step(const float* x, const StepOptions& options) {
  StepTerms terms = Gradients(x, options);
  const float norm = float(std::sqrt(GradNormSquared()));
  terms.gradNorm = norm;
  const float scale = std::min(1.0f, float(options.clipNorm) / (norm + 1e-12f));
  Adam(options, scale);
  terms.minPositive = MinPositiveAfterUpdate();
  return terms;
}

}  // namespace ctt
