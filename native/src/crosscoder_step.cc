// `CrosscoderSession`, the addon's handle on one fused crosscoder training step (crosscoder_core.h):
// it owns parameters, Adam state and scratch, refuses a shape that would not fit before allocating,
// and copies between its buffers and JS Float32Arrays (never external buffers: Electron forbids them).
// Every call runs synchronously and checks its arguments, naming the one that is wrong.
#include "crosscoder_step.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "crosscoder_core.h"

namespace {

using ctt::CrosscoderCore;
using ctt::CrosscoderShape;

const char* const kParamNames[ctt::kParamCount] = {"W_enc", "W_dec", "b_enc", "b_dec"};

std::string GiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", double(bytes) / double(uint64_t{1} << 30));
  return text;
}

double NumberField(Napi::Env env, const Napi::Object& o, const char* name, double fallback, bool isRequired) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) {
    if (isRequired) throw Napi::TypeError::New(env, std::string(name) + " is required");
    return fallback;
  }
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x)) throw Napi::RangeError::New(env, std::string(name) + " must be finite");
  return x;
}

int64_t CountField(Napi::Env env, const Napi::Object& o, const char* name, int64_t min, int64_t max) {
  const double x = NumberField(env, o, name, 0, true);
  if (x != std::floor(x) || x < double(min) || x > double(max)) {
    throw Napi::RangeError::New(env, std::string(name) + " must be an integer in [" + std::to_string(min) +
                                         ", " + std::to_string(max) + "], got " + std::to_string(x));
  }
  return int64_t(x);
}

CrosscoderShape ShapeFrom(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "the session options must be an object");
  const auto o = value.As<Napi::Object>();
  CrosscoderShape s;
  s.nCheckpoints = CountField(env, o, "nCheckpoints", 1, 64);
  s.dModel = CountField(env, o, "dModel", 1, int64_t{1} << 24);
  s.nFeatures = CountField(env, o, "nFeatures", 1, int64_t{1} << 28);
  s.batchSize = CountField(env, o, "batchSize", 1, int64_t{1} << 24);
  const std::string type = o.Get("type").ToString().Utf8Value();
  if (type != "l1" && type != "batchtopk") {
    throw Napi::RangeError::New(env, "type must be \"l1\" or \"batchtopk\", got \"" + type + "\"");
  }
  s.isBatchTopK = type == "batchtopk";
  return s;
}

std::string Describe(const CrosscoderShape& s) {
  return "M=" + std::to_string(s.nCheckpoints) + " D=" + std::to_string(s.dModel) +
         " F=" + std::to_string(s.nFeatures) + " B=" + std::to_string(s.batchSize) + " " +
         (s.isBatchTopK ? "batchtopk" : "l1");
}

Napi::Float32Array CopyOut(Napi::Env env, const float* data, size_t n) {
  auto out = Napi::Float32Array::New(env, n);
  if (n > 0) std::memcpy(out.Data(), data, n * sizeof(float));
  return out;
}

Napi::Float32Array ExactFloats(Napi::Env env, const Napi::Value& v, size_t n, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, name + " must be a Float32Array");
  }
  auto a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != n) {
    throw Napi::RangeError::New(env, name + " holds " + std::to_string(a.ElementLength()) +
                                         " floats, expected " + std::to_string(n));
  }
  return a;
}

