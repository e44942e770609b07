// What the hand-written loops of fused_layers.cpp and fused_attention.cpp share: the build of
// each float loop for AVX2 and for any x86-64, the dtypes they take, and a sum in a fixed order.
// These files build with -O3 and -ffp-contract=off (CMakeLists.txt), so a·b + c is never
// contracted into a fused multiply-add and both builds of a loop round alike.
#pragma once

#include "stlm_native.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace stlm::fused {

// The loops are compiled twice, for AVX2 and for any x86-64, and picked at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define STLM_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define STLM_VECTOR_CLONES
#endif

inline bool fusable(const at::Tensor& t) {
  return t.is_cpu() && (t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble);
}

// Rows per block of a reduction over rows (the RMSNorm weight's gradient): the partial sums are
// per block, added in block order, so the result is the same for any thread count.
constexpr int64_t kRowsPerBlock = 64;

// Sum of v[i]·w[i] over n values with 8 running sums (a vector register of floats), added in a
// fixed order at the end.
template <class S>
inline S dot8(const S* v, const S* w, int64_t n) {
  S acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += v[i + j] * w[i + j];
  S total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; i++) total += v[i] * w[i];
  return total;
}

}  // namespace stlm::fused
