// The kernels besides sgemm that the LM forward and backward spend their time in on tfjs's cpu backend,
// whose stock versions are JavaScript loops over generic N-d indices (a strided slice of a [1,12,128,64]
// tensor: ~18 ms there, ~0.1 ms here). Each works on row-major Float32Arrays:
//   lmCopy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape)   slice, transpose, concat
//   lmBinary(op, a, aStrides, b, bStrides, out, shape)   broadcasting add/sub/mul/div/…; out contiguous
//   lmUnary(op, x, out)                                  erf, exp, tanh, sigmoid, …
//   lmSoftmax(x, out, cols)                              over the last axis
//   lmReduce(op, x, out, cols)                           sum/mean/max/min over the last axis
//   lmReduceOuter(op, x, out, rows, cols)                the same over the first axis of [rows, cols]
//   lmCompare(op, a, aStrides, b, bStrides, out, shape)  broadcasting >, ≥, <, ≤, =, ≠ into a Uint8Array
// Results match tfjs-backend-cpu's to float rounding: arithmetic is exactly tfjs's (a float op rounds as
// JavaScript's double op rounded to float does), sums accumulate in double as tfjs's do, and exp, erf,
// tanh, log are glibc's float versions (within an ulp or two of tfjs's double-then-round; 3× faster: the
// exp of [128, 50304] logits takes 20 ms instead of 64). Strides are in elements; a stride of 0
// broadcasts.
// These loops run on the calling thread on purpose: they are memory-bound and short (≤ a few ms), and an
// OpenMP team beside OpenBLAS's own threads made the Pythia-160M forward 7× slower on 2 cores (each
// library's idle workers spin on the core the other one needs; 4.0 s vs 0.53 s measured).
#include "lm_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

constexpr int kMaxRank = 12;

Napi::Float32Array Floats(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>();
}

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(min)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer ≥ " + std::to_string(min));
  }
  return static_cast<int64_t>(v);
}

std::vector<int64_t> Ints(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an array of integers");
  }
  auto array = info[i].As<Napi::Array>();
  if (array.Length() > static_cast<uint32_t>(kMaxRank)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has more than 12 dimensions");
  }
  std::vector<int64_t> out(array.Length());
  for (uint32_t j = 0; j < array.Length(); j++) {
    Napi::Value v = array[j];
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must hold numbers");
    out[j] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

/**
 * A loop nest over `shape` with one stride list per operand, simplified: size-1 dimensions dropped and
 * neighbours merged where every operand steps through them as one (so most copies end up 1-d or 2-d).
 */
struct Nest {
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides;
};

Nest Simplify(const std::vector<int64_t>& shape, const std::vector<std::vector<int64_t>>& strides) {
  Nest nest;
  nest.strides.resize(strides.size());
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 1) continue;
    bool canMerge = !nest.shape.empty();
    for (size_t o = 0; o < strides.size() && canMerge; o++) {
      canMerge = nest.strides[o].back() == strides[o][d] * shape[d];
    }
    if (canMerge) {
      nest.shape.back() *= shape[d];
      for (size_t o = 0; o < strides.size(); o++) nest.strides[o].back() = strides[o][d];
    } else {
      nest.shape.push_back(shape[d]);
      for (size_t o = 0; o < strides.size(); o++) nest.strides[o].push_back(strides[o][d]);
    }
  }
  if (nest.shape.empty()) {  // a scalar, or all ones: one element
    nest.shape.push_back(1);
    for (auto& s : nest.strides) s.push_back(0);
  }
  return nest;
}

/** Offset of operand `o` at outer row `row` (all dimensions but the innermost). */
inline int64_t RowOffset(const Nest& nest, size_t o, int64_t row) {
  int64_t offset = 0;
  for (int d = static_cast<int>(nest.shape.size()) - 2; d >= 0; d--) {
    int64_t i = row % nest.shape[d];
    row /= nest.shape[d];
    offset += i * nest.strides[o][d];
  }
  return offset;
}

int64_t Product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/** The largest element offset an operand reaches, +1 (0 for an empty shape). */
int64_t Extent(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t last = 0;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 0) return 0;
    last += (shape[d] - 1) * strides[d];
  }
  return last + 1;
}

