{
  # The native compute engine (docs/decisions/0010-native-engine.md): sgemm through OpenBLAS and a fused
  # crosscoder training step, as one N-API addon that serves Node and Electron without a rebuild.
  # scripts/build-native.mjs checks for OpenBLAS (pkg-config) before node-gyp runs.
  "targets": [
    {
      "target_name": "ctt_native",
      "sources": ["src/addon.cc", "src/crosscoder_step.cc", "src/crosscoder_core.cc", "src/crosscoder_forward.cc", "src/lm_kernels.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I openblas | sed 's/-I//g')"
      ],
      # -z nodelete keeps the addon (and so libgomp) mapped when a worker thread that loaded it ends: Node
      # unloads a worker's addons, and OpenMP's pool threads would then run unmapped code (SIGSEGV on
      # cancel). NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: no C++ throw while the worker's env shuts down.
      "libraries": [
        "<!@(pkg-config --libs openblas)",
        "-Wl,-rpath,<!(pkg-config --variable=libdir openblas)",
        "-fopenmp",
        "-Wl,-z,nodelete"
      ],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-fno-math-errno"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"]
    }
  ]
}
