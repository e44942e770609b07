// Optimizers: AdamW and SGD as PyTorch 1.13 defines them (torch/optim/adamw.py, sgd.py, the
// single-tensor paths), one native call per step over every parameter; their per-parameter
// state is readable and writable tensor by tensor so a checkpoint restores it exactly.
// Hyperparameters are not kept here: the caller passes each group's options with every step,
// so an lr change is just a different number on the next call and nothing can drift.
// Also: clip-grad-norm and zero-grad over a list of parameters.
#include "stlm_native.h"

#include <cmath>
#include <vector>

namespace {

enum Kind { kAdamW = 0, kSgd = 1 };
enum Slot { kExpAvg = 0, kExpAvgSq = 1, kMomentumBuffer = 2, kSlotCount = 3 };

// Blittable; mirrors Stlm.Model.LibTorch.Optim.NativeGroupOptions.
struct GroupOptions {
  double lr, beta1, beta2, eps, weight_decay, momentum, dampening;
  int32_t nesterov, maximize;
};

struct ParamState {
  int64_t step = 0;
  at::Tensor slots[kSlotCount];
};

struct Optimizer {
  Kind kind;
  std::vector<at::Tensor> params;
  std::vector<int> group_of;
  std::vector<ParamState> state;
};

Optimizer& O(void* h) { return *static_cast<Optimizer*>(h); }

void adamw(const GroupOptions& g, at::Tensor& p, const at::Tensor& grad_in, ParamState& s) {
  at::Tensor grad = g.maximize ? grad_in.neg() : grad_in;
  if (!s.slots[kExpAvg].defined()) {
    s.slots[kExpAvg] = at::zeros_like(p, at::MemoryFormat::Preserve);
    s.slots[kExpAvgSq] = at::zeros_like(p, at::MemoryFormat::Preserve);
  }
  at::Tensor& exp_avg = s.slots[kExpAvg];
  at::Tensor& exp_avg_sq = s.slots[kExpAvgSq];
  s.step += 1;
  p.mul_(1 - g.lr * g.weight_decay);
  exp_avg.mul_(g.beta1).add_(grad, 1 - g.beta1);
  exp_avg_sq.mul_(g.beta2).addcmul_(grad, grad, 1 - g.beta2);
  const double step = static_cast<double>(s.step);
  const double bias_correction1 = 1 - std::pow(g.beta1, step);
  const double bias_correction2 = 1 - std::pow(g.beta2, step);
  const double step_size = g.lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  at::Tensor denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(g.eps);
  p.addcdiv_(exp_avg, denom, -step_size);
}

void sgd(const GroupOptions& g, at::Tensor& p, const at::Tensor& grad, ParamState& s) {
  at::Tensor d_p = g.maximize ? grad.neg() : grad;
  if (g.weight_decay != 0) d_p = d_p.add(p, g.weight_decay);
  if (g.momentum != 0) {
    at::Tensor& buf = s.slots[kMomentumBuffer];
    if (!buf.defined()) buf = d_p.clone().detach();
    else buf.mul_(g.momentum).add_(d_p, 1 - g.dampening);
    d_p = g.nesterov ? d_p.add(buf, g.momentum) : buf;
  }
  s.step += 1;
  p.add_(d_p, -g.lr);
}

void check_slot(const Optimizer& o, int index, int slot) {
  TORCH_CHECK(index >= 0 && index < static_cast<int>(o.params.size()), "optimizer has no parameter ", index);
  TORCH_CHECK(slot >= 0 && slot < kSlotCount, "unknown optimizer state slot ", slot);
}

}  // namespace