void RequireExtent(Napi::Env env, const Napi::Float32Array& a, int64_t offset, int64_t extent, const char* name) {
  if (offset < 0 || offset + extent > static_cast<int64_t>(a.ElementLength())) {
    throw Napi::RangeError::New(env, std::string(name) + " is too short for the shape and strides");
  }
}

void CheckStrides(Napi::Env env, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                  const char* name) {
  if (strides.size() != shape.size()) {
    throw Napi::RangeError::New(env, std::string(name) + " must have one stride per dimension");
  }
  for (int64_t s : strides) {
    if (s < 0) throw Napi::RangeError::New(env, std::string(name) + " must not be negative");
  }
  for (int64_t d : shape) {
    if (d < 0) throw Napi::RangeError::New(env, "shape must not be negative");
  }
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto src = Floats(info, 0, "src");
  int64_t srcOffset = Int(info, 1, "srcOffset", 0);
  auto srcStrides = Ints(info, 2, "srcStrides");
  auto dst = Floats(info, 3, "dst");
  int64_t dstOffset = Int(info, 4, "dstOffset", 0);
  auto dstStrides = Ints(info, 5, "dstStrides");
  auto shape = Ints(info, 6, "shape");
  CheckStrides(env, shape, srcStrides, "srcStrides");
  CheckStrides(env, shape, dstStrides, "dstStrides");
  int64_t total = Product(shape);
  if (total == 0) return env.Undefined();
  RequireExtent(env, src, srcOffset, Extent(shape, srcStrides), "src");
  RequireExtent(env, dst, dstOffset, Extent(shape, dstStrides), "dst");
  Nest nest = Simplify(shape, {srcStrides, dstStrides});
  const float* s = src.Data() + srcOffset;
  float* t = dst.Data() + dstOffset;
  int64_t inner = nest.shape.back();
  int64_t si = nest.strides[0].back(), ti = nest.strides[1].back();
  int64_t rows = total / inner;
  for (int64_t row = 0; row < rows; row++) {
    const float* from = s + RowOffset(nest, 0, row);
    float* to = t + RowOffset(nest, 1, row);
    if (si == 1 && ti == 1) {
      std::memcpy(to, from, sizeof(float) * inner);
    } else {
      for (int64_t j = 0; j < inner; j++) to[j * ti] = from[j * si];
    }
  }
  return env.Undefined();
}

enum BinaryOp { kAdd, kSub, kMul, kDiv, kSquaredDifference, kMaximum, kMinimum };

template <int Op>
inline float Apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  if constexpr (Op == kSquaredDifference) {  // in double, as tfjs: one rounding
    double d = static_cast<double>(a) - static_cast<double>(b);
    return static_cast<float>(d * d);
  }
  // tfjs: NaN in, NaN out; otherwise the larger (smaller).
  if constexpr (Op == kMaximum) return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  if constexpr (Op == kMinimum) return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  return 0;
}

