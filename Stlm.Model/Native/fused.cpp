// Fused language-model head: mean cross-entropy of (hidden · weightᵀ) against target ids, with a
// hand-written backward.
//
// Why: with a GPT-2 vocabulary the [tokens, vocab] logits dwarf every other activation of a
// small model. Unfused, libtorch writes and reads that matrix several times per step (logits,
// log-softmax, the nll gradient, the log-softmax gradient). Here the logits buffer is turned
// into the softmax in place, a cache-sized block of rows at a time, right after the matmul, and
// the backward turns that same buffer into the logits' gradient (softmax − one-hot) in place:
// one [tokens, vocab] matrix per step instead of four, and the 1/count scale is applied to the
// two small products instead of the big matrix.
//
// Under autocast (mixed precision) the three [tokens, vocab] matmuls run in the region's low
// type and the softmax, the loss and both gradients leave them in float32: the logits are
// widened to float32 once, right after the forward matmul, and the logits' gradient narrowed once
// for the two backward matmuls.
#include "stlm_native.h"

#include <cmath>
#include <limits>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows per block: a block of logits stays in cache between the passes over it.
int64_t rows_per_block(int64_t vocab, const at::Tensor& t) {
  if (!t.is_cpu()) return std::numeric_limits<int64_t>::max();
  const int64_t bytes = vocab * static_cast<int64_t>(t.element_size());
  return std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(bytes, 1));
}

// logits [N, V] → per-row loss [N] (0 where ignored); with `softmax`, the buffer becomes softmax(logits).
at::Tensor row_losses(at::Tensor& logits, const at::Tensor& targets, int64_t ignore_index, bool softmax) {
  const int64_t n = logits.size(0), block = rows_per_block(logits.size(1), logits);
  at::Tensor valid = targets != ignore_index;
  at::Tensor safe = targets.masked_fill(valid.logical_not(), 0).unsqueeze(1);   // [N, 1], in range
  at::Tensor losses = at::empty({n}, logits.options());
  for (int64_t start = 0; start < n; start += block) {
    const int64_t len = std::min(block, n - start);
    at::Tensor rows = logits.narrow(0, start, len);
    at::Tensor lse = at::logsumexp(rows, 1, /*keepdim=*/true);                    // [len, 1]
    at::Tensor picked = rows.gather(1, safe.narrow(0, start, len));               // [len, 1]
    losses.narrow(0, start, len).copy_((lse - picked).squeeze(1));
    if (softmax) rows.sub_(lse).exp_();
  }
  return losses.masked_fill_(valid.logical_not(), 0);
}

// The mean, summed in f64 (float sums of thousands of terms lose digits), in the losses' dtype.
at::Tensor mean_of(const at::Tensor& losses, const at::Tensor& count) {
  return (losses.sum(at::kDouble) / count.to(at::kDouble)).to(losses.scalar_type());
}

