#pragma once
// The chip-level kernels a training step's compute ops are made of (docs/training.md):
// transformer blocks (attention and MLP halves, MoE experts), embedding, logits + loss, the
// optimizer, and the ops of a classic net, for one micro-batch on one rank, as kernel specs
// the cost cache prices ("gemm m=2048 n=4608 k=12288 dtype=bf16").
//
// Backward passes: a GEMM (m,n,k) becomes its data-gradient GEMM (m,k,n) and its weight-
// gradient GEMM (k,n,m); flash attention backward counts 2.5 forward kernels (5 matmuls vs 2,
// Dao 2023); norms and element-wise ops count twice (read the gradient and the saved input).

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
  KernelList mlp_backward;
  KernelList moe_forward;         ///< norm, router, local experts, shared experts, residual
  KernelList moe_backward;
  KernelList embedding_forward;   ///< token (+ position) lookup on the first stage
  KernelList embedding_backward;
  KernelList head_forward;        ///< logits GEMM + softmax cross-entropy on the last stage
  KernelList head_backward;
  KernelList net_forward;         ///< kind ops: every op of the net
  KernelList net_backward;
};

/// Tokens one rank holds in a micro-batch: micro_batch x seq_len / cp.
[[nodiscard]] uint64_t rank_tokens(const ModelSpec& model, const ParallelConfig& par);

[[nodiscard]] StepKernels step_kernels(const ModelSpec& model, const ParallelConfig& par);

/// Mixed-precision Adam over `params` parameters: a memory-bound pass reading and writing
/// the fp32 master weights, momentum and variance and the gradient, writing the 16-bit copy
/// (about 30 bytes per parameter), priced as fp32 element-wise kernels of equal traffic.
[[nodiscard]] KernelList optimizer_kernels(uint64_t params);

}  // namespace npusim