template <int Op>
void BinaryLoop(const Nest& nest, const float* a, const float* b, float* out, int64_t total) {
  int64_t inner = nest.shape.back();
  int64_t sa = nest.strides[0].back(), sb = nest.strides[1].back();
  int64_t rows = total / inner;
  for (int64_t row = 0; row < rows; row++) {
    const float* x = a + RowOffset(nest, 0, row);
    const float* y = b + RowOffset(nest, 1, row);
    float* z = out + row * inner;
    if (sa == 1 && sb == 1) {
      for (int64_t j = 0; j < inner; j++) z[j] = Apply<Op>(x[j], y[j]);
    } else if (sa == 1 && sb == 0) {
      float c = y[0];
      for (int64_t j = 0; j < inner; j++) z[j] = Apply<Op>(x[j], c);
    } else if (sa == 0 && sb == 1) {
      float c = x[0];
      for (int64_t j = 0; j < inner; j++) z[j] = Apply<Op>(c, y[j]);
    } else {
      for (int64_t j = 0; j < inner; j++) z[j] = Apply<Op>(x[j * sa], y[j * sb]);
    }
  }
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t op = Int(info, 0, "op", 0);
  auto a = Floats(info, 1, "a");
  auto aStrides = Ints(info, 2, "aStrides");
  auto b = Floats(info, 3, "b");
  auto bStrides = Ints(info, 4, "bStrides");
  auto out = Floats(info, 5, "out");
  auto shape = Ints(info, 6, "shape");
  CheckStrides(env, shape, aStrides, "aStrides");
  CheckStrides(env, shape, bStrides, "bStrides");
  int64_t total = Product(shape);
  if (total == 0) return env.Undefined();
  RequireExtent(env, a, 0, Extent(shape, aStrides), "a");
  RequireExtent(env, b, 0, Extent(shape, bStrides), "b");
  RequireExtent(env, out, 0, total, "out");
  std::vector<int64_t> outStrides(shape.size());
  int64_t step = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; d--) {
    outStrides[d] = step;
    step *= shape[d];
  }
  // Merging dimensions must keep the output contiguous: it is an operand of the simplification.
  Nest nest = Simplify(shape, {aStrides, bStrides, outStrides});
  switch (op) {
    case kAdd: BinaryLoop<kAdd>(nest, a.Data(), b.Data(), out.Data(), total); break;
    case kSub: BinaryLoop<kSub>(nest, a.Data(), b.Data(), out.Data(), total); break;
    case kMul: BinaryLoop<kMul>(nest, a.Data(), b.Data(), out.Data(), total); break;
    case kDiv: BinaryLoop<kDiv>(nest, a.Data(), b.Data(), out.Data(), total); break;
    case kSquaredDifference:
      BinaryLoop<kSquaredDifference>(nest, a.Data(), b.Data(), out.Data(), total);
      break;
    case kMaximum: BinaryLoop<kMaximum>(nest, a.Data(), b.Data(), out.Data(), total); break;
    case kMinimum: BinaryLoop<kMinimum>(nest, a.Data(), b.Data(), out.Data(), total); break;
    default: throw Napi::RangeError::New(env, "unknown binary op " + std::to_string(op));
  }
  return env.Undefined();
}

enum CompareOp { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

template <int Op>
inline uint8_t Compare(float a, float b) {
  if constexpr (Op == kGreater) return a > b;
  if constexpr (Op == kGreaterEqual) return a >= b;
  if constexpr (Op == kLess) return a < b;
  if constexpr (Op == kLessEqual) return a <= b;
  if constexpr (Op == kEqual) return a == b;
  if constexpr (Op == kNotEqual) return a != b;
  return 0;
}

template <int Op>
void CompareLoop(const Nest& nest, const float* a, const float* b, uint8_t* out, int64_t total) {
  int64_t inner = nest.shape.back();
  int64_t sa = nest.strides[0].back(), sb = nest.strides[1].back();
  int64_t rows = total / inner;
  for (int64_t row = 0; row < rows; row++) {
    const float* x = a + RowOffset(nest, 0, row);
    const float* y = b + RowOffset(nest, 1, row);
    uint8_t* z = out + row * inner;
    for (int64_t j = 0; j < inner; j++) z[j] = Compare<Op>(x[j * sa], y[j * sb]);
  }
}

// lmCompare(op, a, aStrides, b, bStrides, out, shape): out (a Uint8Array, tfjs's bool) = a op b.
Napi::Value CompareFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t op = Int(info, 0, "op", 0);
  auto a = Floats(info, 1, "a");
  auto aStrides = Ints(info, 2, "aStrides");
  auto b = Floats(info, 3, "b");
  auto bStrides = Ints(info, 4, "bStrides");
  if (info.Length() <= 5 || !info[5].IsTypedArray() ||
      info[5].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "out must be a Uint8Array");
  }
  auto out = info[5].As<Napi::Uint8Array>();
  auto shape = Ints(info, 6, "shape");
  CheckStrides(env, shape, aStrides, "aStrides");
  CheckStrides(env, shape, bStrides, "bStrides");
  int64_t total = Product(shape);
  if (total == 0) return env.Undefined();
  RequireExtent(env, a, 0, Extent(shape, aStrides), "a");
  RequireExtent(env, b, 0, Extent(shape, bStrides), "b");
  if (static_cast<int64_t>(out.ElementLength()) < total) throw Napi::RangeError::New(env, "out is too short");
  std::vector<int64_t> outStrides(shape.size());
  int64_t step = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; d--) {
    outStrides[d] = step;
    step *= shape[d];
  }
  Nest nest = Simplify(shape, {aStrides, bStrides, outStrides});
  const float* x = a.Data();
  const float* y = b.Data();
  uint8_t* z = out.Data();
  switch (op) {
    case kGreater: CompareLoop<kGreater>(nest, x, y, z, total); break;
    case kGreaterEqual: CompareLoop<kGreaterEqual>(nest, x, y, z, total); break;
    case kLess: CompareLoop<kLess>(nest, x, y, z, total); break;
    case kLessEqual: CompareLoop<kLessEqual>(nest, x, y, z, total); break;
    case kEqual: CompareLoop<kEqual>(nest, x, y, z, total); break;
    case kNotEqual: CompareLoop<kNotEqual>(nest, x, y, z, total); break;
    default: throw Napi::RangeError::New(env, "unknown compare op " + std::to_string(op));
  }
  return env.Undefined();
}

