// The reference that `stlm bench data-parallel` holds the training all-reduce against: a bare
// c10d Gloo group (its own TCPStore) all-reducing one preallocated float buffer, timed here in
// C++, with none of the binding's gradient gathering, flattening or copying back around it.
#include "stlm_native.h"

#include <chrono>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if __has_include(<gloo/config.h>)
#define STLM_GLOO_REFERENCE 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

// Every rank calls it with the same arguments but its rank; each of `iters` timed all-reduces of
// `numel` floats (after one untimed) writes its seconds into seconds_out[i].
STLM_API int stlm_gloo_reference_allreduce(const char* master_addr, int port, int rank, int world_size,
                                           int64_t numel, int iters, int64_t timeout_ms, double* seconds_out) {
  STLM_STATUS({
#ifdef STLM_GLOO_REFERENCE
    const std::string master(master_addr);
    const std::chrono::milliseconds timeout(timeout_ms);
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<std::size_t>(world_size);
    so.waitWorkers = true;
    so.timeout = timeout;
    auto store = c10::make_intrusive<c10d::TCPStore>(master, so);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(master));
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
    std::vector<at::Tensor> buffer{at::ones({numel}, at::kFloat)};
    group->allreduce(buffer)->wait();
    for (int i = 0; i < iters; ++i) {
      const auto start = std::chrono::steady_clock::now();
      group->allreduce(buffer)->wait();
      seconds_out[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    group->barrier()->wait();
#else
    TORCH_CHECK(false, "this shim was built without gloo's headers, so there is no Gloo reference");
#endif
  })
}
