#pragma once
// Derived quantities of a model spec: parameter counts and FLOPs per token. Formulas and
// their sources: docs/models.md.

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/config/model_config.h"

namespace npusim {

/// Parameter counts by part (elements, not bytes). For kind ops only `other` and the totals
/// are set (the sum over the op list).
struct ParamCount {
  uint64_t embedding = 0;     ///< token (+ position, token-type) embeddings and embedding norm
  uint64_t attention = 0;     ///< Q, K, V, O projections (GQA: K, V are kv_heads wide) + biases
  uint64_t dense_mlp = 0;     ///< dense FFNs (gelu 2 matrices, swiglu 3) + biases
  uint64_t experts = 0;       ///< all routed experts of all MoE layers
  uint64_t shared_experts = 0;
  uint64_t router = 0;        ///< MoE gate: hidden x experts per MoE layer
  uint64_t norms = 0;         ///< per-layer and final norms
  uint64_t output = 0;        ///< untied output projection (0 when tied); encoder: pooler
  uint64_t other = 0;         ///< kind ops: all parameters
  uint64_t total = 0;         ///< everything stored
  uint64_t activated = 0;     ///< used per token: total minus the routed experts not chosen
};

[[nodiscard]] ParamCount parameter_count(const ModelSpec& model);

/// Multiply-accumulates per sample of a `kind: ops` model (sum over the op list); 0 otherwise.
[[nodiscard]] uint64_t forward_macs_per_sample(const ModelSpec& model);

/// Forward FLOPs per token (per sample for kind ops), 1 MAC = 2 FLOPs, matmuls only:
///   2 x (activated weight-matrix elements of all blocks, router included)
///   + 4 x layers x seq_len x hidden   (QK^T and scores x V over the full sequence)
///   + 2 x hidden x vocab              (logits; dense and moe only).
/// Embedding lookups, norms, activations, softmax and biases are not counted.
[[nodiscard]] double forward_flops_per_token(const ModelSpec& model);

/// Activation recomputation in the backward pass.
enum class Recompute { none, selective, full };

[[nodiscard]] const char* to_string(Recompute recompute);
/// "none", "selective" or "full"; nullopt otherwise.
[[nodiscard]] std::optional<Recompute> parse_recompute(std::string_view text);

/// Training FLOPs per token (forward + backward, backward = 2 x forward):
///   none:      3 x forward
///   selective: 3 x forward + the attention core again (4 x layers x seq_len x hidden)
///   full:      3 x forward + the forward of every block again (not the logits)
/// For a GPT (MHA, gelu, ffn 4h) this is exactly, per token,
///   none: 72 l h^2 (1 + s/(6h) + V/(12 l h))   (Korthikanti et al. 2022, MLSys'23)
///   full: 96 l h^2 (1 + s/(6h) + V/(16 l h))   (Narayanan et al. SC'21, eq. 3)
[[nodiscard]] double training_flops_per_token(const ModelSpec& model, Recompute recompute);

}  // namespace npusim
