// The reference that `stlm bench data-parallel` holds the training all-reduce against: a bare
// c10d Gloo group (its own TCPStore) all-reducing one preallocated float buffer, timed here in
// C++, with none of the binding's gradient gathering, flattening or copying back around it.
#include "stlm_native.h"
#include "distributed.h"

namespace {
#ifdef STLM_WITH_GLOO
struct Reference {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::vector<at::Tensor> buffer;
};
#else
struct Reference {};
#endif
}  // namespace

// Every rank calls it with the same arguments but its rank; returns null on failure.
STLM_API void* stlm_gloo_reference_new(const char* master_addr, int port, int rank, int world_size, int64_t numel,
                                       int64_t timeout_ms) {
  try {
#ifdef STLM_WITH_GLOO
    const std::string master(master_addr);
    const std::chrono::milliseconds timeout(timeout_ms);
    auto ref = std::make_unique<Reference>();
    ref->store = stlm::group_store(master, port, rank, world_size, timeout);
    ref->group = c10::make_intrusive<c10d::ProcessGroupGloo>(ref->store, rank, world_size, stlm::gloo_options(master, timeout));
    ref->buffer.push_back(at::ones({numel}, at::kFloat));
    ref->group->allreduce(ref->buffer)->wait();  // connects the pairs and touches the buffer, untimed
    return ref.release();
#else
    TORCH_CHECK(false, "this shim was built without gloo's headers, so there is no Gloo reference");
#endif
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// `iters` all-reduces of the buffer, the seconds of each into seconds_out[i]. Each starts from a
// barrier of this group (untimed), as the training all-reduce it is held against starts from one of its own.
STLM_API int stlm_gloo_reference_allreduce(void* reference, int iters, double* seconds_out) {
  STLM_STATUS({
#ifdef STLM_WITH_GLOO
    auto& ref = *static_cast<Reference*>(reference);
    for (int i = 0; i < iters; ++i) {
      ref.group->barrier()->wait();
      const auto start = std::chrono::steady_clock::now();
      ref.group->allreduce(ref.buffer)->wait();
      seconds_out[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
#endif
  })
}

STLM_API void stlm_gloo_reference_free(void* reference) { delete static_cast<Reference*>(reference); }
