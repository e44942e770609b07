// Fused layers: RMSNorm, rotary positions and SwiGLU's gate, each one pass over memory forward and
// one backward, with a hand-written backward.
//
// Why: at 1M–10M parameters the activations are a few hundred KB and each elementwise op costs
// about as much as its memory pass. Composed from libtorch ops, RMSNorm is six passes forward and
// about ten backward, rotary five forward (cat, neg, two multiplies, an add) for q and for k, and
// silu(gate)·up three backward. Measured on llama-tiny-bytes, eager PyTorch spends ~25% of its
// step in such ops; here each is one loop that reads its inputs once.
//
// Numbers: each loop computes the same formula as the composed ops in the same order per
// element, without contracting a·b + c into fused multiply-adds (these files build with
// -ffp-contract=off, fused_loops.h), so results differ from the composed ops only where libtorch itself sums
// in another order (the mean of x² in RMSNorm) or rounds exp differently (sigmoid). Every
// reduction runs in a fixed order over fixed blocks of rows: the results do not depend on the
// thread count, and runs stay bit-deterministic.
//
// Fused paths take float and double CPU tensors; other dtypes and devices (half types, CUDA)
// take the composed ops, as before.
#include "fused_loops.h"

namespace {

using namespace stlm::fused;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ---- RMSNorm: y = x · rstd · w, rstd = 1 / sqrt(mean(x²) + eps) per row -------------------------

template <class S>
inline void rms_forward(const S* x, const S* w, S* y, S* rstd, int64_t rows, int64_t d, double eps) {
  at::parallel_for(0, rows, kRowsPerBlock, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const S* xr = x + r * d;
      S* yr = y + r * d;
      const S inv = S(1) / std::sqrt(dot8(xr, xr, d) / S(d) + S(eps));
      rstd[r] = inv;
      for (int64_t i = 0; i < d; i++) yr[i] = (xr[i] * inv) * w[i];
    }
  });
}

// dx = rstd · (g·w − x̂ · mean(g·w·x̂)), x̂ = x · rstd; dw = Σ_rows g · x̂ (partial sums per block).
template <class S>
inline void rms_backward(const S* g, const S* x, const S* w, const S* rstd, S* dx, S* dw_blocks, int64_t rows,
                         int64_t d) {
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
    std::vector<S> gw(d), xhat(d);
    for (int64_t b = first; b < last; b++) {
      S* dw = dw_blocks == nullptr ? nullptr : dw_blocks + b * d;
      if (dw != nullptr) std::fill(dw, dw + d, S(0));
      for (int64_t r = b * kRowsPerBlock; r < std::min(rows, (b + 1) * kRowsPerBlock); r++) {
        const S *gr = g + r * d, *xr = x + r * d;
        const S inv = rstd[r];
        for (int64_t i = 0; i < d; i++) {
          xhat[i] = xr[i] * inv;
          gw[i] = gr[i] * w[i];
        }
        const S mean = dot8(gw.data(), xhat.data(), d) / S(d);
        S* dxr = dx + r * d;
        for (int64_t i = 0; i < d; i++) dxr[i] = inv * (gw[i] - xhat[i] * mean);
        if (dw != nullptr)
          for (int64_t i = 0; i < d; i++) dw[i] += gr[i] * xhat[i];
      }
    }
  });
}

// One entry per dtype: float vectorised (two builds), double for the gradient checks.
STLM_VECTOR_CLONES void rms_forward_kernel(const float* x, const float* w, float* y, float* rstd, int64_t rows,
                                           int64_t d, double eps) {
  rms_forward(x, w, y, rstd, rows, d, eps);
}
void rms_forward_kernel(const double* x, const double* w, double* y, double* rstd, int64_t rows, int64_t d, double eps) {
  rms_forward(x, w, y, rstd, rows, d, eps);
}
STLM_VECTOR_CLONES void rms_backward_kernel(const float* g, const float* x, const float* w, const float* rstd,
                                            float* dx, float* dw_blocks, int64_t rows, int64_t d) {
  rms_backward(g, x, w, rstd, dx, dw_blocks, rows, d);
}
void rms_backward_kernel(const double* g, const double* x, const double* w, const double* rstd, double* dx,
                         double* dw_blocks, int64_t rows, int64_t d) {
  rms_backward(g, x, w, rstd, dx, dw_blocks, rows, d);
}