STLM_API void* stlm_optim_new(int kind, const stlm_tensor* params, const int32_t* group_of, int n) {
  try {
    TORCH_CHECK(kind == kAdamW || kind == kSgd, "unknown optimizer kind ", kind);
    auto o = std::make_unique<Optimizer>();
    o->kind = static_cast<Kind>(kind);
    for (int i = 0; i < n; ++i) {
      const at::Tensor& p = stlm::T(params[i]);
      TORCH_CHECK(at::isFloatingType(p.scalar_type()), "optimizer parameter ", i, " is ", p.scalar_type(),
                  "; only floating-point tensors can be optimized");
      o->params.push_back(p);
      o->group_of.push_back(group_of[i]);
    }
    o->state.resize(static_cast<size_t>(n));
    return o.release();
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

STLM_API void stlm_optim_free(void* opt) { delete static_cast<Optimizer*>(opt); }

// One update of every parameter that has a gradient; parameters without one are skipped (as torch).
STLM_API int stlm_optim_step(void* opt, const GroupOptions* groups, int ngroups) {
  STLM_STATUS({
    Optimizer& o = O(opt);
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < o.params.size(); ++i) {
      const int gi = o.group_of[i];
      TORCH_CHECK(gi >= 0 && gi < ngroups, "parameter ", i, " belongs to group ", gi, " but ", ngroups, " groups given");
      at::Tensor& p = o.params[i];
      const at::Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      TORCH_CHECK(!grad.is_sparse(), "sparse gradients are not supported");
      if (o.kind == kAdamW) adamw(groups[gi], p, grad, o.state[i]);
      else sgd(groups[gi], p, grad, o.state[i]);
    }
  })
}

STLM_API int stlm_optim_get_steps(void* opt, int64_t* out) {
  STLM_STATUS({
    const Optimizer& o = O(opt);
    for (size_t i = 0; i < o.state.size(); ++i) out[i] = o.state[i].step;
  })
}

STLM_API int stlm_optim_set_steps(void* opt, const int64_t* steps) {
  STLM_STATUS({
    Optimizer& o = O(opt);
    for (size_t i = 0; i < o.state.size(); ++i) {
      TORCH_CHECK(steps[i] >= 0, "optimizer step of parameter ", i, " is negative: ", steps[i]);
      o.state[i].step = steps[i];
    }
  })
}

// *out: a copy of the slot (later steps do not change it), or null when the slot is empty.
STLM_API int stlm_optim_get_slot(void* opt, int index, int slot, stlm_tensor* out) {
  STLM_STATUS({
    const Optimizer& o = O(opt);
    check_slot(o, index, slot);
    const at::Tensor& t = o.state[index].slots[slot];
    *out = t.defined() ? stlm::wrap(t.detach().clone(at::MemoryFormat::Preserve)) : nullptr;
  })
}

// Stores a copy of value (null empties the slot), on the parameter's device and dtype.
STLM_API int stlm_optim_set_slot(void* opt, int index, int slot, stlm_tensor value) {
  STLM_STATUS({
    Optimizer& o = O(opt);
    check_slot(o, index, slot);
    if (value == nullptr) {
      o.state[index].slots[slot] = at::Tensor();
      return 0;
    }
    const at::Tensor& p = o.params[index];
    const at::Tensor& v = stlm::T(value);
    TORCH_CHECK(v.sizes() == p.sizes(), "optimizer state for parameter ", index, " has shape ", v.sizes(),
                " but the parameter has shape ", p.sizes());
    TORCH_CHECK(v.scalar_type() == p.scalar_type(), "optimizer state for parameter ", index, " is ",
                v.scalar_type(), " but the parameter is ", p.scalar_type());
    at::Tensor copy = at::empty_like(p, at::MemoryFormat::Preserve);
    copy.copy_(v.detach());
    o.state[index].slots[slot] = std::move(copy);
  })
}

// torch.nn.utils.clip_grad_norm_: the norm of the per-gradient norms, then every gradient scaled
// by min(1, max_norm / (total + 1e-6)). Returns the total norm (before clipping) as a 0-d tensor.
STLM_API stlm_tensor stlm_clip_grad_norm(const stlm_tensor* params, int n, double max_norm, double norm_type,
                                         int error_if_nonfinite) {
  try {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; ++i) {
      const at::Tensor& g = stlm::T(params[i]).grad();
      if (g.defined()) grads.push_back(g);
    }
    if (grads.empty()) return stlm::wrap(at::zeros({}));
    const at::Device device = grads[0].device();
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    at::Tensor total;
    if (std::isinf(norm_type)) {
      for (auto& g : grads) norms.push_back(g.detach().abs().max().to(device));
      total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
    } else {
      for (auto& g : grads) norms.push_back(at::linalg_vector_norm(g.detach(), norm_type).to(device));
      total = at::linalg_vector_norm(at::stack(norms), norm_type);
    }
    if (error_if_nonfinite) {
      TORCH_CHECK(!(total.isnan().item<bool>() || total.isinf().item<bool>()), "the total norm of order ",
                  norm_type, " of the gradients is non-finite, so they cannot be clipped");
    }
    at::Tensor coef = at::clamp_max((total + 1e-6).reciprocal() * max_norm, 1.0);
    for (auto& g : grads) g.detach().mul_(coef.to(g.device()));
    return stlm::wrap(total);
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// torch's Optimizer.zero_grad over a list: drop each gradient, or zero it in place.
STLM_API int stlm_zero_grads(const stlm_tensor* params, int n, int set_to_none) {
  STLM_STATUS({
    for (int i = 0; i < n; ++i) {
      at::Tensor& g = stlm::T(params[i]).mutable_grad();
      if (!g.defined()) continue;
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

// A parameter's gradient as a tensor of its own (null: none yet); used by callers that fill
// gradients themselves (data-parallel reductions, tests) rather than through backward.
STLM_API int stlm_param_get_grad(stlm_tensor param, stlm_tensor* out) {
  STLM_STATUS({
    const at::Tensor& g = stlm::T(param).grad();
    *out = g.defined() ? stlm::wrap(g) : nullptr;
  })
}

STLM_API int stlm_param_assign_grad(stlm_tensor param, stlm_tensor grad) {
  STLM_STATUS({
    at::Tensor& p = stlm::T(param);
    if (grad == nullptr) {
      p.mutable_grad().reset();
      return 0;
    }
    const at::Tensor& g = stlm::T(grad);
    TORCH_CHECK(g.sizes() == p.sizes() && g.scalar_type() == p.scalar_type() && g.device() == p.device(),
                "a gradient must match its parameter: got ", g.scalar_type(), g.sizes(), " on ", g.device(),
                " for ", p.scalar_type(), p.sizes(), " on ", p.device());
    p.mutable_grad() = g.detach();
  })
}
