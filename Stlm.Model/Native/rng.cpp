// Random number generators: seeds, full generator states (CPU and CUDA) and the determinism switch.
// The CUDA generators are reached through at::globalContext().defaultGenerator, which needs no CUDA
// headers: the same source builds against a CPU-only libtorch and works on a CUDA one at run time.
#include "stlm_native.h"

#include <cstdlib>
#include <mutex>

namespace {

const at::Generator& generator(int device_type, int device_index) {
  if (device_type == 1) {
    TORCH_CHECK(torch::cuda::is_available(), "CUDA generator requested but this libtorch has no usable CUDA");
    TORCH_CHECK(device_index >= 0 && device_index < static_cast<int>(torch::cuda::device_count()),
                "no CUDA device ", device_index, " (", torch::cuda::device_count(), " present)");
  }
  return at::globalContext().defaultGenerator(stlm::device(device_type, device_index));
}

}  // namespace

STLM_API int stlm_rng_initial_seed(int device_type, int device_index, uint64_t* out) {
  STLM_STATUS({
    auto gen = generator(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = gen.current_seed();
  })
}

STLM_API int stlm_rng_seed_device(int device_type, int device_index, uint64_t seed) {
  STLM_STATUS({
    auto gen = generator(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  })
}

// The state as a new CPU uint8 tensor (5056 bytes for the CPU Mersenne Twister on 1.13; the
// CUDA one is a seed + offset blob whose layout depends on the libtorch version).
STLM_API stlm_tensor stlm_rng_get_state(int device_type, int device_index) {
  try {
    auto gen = generator(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return stlm::wrap(gen.get_state());
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

STLM_API int stlm_rng_set_state(int device_type, int device_index, stlm_tensor state) {
  STLM_STATUS({
    auto gen = generator(device_type, device_index);
    const at::Tensor& s = stlm::T(state);
    TORCH_CHECK(s.scalar_type() == at::kByte && s.dim() == 1 && s.is_cpu(),
                "a generator state is a 1-D uint8 CPU tensor, got ", s.scalar_type(), " of shape ", s.sizes());
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s.contiguous());
  })
}

// warn_only: nondeterministic ops warn instead of throwing. Also pins cuDNN to deterministic
// kernels and turns off its autotuner (which picks kernels by timing). CUDA matmuls additionally
// need CUBLAS_WORKSPACE_CONFIG=:4096:8 in the environment before the first cuBLAS call: it is set
// here when absent (through setenv, which .NET's Environment.SetEnvironmentVariable does not reach).
STLM_API int stlm_set_deterministic(int enabled, int warn_only) {
  STLM_STATUS({
    if (enabled) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
    auto& ctx = at::globalContext();
    ctx.setDeterministicAlgorithms(enabled != 0, warn_only != 0);
    ctx.setDeterministicCuDNN(enabled != 0);
    if (enabled) ctx.setBenchmarkCuDNN(false);
  })
}

STLM_API int stlm_deterministic() { return at::globalContext().deterministicAlgorithms() ? 1 : 0; }
STLM_API int stlm_deterministic_warn_only() { return at::globalContext().deterministicAlgorithmsWarnOnly() ? 1 : 0; }
