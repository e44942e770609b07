// Shared internals of the C shim over libtorch. Conventions every area file follows:
//
//  * Handle: `stlm_tensor` is an owning pointer to a heap-allocated at::Tensor (one reference).
//    Make one with stlm::wrap(tensor); free it with stlm_tensor_free. Functions never take
//    ownership of handles passed in; every handle returned is new and owned by the caller.
//    On the C# side `Tensor.FromHandle(ptr)` wraps a returned handle and registers it in the
//    current TorchScope; `tensor.Handle` gives the pointer to pass back in.
//  * Errors: no C++ exception crosses the boundary. Wrap each body in STLM_TENSOR(expr)
//    (returns a new handle, or nullptr on error) or STLM_STATUS({ ... }) (returns 0, or -1 on
//    error). The failure text is kept per thread; stlm_last_error() returns it and C# raises
//    TorchException with it. Values other than tensors come back through out-pointers.
//  * Types cross as blittable values: dtype = c10::ScalarType code, device = (type, index)
//    with type 0 = cpu, 1 = cuda; shapes as (const int64_t* dims, int ndim); bools as int.
//  * A new area: add <area>.cpp here (CMake globs *.cpp) and its [LibraryImport] declarations in
//    Stlm.Model/Torch/Interop/Native.<Area>.cs. Code that must build on 1.13 and 2.x branches on
//    TORCH_VERSION_MAJOR/MINOR; CUDA-only calls go under #ifdef or behind torch::cuda::is_available().
#pragma once

#include <torch/torch.h>
#include <torch/version.h>
#include <cstdint>
#include <optional>
#include <string>

#define STLM_API extern "C" __attribute__((visibility("default")))

typedef void* stlm_tensor;

namespace stlm {

// c10::optional became std::optional in libtorch 2.4; name it once for both.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
template <class V>
using optional = std::optional<V>;
using std::nullopt;
#else
template <class V>
using optional = c10::optional<V>;
using c10::nullopt;
#endif

void set_error(const char* message);
void capture_current_exception();

// The low-precision type of an open autocast region for t's device on this thread (autocast.cpp),
// or nullopt outside one: for ops that autocast does not cover and that cast by hand.
optional<at::ScalarType> autocast_dtype(const at::Tensor& t);

// softmax(scores · scale) over the last dim with keys after each query hidden (fused_layers.cpp);
// may overwrite `scores`, which must be a fresh result that no backward has saved.
at::Tensor causal_softmax(at::Tensor scores, double scale);

inline stlm_tensor wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }
inline at::Tensor& T(stlm_tensor h) { return *static_cast<at::Tensor*>(h); }
inline optional<at::Tensor> opt(stlm_tensor h) {
  if (h == nullptr) return nullopt;
  return T(h);
}
inline at::IntArrayRef dims(const int64_t* d, int n) { return at::IntArrayRef(d, static_cast<size_t>(n)); }
inline at::ScalarType dtype(int code) { return static_cast<at::ScalarType>(code); }
inline at::Device device(int type, int index) {
  if (type == 0) return at::Device(at::kCPU);
  if (type == 1) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  throw std::invalid_argument("unknown device type " + std::to_string(type));
}
inline at::TensorOptions options(int dtype_code, int device_type, int device_index) {
  return at::TensorOptions().dtype(dtype(dtype_code)).device(device(device_type, device_index));
}
// An integral tensor combined with a whole-number scalar keeps its integer dtype, as in Python.
inline at::Scalar scalar_for(const at::Tensor& t, double v) {
  if (!c10::isFloatingType(t.scalar_type()) && !c10::isComplexType(t.scalar_type()) &&
      v == static_cast<double>(static_cast<int64_t>(v)))
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

}  // namespace stlm

#define STLM_TENSOR(expr)                  \
  try {                                    \
    return stlm::wrap(expr);               \
  } catch (...) {                          \
    stlm::capture_current_exception();     \
    return nullptr;                        \
  }

#define STLM_STATUS(body)                  \
  try {                                    \
    body;                                  \
    return 0;                              \
  } catch (...) {                          \
    stlm::capture_current_exception();     \
    return -1;                             \
  }

// ---- distributed: references (gloo_reference.cpp) -------------------------------------------
STLM_API void* stlm_gloo_reference_new(const char* master_addr, int port, int rank, int world_size, int64_t numel,
                                       int64_t timeout_ms);
STLM_API int stlm_gloo_reference_allreduce(void* reference, int iters, double* seconds_out);
STLM_API void stlm_gloo_reference_free(void* reference);
