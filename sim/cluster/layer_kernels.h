#pragma once
// The chip-level kernels a training step's compute ops are made of (docs/training.md):
// transformer blocks (attention and MLP halves, MoE experts), embedding, logits + loss, the
// optimizer, and the ops of a classic net, for one micro-batch on one rank, as kernel specs
// the cost cache prices ("gemm m=2048 n=4608 k=12288 dtype=bf16").
//
// Backward passes: a GEMM (m,n,k) becomes its data-gradient GEMM (m,k,n) and its weight-
// gradient GEMM (k,n,m); flash attention backward counts 2.5 forward kernels (5 matmuls vs 2,
// Dao 2023); norms and element-wise ops count twice (read the gradient and the saved input).
// Every backward list of a transformer ends with the gradient accumulation of the
// parameters it produced gradients for (Megatron-LM DDP's `main_grad.add_`).

#include <string>
#include <vector>

#include "sim/cluster/parallelism.h"
#include "sim/config/model_config.h"

namespace npusim {

/// A kernel run `count` times (fractional counts scale its cost).
struct KernelUse {
  std::string spec;
  double count = 1;
};
using KernelList = std::vector<KernelUse>;

/// Kernels of the parts of one training step, for one micro-batch on one rank.
struct StepKernels {
  KernelList attention_forward;   ///< norm, QKV, attention core, output projection, residual add
  KernelList attention_backward;
  KernelList attention_core;      ///< selective recompute reruns this before the backward
  KernelList mlp_forward;         ///< norm, FC1, activation, FC2, residual add (dense layers)
  KernelList mlp_backward;        ///< + the layer's gradient accumulation (backward lists)
  KernelList moe_forward;         ///< norm, router, local experts, shared experts, residual
  KernelList moe_backward;
  KernelList embedding_forward;   ///< token (+ position) lookup on the first stage
  KernelList embedding_backward;
  KernelList head_forward;        ///< logits GEMM + fp32 cross-entropy on the last stage
  KernelList head_backward;
  KernelList net_forward;         ///< kind ops: every op of the net
  KernelList net_backward;
};

/// Tokens one rank holds in a micro-batch: micro_batch x seq_len / cp.
[[nodiscard]] uint64_t rank_tokens(const ModelSpec& model, const ParallelConfig& par);

/// Tokens whose next (decoder) or masked (encoder, 15%) token the loss predicts.
[[nodiscard]] uint64_t predicted_tokens(const ModelSpec& model, const ParallelConfig& par);

[[nodiscard]] StepKernels step_kernels(const ModelSpec& model, const ParallelConfig& par);

/// The optimizer step over `params` parameters trained in a type of `dtype_bytes`: the
/// memory-bound passes of Megatron-LM's mixed-precision Adam (gradient to fp32, unscale and
/// overflow check, norm, Adam, weights back to 16 bits: 52 bytes per parameter; fp32
/// training 32), priced as fp32 element-wise kernels of equal traffic.
[[nodiscard]] KernelList optimizer_kernels(uint64_t params, uint32_t dtype_bytes);

}  // namespace npusim
