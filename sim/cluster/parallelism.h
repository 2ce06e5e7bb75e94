#pragma once
// How a training job is parallelised (docs/training.md): the degrees of each parallelism,
// the batch, the pipeline schedule, ZeRO, recompute and overlap switches. Validated against a
// model by check_parallelism() (training_graph.h).

#include <cstdint>
#include <string>

#include "sim/config/model_math.h"

namespace npusim {

enum class PipelineSchedule { gpipe, one_f_one_b, interleaved };

[[nodiscard]] const char* to_string(PipelineSchedule schedule);

struct ParallelConfig {
  uint32_t tp = 1;   ///< tensor parallel
  uint32_t pp = 1;   ///< pipeline stages
  uint32_t dp = 1;   ///< data parallel replicas
  uint32_t ep = 1;   ///< expert parallel (MoE): experts split over ep ranks of the dp x cp group
  uint32_t cp = 1;   ///< context parallel: the sequence split over cp ranks (ring attention)
  uint32_t vpp = 1;  ///< virtual stages per rank (interleaved 1F1B)
  bool sp = false;   ///< sequence parallelism inside the TP group
  uint32_t zero_stage = 0;  ///< 0..3 (ZeRO-1 optimizer, -2 + gradients, -3 + parameters)
  Recompute recompute = Recompute::none;
  PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
  uint32_t micro_batch = 1;   ///< sequences per micro-batch per DP replica
  uint32_t global_batch = 0;  ///< sequences per step over all replicas (0: micro_batch x dp)
  bool overlap_grad_reduce = true;  ///< DP gradient reduction overlaps the backward pass
  bool overlap_tp_comm = false;     ///< TP collectives overlap compute (else they block it)
  /// Attention kernel of the training software: fused flash attention (default), or the
  /// unfused form of Megatron-LM before FlashAttention (batched QK^T GEMM, softmax and dropout
  /// over the stored score matrix, batched PV GEMM), for comparing with results of that era.
  bool flash_attention = true;
  /// MoE routing: routed tokens the busiest expert rank receives, relative to a balanced
  /// router (1). Synchronous all-to-alls and the next layer wait for that rank, so it sets
  /// the expert compute, the all-to-all volume and the expert activations priced for every
  /// rank. A capacity factor with padding (GShard, Switch) costs the same.
  double moe_imbalance = 1.0;

  /// NPUs the job uses: tp x pp x dp x cp (EP reuses the dp x cp ranks).
  [[nodiscard]] uint64_t npus() const { return uint64_t{tp} * pp * dp * cp; }
  /// Micro-batches per step per replica (gradient accumulation steps).
  [[nodiscard]] uint32_t micro_batches() const {
    return global_batch / (micro_batch * dp);
  }
};

}  // namespace npusim
