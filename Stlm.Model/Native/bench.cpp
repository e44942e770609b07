// Reference loops for `stlm bench torch`: the same ops the C# benchmark calls through the
// binding, called here straight through libtorch's C++ API, so one run yields both sides.
#include "stlm_native.h"

#include <chrono>

namespace {

template <typename F>
double seconds_for(int64_t iterations, F&& body) {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iterations; ++i) body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// a + b, iterations times, each result freed as it goes out of scope (as `using var r = a + b` does).
STLM_API int stlm_bench_add(stlm_tensor a, stlm_tensor b, int64_t iterations, double* seconds) {
  STLM_STATUS({
    const at::Tensor& x = stlm::T(a);
    const at::Tensor& y = stlm::T(b);
    *seconds = seconds_for(iterations, [&] { at::Tensor r = at::add(x, y); });
  })
}

// a @ b, iterations times; on CUDA the clock stops only after the device has finished.
STLM_API int stlm_bench_matmul(stlm_tensor a, stlm_tensor b, int64_t iterations, double* seconds) {
  STLM_STATUS({
    const at::Tensor& x = stlm::T(a);
    const at::Tensor& y = stlm::T(b);
    *seconds = seconds_for(iterations, [&] { at::Tensor r = at::matmul(x, y); });
    if (x.is_cuda()) {
      const auto start = std::chrono::steady_clock::now();
      torch::cuda::synchronize(x.device().index());
      *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  })
}

// Waits for queued device work, so a C#-side timing of CUDA ops stops at their real end.
STLM_API int stlm_bench_synchronize(int device_type, int device_index) {
  STLM_STATUS(if (device_type == 1) torch::cuda::synchronize(device_index))
}
