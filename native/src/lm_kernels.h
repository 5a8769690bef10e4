// Elementwise, copy, softmax and reduction kernels for tfjs's cpu backend (the `native` backend choice),
// registered from src/core/native/tfjs-native-kernels.ts.
#pragma once
#include <napi.h>

void InitLmKernels(Napi::Env env, Napi::Object exports);
