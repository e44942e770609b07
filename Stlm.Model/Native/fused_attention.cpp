// Causal attention weights: softmax(scores · scale) with the keys after each query hidden, in one
// pass over the allowed triangle forward and one backward, with a hand-written backward.
//
// Why: at context 256 the [batch, heads, T, T] scores are the largest activation of a 1M model.
// Composed, the weights take four passes over them forward (scale, mask, softmax's max, sum and
// normalise) and three backward (softmax's, the mask's and the scale's gradient); here one each,
// and the hidden half is neither read nor exponentiated, only zeroed.
//
// Numbers: exp is a vectorisable polynomial (below) instead of libtorch's, so the weights differ
// from softmax's in the last bits; the loops and their sums run in a fixed order, so runs stay
// bit-deterministic.
#include "fused_loops.h"

namespace {

using namespace stlm::fused;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;


// exp(x) for x ≤ 0 (scores minus their row maximum), vectorisable: x = n·ln2 + r, exp(r) by Cephes'
// polynomial, 2ⁿ put into the exponent bits. Relative error ~1e-7; inputs below −87 give ~1e-38.
inline float exp_nonpositive(float x) {
  x = std::max(x, -87.0f);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = (p * (r * r) + r) + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
inline double exp_nonpositive(double x) { return std::exp(x); }

// In place over scores [rows, S] (rows = batch · heads · L, query i of each L at row position
// i): p_ij = softmax_j(scores_ij · scale) over the keys j ≤ i, 0 after. Only the allowed triangle is
// read or exponentiated.
template <class S>
inline void causal_softmax_rows(S* scores, int64_t rows, int64_t L, int64_t cols, S scale) {
  at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      S* row = scores + r * cols;
      const int64_t n = std::min(r % L + 1, cols);
      S top = -std::numeric_limits<S>::infinity();
      for (int64_t j = 0; j < n; j++) {
        row[j] *= scale;
        top = std::max(top, row[j]);
      }
      S acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) acc[k] += (row[j + k] = exp_nonpositive(row[j + k] - top));
      S sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; j < n; j++) sum += (row[j] = exp_nonpositive(row[j] - top));
      const S inv = S(1) / sum;
      for (j = 0; j < n; j++) row[j] *= inv;
      std::fill(row + n, row + cols, S(0));
    }
  });
}

// d_scores_ij = scale · p_ij · (g_ij − Σ_k g_ik p_ik) over j ≤ i, 0 after.
template <class S>
inline void causal_softmax_backward_rows(const S* g, const S* p, S* out, int64_t rows, int64_t L, int64_t cols,
                                         S scale) {
  at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const S *gr = g + r * cols, *pr = p + r * cols;
      S* o = out + r * cols;
      const int64_t n = std::min(r % L + 1, cols);
      const S dot = dot8(gr, pr, n);
      for (int64_t j = 0; j < n; j++) o[j] = scale * (pr[j] * (gr[j] - dot));
      std::fill(o + n, o + cols, S(0));
    }
  });
}

STLM_VECTOR_CLONES void causal_softmax_kernel(float* scores, int64_t rows, int64_t L, int64_t cols, float scale) {
  causal_softmax_rows(scores, rows, L, cols, scale);
}
void causal_softmax_kernel(double* scores, int64_t rows, int64_t L, int64_t cols, double scale) {
  causal_softmax_rows(scores, rows, L, cols, scale);
}
STLM_VECTOR_CLONES void causal_softmax_backward_kernel(const float* g, const float* p, float* out, int64_t rows,
                                                       int64_t L, int64_t cols, float scale) {
  causal_softmax_backward_rows(g, p, out, rows, L, cols, scale);
}
void causal_softmax_backward_kernel(const double* g, const double* p, double* out, int64_t rows, int64_t L,
                                    int64_t cols, double scale) {
  causal_softmax_backward_rows(g, p, out, rows, L, cols, scale);
}

struct CausalSoftmax : public torch::autograd::Function<CausalSoftmax> {
  // scores [..., L, S] (a fresh matmul result: overwritten) → attention weights, same shape
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& scores, double scale) {
    const at::Tensor& p = scores;
    const int64_t L = p.size(-2), cols = p.size(-1), rows = p.numel() / std::max<int64_t>(cols, 1);
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "stlm_causal_softmax", [&] {
      causal_softmax_kernel(p.data_ptr<scalar_t>(), rows, L, cols, static_cast<scalar_t>(scale));
    });
    ctx->mark_dirty({p});
    ctx->save_for_backward({p});
    ctx->saved_data["scale"] = scale;
    return p;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const at::Tensor p = ctx->get_saved_variables()[0];
    at::Tensor g = grad_outputs[0].contiguous(), out = at::empty_like(p);
    const int64_t L = p.size(-2), cols = p.size(-1), rows = p.numel() / std::max<int64_t>(cols, 1);
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "stlm_causal_softmax_backward", [&] {
      causal_softmax_backward_kernel(g.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), rows, L,
                                     cols, static_cast<scalar_t>(ctx->saved_data["scale"].toDouble()));
    });
    return {out, at::Tensor()};
  }
};

}  // namespace

namespace stlm {

// softmax(scores · scale) with keys after each query hidden (top-left aligned), as attention
// weights; fused for contiguous f32/f64 CPU scores (overwritten in place), composed otherwise.
at::Tensor causal_softmax(at::Tensor scores, double scale) {
  if (fused::fusable(scores) && scores.is_contiguous() && scores.dim() >= 2) return CausalSoftmax::apply(scores, scale);
  const int64_t L = scores.size(-2), S = scores.size(-1);
  at::Tensor hidden = at::ones({L, S}, scores.options().dtype(at::kBool)).tril().logical_not();
  return at::softmax(scores.mul(scale).masked_fill_(hidden, -std::numeric_limits<double>::infinity()), -1);
}

}  // namespace stlm
