{
  # The native compute engine (docs/decisions/0010-native-engine.md): sgemm through OpenBLAS and a fused
  # crosscoder training step, as one N-API addon that serves Node and Electron without a rebuild.
  # scripts/build-native.mjs checks for OpenBLAS (pkg-config) before node-gyp runs.
  "targets": [
    {
      "target_name": "ctt_native",
      "sources": ["src/addon.cc", "src/crosscoder_step.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I openblas | sed 's/-I//g')"
      ],
      "libraries": [
        "<!@(pkg-config --libs openblas)",
        "-Wl,-rpath,<!(pkg-config --variable=libdir openblas)",
        "-fopenmp"
      ],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-fno-math-errno"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
