// Autograd: requires-grad flags, backward, gradients, grad mode (no-grad scopes), detach.
#include "stlm_native.h"

using stlm::T;

STLM_API int stlm_set_requires_grad(stlm_tensor t, int flag) { STLM_STATUS(T(t).set_requires_grad(flag != 0)) }
STLM_API int stlm_requires_grad(stlm_tensor t) { return T(t).requires_grad() ? 1 : 0; }
STLM_API int stlm_is_leaf(stlm_tensor t) { return T(t).is_leaf() ? 1 : 0; }

// grad may be null for a scalar output (implicit gradient 1).
STLM_API int stlm_backward(stlm_tensor t, stlm_tensor grad, int retain_graph, int create_graph) {
  STLM_STATUS({
    at::Tensor g = grad != nullptr ? T(grad) : at::Tensor();
    T(t).backward(g, retain_graph != 0, create_graph != 0);
  })
}

// *out is null when the tensor has no gradient yet.
STLM_API int stlm_grad(stlm_tensor t, stlm_tensor* out) {
  STLM_STATUS({
    const at::Tensor& g = T(t).grad();
    *out = g.defined() ? stlm::wrap(g) : nullptr;
  })
}

// grad null clears it.
STLM_API int stlm_set_grad(stlm_tensor t, stlm_tensor grad) {
  STLM_STATUS(T(t).mutable_grad() = grad != nullptr ? T(grad) : at::Tensor())
}

// As torch's zero_grad: drop the gradient (set_to_none) or zero it in place, cut from any graph.
STLM_API int stlm_zero_grad(stlm_tensor t, int set_to_none) {
  STLM_STATUS({
    at::Tensor& g = T(t).mutable_grad();
    if (g.defined()) {
      if (set_to_none) {
        g.reset();
      } else {
        if (g.grad_fn()) g = g.detach();
        else g.requires_grad_(false);
        g.zero_();
      }
    }
  })
}

STLM_API stlm_tensor stlm_detach(stlm_tensor t) { STLM_TENSOR(T(t).detach()) }
STLM_API int stlm_detach_(stlm_tensor t) { STLM_STATUS(T(t).detach_()) }

STLM_API int stlm_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }
STLM_API void stlm_set_grad_enabled(int flag) { c10::GradMode::set_enabled(flag != 0); }

// Which of n leaf tensors received a gradient from backward since the last take: a hook on each,
// run before the gradient is accumulated, raises its flag. Needed where every leaf's .grad is
// already a buffer that backward accumulates into (data-parallel buckets), so an unused
// leaf cannot be told from a zero gradient by looking at .grad. Flags are distinct bytes, each
// written by the one AccumulateGrad of its leaf; the take reads them after backward returned.
namespace {
constexpr unsigned kNoHook = ~0u;

struct GradReceipts {
  std::vector<at::Tensor> leaves;
  std::vector<unsigned> hooks;
  std::unique_ptr<uint8_t[]> received;
};
}  // namespace

STLM_API void* stlm_grad_receipts_new(const stlm_tensor* leaves, int n) {
  try {
    auto receipts = std::make_unique<GradReceipts>();
    receipts->received = std::make_unique<uint8_t[]>(static_cast<size_t>(n));
    uint8_t* flags = receipts->received.get();
    for (int i = 0; i < n; ++i) {
      const at::Tensor& leaf = T(leaves[i]);
      TORCH_CHECK(leaf.is_leaf(), "tensor ", i, " is not a leaf: only leaves receive gradients");
      receipts->leaves.push_back(leaf);
      // A frozen leaf never receives one: no hook, its flag stays down.
      receipts->hooks.push_back(leaf.requires_grad() ? leaf.register_hook([flags, i](at::Tensor) { flags[i] = 1; }) : kNoHook);
    }
    return receipts.release();
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// received_out[i] = 1 when leaf i received a gradient since the last take; all flags drop to 0.
STLM_API void stlm_grad_receipts_take(void* receipts, uint8_t* received_out) {
  auto& r = *static_cast<GradReceipts*>(receipts);
  const size_t n = r.leaves.size();
  std::copy_n(r.received.get(), n, received_out);
  std::fill_n(r.received.get(), n, uint8_t{0});
}

STLM_API void stlm_grad_receipts_free(void* receipts) {
  auto* r = static_cast<GradReceipts*>(receipts);
  for (size_t i = 0; i < r->leaves.size(); ++i)
    if (r->hooks[i] != kNoHook) r->leaves[i].remove_hook(r->hooks[i]);
  delete r;
}
