// Tensor ops: shapes and views, indexing, elementwise math, reductions, matmul, joining and
// splitting, sorting and sampling. Elementwise families dispatch on a small op code so one
// entry point serves many ops; the codes mirror the enums in Interop/Native.Ops.cs.
#include "stlm_native.h"

#include <ATen/ScalarOps.h>

using stlm::T;

// ---- shapes and views ----------------------------------------------------------------------
STLM_API stlm_tensor stlm_view(stlm_tensor t, const int64_t* shape, int n) { STLM_TENSOR(T(t).view(stlm::dims(shape, n))) }
STLM_API stlm_tensor stlm_reshape(stlm_tensor t, const int64_t* shape, int n) { STLM_TENSOR(T(t).reshape(stlm::dims(shape, n))) }
STLM_API stlm_tensor stlm_expand(stlm_tensor t, const int64_t* shape, int n) { STLM_TENSOR(T(t).expand(stlm::dims(shape, n))) }
STLM_API stlm_tensor stlm_repeat(stlm_tensor t, const int64_t* times, int n) { STLM_TENSOR(T(t).repeat(stlm::dims(times, n))) }
STLM_API stlm_tensor stlm_permute(stlm_tensor t, const int64_t* order, int n) { STLM_TENSOR(T(t).permute(stlm::dims(order, n))) }
STLM_API stlm_tensor stlm_transpose(stlm_tensor t, int64_t d0, int64_t d1) { STLM_TENSOR(T(t).transpose(d0, d1)) }
STLM_API stlm_tensor stlm_unsqueeze(stlm_tensor t, int64_t dim) { STLM_TENSOR(T(t).unsqueeze(dim)) }
STLM_API stlm_tensor stlm_squeeze(stlm_tensor t, int64_t dim, int all) { STLM_TENSOR(all ? T(t).squeeze() : T(t).squeeze(dim)) }
STLM_API stlm_tensor stlm_flatten(stlm_tensor t, int64_t start, int64_t end) { STLM_TENSOR(T(t).flatten(start, end)) }
STLM_API stlm_tensor stlm_unflatten(stlm_tensor t, int64_t dim, const int64_t* sizes, int n) {
  STLM_TENSOR(T(t).unflatten(dim, stlm::dims(sizes, n)))
}
STLM_API stlm_tensor stlm_repeat_interleave(stlm_tensor t, int64_t repeats, int64_t dim) {
  STLM_TENSOR(T(t).repeat_interleave(repeats, dim))
}

// ---- slicing and indexing ------------------------------------------------------------------
STLM_API stlm_tensor stlm_narrow(stlm_tensor t, int64_t dim, int64_t start, int64_t length) { STLM_TENSOR(T(t).narrow(dim, start, length)) }
STLM_API stlm_tensor stlm_slice(stlm_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  STLM_TENSOR(T(t).slice(dim, start, end, step))
}
STLM_API stlm_tensor stlm_select(stlm_tensor t, int64_t dim, int64_t index) { STLM_TENSOR(T(t).select(dim, index)) }
STLM_API stlm_tensor stlm_index_select(stlm_tensor t, int64_t dim, stlm_tensor index) { STLM_TENSOR(T(t).index_select(dim, T(index))) }
STLM_API stlm_tensor stlm_gather(stlm_tensor t, int64_t dim, stlm_tensor index) { STLM_TENSOR(T(t).gather(dim, T(index))) }
STLM_API stlm_tensor stlm_scatter(stlm_tensor t, int64_t dim, stlm_tensor index, stlm_tensor src) {
  STLM_TENSOR(T(t).scatter(dim, T(index), T(src)))
}
STLM_API stlm_tensor stlm_scatter_add(stlm_tensor t, int64_t dim, stlm_tensor index, stlm_tensor src) {
  STLM_TENSOR(T(t).scatter_add(dim, T(index), T(src)))
}
STLM_API stlm_tensor stlm_masked_fill(stlm_tensor t, stlm_tensor mask, double value) {
  STLM_TENSOR(T(t).masked_fill(T(mask), stlm::scalar_for(T(t), value)))
}
STLM_API stlm_tensor stlm_masked_select(stlm_tensor t, stlm_tensor mask) { STLM_TENSOR(T(t).masked_select(T(mask))) }
STLM_API stlm_tensor stlm_where(stlm_tensor cond, stlm_tensor a, stlm_tensor b) { STLM_TENSOR(at::where(T(cond), T(a), T(b))) }
STLM_API stlm_tensor stlm_tril(stlm_tensor t, int64_t diagonal) { STLM_TENSOR(T(t).tril(diagonal)) }
STLM_API stlm_tensor stlm_triu(stlm_tensor t, int64_t diagonal) { STLM_TENSOR(T(t).triu(diagonal)) }

