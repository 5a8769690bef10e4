// The fused crosscoder training step in plain C++ (no N-API): parameters, Adam moments and every
// scratch buffer are allocated and touched once, at construction; a step is five sgemm calls (plus the
// AuxK ones) and a few OpenMP loops over buffers it already owns. Legend: B=batch M=checkpoints
// D=dModel F=features K=M·D. Layouts (row-major): W_enc [K,F], W_dec [F,K], b_enc [F], b_dec [K],
// x [B,K]. Semantics follow src/core/crosscoder/forward.ts and trainer.ts (the tfjs reference).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ctt {

struct CrosscoderShape {
  int64_t nCheckpoints = 0;
  int64_t dModel = 0;
  int64_t nFeatures = 0;
  int64_t batchSize = 0;
  bool isBatchTopK = false;
  int64_t K() const { return nCheckpoints * dModel; }
};

/** Bytes a session of this shape allocates (parameters, Adam state, gradients, scratch). */
uint64_t EstimateSessionBytes(const CrosscoderShape& shape);

struct StepOptions {
  float learningRate = 0;
  float lambda = 0;
  int64_t k = 1;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double clipNorm = 1;
  double auxkAlpha = 0;
  /** [F] 0/1, or null: no dead features (AuxK off). BatchTopK only. */
  const uint8_t* isDead = nullptr;
};

/** Loss terms and metrics of one step (double: summed in double, in a fixed order). */
struct StepTerms {
  double loss = 0;
  double reconstruction = 0;
  double sparsity = 0;
  double auxiliary = 0;
  double l0 = 0;
  double gradNorm = 0;
  /** Smallest positive decoder-norm-scaled kept activation, with the decoder after the update. */
  double minPositive = 0;
};

/** One 64-byte (2 MiB for large) aligned float buffer, zeroed by parallel first touch. */
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(size_t n);
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;
  FloatBuffer(FloatBuffer&& other) noexcept;
  FloatBuffer& operator=(FloatBuffer&& other) noexcept;
  ~FloatBuffer();
  float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

/** Indices of the 4 parameters, in tfjs variable order. */
enum Param { kWEnc = 0, kWDec = 1, kBEnc = 2, kBDec = 3, kParamCount = 4 };

class CrosscoderCore {
 public:
  explicit CrosscoderCore(const CrosscoderShape& shape);

  const CrosscoderShape& shape() const { return shape_; }
  size_t ParamSize(int p) const { return params_[p].size(); }
  float* Param(int p) { return params_[p].data(); }
  float* Moment1(int p) { return m_[p].data(); }
  float* Moment2(int p) { return v_[p].data(); }
  const float* Grad(int p) const { return grads_[p].data(); }
  /** Per feature, the tokens of the last batch where it was kept (f > 0). */
  const float* Fired() const { return fired_.data(); }
  float accBeta1 = 0.9f;
  float accBeta2 = 0.999f;

  /** Forward and backward into the gradient buffers (no clipping, no update). */
  StepTerms Gradients(const float* x_BK, const StepOptions& options);
  /** Gradients, global-norm clipping, one Adam update (tfjs's arithmetic), then the metrics. */
  StepTerms Step(const float* x_BK, const StepOptions& options);

  /** Milliseconds per phase of the last call, when CTT_NATIVE_PROFILE is set. */
  const std::vector<std::pair<std::string, double>>& PhaseMs() const { return phaseMs_; }
  bool isProfiling = false;

 private:
  void DecoderNorms();
  void EncodeL1(const float* x_BK);
  void EncodeBatchTopK(const float* x_BK, const StepOptions& options);
  float SelectCut(int64_t keep, int threads);
  void SelectAux(const uint8_t* isDead);
  void Decode(const float* x_BK);
  void AuxForward(double auxkAlpha);
  void Backward(const float* x_BK, const StepOptions& options);
  void AuxBackward();
  double GradNormSquared();
  void Adam(const StepOptions& options, float scale);
  double MinPositiveAfterUpdate();
  void Mark(const char* phase);

  CrosscoderShape shape_;
  int64_t B_, F_, K_, M_, D_;
  int maxThreads_;
  FloatBuffer params_[kParamCount], m_[kParamCount], v_[kParamCount], grads_[kParamCount];
  // Scratch, [B,F]: a_BF (ReLU pre-activations, then the kept f), g_BF (∂L/∂pre), s_BF (AuxK: the
  // kept dead activations, compacted [B,nDead]; BatchTopK only).
  FloatBuffer a_BF_, g_BF_, s_BF_;
  // [B,K]: e_BK = x̂ − x (then ∂/∂x̂ up to 2/B), xAux_BK (AuxK decode, then its gradient).
  FloatBuffer e_BK_, xAux_BK_;
  // [F,K]: the dead features' decoder rows, then their gradient (BatchTopK only).
  FloatBuffer wDead_FK_;
  // Per feature: c = Σ_m ‖W_dec[i,m]‖, ‖W_dec[i,m]‖ [F,M], Σ_b f, min positive f, fired counts.
  std::vector<float> c_F_, norms_FM_, minF_F_;
  std::vector<double> sumF_F_, colG_F_, colE_K_, colSq_K_, colAux_K_, partials_;
  std::vector<float> fired_;  // exact counts (B < 2^24)
  std::vector<int32_t> dead_;
  static constexpr int kHistBins = 2048;  // the top 12 bits of a non-negative float
  static constexpr int kHistCopies = 4;
  std::vector<uint32_t> hist_;  // [threads][copies][bins]
  std::vector<int64_t> candidateCounts_;
  std::vector<uint16_t> binScratch_;  // [threads][F]
  // Terms of the current call.
  StepTerms terms_;
  bool isAuxActive_ = false;
  int64_t deadCount_ = 0;
  double auxScale_ = 0;  // α·2/(B·den): ∂L/∂x_aux = auxScale·(x_aux − e)
  std::vector<std::pair<std::string, double>> phaseMs_;
  double markTime_ = 0;
};

}  // namespace ctt
