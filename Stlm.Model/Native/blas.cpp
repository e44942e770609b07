// The BLAS library's own thread pool. libtorch's at::set_num_threads does not reach OpenBLAS
// built with pthreads (Debian's libopenblas0-pthread): it starts one worker per core at load
// time and splits every GEMM over them, whatever libtorch is told. Its controls are looked up
// in the already loaded library (never loaded here), so a libtorch with MKL or another BLAS
// simply reports "no OpenBLAS" (-1) and nothing is changed.
#include "stlm_native.h"

#include <dlfcn.h>

namespace {

void* openblas_symbol(const char* name) {
  for (const char* library : {"libopenblas.so.0", "libopenblasp.so.0", "libopenblas.so"}) {
    void* handle = dlopen(library, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    void* symbol = dlsym(handle, name);
    dlclose(handle);  // RTLD_NOLOAD took a reference; the library stays loaded by libtorch
    if (symbol != nullptr) return symbol;
  }
  return dlsym(RTLD_DEFAULT, name);
}

}  // namespace

// OpenBLAS's thread count, or -1 when no OpenBLAS is loaded.
STLM_API int stlm_get_blas_threads() {
  auto get = reinterpret_cast<int (*)()>(openblas_symbol("openblas_get_num_threads"));
  return get == nullptr ? -1 : get();
}

// Sets OpenBLAS's thread count (n >= 1); returns the count now in effect, or -1 when no OpenBLAS is loaded.
STLM_API int stlm_set_blas_threads(int n) {
  auto set = reinterpret_cast<void (*)(int)>(openblas_symbol("openblas_set_num_threads"));
  if (set == nullptr) return -1;
  set(n);
  return stlm_get_blas_threads();
}