struct RmsNorm : public torch::autograd::Function<RmsNorm> {
  // x [..., d], weight [d] → [..., d]
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, double eps) {
    at::Tensor x = input.contiguous(), w = weight.contiguous();
    const int64_t d = x.size(-1), rows = d == 0 ? 0 : x.numel() / d;
    at::Tensor y = at::empty_like(x), rstd = at::empty({rows}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "stlm_rms_norm", [&] {
      rms_forward_kernel(x.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), rstd.data_ptr<scalar_t>(), rows, d, eps);
    });
    ctx->save_for_backward({x, w, rstd});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w = saved[1], &rstd = saved[2];
    at::Tensor g = grad_outputs[0].contiguous();
    const int64_t d = x.size(-1), rows = d == 0 ? 0 : x.numel() / d;
    const bool weight_grad = ctx->needs_input_grad(1);
    const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    at::Tensor dx = at::empty_like(x);
    at::Tensor dw_blocks = weight_grad ? at::empty({blocks, d}, x.options()) : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "stlm_rms_norm_backward", [&] {
      const scalar_t* wp = w.data_ptr<scalar_t>();
      scalar_t* dwp = weight_grad ? dw_blocks.data_ptr<scalar_t>() : nullptr;
      rms_backward_kernel(g.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), wp, rstd.data_ptr<scalar_t>(),
                          dx.data_ptr<scalar_t>(), dwp, rows, d);
    });
    at::Tensor dw;
    if (weight_grad) {
      // Block partial sums, added in block order.
      dw = at::zeros({d}, x.options());
      for (int64_t b = 0; b < blocks; b++) dw.add_(dw_blocks[b]);
    }
    return {dx, dw, at::Tensor()};
  }
};

at::Tensor rms_norm_composed(const at::Tensor& input, const stlm::optional<at::Tensor>& weight, double eps) {
  bool low = input.scalar_type() == at::kHalf || input.scalar_type() == at::kBFloat16;
  at::Tensor xf = low ? input.to(at::kFloat) : input;
  at::Tensor y = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
  if (low) y = y.to(input.scalar_type());
  if (weight.has_value()) y = y * *weight;
  return y;
}

// ---- rotary positions: y = x · cos + rotate_half(x) · sin, rotate_half(x) = [−x₂, x₁] -------------

// x, y: [B, H, T, hd] with the given strides (the last one 1); cos, sin: [T, hd] contiguous.
// With `transpose`, applies the adjoint map instead (the backward): [x₁, x₂] →
// [x₁·c₁ + x₂·s₂, x₂·c₂ − x₁·s₁].
template <class S>
inline void rotary(const S* x, const int64_t* xs, S* y, const int64_t* ys, const S* cos, const S* sin,
                   const int64_t* sizes, bool transpose) {
  const int64_t B = sizes[0], H = sizes[1], T = sizes[2], hd = sizes[3], half = hd / 2;
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; bh++) {
      const int64_t b = bh / H, h = bh % H;
      for (int64_t t = 0; t < T; t++) {
        const S* xr = x + b * xs[0] + h * xs[1] + t * xs[2];
        S* yr = y + b * ys[0] + h * ys[1] + t * ys[2];
        const S *c = cos + t * hd, *s = sin + t * hd;
        if (!transpose) {
          for (int64_t i = 0; i < half; i++) {
            yr[i] = xr[i] * c[i] + (-xr[i + half]) * s[i];
            yr[i + half] = xr[i + half] * c[i + half] + xr[i] * s[i + half];
          }
        } else {
          for (int64_t i = 0; i < half; i++) {
            const S x1 = xr[i], x2 = xr[i + half];
            yr[i] = x1 * c[i] + x2 * s[i + half];
            yr[i + half] = x2 * c[i + half] + (-(x1 * s[i]));
          }
        }
      }
    }
  });
}