class CrosscoderSession : public Napi::ObjectWrap<CrosscoderSession> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CrosscoderSession",
                       {
                           InstanceMethod("setParameters", &CrosscoderSession::SetParameters),
                           InstanceMethod("getParameters", &CrosscoderSession::GetParameters),
                           InstanceMethod("setAdamState", &CrosscoderSession::SetAdamState),
                           InstanceMethod("getAdamState", &CrosscoderSession::GetAdamState),
                           InstanceMethod("step", &CrosscoderSession::Step),
                           InstanceMethod("gradients", &CrosscoderSession::Gradients),
                           InstanceMethod("dispose", &CrosscoderSession::Dispose),
                           StaticMethod("estimateBytes", &CrosscoderSession::EstimateBytes),
                       });
  }

  explicit CrosscoderSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CrosscoderSession>(info) {
    Napi::Env env = info.Env();
    const CrosscoderShape shape = ShapeFrom(env, info[0]);
    const auto o = info[0].As<Napi::Object>();
    const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
    const double limit = NumberField(env, o, "memoryLimitBytes", physical, false);
    const uint64_t need = ctt::EstimateSessionBytes(shape);
    if (double(need) > limit) {
      throw Napi::RangeError::New(env, "crosscoder session " + Describe(shape) + " needs an estimated " +
                                           GiB(need) + " (parameters, Adam state, gradients, scratch), " +
                                           "more than the limit of " + GiB(uint64_t(limit)));
    }
    try {
      core_ = std::make_unique<CrosscoderCore>(shape);
    } catch (const std::bad_alloc&) {
      throw Napi::Error::New(env, "crosscoder session " + Describe(shape) + ": could not allocate " + GiB(need));
    }
  }

 private:
  CrosscoderCore& Core(Napi::Env env) {
    if (!core_) throw Napi::Error::New(env, "the crosscoder session was disposed");
    return *core_;
  }

  /** setParameters({W_enc, W_dec, b_enc, b_dec}): copies in; every tensor is required. */
  Napi::Value SetParameters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "parameters must be an object");
    const auto o = info[0].As<Napi::Object>();
    for (int p = 0; p < ctt::kParamCount; p++) {
      auto a = ExactFloats(env, o.Get(kParamNames[p]), core.ParamSize(p), kParamNames[p]);
      std::memcpy(core.Param(p), a.Data(), core.ParamSize(p) * sizeof(float));
    }
    return env.Undefined();
  }

  Napi::Value GetParameters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    auto out = Napi::Object::New(env);
    for (int p = 0; p < ctt::kParamCount; p++) out.Set(kParamNames[p], CopyOut(env, core.Param(p), core.ParamSize(p)));
    return out;
  }

  /** setAdamState({m?, v?, accBeta1, accBeta2}): moments absent = zeros (tfjs before its first step). */
  Napi::Value SetAdamState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Adam state must be an object");
    const auto o = info[0].As<Napi::Object>();
    const float beta1 = float(NumberField(env, o, "accBeta1", 0, true));
    const float beta2 = float(NumberField(env, o, "accBeta2", 0, true));
    for (const char* which : {"m", "v"}) {
      Napi::Value moments = o.Get(which);
      for (int p = 0; p < ctt::kParamCount; p++) {
        float* to = which[0] == 'm' ? core.Moment1(p) : core.Moment2(p);
        const size_t n = core.ParamSize(p);
        if (moments.IsUndefined() || moments.IsNull()) {
          std::memset(to, 0, n * sizeof(float));
          continue;
        }
        if (!moments.IsObject()) throw Napi::TypeError::New(env, std::string(which) + " must be an object");
        const std::string name = std::string(which) + "." + kParamNames[p];
        auto a = ExactFloats(env, moments.As<Napi::Object>().Get(kParamNames[p]), n, name);
        std::memcpy(to, a.Data(), n * sizeof(float));
      }
    }
    core.accBeta1 = beta1;
    core.accBeta2 = beta2;
    return env.Undefined();
  }

  Napi::Value GetAdamState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    auto m = Napi::Object::New(env), v = Napi::Object::New(env);
    for (int p = 0; p < ctt::kParamCount; p++) {
      m.Set(kParamNames[p], CopyOut(env, core.Moment1(p), core.ParamSize(p)));
      v.Set(kParamNames[p], CopyOut(env, core.Moment2(p), core.ParamSize(p)));
    }
    auto out = Napi::Object::New(env);
    out.Set("m", m);
    out.Set("v", v);
    out.Set("accBeta1", core.accBeta1);
    out.Set("accBeta2", core.accBeta2);
    return out;
  }

  /** The batch (exactly B·K floats) and the step's options. */
  const float* Batch(Napi::Env env, const Napi::Value& v, CrosscoderCore& core) {
    const CrosscoderShape& s = core.shape();
    const size_t need = size_t(s.batchSize * s.K());
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(env, "x must be a Float32Array");
    }
    auto x = v.As<Napi::Float32Array>();
    if (x.ElementLength() != need) {
      throw Napi::RangeError::New(env, "x holds " + std::to_string(x.ElementLength()) +
                                           " floats, expected B·M·D = " + std::to_string(s.batchSize) + "·" +
                                           std::to_string(s.nCheckpoints) + "·" + std::to_string(s.dModel) +
                                           " = " + std::to_string(need));
    }
    return x.Data();
  }

  ctt::StepOptions Options(Napi::Env env, const Napi::Value& v, CrosscoderCore& core) {
    if (!v.IsObject()) throw Napi::TypeError::New(env, "step options must be an object");
    const auto o = v.As<Napi::Object>();
    ctt::StepOptions out;
    out.learningRate = float(NumberField(env, o, "learningRate", 0, true));
    out.lambda = float(NumberField(env, o, "lambda", 0, false));
    out.beta1 = NumberField(env, o, "beta1", 0.9, false);
    out.beta2 = NumberField(env, o, "beta2", 0.999, false);
    out.epsilon = NumberField(env, o, "epsilon", 1e-8, false);
    out.clipNorm = NumberField(env, o, "clipNorm", 1, false);
    out.auxkAlpha = NumberField(env, o, "auxkAlpha", 0, false);
    if (core.shape().isBatchTopK) out.k = CountField(env, o, "k", 1, core.shape().nFeatures);
    Napi::Value dead = o.Get("isDead");
    if (!dead.IsUndefined() && !dead.IsNull()) {
      if (!dead.IsTypedArray() || dead.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw Napi::TypeError::New(env, "isDead must be a Uint8Array or null");
      }
      auto mask = dead.As<Napi::Uint8Array>();
      if (int64_t(mask.ElementLength()) != core.shape().nFeatures) {
        throw Napi::RangeError::New(env, "isDead holds " + std::to_string(mask.ElementLength()) +
                                             " entries, expected F = " + std::to_string(core.shape().nFeatures));
      }
      out.isDead = mask.Data();
    }
    return out;
  }

  static void SetTerms(Napi::Object& out, const ctt::StepTerms& t) {
    out.Set("loss", t.loss);
    out.Set("mse", t.reconstruction);
    out.Set("l1", t.sparsity);
    out.Set("auxiliary", t.auxiliary);
    out.Set("l0", t.l0);
  }

  /** step(x, options): one training step; the metrics, fired counts [F] and (profiling) phase times. */
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    const float* x = Batch(env, info[0], core);
    const ctt::StepOptions options = Options(env, info[1], core);
    const ctt::StepTerms t = core.Step(x, options);
    auto out = Napi::Object::New(env);
    SetTerms(out, t);
    out.Set("gradNorm", t.gradNorm);
    out.Set("minPositive", t.minPositive);
    const int64_t f = core.shape().nFeatures;
    out.Set("fired", CopyOut(env, core.Fired(), size_t(f)));
    if (core.isProfiling) {
      auto phases = Napi::Object::New(env);
      for (const auto& [name, ms] : core.PhaseMs()) {
        const double before = phases.Has(name) ? phases.Get(name).As<Napi::Number>().DoubleValue() : 0;
        phases.Set(name, before + ms);
      }
      out.Set("phaseMs", phases);
    }
    return out;
  }

  /** gradients(x, options): the loss terms and the 4 unclipped gradients, parameters unchanged. */
  Napi::Value Gradients(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CrosscoderCore& core = Core(env);
    const float* x = Batch(env, info[0], core);
    const ctt::StepOptions options = Options(env, info[1], core);
    const ctt::StepTerms t = core.Gradients(x, options);
    auto out = Napi::Object::New(env);
    SetTerms(out, t);
    auto grads = Napi::Object::New(env);
    for (int p = 0; p < ctt::kParamCount; p++) grads.Set(kParamNames[p], CopyOut(env, core.Grad(p), core.ParamSize(p)));
    out.Set("grads", grads);
    return out;
  }

  /** Frees the buffers now (a session of the paper's shape holds several GiB). */
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    core_.reset();
    return info.Env().Undefined();
  }

  static Napi::Value EstimateBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(ctt::EstimateSessionBytes(ShapeFrom(info.Env(), info[0]))));
  }

  std::unique_ptr<CrosscoderCore> core_;
};

}  // namespace

void InitCrosscoderStep(Napi::Env env, Napi::Object exports) {
  exports.Set("CrosscoderSession", CrosscoderSession::Define(env));
}
