// Entry of the native engine: OpenBLAS sgemm on Float32Arrays (single and batched, row-major, with
// transposes), thread control and build facts. The fused crosscoder step lives in crosscoder_step.cc.
// Every function checks its arguments and throws a JS error naming the argument; nothing here keeps a
// pointer into a JS buffer after it returns.
#include <napi.h>
#include <cblas.h>
#include <omp.h>

#include <cstdint>
#include <string>

#include "crosscoder_step.h"
#include "lm_kernels.h"

namespace {

Napi::Float32Array FloatArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>();
}

int64_t IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(min)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer ≥ " +
                                                std::to_string(min) + ", got " + std::to_string(v));
  }
  return static_cast<int64_t>(v);
}

void RequireLength(Napi::Env env, const Napi::Float32Array& a, int64_t need, const char* name) {
  if (static_cast<int64_t>(a.ElementLength()) < need) {
    throw Napi::RangeError::New(env, std::string(name) + " holds " + std::to_string(a.ElementLength()) +
                                         " floats, the shape needs " + std::to_string(need));
  }
}

// sgemm(transA, transB, m, n, k, alpha, A, B, beta, C): C[m,n] = alpha·op(A)·op(B) + beta·C, row-major,
// op(A) [m,k] (A stored [k,m] when transposed), op(B) [k,n].
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  int64_t m = IntArg(info, 2, "m", 0), n = IntArg(info, 3, "n", 0), k = IntArg(info, 4, "k", 0);
  float alpha = info[5].ToNumber().FloatValue();
  auto a = FloatArg(info, 6, "A"), b = FloatArg(info, 7, "B");
  float beta = info[8].ToNumber().FloatValue();
  auto c = FloatArg(info, 9, "C");
  RequireLength(env, a, m * k, "A");
  RequireLength(env, b, k * n, "B");
  RequireLength(env, c, m * n, "C");
  if (m == 0 || n == 0) return env.Undefined();
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, a.Data(), ta ? m : k, b.Data(), tb ? k : n, beta, c.Data(), n);
  return env.Undefined();
}

// sgemmBatched(transA, transB, batch, m, n, k, A, strideA, B, strideB, C): C_i = op(A_i)·op(B_i) for
// i < batch, C packed [batch,m,n]; a stride of 0 broadcasts one matrix over the batch.
Napi::Value SgemmBatched(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  int64_t batch = IntArg(info, 2, "batch", 0);
  int64_t m = IntArg(info, 3, "m", 0), n = IntArg(info, 4, "n", 0), k = IntArg(info, 5, "k", 0);
  auto a = FloatArg(info, 6, "A");
  int64_t sa = IntArg(info, 7, "strideA", 0);
  auto b = FloatArg(info, 8, "B");
  int64_t sb = IntArg(info, 9, "strideB", 0);
  auto c = FloatArg(info, 10, "C");
  if (batch == 0 || m == 0 || n == 0) return env.Undefined();
  RequireLength(env, a, sa * (batch - 1) + m * k, "A");
  RequireLength(env, b, sb * (batch - 1) + k * n, "B");
  RequireLength(env, c, batch * m * n, "C");
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a.Data() + i * sa, ta ? m : k, b.Data() + i * sb, tb ? k : n, 0.0f,
                c.Data() + i * m * n, n);
  }
  return env.Undefined();
}

// setThreads(n): threads for OpenBLAS and for the engine's own loops.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = IntArg(info, 0, "threads", 1);
  openblas_set_num_threads(static_cast<int>(n));
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("openblasConfig", openblas_get_config());
  out.Set("coreName", openblas_get_corename());
  out.Set("blasThreads", openblas_get_num_threads());
  out.Set("loopThreads", omp_get_max_threads());
  out.Set("parallel", openblas_get_parallel());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("sgemmBatched", Napi::Function::New(env, SgemmBatched));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  InitCrosscoderStep(env, exports);
  InitLmKernels(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ctt_native, Init)