// ---- elementwise ---------------------------------------------------------------------------
namespace {

enum Unary {
  NEG, EXP, LOG, SQRT, RSQRT, ABS, RELU, TANH, SIGMOID, SILU, GELU, GELU_TANH, LOGICAL_NOT,
  SIN, COS, RECIPROCAL, SQUARE, FLOOR, CEIL, ROUND, SIGN, LOG1P, EXPM1, ISNAN, ISINF, ISFINITE
};

at::Tensor unary(const at::Tensor& x, int op) {
  switch (op) {
    case NEG: return x.neg();
    case EXP: return x.exp();
    case LOG: return x.log();
    case SQRT: return x.sqrt();
    case RSQRT: return x.rsqrt();
    case ABS: return x.abs();
    case RELU: return x.relu();
    case TANH: return x.tanh();
    case SIGMOID: return x.sigmoid();
    case SILU: return at::silu(x);
    case GELU: return at::gelu(x);
    case GELU_TANH: return at::gelu(x, "tanh");
    case LOGICAL_NOT: return x.logical_not();
    case SIN: return x.sin();
    case COS: return x.cos();
    case RECIPROCAL: return x.reciprocal();
    case SQUARE: return x.square();
    case FLOOR: return x.floor();
    case CEIL: return x.ceil();
    case ROUND: return x.round();
    case SIGN: return x.sign();
    case LOG1P: return x.log1p();
    case EXPM1: return x.expm1();
    case ISNAN: return x.isnan();
    case ISINF: return x.isinf();
    case ISFINITE: return x.isfinite();
  }
  throw std::invalid_argument("unknown unary op " + std::to_string(op));
}

enum Binary {
  ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR,
  REMAINDER, FLOOR_DIVIDE, RSUB, RDIV, RPOW, LOGICAL_XOR
};

at::Tensor binary(const at::Tensor& a, const at::Tensor& b, int op) {
  switch (op) {
    case ADD: return at::add(a, b);
    case SUB: return at::sub(a, b);
    case MUL: return at::mul(a, b);
    case DIV: return at::div(a, b);
    case POW: return at::pow(a, b);
    case MAXIMUM: return at::maximum(a, b);
    case MINIMUM: return at::minimum(a, b);
    case EQ: return at::eq(a, b);
    case NE: return at::ne(a, b);
    case LT: return at::lt(a, b);
    case LE: return at::le(a, b);
    case GT: return at::gt(a, b);
    case GE: return at::ge(a, b);
    case LOGICAL_AND: return at::logical_and(a, b);
    case LOGICAL_OR: return at::logical_or(a, b);
    case LOGICAL_XOR: return at::logical_xor(a, b);
    case REMAINDER: return at::remainder(a, b);
    case FLOOR_DIVIDE: return at::div(a, b, "floor");
    case RSUB: return at::sub(b, a);
    case RDIV: return at::div(b, a);
    case RPOW: return at::pow(b, a);
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

// A scalar operand becomes a 0-dim "wrapped number" so dtype promotion follows Python's rules
// (f32 tensor * 0.5 stays f32; i64 tensor * 2 stays i64; i64 tensor * 0.5 becomes f32). It lives
// on the CPU even for CUDA operands (0-dim CPU tensors mix with any device, as in PyTorch) and,
// when the result keeps the tensor's dtype anyway, is made in that dtype: no cast pass per op.
at::Tensor wrapped(const at::Tensor& like, double v) {
  auto s = stlm::scalar_for(like, v);
  auto type = like.scalar_type();
  bool same = c10::isFloatingType(type) || (s.isIntegral(false) && type != at::kBool);
  auto t = at::detail::scalar_tensor_static(s, same ? type : (s.isIntegral(false) ? at::kLong : at::kDouble), at::kCPU);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

at::Tensor& binary_inplace(at::Tensor& a, const at::Tensor& b, int op) {
  switch (op) {
    case ADD: return a.add_(b);
    case SUB: return a.sub_(b);
    case MUL: return a.mul_(b);
    case DIV: return a.div_(b);
    case POW: return a.pow_(b);
    case MAXIMUM: return a.copy_(at::maximum(a, b));
    case MINIMUM: return a.copy_(at::minimum(a, b));
  }
  throw std::invalid_argument("op " + std::to_string(op) + " has no in-place form");
}

}  // namespace

STLM_API stlm_tensor stlm_unary(stlm_tensor t, int op) { STLM_TENSOR(unary(T(t), op)) }
STLM_API stlm_tensor stlm_binary(stlm_tensor a, stlm_tensor b, int op) { STLM_TENSOR(binary(T(a), T(b), op)) }
STLM_API stlm_tensor stlm_binary_scalar(stlm_tensor a, double b, int op) { STLM_TENSOR(binary(T(a), wrapped(T(a), b), op)) }
STLM_API int stlm_binary_(stlm_tensor a, stlm_tensor b, int op) { STLM_STATUS(binary_inplace(T(a), T(b), op)) }
STLM_API int stlm_binary_scalar_(stlm_tensor a, double b, int op) { STLM_STATUS(binary_inplace(T(a), wrapped(T(a), b), op)) }
STLM_API int stlm_add_scaled_(stlm_tensor a, stlm_tensor b, double alpha) { STLM_STATUS(T(a).add_(T(b), alpha)) }
STLM_API int stlm_unary_(stlm_tensor t, int op) { STLM_STATUS(T(t).copy_(unary(T(t), op))) }
STLM_API int stlm_zero_(stlm_tensor t) { STLM_STATUS(T(t).zero_()) }
STLM_API int stlm_fill_(stlm_tensor t, double v) { STLM_STATUS(T(t).fill_(stlm::scalar_for(T(t), v))) }
STLM_API int stlm_copy_(stlm_tensor dst, stlm_tensor src) { STLM_STATUS(T(dst).copy_(T(src))) }

// NaN for a missing bound.
STLM_API stlm_tensor stlm_clamp(stlm_tensor t, double min, double max) {
  stlm::optional<at::Scalar> lo, hi;
  if (!std::isnan(min)) lo = stlm::scalar_for(T(t), min);
  if (!std::isnan(max)) hi = stlm::scalar_for(T(t), max);
  STLM_TENSOR(at::clamp(T(t), lo, hi))
}
STLM_API stlm_tensor stlm_lerp(stlm_tensor a, stlm_tensor b, double w) { STLM_TENSOR(at::lerp(T(a), T(b), w)) }

// ---- reductions ----------------------------------------------------------------------------
namespace {
enum Reduce { SUM, MEAN, AMAX, AMIN, LOGSUMEXP, PROD, VAR, STD, NORM };

at::Tensor reduce(const at::Tensor& x, at::IntArrayRef dims, bool keep, int op) {
  bool all = dims.empty();
  switch (op) {
    case SUM: return all && !keep ? x.sum() : x.sum(dims, keep);
    case MEAN: return all && !keep ? x.mean() : x.mean(dims, keep);
    case AMAX: return all && !keep ? x.max() : x.amax(dims, keep);
    case AMIN: return all && !keep ? x.min() : x.amin(dims, keep);
    case LOGSUMEXP: return x.logsumexp(all ? at::IntArrayRef() : dims, keep);
    case PROD:
      if (all && !keep) return x.prod();
      TORCH_CHECK(dims.size() == 1, "prod reduces one dim at a time");
      return x.prod(dims[0], keep);
    case VAR: return all && !keep ? x.var() : x.var(dims, true, keep);
    case STD: return all && !keep ? x.std() : x.std(dims, true, keep);
    case NORM: return all && !keep ? x.norm() : at::norm(x, 2, dims, keep);
  }
  throw std::invalid_argument("unknown reduction " + std::to_string(op));
}
}  // namespace

// n = 0 reduces every dim.
STLM_API stlm_tensor stlm_reduce(stlm_tensor t, const int64_t* dims, int n, int keepdim, int op) {
  STLM_TENSOR(reduce(T(t), stlm::dims(dims, n), keepdim != 0, op))
}
STLM_API int stlm_max_dim(stlm_tensor t, int64_t dim, int keepdim, stlm_tensor* values, stlm_tensor* indices) {
  STLM_STATUS({
    auto r = at::max(T(t), dim, keepdim != 0);
    *values = stlm::wrap(std::get<0>(r));
    *indices = stlm::wrap(std::get<1>(r));
  })
}
STLM_API int stlm_min_dim(stlm_tensor t, int64_t dim, int keepdim, stlm_tensor* values, stlm_tensor* indices) {
  STLM_STATUS({
    auto r = at::min(T(t), dim, keepdim != 0);
    *values = stlm::wrap(std::get<0>(r));
    *indices = stlm::wrap(std::get<1>(r));
  })
}
// has_dim = 0: index into the flattened tensor.
STLM_API stlm_tensor stlm_argmax(stlm_tensor t, int64_t dim, int has_dim, int keepdim) {
  STLM_TENSOR(has_dim ? T(t).argmax(dim, keepdim != 0) : T(t).argmax())
}
STLM_API stlm_tensor stlm_argmin(stlm_tensor t, int64_t dim, int has_dim, int keepdim) {
  STLM_TENSOR(has_dim ? T(t).argmin(dim, keepdim != 0) : T(t).argmin())
}
STLM_API stlm_tensor stlm_cumsum(stlm_tensor t, int64_t dim) { STLM_TENSOR(T(t).cumsum(dim)) }
STLM_API int stlm_all(stlm_tensor t, int* out) { STLM_STATUS(*out = T(t).all().item<bool>() ? 1 : 0) }
STLM_API int stlm_allclose(stlm_tensor a, stlm_tensor b, double rtol, double atol, int* out) {
  STLM_STATUS(*out = at::allclose(T(a), T(b), rtol, atol) ? 1 : 0)
}

// ---- linear algebra ------------------------------------------------------------------------
STLM_API stlm_tensor stlm_matmul(stlm_tensor a, stlm_tensor b) { STLM_TENSOR(at::matmul(T(a), T(b))) }
STLM_API stlm_tensor stlm_mm(stlm_tensor a, stlm_tensor b) { STLM_TENSOR(at::mm(T(a), T(b))) }
STLM_API stlm_tensor stlm_bmm(stlm_tensor a, stlm_tensor b) { STLM_TENSOR(at::bmm(T(a), T(b))) }
STLM_API stlm_tensor stlm_outer(stlm_tensor a, stlm_tensor b) { STLM_TENSOR(at::outer(T(a), T(b))) }

// ---- joining and splitting -----------------------------------------------------------------
namespace {
std::vector<at::Tensor> list(const stlm_tensor* ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; i++) v.push_back(T(ts[i]));
  return v;
}
// Returns the number of parts; fails if the caller's buffer is too small.
int64_t emit(const std::vector<at::Tensor>& parts, stlm_tensor* out, int64_t cap) {
  TORCH_CHECK(static_cast<int64_t>(parts.size()) <= cap, "split produced ", parts.size(), " parts, room for ", cap);
  for (size_t i = 0; i < parts.size(); i++) out[i] = stlm::wrap(parts[i]);
  return static_cast<int64_t>(parts.size());
}
}  // namespace

STLM_API stlm_tensor stlm_cat(const stlm_tensor* ts, int n, int64_t dim) { STLM_TENSOR(at::cat(list(ts, n), dim)) }
STLM_API stlm_tensor stlm_stack(const stlm_tensor* ts, int n, int64_t dim) { STLM_TENSOR(at::stack(list(ts, n), dim)) }

STLM_API int64_t stlm_split(stlm_tensor t, int64_t size, int64_t dim, stlm_tensor* out, int64_t cap) {
  try { return emit(T(t).split(size, dim), out, cap); } catch (...) { stlm::capture_current_exception(); return -1; }
}
STLM_API int64_t stlm_split_sizes(stlm_tensor t, const int64_t* sizes, int n, int64_t dim, stlm_tensor* out, int64_t cap) {
  try { return emit(T(t).split_with_sizes(stlm::dims(sizes, n), dim), out, cap); } catch (...) { stlm::capture_current_exception(); return -1; }
}
STLM_API int64_t stlm_chunk(stlm_tensor t, int64_t chunks, int64_t dim, stlm_tensor* out, int64_t cap) {
  try { return emit(T(t).chunk(chunks, dim), out, cap); } catch (...) { stlm::capture_current_exception(); return -1; }
}

// ---- sorting and sampling ------------------------------------------------------------------
STLM_API int stlm_topk(stlm_tensor t, int64_t k, int64_t dim, int largest, int sorted, stlm_tensor* values, stlm_tensor* indices) {
  STLM_STATUS({
    auto r = at::topk(T(t), k, dim, largest != 0, sorted != 0);
    *values = stlm::wrap(std::get<0>(r));
    *indices = stlm::wrap(std::get<1>(r));
  })
}
STLM_API int stlm_sort(stlm_tensor t, int64_t dim, int descending, stlm_tensor* values, stlm_tensor* indices) {
  STLM_STATUS({
    auto r = at::sort(T(t), dim, descending != 0);
    *values = stlm::wrap(std::get<0>(r));
    *indices = stlm::wrap(std::get<1>(r));
  })
}
STLM_API stlm_tensor stlm_argsort(stlm_tensor t, int64_t dim, int descending) { STLM_TENSOR(at::argsort(T(t), dim, descending != 0)) }
STLM_API stlm_tensor stlm_multinomial(stlm_tensor probs, int64_t n, int replacement) {
  STLM_TENSOR(at::multinomial(T(probs), n, replacement != 0))
}

// ---- like-creation -------------------------------------------------------------------------
STLM_API stlm_tensor stlm_like(stlm_tensor t, int kind, double value) {
  STLM_TENSOR(kind == 0   ? at::zeros_like(T(t))
              : kind == 1 ? at::ones_like(T(t))
              : kind == 2 ? at::full_like(T(t), stlm::scalar_for(T(t), value))
              : kind == 3 ? at::randn_like(T(t))
              : kind == 4 ? at::rand_like(T(t))
                          : at::empty_like(T(t)))
}