STLM_VECTOR_CLONES void rotary_kernel(const float* x, const int64_t* xs, float* y, const int64_t* ys, const float* cos,
                                      const float* sin, const int64_t* sizes, bool transpose) {
  rotary(x, xs, y, ys, cos, sin, sizes, transpose);
}
void rotary_kernel(const double* x, const int64_t* xs, double* y, const int64_t* ys, const double* cos,
                   const double* sin, const int64_t* sizes, bool transpose) {
  rotary(x, xs, y, ys, cos, sin, sizes, transpose);
}

// out = rotary map of x, laid out as x is (so a transposed view stays one for the next op).
at::Tensor rotate(const at::Tensor& input, const at::Tensor& cos, const at::Tensor& sin, bool transpose) {
  at::Tensor x = input.stride(-1) == 1 ? input : input.contiguous();
  at::Tensor y = at::empty_like(x);
  if (y.stride(-1) != 1) y = at::empty(x.sizes(), x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "stlm_rotary", [&] {
    rotary_kernel(x.data_ptr<scalar_t>(), x.strides().data(), y.data_ptr<scalar_t>(), y.strides().data(),
                  cos.data_ptr<scalar_t>(), sin.data_ptr<scalar_t>(), x.sizes().data(), transpose);
  });
  return y;
}

struct Rotary : public torch::autograd::Function<Rotary> {
  // x [B, H, T, hd], cos and sin [T, hd] (constants: no gradient) → [B, H, T, hd]
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    ctx->save_for_backward({cos, sin});
    return rotate(x, cos, sin, /*transpose=*/false);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    return {rotate(grad_outputs[0], saved[0], saved[1], /*transpose=*/true), at::Tensor(), at::Tensor()};
  }
};

bool rotary_fusable(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  return fusable(x) && x.dim() == 4 && x.size(-1) % 2 == 0 && cos.dim() == 2 && sin.dim() == 2 &&
         cos.scalar_type() == x.scalar_type() && sin.scalar_type() == x.scalar_type() && cos.is_contiguous() &&
         sin.is_contiguous() && cos.sizes() == sin.sizes() && cos.size(0) == x.size(2) && cos.size(1) == x.size(3) &&
         !cos.requires_grad() && !sin.requires_grad();
}

