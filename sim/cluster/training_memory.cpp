#include "sim/cluster/training_memory.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/int_math.h"
#include "sim/config/model_math.h"

// Formulas and sources: docs/training-memory.md. Sections referenced below (§) are that file's.
namespace npusim {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
// Megatron-LM DistributedDataParallel default bucket: max(40M, 1M x dp) elements (§6).
constexpr uint64_t kBucketMinElements = 40'000'000;
constexpr uint64_t kBucketElementsPerReplica = 1'000'000;

/// Parameters split over `tp` ranks, except a part (row-parallel bias) kept on every rank.
uint64_t split(uint64_t total, uint64_t replicated, uint32_t tp) {
  return ceil_div(total - replicated, tp) + replicated;
}

void check(const ParallelConfig& p) {
  const auto positive = [](uint32_t v, const char* name) {
    if (v == 0)
      throw InputError(std::string("parallel.") + name + " is 0 (expected an integer >= 1)");
  };
  positive(p.tp, "tp");
  positive(p.pp, "pp");
  positive(p.dp, "dp");
  positive(p.ep, "ep");
  positive(p.cp, "cp");
  positive(p.vpp, "vpp");
  positive(p.micro_batch, "micro_batch");
  if (p.zero_stage > 3)
    throw InputError("parallel.zero_stage is " + std::to_string(p.zero_stage) +
                     " (expected 0, 1, 2 or 3)");
  if (p.global_batch != 0 && p.micro_batches() == 0)
    throw InputError("parallel.global_batch " + std::to_string(p.global_batch) +
                     " is smaller than micro_batch x dp = " +
                     std::to_string(uint64_t{p.micro_batch} * p.dp) +
                     " (expected at least one micro-batch per replica)");
}

/// Micro-batches per step per replica; global_batch 0 means one.
uint32_t micro_batch_count(const ParallelConfig& p) {
  return p.global_batch == 0 ? 1 : p.micro_batches();
}

bool is_transformer(const ModelSpec& m) { return m.kind != ModelKind::ops; }
bool has_logits(const ModelSpec& m) {
  return m.kind == ModelKind::dense || m.kind == ModelKind::moe;
}

uint64_t norm_params(const ModelSpec& m) {
  return m.norm == NormKind::layernorm ? 2 * uint64_t{m.hidden} : uint64_t{m.hidden};
}

/// Parameters one NPU holds, by how ZeRO shards them: dense parameters over the dp x cp
/// group, routed-expert parameters over the (dp x cp) / ep ranks that share an expert (§2).
struct Params {
  uint64_t dense = 0;
  uint64_t expert = 0;
  [[nodiscard]] uint64_t total() const { return dense + expert; }
};

/// Per-layer and end-of-model parameter counts on one NPU (TP applied), derived from
/// parameter_count() so they always agree with docs/models.md (§1).
struct LayerParams {
  Params dense_layer;  ///< a layer with a dense FFN
  Params moe_layer;    ///< an MoE layer
  uint64_t first = 0;  ///< embeddings on pipeline rank 0
  uint64_t last = 0;   ///< final norm + output layer (or pooler) on the last rank
};

LayerParams layer_params(const ModelSpec& m, const ParallelConfig& p) {
  const ParamCount c = parameter_count(m);
  const uint64_t h = m.hidden;
  const uint32_t t = p.tp;
  // Row-parallel layers (attention output, FFN down) keep their bias replicated.
  const uint64_t row_bias = m.linear_bias ? h : 0;
  const uint64_t layers = m.layers;
  const uint64_t moe = m.moe_layers();
  const bool decoder = m.kind != ModelKind::encoder;

  const uint64_t layer_norms = (c.norms - (decoder ? norm_params(m) : 0)) / layers;
  const uint64_t attention = split(c.attention / layers, row_bias, t);
  const uint64_t common = attention + layer_norms;

  LayerParams lp;
  if (layers > moe)
    lp.dense_layer.dense = common + split(c.dense_mlp / (layers - moe), row_bias, t);
  if (moe > 0) {
    const uint64_t expert = c.experts / (moe * m.experts);
    const uint64_t experts_here = ceil_div(m.experts, p.ep);  // EP: whole experts per rank
    lp.moe_layer.expert = experts_here * split(expert, row_bias, t);
    lp.moe_layer.dense = common + uint64_t{m.shared_experts} * split(expert, row_bias, t) +
                         c.router / moe;  // router replicated
  }
  const uint64_t word = uint64_t{m.vocab} * h;  // vocab-parallel over tp (Megatron)
  lp.first = ceil_div(word, t) + (c.embedding - word);
  if (decoder) {
    lp.last = norm_params(m);
    // Untied: the output layer. Tied with pp > 1: Megatron keeps a copy of the word
    // embedding on the last stage and all-reduces its gradient with the first.
    if (!m.tied_embeddings) lp.last += ceil_div(c.output, t);
    else if (p.pp > 1) lp.last += ceil_div(word, t);
  } else {
    lp.last = c.output;  // BERT pooler: a plain replicated linear
  }
  return lp;
}

/// Layers of each pipeline rank: pp x vpp chunks of (nearly) equal size, chunk c on rank
/// c % pp (Megatron's interleaved placement; vpp = 1 is the plain contiguous split).
std::vector<std::vector<uint32_t>> layers_per_rank(const ModelSpec& m, const ParallelConfig& p) {
  std::vector<std::vector<uint32_t>> ranks(p.pp);
  const uint32_t chunks = p.pp * p.vpp;
  uint32_t next = 0;
  for (uint32_t c = 0; c < chunks; ++c) {
    const uint32_t size = m.layers / chunks + (c < m.layers % chunks ? 1U : 0U);
    for (uint32_t i = 0; i < size; ++i) ranks[c % p.pp].push_back(next++);
  }
  return ranks;
}

/// Stored bytes at the ends of the model per micro-batch (§4): the embedding dropout mask on
/// the first rank; the final norm input, the output layer input and fp32 logits on the last.
double first_rank_extra_bytes(const ModelSpec& m, const ParallelConfig& p,
                              const ActivationOptions& o) {
  if (!o.dropout) return 0.0;
  const double tokens = static_cast<double>(m.seq_len) / p.cp * p.micro_batch;
  return tokens * m.hidden / (p.sp ? p.tp : 1U);
}

double last_rank_extra_bytes(const ModelSpec& m, const ParallelConfig& p) {
  if (!has_logits(m)) return 0.0;
  const double tokens = static_cast<double>(m.seq_len) / p.cp * p.micro_batch;
  const double d = training_dtype_bytes(m);
  const double norm_and_output_inputs = 2.0 * d * m.hidden / (p.sp ? p.tp : 1U);
  const double logits_fp32 = 4.0 * m.vocab / p.tp;  // vocab-parallel cross-entropy in fp32
  return tokens * (norm_and_output_inputs + logits_fp32);
}

MemoryBreakdown ops_memory(const ModelSpec& m, const ParallelConfig& p, uint64_t capacity) {
  if (p.tp > 1 || p.pp > 1 || p.cp > 1 || p.ep > 1)
    throw InputError("model '" + m.name +
                     "' is an operator list (kind ops): it trains data parallel only "
                     "(expected tp = pp = cp = ep = 1)");
  const uint64_t d = training_dtype_bytes(m);
  const uint64_t params = parameter_count(m).total;
  const uint64_t shards = uint64_t{p.dp} * p.cp;
  MemoryBreakdown r;
  r.weights = p.zero_stage >= 3 ? ceil_div(params * d, shards) : params * d;
  r.gradients = p.zero_stage >= 2 ? ceil_div(params * d, shards) : params * d;
  r.optimizer = ceil_div(params * optimizer_bytes_per_param(m), p.zero_stage >= 1 ? shards : 1);
  // Every operator's output is kept for backward (no recompute, no in-place ReLU) (§5).
  uint64_t elements = 0;
  for (const OpSpec& op : m.ops) elements += uint64_t{op.out_channels} * op.out_h * op.out_w;
  r.activations = elements * d * p.micro_batch;
  const uint64_t bucket =
      std::min(params, std::max(kBucketMinElements, kBucketElementsPerReplica * shards)) * d;
  r.buffers = kGiB + bucket;
  r.total = r.weights + r.gradients + r.optimizer + r.activations + r.buffers;
  r.capacity = capacity;
  r.fits = r.total <= capacity;
  return r;
}

}  // namespace

