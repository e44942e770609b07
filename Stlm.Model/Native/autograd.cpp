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
