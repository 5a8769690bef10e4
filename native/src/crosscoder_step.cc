#include "crosscoder_step.h"

void InitCrosscoderStep(Napi::Env, Napi::Object) {}
