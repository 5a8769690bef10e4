// Shared by the crosscoder step's .cc files: the thread-splitting helpers (OpenMP loops that run
// serially when small, sgemm split over the loop threads) and constants. Internal to the addon.
#pragma once
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ctt {
namespace detail {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr int64_t kSumChunk = int64_t{1} << 16;
constexpr float kInf = std::numeric_limits<float>::infinity();

/** Below this many elements of work a loop runs on the calling thread (a parallel region costs more). */
constexpr int64_t kParallelWork = int64_t{1} << 15;

/**
 * fn(begin, end) over [0, n) split in one contiguous range per thread (16-aligned); serial when
 * n·itemCost (elements touched) is small.
 */
template <class Fn>
void ForRanges(int64_t n, int64_t itemCost, Fn fn) {
  if (n <= 0) return;
  const int64_t threads = std::max(1, omp_get_max_threads());
  if (threads == 1 || n * itemCost < kParallelWork) return fn(0, n);
  const int64_t width = std::max<int64_t>(16, ((n + threads - 1) / threads + 15) / 16 * 16);
  const int64_t chunks = (n + width - 1) / width;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; c++) fn(c * width, std::min(n, (c + 1) * width));
}

inline uint32_t Bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

/**
 * C = alpha·op(A)·op(B) + beta·C (row-major), split over the loop threads: each calls a single-threaded
 * sgemm on its block of C's rows (or columns, when there are more of those). One thread pool (OpenMP)
 * then does all the work: OpenBLAS's own pthreads spin between calls and, on 2 cores, starve the
 * OpenMP threads of the loops around them (tiny shapes took 10 ms a sgemm). Small products run serially.
 */
inline void Gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
  const int threads = omp_get_max_threads();
  if (threads <= 1 || double(m) * double(n) * double(k) < 4e6) {
    cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const bool isByRows = m >= n;
  const int64_t extent = isByRows ? m : n;
  const int64_t width = ((extent + threads - 1) / threads + 15) / 16 * 16;
  const int64_t blocks = (extent + width - 1) / width;
#pragma omp parallel for schedule(static)
  for (int64_t blk = 0; blk < blocks; blk++) {
    const int64_t i0 = blk * width, i1 = std::min(extent, i0 + width);
    if (isByRows) {
      // Rows i0..i1 of op(A): row offset in A, or column offset when A is stored transposed.
      const float* aBlock = ta ? a + i0 : a + i0 * lda;
      cblas_sgemm(CblasRowMajor, opA, opB, i1 - i0, n, k, alpha, aBlock, lda, b, ldb, beta, c + i0 * ldc, ldc);
    } else {
      const float* bBlock = tb ? b + i0 * ldb : b + i0;
      cblas_sgemm(CblasRowMajor, opA, opB, m, i1 - i0, k, alpha, a, lda, bBlock, ldb, beta, c + i0, ldc);
    }
  }
}

/** OpenBLAS single-threaded for the scope (Gemm splits the work itself), restored after. */
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() : previous_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~SingleThreadedBlas() { openblas_set_num_threads(previous_); }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_;
};

}  // namespace detail
}  // namespace ctt
