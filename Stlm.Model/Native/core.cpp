// Runtime, tensor lifetime, metadata, creation and conversion to and from host memory.
#include "stlm_native.h"

#include <cstring>
#include <sstream>

namespace stlm {

static thread_local std::string last_error;

void set_error(const char* message) { last_error = message; }

void capture_current_exception() {
  try {
    throw;
  } catch (const c10::Error& e) {
    last_error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown C++ exception in libtorch";
  }
}

}  // namespace stlm

using stlm::T;

STLM_API const char* stlm_last_error() { return stlm::last_error.c_str(); }

STLM_API const char* stlm_torch_version() { return TORCH_VERSION; }

STLM_API int stlm_cuda_is_available() { return torch::cuda::is_available() ? 1 : 0; }
STLM_API int stlm_cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

STLM_API int stlm_manual_seed(uint64_t seed) { STLM_STATUS(torch::manual_seed(seed)) }

STLM_API int stlm_get_num_threads() { return at::get_num_threads(); }
STLM_API int stlm_set_num_threads(int n) { STLM_STATUS(at::set_num_threads(n)) }
STLM_API int stlm_get_num_interop_threads() { return at::get_num_interop_threads(); }
STLM_API int stlm_set_num_interop_threads(int n) { STLM_STATUS(at::set_num_interop_threads(n)) }

// ---- lifetime and metadata --------------------------------------------------------------
STLM_API void stlm_tensor_free(stlm_tensor t) { delete static_cast<at::Tensor*>(t); }

STLM_API stlm_tensor stlm_tensor_alias(stlm_tensor t) { STLM_TENSOR(T(t)) }

STLM_API int stlm_tensor_dim(stlm_tensor t) { return static_cast<int>(T(t).dim()); }
STLM_API int64_t stlm_tensor_numel(stlm_tensor t) { return T(t).numel(); }
STLM_API int stlm_tensor_dtype(stlm_tensor t) { return static_cast<int>(T(t).scalar_type()); }
STLM_API int stlm_tensor_element_size(stlm_tensor t) { return static_cast<int>(T(t).element_size()); }
STLM_API int stlm_tensor_is_contiguous(stlm_tensor t) { return T(t).is_contiguous() ? 1 : 0; }
STLM_API int stlm_tensor_device_type(stlm_tensor t) { return T(t).is_cuda() ? 1 : 0; }
STLM_API int stlm_tensor_device_index(stlm_tensor t) { return T(t).is_cuda() ? T(t).device().index() : -1; }

STLM_API void stlm_tensor_sizes(stlm_tensor t, int64_t* out) {
  auto s = T(t).sizes();
  std::memcpy(out, s.data(), s.size() * sizeof(int64_t));
}
STLM_API void stlm_tensor_strides(stlm_tensor t, int64_t* out) {
  auto s = T(t).strides();
  std::memcpy(out, s.data(), s.size() * sizeof(int64_t));
}
STLM_API int stlm_tensor_size(stlm_tensor t, int64_t dim, int64_t* out) { STLM_STATUS(*out = T(t).size(dim)) }

// Raw pointer to the first element; valid only while the tensor lives (CPU or device memory).
STLM_API void* stlm_tensor_data_ptr(stlm_tensor t) { return T(t).data_ptr(); }

// ---- creation ----------------------------------------------------------------------------
STLM_API stlm_tensor stlm_empty(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::empty(stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_zeros(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::zeros(stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_ones(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::ones(stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_full(const int64_t* shape, int ndim, double value, int dtype, int dev, int idx) {
  STLM_TENSOR(at::full(stlm::dims(shape, ndim), value, stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_arange(double start, double end, double step, int dtype, int dev, int idx) {
  STLM_TENSOR(at::arange(start, end, step, stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_randn(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::randn(stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_rand(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::rand(stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  STLM_TENSOR(at::randint(low, high, stlm::dims(shape, ndim), stlm::options(dtype, dev, idx)))
}
STLM_API stlm_tensor stlm_eye(int64_t n, int dtype, int dev, int idx) {
  STLM_TENSOR(at::eye(n, stlm::options(dtype, dev, idx)))
}

// One copy from host memory into a new CPU tensor that owns its storage.
STLM_API stlm_tensor stlm_from_host(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype) {
  try {
    auto t = at::empty(stlm::dims(shape, ndim), at::TensorOptions().dtype(stlm::dtype(dtype)));
    TORCH_CHECK(static_cast<int64_t>(t.nbytes()) == nbytes, "from_host: ", nbytes,
                " bytes given but shape ", t.sizes(), " of ", t.scalar_type(), " needs ", t.nbytes());
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
    return stlm::wrap(std::move(t));
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// One copy into host memory (plus a device transfer or contiguous pass only when needed).
STLM_API int stlm_to_host(stlm_tensor t, void* dst, int64_t nbytes) {
  STLM_STATUS({
    at::Tensor src = T(t);
    TORCH_CHECK(static_cast<int64_t>(src.nbytes()) == nbytes, "to_host: buffer of ", nbytes,
                " bytes for a tensor of ", src.nbytes(), " bytes");
    if (!src.is_cpu()) src = src.to(at::kCPU);
    if (!src.is_contiguous()) src = src.contiguous();
    if (nbytes > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(nbytes));
  })
}

STLM_API int stlm_item_double(stlm_tensor t, double* out) { STLM_STATUS(*out = T(t).item().toDouble()) }
STLM_API int stlm_item_long(stlm_tensor t, int64_t* out) { STLM_STATUS(*out = T(t).item().toLong()) }

// Writes at most cap bytes (no terminator) and returns the full length, so a caller can retry.
STLM_API int64_t stlm_tensor_to_string(stlm_tensor t, char* buf, int64_t cap) {
  try {
    std::ostringstream s;
    s << T(t);
    auto text = s.str();
    std::memcpy(buf, text.data(), std::min<size_t>(text.size(), static_cast<size_t>(cap)));
    return static_cast<int64_t>(text.size());
  } catch (...) {
    stlm::capture_current_exception();
    return -1;
  }
}

// ---- moves between dtypes and devices ----------------------------------------------------
STLM_API stlm_tensor stlm_to_dtype(stlm_tensor t, int dtype) { STLM_TENSOR(T(t).to(stlm::dtype(dtype))) }
STLM_API stlm_tensor stlm_to_device(stlm_tensor t, int dev, int idx, int non_blocking) {
  STLM_TENSOR(T(t).to(stlm::device(dev, idx), non_blocking != 0))
}
STLM_API stlm_tensor stlm_clone(stlm_tensor t) { STLM_TENSOR(T(t).clone()) }
STLM_API stlm_tensor stlm_contiguous(stlm_tensor t) { STLM_TENSOR(T(t).contiguous()) }
