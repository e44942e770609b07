// A caching allocator for large CPU tensors, installed when the shim loads.
//
// Why: glibc serves every block above its mmap threshold (at most 32 MiB) with a fresh mmap and
// returns it with munmap, so each training step's big tensors (the [tokens, vocab] logits and
// their gradients are hundreds of MiB) are page-faulted and zeroed by the kernel anew, step after
// step: measured here, that made a third of a 10M model's CPU time system time. Steps repeat the
// same shapes, so keeping freed large blocks for the next request of about the same size removes
// that cost, as PyTorch's caching allocator does for CUDA memory.
//
// Blocks below kMinBytes go to libtorch's own CPU allocator. Cached (free) bytes are capped
// (STLM_CPU_CACHE_MB, default a quarter of physical memory; 0 disables the cache altogether).
#include "stlm_native.h"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unistd.h>

namespace {

constexpr size_t kMinBytes = size_t{1} << 20;
constexpr size_t kAlign = 64;           // libtorch's CPU alignment
constexpr size_t kGranule = 4096;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(size_t cap) : cap_(cap), fallback_(c10::GetDefaultCPUAllocator()) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < kMinBytes) return fallback_->allocate(n);
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Reuse a free block at most 1/8 larger than asked, so a small request cannot pin a huge block.
      auto it = free_.lower_bound(size);
      if (it != free_.end() && it->first <= size + size / 8) {
        void* base = it->second;
        cached_ -= it->first;
        free_.erase(it);
        ++hits_;
        return wrap(base);
      }
      ++misses_;
    }
    void* base = std::aligned_alloc(kAlign, size);
    if (base == nullptr) {
      release_all();   // the cache may be what fills memory: give it back and retry once
      base = std::aligned_alloc(kAlign, size);
    }
    TORCH_CHECK(base != nullptr, "out of CPU memory allocating ", n, " bytes");
    std::lock_guard<std::mutex> lock(mu_);
    sizes_[base] = size;
    return wrap(base);
  }

  c10::DeleterFnPtr raw_deleter() const override;

  void give_back(void* base) const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto known = sizes_.find(base);
      if (known == sizes_.end()) {
        // A small block of libtorch's allocator, handed back through raw_deallocate.
        if (auto deleter = fallback_->raw_deleter()) deleter(base);
        else std::free(base);
        return;
      }
      const size_t size = known->second;
      if (cached_ + size <= cap_) {
        free_.emplace(size, base);
        cached_ += size;
        return;
      }
      sizes_.erase(base);
    }
    std::free(base);
  }

  void release_all() const {
    std::multimap<size_t, void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocks.swap(free_);
      cached_ = 0;
    }
    for (auto& b : blocks) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        sizes_.erase(b.second);
      }
      std::free(b.second);
    }
  }

  void stats(int64_t* out) const {
    std::lock_guard<std::mutex> lock(mu_);
    out[0] = static_cast<int64_t>(cached_);
    out[1] = static_cast<int64_t>(free_.size());
    out[2] = hits_;
    out[3] = misses_;
  }

 private:
  static c10::DataPtr wrap(void* base);

  const size_t cap_;
  c10::Allocator* const fallback_;
  mutable std::mutex mu_;
  mutable std::multimap<size_t, void*> free_;   // block size -> block, free for reuse
  mutable std::unordered_map<void*, size_t> sizes_;   // every block this allocator made -> its size
  mutable size_t cached_ = 0;
  mutable int64_t hits_ = 0, misses_ = 0;
};

size_t cap_from_environment() {
  if (const char* mb = std::getenv("STLM_CPU_CACHE_MB")) return static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
}

CachingCpuAllocator* installed = nullptr;

void release_block(void* base) { installed->give_back(base); }

c10::DataPtr CachingCpuAllocator::wrap(void* base) {
  return c10::DataPtr(base, base, &release_block, c10::Device(c10::DeviceType::CPU));
}

c10::DeleterFnPtr CachingCpuAllocator::raw_deleter() const { return &release_block; }

// Runs when the shim loads; the allocator lives as long as the process (tensors may outlive any owner).
struct Install {
  Install() {
    const size_t cap = cap_from_environment();
    if (cap == 0) return;
    installed = new CachingCpuAllocator(cap);
    c10::SetCPUAllocator(installed, /*priority=*/1);
  }
} install;

}  // namespace

// out[4]: cached free bytes, cached blocks, reuses, fresh allocations (all zero when disabled).
STLM_API void stlm_cpu_cache_stats(int64_t* out) {
  if (installed != nullptr) installed->stats(out);
  else out[0] = out[1] = out[2] = out[3] = 0;
}

// Frees every cached block (tensors in use are untouched).
STLM_API void stlm_cpu_cache_release() {
  if (installed != nullptr) installed->release_all();
}