at::Tensor rotary_composed(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  at::Tensor rotated = at::cat({x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

// ---- SwiGLU's gate: h = silu(a) · b = a · σ(a) · b ------------------------------------------

// h = (a·σ)·b, given σ = sigmoid(a)
template <class S>
inline void swiglu_forward(const S* a, const S* b, const S* sig, S* h, int64_t n) {
  for (int64_t i = 0; i < n; i++) h[i] = (a[i] * sig[i]) * b[i];
}

// da = g·b·σ·(1 + a·(1 − σ)), db = g·a·σ
template <class S>
inline void swiglu_backward(const S* g, const S* a, const S* b, const S* sig, S* da, S* db, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const S s = sig[i], gs = g[i] * s;
    da[i] = (gs * b[i]) * (S(1) + a[i] * (S(1) - s));
    db[i] = gs * a[i];
  }
}

STLM_VECTOR_CLONES void swiglu_forward_kernel(const float* a, const float* b, const float* sig, float* h, int64_t n) {
  swiglu_forward(a, b, sig, h, n);
}
void swiglu_forward_kernel(const double* a, const double* b, const double* sig, double* h, int64_t n) {
  swiglu_forward(a, b, sig, h, n);
}
STLM_VECTOR_CLONES void swiglu_backward_kernel(const float* g, const float* a, const float* b, const float* sig,
                                               float* da, float* db, int64_t n) {
  swiglu_backward(g, a, b, sig, da, db, n);
}
void swiglu_backward_kernel(const double* g, const double* a, const double* b, const double* sig, double* da,
                            double* db, int64_t n) {
  swiglu_backward(g, a, b, sig, da, db, n);
}

// Chunks of elements handed to the threads (each element is independent).
constexpr int64_t kElementGrain = 32768;

struct SwiGlu : public torch::autograd::Function<SwiGlu> {
  // gate, up [..., ffn] → silu(gate) · up
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& gate, const at::Tensor& up) {
    at::Tensor a = gate.contiguous(), b = up.contiguous();
    at::Tensor sig = at::sigmoid(a);   // libtorch's vectorised exp
    at::Tensor h = at::empty_like(a);
    AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "stlm_swiglu", [&] {
      const scalar_t *ap = a.data_ptr<scalar_t>(), *bp = b.data_ptr<scalar_t>(), *sp = sig.data_ptr<scalar_t>();
      scalar_t* hp = h.data_ptr<scalar_t>();
      at::parallel_for(0, a.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
        swiglu_forward_kernel(ap + begin, bp + begin, sp + begin, hp + begin, end - begin);
      });
    });
    ctx->save_for_backward({a, b, sig});
    return h;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &a = saved[0], &b = saved[1], &sig = saved[2];
    at::Tensor g = grad_outputs[0].contiguous();
    at::Tensor da = at::empty_like(a), db = at::empty_like(b);
    AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "stlm_swiglu_backward", [&] {
      const scalar_t *gp = g.data_ptr<scalar_t>(), *ap = a.data_ptr<scalar_t>(), *bp = b.data_ptr<scalar_t>(),
                     *sp = sig.data_ptr<scalar_t>();
      scalar_t *dap = da.data_ptr<scalar_t>(), *dbp = db.data_ptr<scalar_t>();
      at::parallel_for(0, a.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
        swiglu_backward_kernel(gp + begin, ap + begin, bp + begin, sp + begin, dap + begin, dbp + begin, end - begin);
      });
    });
    return {da, db};
  }
};

}  // namespace

// x / sqrt(mean(x², last dim) + eps) · w; half types are normalised in f32 (as Llama does) by the
// composed ops, f32/f64 CPU tensors by the fused kernel. w may be null.
STLM_API stlm_tensor stlm_rms_norm(stlm_tensor x, stlm_tensor w, double eps) {
  try {
    const at::Tensor& input = stlm::T(x);
    stlm::optional<at::Tensor> weight = stlm::opt(w);
    const bool fused = fusable(input) && (!weight.has_value() || (weight->scalar_type() == input.scalar_type() &&
                                                                  weight->dim() == 1 && weight->is_cpu()));
    if (!fused) return stlm::wrap(rms_norm_composed(input, weight, eps));
    // No weight: a constant one, which takes no gradient (autograd functions take no undefined inputs).
    return stlm::wrap(RmsNorm::apply(input, weight.has_value() ? *weight : at::ones({input.size(-1)}, input.options()), eps));
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// Rotary positions in Hugging Face Llama's "rotate half" layout: x · cos + [−x₂, x₁] · sin, for
// x [B, H, T, hd] and cos, sin [T, hd] (fused) or anything that broadcasts (composed ops).
STLM_API stlm_tensor stlm_rotary(stlm_tensor x, stlm_tensor cos, stlm_tensor sin) {
  try {
    const at::Tensor &input = stlm::T(x), &c = stlm::T(cos), &s = stlm::T(sin);
    if (!rotary_fusable(input, c, s)) return stlm::wrap(rotary_composed(input, c, s));
    return stlm::wrap(Rotary::apply(input, c, s));
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}

// silu(gate) · up, the gate of a SwiGLU feed-forward layer.
STLM_API stlm_tensor stlm_swiglu(stlm_tensor gate, stlm_tensor up) {
  try {
    const at::Tensor &a = stlm::T(gate), &b = stlm::T(up);
    if (!fusable(a) || b.scalar_type() != a.scalar_type() || !b.is_cpu() || a.sizes() != b.sizes())
      return stlm::wrap(at::silu(a) * b);
    return stlm::wrap(SwiGlu::apply(a, b));
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}