struct LinearCrossEntropy : public torch::autograd::Function<LinearCrossEntropy> {
  // hidden [..., d], weight [V, d], targets [...] (int64) → mean loss over non-ignored targets (0-d).
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                            const at::Tensor& targets, int64_t ignore_index) {
    at::Tensor h = hidden.reshape({-1, hidden.size(-1)});
    at::Tensor t = targets.reshape({-1});
    TORCH_CHECK(h.size(0) == t.size(0), "linear_cross_entropy: ", h.size(0), " rows of hidden states but ",
                t.size(0), " targets");
    // The operands the matmuls see: the autocast type in a mixed-precision region, saved as such
    // for the backward (which runs outside the region).
    const auto low = stlm::autocast_dtype(h);
    at::Tensor h_mm = low ? h.to(*low) : h, w_mm = low ? weight.to(*low) : weight;
    at::Tensor logits = at::mm(h_mm, w_mm.t());                                  // [N, V]
    if (low) logits = logits.to(h.scalar_type());
    at::Tensor losses = row_losses(logits, t, ignore_index, /*softmax=*/true);   // logits now hold softmax
    at::Tensor count = (t != ignore_index).sum().to(losses.scalar_type());
    ctx->save_for_backward({h_mm, w_mm, t, count});
    ctx->saved_data["probs"] = logits;
    ctx->saved_data["ignore_index"] = ignore_index;
    ctx->saved_data["hidden_sizes"] = hidden.sizes().vec();
    return mean_of(losses, count);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &h = saved[0], &weight = saved[1], &t = saved[2], &count = saved[3];
    auto probs_entry = ctx->saved_data.find("probs");
    TORCH_CHECK(probs_entry != ctx->saved_data.end() && probs_entry->second.isTensor(),
                "linear_cross_entropy: backward runs once per forward (its buffer became the gradient)");
    // (softmax − one-hot) in place; ignored rows contribute nothing.
    at::Tensor grad_logits = probs_entry->second.toTensor();
    ctx->saved_data.erase(probs_entry);
    const int64_t ignore_index = ctx->saved_data["ignore_index"].toInt();
    at::Tensor valid = t != ignore_index;
    at::Tensor rows = valid.nonzero().squeeze(1);
    at::Tensor cols = t.index_select(0, rows);
    grad_logits.index_put_({rows, cols}, at::full({}, -1.0, grad_logits.options()), /*accumulate=*/true);
    if (rows.size(0) != t.size(0)) grad_logits.index_fill_(0, valid.logical_not().nonzero().squeeze(1), 0);
    at::Tensor scale = grad_outputs[0] / count;
    const auto wide = grad_logits.scalar_type();
    if (h.scalar_type() != wide) grad_logits = grad_logits.to(h.scalar_type());   // mixed precision: narrow once
    at::Tensor grad_hidden, grad_weight;
    if (ctx->needs_input_grad(0))
      grad_hidden = at::mm(grad_logits, weight).to(wide).mul_(scale).reshape(ctx->saved_data["hidden_sizes"].toIntVector());
    if (ctx->needs_input_grad(1)) grad_weight = at::mm(grad_logits.t(), h).to(wide).mul_(scale);
    return {grad_hidden, grad_weight, at::Tensor(), at::Tensor()};
  }
};

bool fusable(const at::Tensor& hidden, const at::Tensor& weight) {
  const auto type = hidden.scalar_type();
  return (type == at::kFloat || type == at::kDouble) && weight.scalar_type() == type && weight.dim() == 2;
}

}  // namespace

// Mean cross-entropy of hidden · weightᵀ against targets, as cross_entropy(linear(hidden, weight),
// targets, ignore_index) computes it; half types take that unfused path.
STLM_API stlm_tensor stlm_linear_cross_entropy(stlm_tensor hidden, stlm_tensor weight, stlm_tensor targets,
                                               int64_t ignore_index) {
  try {
    const at::Tensor &h = stlm::T(hidden), &w = stlm::T(weight), &t = stlm::T(targets);
    if (!fusable(h, w)) {
      at::Tensor logits = at::linear(h, w);
      return stlm::wrap(at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), t.reshape({-1}),
                                               stlm::nullopt, at::Reduction::Mean, ignore_index, 0.0));
    }
    const bool needs_grad = c10::GradMode::is_enabled() && (h.requires_grad() || w.requires_grad());
    if (!needs_grad) {
      at::NoGradGuard no_grad;
      const auto low = stlm::autocast_dtype(h);
      at::Tensor flat_h = h.reshape({-1, h.size(-1)});
      at::Tensor logits = low ? at::mm(flat_h.to(*low), w.to(*low).t()).to(h.scalar_type()) : at::mm(flat_h, w.t());
      at::Tensor flat = t.reshape({-1});
      at::Tensor losses = row_losses(logits, flat, ignore_index, /*softmax=*/false);
      return stlm::wrap(mean_of(losses, (flat != ignore_index).sum().to(losses.scalar_type())));
    }
    return stlm::wrap(LinearCrossEntropy::apply(h, w, t, ignore_index));
  } catch (...) {
    stlm::capture_current_exception();
    return nullptr;
  }
}
