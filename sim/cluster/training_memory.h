#pragma once
// HBM needed per NPU to train a model under a parallel config: weights, gradients, optimizer
// state (mixed-precision Adam with ZeRO sharding), stored activations (Korthikanti et al.,
// MLSys'23, derived per tensor) and a buffer allowance. Pure functions, no simulation.
// Formulas, assumptions and sources: docs/training-memory.md.

#include <cstdint>

#include "sim/cluster/parallelism.h"
#include "sim/config/model_config.h"

namespace npusim {

/// Bytes on the most loaded NPU (the pipeline rank with the largest total).
struct MemoryBreakdown {
  uint64_t weights = 0;      ///< model parameters in the training dtype (ZeRO-3: the shard)
  uint64_t gradients = 0;    ///< parameter gradients in the training dtype (ZeRO-2/3: shard)
  uint64_t optimizer = 0;    ///< Adam state: fp32 master + momentum + variance (ZeRO-1+: shard)
  uint64_t activations = 0;  ///< stored for backward, all in-flight micro-batches
  uint64_t buffers = 0;      ///< workspace + communication buckets (an allowance)
  uint64_t total = 0;        ///< the sum of the five above
  uint64_t capacity = 0;     ///< HBM per NPU, as given
  bool fits = false;         ///< total <= capacity
  uint32_t stage = 0;        ///< pipeline rank (0-based) the breakdown is for
};

/// Modelling switches with their defaults (docs/training-memory.md says why).
struct ActivationOptions {
  /// Attention does not store the a x s x s score/softmax/dropout tensors (FlashAttention,
  /// as the chip level's attention kernel), only an fp32 row statistic per query and head.
  bool flash_attention = true;
  /// Dropout masks (1 byte per element) after attention and after the FFN, as Korthikanti.
  bool dropout = true;
};

/// Bytes per element of the training dtype: bf16/fp16 2, fp32 4. InputError otherwise.
[[nodiscard]] uint32_t training_dtype_bytes(const ModelSpec& model);

/// Adam state bytes per parameter: 12 for 16-bit training (fp32 master, momentum, variance),
/// 8 for fp32 training (the weights are the master copy).
[[nodiscard]] uint32_t optimizer_bytes_per_param(const ModelSpec& model);

/// Activation bytes one transformer layer (0-based index `layer`) stores for backward, for one
/// micro-batch of `parallel.micro_batch` sequences on one NPU (tp, sp, cp, recompute applied).
/// For a GPT (MHA, gelu, ffn 4h, dropout) without flash attention this is exactly
/// Korthikanti et al.'s s b h (34 + 5 a s / h), its TP, TP+SP and recompute variants.
[[nodiscard]] double layer_activation_bytes(const ModelSpec& model,
                                            const ParallelConfig& parallel, uint32_t layer,
                                            const ActivationOptions& options = {});

/// Micro-batches whose activations pipeline rank `stage` holds at its peak, in units of that
/// rank's whole layer set (fractional for interleaved 1F1B): GPipe m, 1F1B min(pp - stage, m),
/// interleaved Megatron's warm-up + 1 chunks / vpp.
[[nodiscard]] double in_flight_micro_batches(const ParallelConfig& parallel, uint32_t stage);

/// Parameters one NPU holds (TP and EP splitting applied, before ZeRO sharding): what its
/// gradient reductions and optimizer work on. The training graph and memory_per_npu use the
/// same counts.
struct NpuParameters {
  uint64_t dense_layer = 0;  ///< a transformer layer with a dense FFN
  uint64_t moe_layer = 0;    ///< an MoE layer, this NPU's routed experts included
  uint64_t moe_layer_experts = 0;  ///< of which routed experts (reduced over the edp group)
  uint64_t embedding = 0;    ///< embeddings, on the first pipeline rank
  uint64_t head = 0;         ///< final norm + output layer (or tied copy, pooler), on the last
  [[nodiscard]] uint64_t layer(const ModelSpec& model, uint32_t index) const {
    return model.is_moe_layer(index) ? moe_layer : dense_layer;
  }
  /// Routed-expert parameters of layer `index` on this NPU (0 for a dense layer).
  [[nodiscard]] uint64_t layer_experts(const ModelSpec& model, uint32_t index) const {
    return model.is_moe_layer(index) ? moe_layer_experts : 0;
  }
};

/// Per-NPU parameter counts of a transformer model (kind ops: not applicable, all zero).
[[nodiscard]] NpuParameters npu_parameters(const ModelSpec& model, const ParallelConfig& parallel);

/// Memory per NPU on the most loaded pipeline rank. capacity_bytes is the HBM per NPU.
/// Never throws for a model that does not fit (fits = false); throws InputError for a
/// degree or batch of 0, zero_stage > 3, global_batch < micro_batch x dp, an unknown dtype,
/// or tp/pp/cp/ep > 1 for a `kind: ops` model (those train data parallel only).
[[nodiscard]] MemoryBreakdown memory_per_npu(const ModelSpec& model,
                                             const ParallelConfig& parallel,
                                             uint64_t capacity_bytes,
                                             const ActivationOptions& options = {});

}  // namespace npusim
