// Mixed precision: libtorch's autocast, switched per thread around a forward pass.
//
// Inside an autocast region matmuls, linears and batched matmuls run in the low-precision type
// (bf16 on CPU goes through MKL-DNN, several times float32's matmul rate on avx512_bf16 cores),
// while losses stay float32 and parameters stay float32 masters: the casts are autograd ops, so
// gradients reach the float32 weights in float32. What autocast does not cover we cast by hand
// (the fused head + cross-entropy in fused.cpp, the attention softmax in nn.cpp): both ask
// stlm::autocast_dtype whether a region is open for their tensors' device.
//
// Autocast caches the low-precision copy of each weight for the region; the cache must be
// cleared when the outermost region closes (the weights change at the next optimizer step).
#include "stlm_native.h"

#include <ATen/autocast_mode.h>

namespace {

// libtorch 2.4 replaced the per-device functions (is_cpu_enabled, set_autocast_gpu_dtype, ...)
// by ones taking the device type. Device type codes as in stlm_native.h: 0 cpu, 1 cuda.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool enabled(at::DeviceType type) { return at::autocast::is_autocast_enabled(type); }
void set_enabled(at::DeviceType type, bool on) { at::autocast::set_autocast_enabled(type, on); }
at::ScalarType dtype_of(at::DeviceType type) { return at::autocast::get_autocast_dtype(type); }
void set_dtype(at::DeviceType type, at::ScalarType dtype) { at::autocast::set_autocast_dtype(type, dtype); }
#else
bool enabled(at::DeviceType type) {
  return type == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
void set_enabled(at::DeviceType type, bool on) {
  if (type == at::kCPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
at::ScalarType dtype_of(at::DeviceType type) {
  return type == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void set_dtype(at::DeviceType type, at::ScalarType dtype) {
  if (type == at::kCPU) at::autocast::set_autocast_cpu_dtype(dtype);
  else at::autocast::set_autocast_gpu_dtype(dtype);
}
#endif

at::DeviceType type_of(int code) {
  if (code == 0) return at::kCPU;
  if (code == 1) return at::kCUDA;
  throw std::invalid_argument("unknown device type " + std::to_string(code));
}

}  // namespace

namespace stlm {

optional<at::ScalarType> autocast_dtype(const at::Tensor& t) {
  const at::DeviceType type = t.device().type();
  if ((type != at::kCPU && type != at::kCUDA) || !enabled(type)) return nullopt;
  return dtype_of(type);
}

}  // namespace stlm

// Opens a region on this thread: ops on `device_type` run in `dtype` where autocast lists them.
// The previous state comes back through the out-pointers, for stlm_autocast_exit to restore.
STLM_API int stlm_autocast_enter(int device_type, int dtype, int* was_enabled, int* was_dtype) {
  STLM_STATUS({
    const at::DeviceType type = type_of(device_type);
    *was_enabled = enabled(type) ? 1 : 0;
    *was_dtype = static_cast<int>(dtype_of(type));
    set_dtype(type, stlm::dtype(dtype));
    set_enabled(type, true);
    at::autocast::increment_nesting();
  })
}

STLM_API int stlm_autocast_exit(int device_type, int was_enabled, int was_dtype) {
  STLM_STATUS({
    const at::DeviceType type = type_of(device_type);
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    set_enabled(type, was_enabled != 0);
    set_dtype(type, stlm::dtype(was_dtype));
  })
}

// Whether autocast is on for the device type on this thread (1/0), or -1 on error.
STLM_API int stlm_autocast_enabled(int device_type) {
  try {
    return enabled(type_of(device_type)) ? 1 : 0;
  } catch (...) {
    stlm::capture_current_exception();
    return -1;
  }
}
