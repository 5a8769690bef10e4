// The fused crosscoder training step (encode, decode, loss, backward, clip, Adam) for L1 and BatchTopK.
#pragma once
#include <napi.h>

void InitCrosscoderStep(Napi::Env env, Napi::Object exports);