uint32_t training_dtype_bytes(const ModelSpec& m) {
  if (m.dtype == "bf16" || m.dtype == "fp16") return 2;
  if (m.dtype == "fp32") return 4;
  throw InputError("model '" + m.name + "' has training dtype '" + m.dtype +
                   "' (expected bf16, fp16 or fp32)");
}

uint32_t optimizer_bytes_per_param(const ModelSpec& m) {
  return training_dtype_bytes(m) == 4 ? 8U : 12U;
}

double layer_activation_bytes(const ModelSpec& m, const ParallelConfig& p, uint32_t layer,
                              const ActivationOptions& o) {
  check(p);
  if (!is_transformer(m)) return 0.0;
  const double d = training_dtype_bytes(m);
  const double h = m.hidden;
  const double t = p.tp;
  const double sp_div = p.sp ? t : 1.0;  // SP splits the otherwise replicated region
  const double tokens = static_cast<double>(m.seq_len) / p.cp * p.micro_batch;

  // Full recompute keeps only each layer's input (Korthikanti et al.: 2sbh, /t with SP).
  if (p.recompute == Recompute::full) return tokens * d * h / sp_div;

  // Per token, the tensors backward needs (§3). Replicated over TP unless SP:
  // the two norm inputs, the QKV input, the FFN input, two dropout masks (1 byte).
  double replicated = 2 * d * h + d * h + d * h + (o.dropout ? 2.0 * h : 0.0);
  // Split over TP: Q, K, V (GQA: K and V kv_heads wide), the attention output (= the
  // projection input), the FFN inner activations (gelu: input + output; swiglu: gate and up
  // as one 2f input + the product).
  const double kv = static_cast<double>(m.kv_heads) * m.head_dim();
  double split_tp = d * h + 2 * d * kv + d * h;
  const double inner = m.activation == Activation::gelu ? 2.0 : 3.0;
  if (m.is_moe_layer(layer)) {
    // Routed tokens: top_k permuted copies of the FFN input and top_k + shared expert inner
    // activations (balanced routing, times the imbalance); router probabilities in fp32.
    const double routed = m.top_k * p.moe_imbalance;  // copies on the busiest rank
    replicated += routed * d * h + 4.0 * m.experts;
    split_tp += (routed + m.shared_experts) * inner * d * m.expert_ffn_hidden;
  } else {
    split_tp += inner * d * m.ffn_hidden;
  }
  // Attention scores per query: softmax output (d), its dropout mask (1), the dropout output
  // (d), each a x s keys (all s keys under CP). FlashAttention keeps one fp32 log-sum-exp per
  // query and head instead; selective recompute recomputes the core and keeps neither.
  double scores = 0.0;
  if (p.recompute != Recompute::selective) {
    const double a = m.heads;
    scores = o.flash_attention ? 4.0 * a
                               : a * m.seq_len * (o.dropout ? 2 * d + 1 : d);
  }
  return tokens * (replicated / sp_div + split_tp / t + scores / t);
}

