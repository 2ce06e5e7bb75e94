#include "sim/cluster/layer_kernels.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/base/int_math.h"
#include "sim/cluster/training_memory.h"

namespace npusim {
namespace {

constexpr uint64_t kMaxGemmDim = uint64_t{1} << 20;

/// Builds kernel specs of one dtype.
class Kernels {
 public:
  explicit Kernels(std::string dtype) : dtype_(std::move(dtype)) {}

  [[nodiscard]] KernelUse gemm(uint64_t m, uint64_t n, uint64_t k, bool ta = false,
                               bool tb = false, double count = 1) const {
    // The generator takes dimensions up to 2^20: a bigger GEMM runs as equal pieces.
    for (uint64_t* dim : {&m, &n, &k}) {
      const uint64_t pieces = ceil_div(*dim, kMaxGemmDim);
      *dim = ceil_div(*dim, pieces);
      count *= static_cast<double>(pieces);
    }
    std::string spec = fmt::format("gemm m={} n={} k={} dtype={}", m, n, k, dtype_);
    if (ta) spec += " trans_a=1";
    if (tb) spec += " trans_b=1";
    return {spec, count};
  }
  [[nodiscard]] KernelUse elementwise(const char* op, uint64_t elements, double count = 1) const {
    return {fmt::format("elementwise op={} elements={} dtype={}", op, elements, dtype_), count};
  }
  [[nodiscard]] KernelUse norm(NormKind kind, uint64_t rows, uint64_t cols, double count = 1) const {
    return {fmt::format("{} rows={} cols={} dtype={}",
                        kind == NormKind::rmsnorm ? "rmsnorm" : "layernorm", rows, cols, dtype_),
            count};
  }
  [[nodiscard]] KernelUse softmax(uint64_t rows, uint64_t cols) const {
    return {fmt::format("softmax rows={} cols={} dtype={}", rows, cols, dtype_), 1};
  }
  [[nodiscard]] KernelUse attention(uint64_t batch, uint64_t heads, uint64_t seq_q, uint64_t seq_kv,
                                    uint64_t head_dim, bool causal, double count = 1) const {
    return {fmt::format("attention batch={} heads={} seq_q={} seq_kv={} head_dim={} dtype={} causal={}",
                        batch, heads, seq_q, seq_kv, head_dim, dtype_, causal ? 1 : 0),
            count};
  }