enum UnaryOp { kErf, kExp, kTanh, kSigmoid, kSqrt, kNeg, kSquare, kLog, kRsqrt, kAbs, kRelu, kReciprocal };

template <int Op>
inline float Unary(float x) {
  if constexpr (Op == kErf) return std::erf(x);
  if constexpr (Op == kExp) return std::exp(x);
  if constexpr (Op == kTanh) return std::tanh(x);
  if constexpr (Op == kSigmoid) return 1.0f / (1.0f + std::exp(-x));
  if constexpr (Op == kSqrt) return std::sqrt(x);
  if constexpr (Op == kNeg) return -x;
  if constexpr (Op == kSquare) return x * x;
  if constexpr (Op == kLog) return std::log(x);
  if constexpr (Op == kRsqrt) return static_cast<float>(1.0 / std::sqrt(static_cast<double>(x)));
  if constexpr (Op == kAbs) return std::fabs(x);
  if constexpr (Op == kRelu) return (x > 0 || std::isnan(x)) ? x : 0.0f;  // Math.max(0, x): −0 → +0
  if constexpr (Op == kReciprocal) return 1.0f / x;
  return 0;
}

template <int Op>
void UnaryLoop(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = Unary<Op>(x[i]);
}

Napi::Value UnaryFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t op = Int(info, 0, "op", 0);
  auto x = Floats(info, 1, "x");
  auto out = Floats(info, 2, "out");
  int64_t n = static_cast<int64_t>(x.ElementLength());
  RequireExtent(env, out, 0, n, "out");
  const float* s = x.Data();
  float* t = out.Data();
  switch (op) {
    case kErf: UnaryLoop<kErf>(s, t, n); break;
    case kExp: UnaryLoop<kExp>(s, t, n); break;
    case kTanh: UnaryLoop<kTanh>(s, t, n); break;
    case kSigmoid: UnaryLoop<kSigmoid>(s, t, n); break;
    case kSqrt: UnaryLoop<kSqrt>(s, t, n); break;
    case kNeg: UnaryLoop<kNeg>(s, t, n); break;
    case kSquare: UnaryLoop<kSquare>(s, t, n); break;
    case kLog: UnaryLoop<kLog>(s, t, n); break;
    case kRsqrt: UnaryLoop<kRsqrt>(s, t, n); break;
    case kAbs: UnaryLoop<kAbs>(s, t, n); break;
    case kRelu: UnaryLoop<kRelu>(s, t, n); break;
    case kReciprocal: UnaryLoop<kReciprocal>(s, t, n); break;
    default: throw Napi::RangeError::New(env, "unknown unary op " + std::to_string(op));
  }
  return env.Undefined();
}

/** Rows and columns of x for a last-axis kernel, checking that out holds `outPerRow` per row. */
int64_t Rows(Napi::Env env, const Napi::Float32Array& x, int64_t cols, const Napi::Float32Array& out,
             int64_t outPerRow) {
  int64_t n = static_cast<int64_t>(x.ElementLength());
  if (cols == 0 || n % cols != 0) throw Napi::RangeError::New(env, "x's length is not a multiple of cols");
  int64_t rows = n / cols;
  RequireExtent(env, out, 0, rows * outPerRow, "out");
  return rows;
}

