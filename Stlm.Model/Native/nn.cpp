// nn functional: softmax family, losses, embedding, dropout, linear, norms, attention.
#include "stlm_native.h"

#include <cmath>
#include <limits>

using stlm::T;

// dtype < 0: keep the input's dtype.
STLM_API stlm_tensor stlm_softmax(stlm_tensor t, int64_t dim, int dtype) {
  STLM_TENSOR(dtype < 0 ? at::softmax(T(t), dim) : at::softmax(T(t), dim, stlm::dtype(dtype)))
}
STLM_API stlm_tensor stlm_log_softmax(stlm_tensor t, int64_t dim, int dtype) {
  STLM_TENSOR(dtype < 0 ? at::log_softmax(T(t), dim) : at::log_softmax(T(t), dim, stlm::dtype(dtype)))
}

// reduction: 0 none, 1 mean, 2 sum (at::Reduction). Targets are class indices.
STLM_API stlm_tensor stlm_cross_entropy(stlm_tensor input, stlm_tensor target, stlm_tensor weight, int reduction,
                                        int64_t ignore_index, double label_smoothing) {
  STLM_TENSOR(at::cross_entropy_loss(T(input), T(target), stlm::opt(weight), reduction, ignore_index, label_smoothing))
}
STLM_API stlm_tensor stlm_nll_loss(stlm_tensor input, stlm_tensor target, stlm_tensor weight, int reduction, int64_t ignore_index) {
  STLM_TENSOR(at::nll_loss_nd(T(input), T(target), stlm::opt(weight), reduction, ignore_index))
}
STLM_API stlm_tensor stlm_mse_loss(stlm_tensor input, stlm_tensor target, int reduction) {
  STLM_TENSOR(at::mse_loss(T(input), T(target), reduction))
}

// padding_idx < 0: none.
STLM_API stlm_tensor stlm_embedding(stlm_tensor weight, stlm_tensor indices, int64_t padding_idx) {
  STLM_TENSOR(at::embedding(T(weight), T(indices), padding_idx))
}
STLM_API stlm_tensor stlm_dropout(stlm_tensor t, double p, int train) { STLM_TENSOR(at::dropout(T(t), p, train != 0)) }

STLM_API stlm_tensor stlm_linear(stlm_tensor x, stlm_tensor w, stlm_tensor b) { STLM_TENSOR(at::linear(T(x), T(w), stlm::opt(b))) }

STLM_API stlm_tensor stlm_layer_norm(stlm_tensor x, const int64_t* shape, int n, stlm_tensor w, stlm_tensor b, double eps) {
  STLM_TENSOR(at::layer_norm(T(x), stlm::dims(shape, n), stlm::opt(w), stlm::opt(b), eps))
}

// ---- attention -----------------------------------------------------------------------------
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// True where a query (row) may attend a key (column): top-left aligned lower triangle, as torch's.
at::Tensor causal_keep(int64_t L, int64_t S, const at::Device& device) {
  return at::ones({L, S}, at::TensorOptions().dtype(at::kBool).device(device)).tril();
}

// True where a query may NOT attend a key, kept per thread for the last shape (every layer of a
// step asks for the same one).
const at::Tensor& causal_hidden(int64_t L, int64_t S, const at::Device& device) {
  thread_local at::Tensor hidden;
  if (!hidden.defined() || hidden.size(0) != L || hidden.size(1) != S || hidden.device() != device)
    hidden = causal_keep(L, S, device).logical_not();
  return hidden;
}

// softmax(q k^T * scale + mask) v with dropout on the weights: the definition of SDPA.
at::Tensor attention_math(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const stlm::optional<at::Tensor>& mask, double p, bool causal, double scale) {
  double s = std::isnan(scale) ? 1.0 / std::sqrt(static_cast<double>(q.size(-1))) : scale;
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1));
  // The plain causal case in f32/f64: scale, mask and softmax are one pass over the allowed
  // triangle, forward and backward (fused_layers.cpp).
  if (causal && !mask.has_value() && !stlm::autocast_dtype(scores).has_value() &&
      (scores.scalar_type() == at::kFloat || scores.scalar_type() == at::kDouble)) {
    at::Tensor weights = stlm::causal_softmax(scores, s);
    if (p > 0) weights = at::dropout(weights, p, true);
    return at::matmul(weights, v);
  }
  // The scores are a fresh tensor whose producers do not save it for backward: scale and mask it
  // in place rather than writing a new [.., L, S] tensor for each.
  scores.mul_(s);
  if (causal) scores.masked_fill_(causal_hidden(q.size(-2), k.size(-2), q.device()), kNegInf);
  if (mask.has_value()) {
    if (mask->scalar_type() == at::kBool) scores.masked_fill_(mask->logical_not(), kNegInf);
    else scores = scores + *mask;
  }
  // In a mixed-precision region the low-precision scores are normalised in float32 (autocast does
  // not cover softmax on the CPU); the next matmul narrows them again. A model held in bf16 keeps its type.
  const bool widen = stlm::autocast_dtype(scores).has_value() && scores.scalar_type() != at::kFloat;
  at::Tensor weights = widen ? at::softmax(scores, -1, at::kFloat) : at::softmax(scores, -1);
  if (p > 0) weights = at::dropout(weights, p, true);
  return at::matmul(weights, v);
}

}  // namespace

// mask: bool (true = attend) or additive float, broadcast to (..., L, S); null for none.
// scale: NaN for 1/sqrt(head dim). Dropout applies whenever p > 0, as in torch.
STLM_API stlm_tensor stlm_sdpa_math(stlm_tensor q, stlm_tensor k, stlm_tensor v, stlm_tensor mask, double p,
                                    int causal, double scale) {
  STLM_TENSOR(attention_math(T(q), T(k), T(v), stlm::opt(mask), p, causal != 0, scale))
}

STLM_API stlm_tensor stlm_sdpa(stlm_tensor q, stlm_tensor k, stlm_tensor v, stlm_tensor mask, double p, int causal,
                               double scale) {
#if TORCH_VERSION_MAJOR >= 2
  try {
    stlm::optional<at::Tensor> m = stlm::opt(mask);
    bool is_causal = causal != 0;
    // torch refuses a mask together with is_causal: fold the triangle into the mask instead.
    if (is_causal && m.has_value()) {
      auto keep = causal_keep(T(q).size(-2), T(k).size(-2), T(q).device());
      m = m->scalar_type() == at::kBool ? at::logical_and(*m, keep) : m->masked_fill(keep.logical_not(), kNegInf);
      is_causal = false;
    }
#if TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 1
    stlm::optional<double> s;
    if (!std::isnan(scale)) s = scale;
    return stlm::wrap(at::scaled_dot_product_attention(T(q), T(k), T(v), m, p, is_causal, s));
#else
    if (!std::isnan(scale)) return stlm::wrap(attention_math(T(q), T(k), T(v), m, p, is_causal, scale));
    return stlm::wrap(at::scaled_dot_product_attention(T(q), T(k), T(v), m, p, is_causal));
#endif
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
#else
  STLM_TENSOR(attention_math(T(q), T(k), T(v), stlm::opt(mask), p, causal != 0, scale))
#endif
}

// Whether stlm_sdpa runs libtorch's fused kernel (2.x) or the hand-written math (1.13).
STLM_API int stlm_sdpa_is_native() { return TORCH_VERSION_MAJOR >= 2 ? 1 : 0; }