 private:
  std::string dtype_;
};

/// Forward GEMM (m,n,k) and its two backward GEMMs; with a bias, the bias gradient: a sum
/// of the m x n output gradient over its rows, one 16-bit read per element (priced as a
/// third of an element-wise add's traffic). The forward bias add is taken to be fused into
/// the GEMM or the next element-wise kernel (Megatron-LM fuses all but QKV's: see
/// attention_block).
void linear(const Kernels& k, KernelList& forward, KernelList& backward, uint64_t m, uint64_t n,
            uint64_t kk, double count = 1, bool bias = false) {
  if (m == 0 || n == 0 || kk == 0) return;
  forward.push_back(k.gemm(m, n, kk, false, false, count));
  backward.push_back(k.gemm(m, kk, n, false, true, count));   // dX = dY W^T
  backward.push_back(k.gemm(kk, n, m, true, false, count));   // dW = X^T dY
  if (bias) backward.push_back(k.elementwise("add", m * n, count / 3.0));  // db = sum dY
}

/// `batch` independent GEMMs (m,n,k), e.g. one per attention head: the cores share out the
/// whole batch, so they are priced as one GEMM stacked along its rows (same FLOPs).
void batched_linear(const Kernels& k, KernelList& forward, KernelList& backward, double batch,
                    uint64_t m, uint64_t n, uint64_t kk) {
  const auto b = static_cast<uint64_t>(batch);
  forward.push_back(k.gemm(b * m, n, kk));
  backward.push_back(k.gemm(b * m, kk, n, false, true));
  backward.push_back(k.gemm(b * kk, n, m, true, false));
}

void pointwise(const Kernels& k, KernelList& forward, KernelList& backward, const char* op,
               uint64_t elements) {
  forward.push_back(k.elementwise(op, elements));
  backward.push_back(k.elementwise(op, elements, 2));
}

/// Columns of K and V on one TP rank (GQA heads are replicated when tp > kv_heads).
uint64_t kv_columns(const ModelSpec& m, const ParallelConfig& par) {
  return std::max<uint64_t>(m.kv_heads / par.tp, 1) * m.head_dim();
}

/// Attention as Megatron-LM ran it before FlashAttention: one GEMM per head for the scores,
/// a fused scale-mask-softmax and dropout over the whole s x s matrix (causal masking does not
/// skip work), one GEMM per head for probabilities x V.
void unfused_attention(const ModelSpec& m, const ParallelConfig& par, const Kernels& k,
                       StepKernels& s) {
  const uint64_t seq_q = m.seq_len / par.cp;
  const auto heads = static_cast<double>(uint64_t{par.micro_batch} * m.heads / par.tp);  // GEMMs per batch
  const uint64_t scores = static_cast<uint64_t>(heads) * seq_q * m.seq_len;
  KernelList forward, backward;
  batched_linear(k, forward, backward, heads, seq_q, m.seq_len, m.head_dim());  // Q K^T
  forward.push_back(k.softmax(static_cast<uint64_t>(heads) * seq_q, m.seq_len));
  backward.push_back(k.elementwise("mul", scores, 2));  // softmax gradient
  pointwise(k, forward, backward, "mul", scores);         // dropout on the probabilities
  batched_linear(k, forward, backward, heads, seq_q, m.head_dim(), m.seq_len);  // P V
  for (KernelUse& use : forward) {
    s.attention_forward.push_back(use);
    s.attention_core.push_back(use);
  }
  for (KernelUse& use : backward) s.attention_backward.push_back(use);
}

void attention_block(const ModelSpec& m, const ParallelConfig& par, const Kernels& k,
                     StepKernels& s) {
  const uint64_t tokens = rank_tokens(m, par);
  const uint64_t rows = par.sp ? tokens / par.tp : tokens;  // norms and adds on the SP shard
  const uint64_t h = m.hidden;
  s.attention_forward.push_back(k.norm(m.norm, rows, h));
  s.attention_backward.push_back(k.norm(m.norm, rows, h, 2));
  const uint64_t qkv = h / par.tp + 2 * kv_columns(m, par);
  linear(k, s.attention_forward, s.attention_backward, tokens, qkv, h, 1, m.linear_bias);
  // Megatron-LM adds the QKV bias in a pass of its own (read and write the output: 2/3 of
  // an element-wise add's traffic); its other biases ride in fused kernels.
  if (m.linear_bias) s.attention_forward.push_back(k.elementwise("add", tokens * qkv, 2.0 / 3.0));
  const bool causal = m.kind != ModelKind::encoder;
  const uint64_t seq_q = m.seq_len / par.cp;
  if (par.flash_attention) {
    const KernelUse core = k.attention(par.micro_batch, m.heads / par.tp, seq_q, m.seq_len,
                                       m.head_dim(), causal);
    s.attention_forward.push_back(core);
    s.attention_core.push_back(core);
    s.attention_backward.push_back(KernelUse{core.spec, 2.5});
  } else {
    unfused_attention(m, par, k, s);
  }
  linear(k, s.attention_forward, s.attention_backward, tokens, h, h / par.tp, 1, m.linear_bias);
  pointwise(k, s.attention_forward, s.attention_backward, "add", rows * h);
}

/// An FFN of inner width `ffn` on `tokens` tokens, split over tp, run `count` times.
void ffn(const ModelSpec& m, const ParallelConfig& par, const Kernels& k, KernelList& forward,
         KernelList& backward, uint64_t tokens, uint64_t ffn_width, double count) {
  const uint64_t f = ffn_width / par.tp;
  const uint64_t up = m.activation == Activation::swiglu ? 2 * f : f;  // gate and up fused
  linear(k, forward, backward, tokens, up, m.hidden, count, m.linear_bias);
  forward.push_back(k.elementwise("mul", tokens * f, count));  // activation (and gating)
  backward.push_back(k.elementwise("mul", tokens * f, 2 * count));
  linear(k, forward, backward, tokens, m.hidden, f, count, m.linear_bias);
}

void mlp_block(const ModelSpec& m, const ParallelConfig& par, const Kernels& k, StepKernels& s) {
  const uint64_t tokens = rank_tokens(m, par);
  const uint64_t rows = par.sp ? tokens / par.tp : tokens;
  s.mlp_forward.push_back(k.norm(m.norm, rows, m.hidden));
  s.mlp_backward.push_back(k.norm(m.norm, rows, m.hidden, 2));
  ffn(m, par, k, s.mlp_forward, s.mlp_backward, tokens, m.ffn_hidden, 1);
  pointwise(k, s.mlp_forward, s.mlp_backward, "add", rows * m.hidden);
}

/// MoE FFN: each of the experts / ep local experts gets tokens x top_k x ep / experts tokens
/// under a balanced router, times the routing imbalance on the busiest rank.
void moe_block(const ModelSpec& m, const ParallelConfig& par, const Kernels& k, StepKernels& s) {
  const uint64_t tokens = rank_tokens(m, par);
  const uint64_t rows = par.sp ? tokens / par.tp : tokens;
  s.moe_forward.push_back(k.norm(m.norm, rows, m.hidden));
  s.moe_backward.push_back(k.norm(m.norm, rows, m.hidden, 2));
  linear(k, s.moe_forward, s.moe_backward, tokens, m.experts, m.hidden);  // router
  const uint64_t local_experts = m.experts / par.ep;
  const auto balanced = static_cast<double>(tokens * m.top_k * par.ep) / m.experts;
  const auto per_expert = static_cast<uint64_t>(std::ceil(balanced * par.moe_imbalance));
  ffn(m, par, k, s.moe_forward, s.moe_backward, per_expert, m.expert_ffn_hidden,
      static_cast<double>(local_experts));
  if (m.shared_experts > 0)
    ffn(m, par, k, s.moe_forward, s.moe_backward, tokens,
        uint64_t{m.shared_experts} * m.expert_ffn_hidden, 1);
  pointwise(k, s.moe_forward, s.moe_backward, "add", rows * m.hidden);
}

/// Megatron-LM's vocab-parallel cross-entropy on an fp32 copy of the logits
/// (megatron/core/tensor_parallel/cross_entropy.py; the memory model stores those fp32
/// logits too): forward casts to fp32 (2 + 4 bytes per logit), takes the row max (4),
/// subtracts it (8), exponentiates (8), sums (4) and divides by the sum (8); backward scales
/// the saved softmax by the incoming gradient (8) and casts back (4 + 2). The fp32 passes
/// are priced as fp32 element-wise kernels of equal traffic (an fp32 add moves 12 bytes).
void fp32_cross_entropy(const ModelSpec& m, const Kernels& k, uint64_t logits, StepKernels& s) {
  const bool cast = m.dtype != "fp32";
  if (cast) s.head_forward.push_back(k.elementwise("cast", logits));
  s.head_forward.push_back(Kernels("fp32").elementwise("add", logits, 32.0 / 12.0));
  s.head_backward.push_back(Kernels("fp32").elementwise("add", logits, 8.0 / 12.0));
  if (cast)
    s.head_backward.push_back(
        {fmt::format("elementwise op=cast elements={} dtype=fp32 out_dtype={}", logits, m.dtype),
         1});
}

void embedding_and_head(const ModelSpec& m, const ParallelConfig& par, const Kernels& k,
                        StepKernels& s) {
  const uint64_t tokens = rank_tokens(m, par);
  pointwise(k, s.embedding_forward, s.embedding_backward, "add", tokens * m.hidden);
  const uint64_t predicted = predicted_tokens(m, par);
  const uint64_t vocab = ceil_div(m.vocab, par.tp);  // vocab-parallel logits
  linear(k, s.head_forward, s.head_backward, predicted, vocab, m.hidden);
  fp32_cross_entropy(m, k, predicted * vocab, s);
}

/// Each micro-batch's backward adds the weight gradients it produced into the gradient
/// buffer (Megatron-LM DDP: `param.main_grad.add_(param.grad)`, a read of both and a write,
/// in the gradient type, which the memory model keeps in the training dtype).
void gradient_accumulation(const ModelSpec& m, const ParallelConfig& par, const Kernels& k,
                           StepKernels& s) {
  const NpuParameters p = npu_parameters(m, par);
  auto accumulate = [&k](KernelList& backward, uint64_t params) {
    if (params > 0) backward.push_back(k.elementwise("add", params));
  };
  accumulate(s.mlp_backward, p.dense_layer);
  accumulate(s.moe_backward, p.moe_layer);
  accumulate(s.embedding_backward, p.embedding);
  accumulate(s.head_backward, p.head);
}

void classic_net(const ModelSpec& m, const ParallelConfig& par, const Kernels& k, StepKernels& s) {
  const uint64_t b = par.micro_batch;
  for (const OpSpec& op : m.ops) {
    const uint64_t out_pixels = b * op.out_h * op.out_w;
    const uint64_t out_elements = out_pixels * op.out_channels;
    if (op.type == "conv2d") {  // implicit GEMM (img2col), as the cube runs convolutions
      linear(k, s.net_forward, s.net_backward, out_pixels, op.out_channels,
             uint64_t{op.in_channels} * op.kernel * op.kernel);
    } else if (op.type == "fc") {
      linear(k, s.net_forward, s.net_backward, b, op.out_channels,
             uint64_t{op.in_channels} * op.in_h * op.in_w);
    } else if (op.type == "batchnorm") {  // statistics + normalise: a norm over channels
      s.net_forward.push_back(k.norm(NormKind::layernorm, out_pixels, op.out_channels));
      s.net_backward.push_back(k.norm(NormKind::layernorm, out_pixels, op.out_channels, 2));
    } else if (op.type == "add") {
      pointwise(k, s.net_forward, s.net_backward, "add", out_elements);
    } else {  // relu, max / average pool: element-wise passes over the input
      pointwise(k, s.net_forward, s.net_backward, "mul",
                b * op.in_h * op.in_w * op.in_channels);
    }
  }
}

}  // namespace

uint64_t rank_tokens(const ModelSpec& model, const ParallelConfig& par) {
  return uint64_t{par.micro_batch} * model.seq_len / par.cp;
}

uint64_t predicted_tokens(const ModelSpec& model, const ParallelConfig& par) {
  const uint64_t tokens = rank_tokens(model, par);
  // Encoders (BERT) predict only the masked tokens: 15% of the sequence (Devlin et al. 2019).
  return model.kind == ModelKind::encoder ? ceil_div(tokens * 15, 100) : tokens;
}

StepKernels step_kernels(const ModelSpec& model, const ParallelConfig& par) {
  const Kernels k(model.dtype);
  StepKernels s;
  if (model.kind == ModelKind::ops) {
    classic_net(model, par, k, s);
    return s;
  }
  attention_block(model, par, k, s);
  mlp_block(model, par, k, s);
  if (model.kind == ModelKind::moe) moe_block(model, par, k, s);
  embedding_and_head(model, par, k, s);
  gradient_accumulation(model, par, k, s);
  return s;
}

KernelList optimizer_kernels(uint64_t params, uint32_t dtype_bytes) {
  if (params == 0) return {};
  // Bytes per parameter of Megatron-LM's mixed-precision optimizer step (megatron/core/
  // optimizer): copy the 16-bit gradient to fp32 (2 + 4), unscale and check for overflow
  // (4 + 4), the gradient norm for clipping (4), Adam (reads weight, gradient, momentum and
  // variance, writes weight, momentum and variance: 28), copy the weights back to 16 bits
  // (4 + 2). fp32 training has no copies and no loss scale: norm and Adam only.
  const double bytes = dtype_bytes == 4 ? 4.0 + 28.0 : 6.0 + 8.0 + 4.0 + 28.0 + 6.0;
  // An fp32 add moves 12 bytes per element.
  return {{fmt::format("elementwise op=add elements={} dtype=fp32", params), bytes / 12.0}};
}

}  // namespace npusim