// softmax over rows of `cols`, as tfjs-backend-cpu composes it: max, x − max, exp, sum (double,
// rounded), divide.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = Floats(info, 0, "x");
  auto out = Floats(info, 1, "out");
  int64_t cols = Int(info, 2, "cols", 1);
  int64_t rows = Rows(env, x, cols, out, cols);
  const float* s = x.Data();
  float* t = out.Data();
  for (int64_t r = 0; r < rows; r++) {
    const float* row = s + r * cols;
    float* dst = t + r * cols;
    float max = row[0];
    for (int64_t j = 1; j < cols; j++) max = row[j] > max || std::isnan(row[j]) ? row[j] : max;
    double sum = 0;
    for (int64_t j = 0; j < cols; j++) {
      // expf underflows to exactly 0 below ≈ −103.3; glibc takes a slow path there (masked scores at
      // −1e9 made softmax 8× slower), so those are 0 without calling it.
      float v = row[j] - max;
      float e = v < -104.0f ? 0.0f : std::exp(v);
      dst[j] = e;
      sum += e;
    }
    float total = static_cast<float>(sum);
    for (int64_t j = 0; j < cols; j++) dst[j] = dst[j] / total;
  }
  return env.Undefined();
}

enum ReduceOp { kSum, kMean, kMax, kMin };

// One value per row of `cols`: the sum (double accumulation, as tfjs), the mean (the sum of x / count,
// as tfjs's Mean = RealDiv then Sum), the max or min (NaN wins, as tfjs).
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t op = Int(info, 0, "op", 0);
  auto x = Floats(info, 1, "x");
  auto out = Floats(info, 2, "out");
  int64_t cols = Int(info, 3, "cols", 1);
  if (op < kSum || op > kMin) throw Napi::RangeError::New(env, "unknown reduce op " + std::to_string(op));
  int64_t rows = Rows(env, x, cols, out, 1);
  const float* s = x.Data();
  float* t = out.Data();
  for (int64_t r = 0; r < rows; r++) {
    const float* row = s + r * cols;
    if (op == kSum || op == kMean) {
      double sum = 0;
      if (op == kSum) {
        for (int64_t j = 0; j < cols; j++) sum += row[j];
      } else {
        float count = static_cast<float>(cols);
        for (int64_t j = 0; j < cols; j++) sum += row[j] / count;
      }
      t[r] = static_cast<float>(sum);
    } else {
      float v = row[0];
      for (int64_t j = 1; j < cols; j++) {
        float c = row[j];
        if (std::isnan(c) || (op == kMax ? c > v : c < v)) v = c;
      }
      t[r] = v;
    }
  }
  return env.Undefined();
}

// lmReduceOuter(op, x, out, rows, cols): one value per column of x [rows, cols], reducing over the rows
// in order, as tfjs does after moving the reduced axes innermost (same sums, no transposed copy).
Napi::Value ReduceOuter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t op = Int(info, 0, "op", 0);
  auto x = Floats(info, 1, "x");
  auto out = Floats(info, 2, "out");
  int64_t rows = Int(info, 3, "rows", 1);
  int64_t cols = Int(info, 4, "cols", 1);
  if (op < kSum || op > kMin) throw Napi::RangeError::New(env, "unknown reduce op " + std::to_string(op));
  RequireExtent(env, x, 0, rows * cols, "x");
  RequireExtent(env, out, 0, cols, "out");
  const float* s = x.Data();
  float* t = out.Data();
  if (op == kSum || op == kMean) {
    std::vector<double> sum(cols, 0.0);
    float count = static_cast<float>(rows);
    for (int64_t r = 0; r < rows; r++) {
      const float* row = s + r * cols;
      if (op == kSum) {
        for (int64_t j = 0; j < cols; j++) sum[j] += row[j];
      } else {
        for (int64_t j = 0; j < cols; j++) sum[j] += row[j] / count;
      }
    }
    for (int64_t j = 0; j < cols; j++) t[j] = static_cast<float>(sum[j]);
  } else {
    std::memcpy(t, s, sizeof(float) * cols);
    for (int64_t r = 1; r < rows; r++) {
      const float* row = s + r * cols;
      for (int64_t j = 0; j < cols; j++) {
        float c = row[j];
        if (std::isnan(c) || (op == kMax ? c > t[j] : c < t[j])) t[j] = c;
      }
    }
  }
  return env.Undefined();
}

}  // namespace

void InitLmKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("lmCopy", Napi::Function::New(env, Copy));
  exports.Set("lmBinary", Napi::Function::New(env, Binary));
  exports.Set("lmUnary", Napi::Function::New(env, UnaryFn));
  exports.Set("lmSoftmax", Napi::Function::New(env, Softmax));
  exports.Set("lmReduce", Napi::Function::New(env, Reduce));
  exports.Set("lmReduceOuter", Napi::Function::New(env, ReduceOuter));
  exports.Set("lmCompare", Napi::Function::New(env, CompareFn));
}
