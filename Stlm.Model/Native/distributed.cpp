// Process groups (c10d): Gloo over a TCPStore on every build, NCCL where the libtorch has it
// (STLM_WITH_NCCL, set by CMakeLists.txt). Collectives are synchronous: each call returns when
// the result is in the caller's tensors (on CUDA: when it is queued on the current stream).
#include "stlm_native.h"
#include "distributed.h"

#include <cstdlib>
#ifdef STLM_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace {

// libtorch 2 split the backends (Gloo, NCCL) from the ProcessGroup front that dispatches to them.
#if TORCH_VERSION_MAJOR >= 2
using Backend = c10d::Backend;
#else
using Backend = c10d::ProcessGroup;
#endif

enum BackendKind { kGloo = 0, kNccl = 1 };
enum Reduce { kSum = 0, kAvg = 1, kMax = 2, kMin = 3, kProduct = 4 };

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Backend> backend;
  BackendKind kind;
  int rank;
  int size;
};

Group& G(void* h) { return *static_cast<Group*>(h); }

c10d::ReduceOp reduce_op(int op, BackendKind kind) {
  switch (op) {
    case kSum: return c10d::ReduceOp::SUM;
    case kAvg: return kind == kNccl ? c10d::ReduceOp::AVG : c10d::ReduceOp::SUM;  // Gloo: sum, then divide
    case kMax: return c10d::ReduceOp::MAX;
    case kMin: return c10d::ReduceOp::MIN;
    case kProduct: return c10d::ReduceOp::PRODUCT;
  }
  throw std::invalid_argument("unknown reduce op " + std::to_string(op));
}

void run(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }

}  // namespace

namespace stlm {

c10::intrusive_ptr<c10d::Store> group_store(const std::string& master, int port, int rank, int world_size,
                                            std::chrono::milliseconds timeout) {
  TORCH_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank ", rank, " is not in a group of ", world_size);
  TORCH_CHECK(port > 0 && port < 65536, "port ", port, " is not a TCP port");
  c10d::TCPStoreOptions so;  // field by field: libtorch 2 added fields
  so.port = static_cast<std::uint16_t>(port);
  so.isServer = rank == 0;
  so.numWorkers = static_cast<std::size_t>(world_size);
  so.waitWorkers = true;
  so.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(master, so);
}

#ifdef STLM_WITH_GLOO
// Gloo binds one interface: GLOO_SOCKET_IFNAME names it (as in torch.distributed); a loopback
// master means a single-machine group; otherwise the interface the host name resolves to.
c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> gloo_options(const std::string& master, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != 0)
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (master == "127.0.0.1" || master == "localhost")
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return options;
}
#endif

}  // namespace stlm

STLM_API int stlm_pg_nccl_available() {
#ifdef STLM_WITH_NCCL
  return torch::cuda::is_available() ? 1 : 0;
#else
  return 0;
#endif
}

// Rank 0 hosts the store on master:port; every rank connects to it and waits (timeout_ms) for
// the whole group. Returns null on failure (timeout, port in use, ...).
STLM_API void* stlm_pg_new(int backend, const char* master_addr, int port, int rank, int world_size,
                           int64_t timeout_ms) {
  try {
    const std::string master(master_addr);
    const std::chrono::milliseconds timeout(timeout_ms);
    auto group = std::make_unique<Group>();
    group->store = stlm::group_store(master, port, rank, world_size, timeout);
    group->rank = rank;
    group->size = world_size;
    group->kind = static_cast<BackendKind>(backend);
    if (backend == kGloo) {
#ifdef STLM_WITH_GLOO
      group->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, rank, world_size, stlm::gloo_options(master, timeout));
#else
      TORCH_CHECK(false, "this shim was built without gloo's headers, so the Gloo backend is unavailable");
#endif
    } else if (backend == kNccl) {
#ifdef STLM_WITH_NCCL
      TORCH_CHECK(torch::cuda::is_available(), "NCCL needs a CUDA device");
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, rank, world_size, options);
#else
      TORCH_CHECK(false, "this libtorch was built without NCCL; use the Gloo backend");
#endif
    } else {
      TORCH_CHECK(false, "unknown process group backend ", backend);
    }
    return group.release();
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

STLM_API void stlm_pg_free(void* pg) { delete static_cast<Group*>(pg); }

// Reduces n tensors (same dtype and device) across the group in place, in one collective: they
// travel as one flat buffer unless there is a single contiguous tensor.
STLM_API int stlm_pg_allreduce(void* pg, const stlm_tensor* tensors, int n, int op) {
  STLM_STATUS({
    Group& g = G(pg);
    if (n == 0) return 0;
    c10d::AllreduceOptions opts;
    opts.reduceOp = reduce_op(op, g.kind);
    const bool divide = op == kAvg && g.kind == kGloo;
    std::vector<at::Tensor> parts;
    for (int i = 0; i < n; ++i) parts.push_back(stlm::T(tensors[i]));
    for (auto& p : parts)
      TORCH_CHECK(p.scalar_type() == parts[0].scalar_type() && p.device() == parts[0].device(),
                  "all-reduce needs tensors of one dtype and device; got ", parts[0].scalar_type(), " on ",
                  parts[0].device(), " and ", p.scalar_type(), " on ", p.device());
    at::NoGradGuard no_grad;
    if (n == 1 && parts[0].is_contiguous()) {
      std::vector<at::Tensor> one{parts[0]};
      run(g.backend->allreduce(one, opts));
      if (divide) parts[0].div_(g.size);
      return 0;
    }
    std::vector<at::Tensor> flat_parts;
    for (auto& p : parts) flat_parts.push_back(p.reshape({-1}));
    std::vector<at::Tensor> flat{at::cat(flat_parts)};
    run(g.backend->allreduce(flat, opts));
    if (divide) flat[0].div_(g.size);
    int64_t offset = 0;
    for (auto& p : parts) {
      p.copy_(flat[0].narrow(0, offset, p.numel()).view(p.sizes()));
      offset += p.numel();
    }
  })
}

STLM_API int stlm_pg_broadcast(void* pg, const stlm_tensor* tensors, int n, int root) {
  STLM_STATUS({
    Group& g = G(pg);
    TORCH_CHECK(root >= 0 && root < g.size, "broadcast root ", root, " is not in a group of ", g.size);
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; ++i) {
      at::Tensor& t = stlm::T(tensors[i]);
      std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
      run(g.backend->broadcast(one, opts));
      if (!one[0].is_same(t)) t.copy_(one[0]);
    }
  })
}

STLM_API int stlm_pg_barrier(void* pg) {
  STLM_STATUS(run(G(pg).backend->barrier(c10d::BarrierOptions())))
}

STLM_API int stlm_pg_rank(void* pg) { return G(pg).rank; }
STLM_API int stlm_pg_size(void* pg) { return G(pg).size; }