double in_flight_micro_batches(const ParallelConfig& p, uint32_t stage) {
  check(p);
  const uint32_t m = micro_batch_count(p);
  switch (p.schedule) {
    case PipelineSchedule::gpipe:
      return m;
    case PipelineSchedule::one_f_one_b:
      // PipeDream-Flush: pp - stage - 1 warm-up forwards + the one in steady state.
      return std::min(p.pp - std::min(stage, p.pp - 1), m);
    case PipelineSchedule::interleaved: {
      // Megatron-LM warm-up: 2 (pp - stage - 1) + (vpp - 1) pp chunk forwards, + 1 in steady
      // state; all forwards first when m == pp. Stage 0: pp + (pp - 1) / vpp micro-batches
      // of its layers = Korthikanti's factor (1 + (pp - 1) / (pp vpp)) over 1F1B's pp.
      const uint64_t all = uint64_t{m} * p.vpp;
      uint64_t chunks = 2 * uint64_t{p.pp - 1 - std::min(stage, p.pp - 1)} +
                        uint64_t{p.vpp - 1} * p.pp + 1;
      if (m == p.pp) chunks = all;
      return static_cast<double>(std::min(chunks, all)) / p.vpp;
    }
  }
  return m;
}

MemoryBreakdown memory_per_npu(const ModelSpec& m, const ParallelConfig& p,
                               uint64_t capacity_bytes, const ActivationOptions& o) {
  check(p);
  if (!is_transformer(m)) return ops_memory(m, p, capacity_bytes);
  const uint64_t d = training_dtype_bytes(m);
  const uint64_t opt = optimizer_bytes_per_param(m);
  const LayerParams lp = layer_params(m, p);
  const auto ranks = layers_per_rank(m, p);
  // ZeRO's data-parallel group is dp x cp (CP ranks hold the same parameters); an expert is
  // replicated on (dp x cp) / ep of them (§2).
  const uint64_t shards = uint64_t{p.dp} * p.cp;
  const uint64_t expert_shards = std::max<uint64_t>(1, shards / p.ep);
  const auto shard = [](uint64_t bytes, uint64_t n, bool on) {
    return on ? ceil_div(bytes, n) : bytes;
  };
  const uint32_t micro_batches = micro_batch_count(p);

  MemoryBreakdown best;
  for (uint32_t r = 0; r < p.pp; ++r) {
    Params params;
    double layer_bytes = 0.0;
    uint64_t largest_layer = 0;
    for (uint32_t layer : ranks[r]) {
      const Params& l = m.is_moe_layer(layer) ? lp.moe_layer : lp.dense_layer;
      params.dense += l.dense;
      params.expert += l.expert;
      largest_layer = std::max(largest_layer, l.total());
      layer_bytes += layer_activation_bytes(m, p, layer, o);
    }
    const double in_flight = in_flight_micro_batches(p, r);
    double activations = layer_bytes * in_flight;
    if (r == 0) {
      params.dense += lp.first;
      activations += first_rank_extra_bytes(m, p, o) * in_flight;
    }
    if (r == p.pp - 1) {
      params.dense += lp.last;
      // The last chunk runs each backward right after its forward, except under GPipe.
      const double logits_in_flight = p.schedule == PipelineSchedule::gpipe ? micro_batches : 1;
      activations += last_rank_extra_bytes(m, p) * logits_in_flight;
    }

    MemoryBreakdown b;
    b.stage = r;
    b.weights = shard(params.dense * d, shards, p.zero_stage >= 3) +
                shard(params.expert * d, expert_shards, p.zero_stage >= 3);
    b.gradients = shard(params.dense * d, shards, p.zero_stage >= 2) +
                  shard(params.expert * d, expert_shards, p.zero_stage >= 2);
    b.optimizer = shard(params.dense * opt, shards, p.zero_stage >= 1) +
                  shard(params.expert * opt, expert_shards, p.zero_stage >= 1);
    b.activations = static_cast<uint64_t>(std::ceil(activations));
    // Buffers (§6): 1 GiB workspace, one gradient bucket, and under ZeRO-3 the gathered
    // parameters of the current and the prefetched layer.
    const uint64_t bucket_elements =
        std::max(kBucketMinElements, kBucketElementsPerReplica * shards);
    b.buffers = kGiB + std::min(params.total(), bucket_elements) * d;
    if (p.zero_stage >= 3) b.buffers += 2 * largest_layer * d;
    b.total = b.weights + b.gradients + b.optimizer + b.activations + b.buffers;
    b.capacity = capacity_bytes;
    b.fits = b.total <= capacity_bytes;
    if (r == 0 || b.total > best.total) best = b;
  }
  return best;
}

NpuParameters npu_parameters(const ModelSpec& model, const ParallelConfig& parallel) {
  if (model.kind == ModelKind::ops) return {};
  const LayerParams lp = layer_params(model, parallel);
  return {lp.dense_layer.total(), lp.moe_layer.total(), lp.moe_layer.expert, lp.first, lp.last};
}

}  // namespace npusim
