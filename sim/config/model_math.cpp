#include "sim/config/model_math.h"

namespace npusim {
namespace {

uint64_t norm_params(const ModelSpec& m) {
  return m.norm == NormKind::layernorm ? 2 * uint64_t{m.hidden} : uint64_t{m.hidden};
}

/// Weight matrices of one FFN of inner width f: gelu up + down, swiglu gate + up + down.
uint64_t ffn_matrix(const ModelSpec& m, uint32_t f) {
  const uint64_t n = m.activation == Activation::gelu ? 2 : 3;
  return n * m.hidden * f;
}

uint64_t ffn_params(const ModelSpec& m, uint32_t f) {
  uint64_t bias = 0;
  if (m.linear_bias) bias = (m.activation == Activation::gelu ? 1U : 2U) * uint64_t{f} + m.hidden;
  return ffn_matrix(m, f) + bias;
}

/// Q and O are hidden x hidden; K and V are hidden x (kv_heads x head_dim).
uint64_t attention_matrix(const ModelSpec& m) {
  const uint64_t kv = uint64_t{m.kv_heads} * m.head_dim();
  return 2 * uint64_t{m.hidden} * m.hidden + 2 * uint64_t{m.hidden} * kv;
}

uint64_t attention_params(const ModelSpec& m) {
  const uint64_t kv = uint64_t{m.kv_heads} * m.head_dim();
  return attention_matrix(m) + (m.linear_bias ? 2 * uint64_t{m.hidden} + 2 * kv : 0);
}

/// Weight-matrix elements one token goes through in the blocks (router included).
uint64_t activated_block_matrix(const ModelSpec& m) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < m.layers; ++i) {
    n += attention_matrix(m);
    if (m.is_moe_layer(i))
      n += uint64_t{m.top_k + m.shared_experts} * ffn_matrix(m, m.expert_ffn_hidden) +
           uint64_t{m.hidden} * m.experts;
    else
      n += ffn_matrix(m, m.ffn_hidden);
  }
  return n;
}

/// Forward FLOPs per token of the blocks: their matmuls plus the attention core.
double block_forward_flops(const ModelSpec& m) {
  return 2.0 * static_cast<double>(activated_block_matrix(m)) +
         4.0 * m.layers * static_cast<double>(m.seq_len) * m.hidden;
}

bool has_logits(const ModelSpec& m) {
  return m.kind == ModelKind::dense || m.kind == ModelKind::moe;
}

}  // namespace

ParamCount parameter_count(const ModelSpec& m) {
  ParamCount p;
  if (m.kind == ModelKind::ops) {
    for (const OpSpec& op : m.ops) p.other += op.params;
    p.total = p.activated = p.other;
    return p;
  }
  const uint64_t h = m.hidden;
  p.embedding = uint64_t{m.vocab} * h;
  if (m.position_embedding == PositionKind::learned) p.embedding += uint64_t{m.max_positions} * h;
  if (m.kind == ModelKind::encoder) p.embedding += uint64_t{m.type_vocab} * h + norm_params(m);

  uint64_t unchosen = 0;  // routed experts a token does not use
  for (uint32_t i = 0; i < m.layers; ++i) {
    p.attention += attention_params(m);
    p.norms += 2 * norm_params(m);
    if (m.is_moe_layer(i)) {
      const uint64_t expert = ffn_params(m, m.expert_ffn_hidden);
      p.experts += uint64_t{m.experts} * expert;
      p.shared_experts += uint64_t{m.shared_experts} * expert;
      p.router += h * m.experts;
      unchosen += uint64_t{m.experts - m.top_k} * expert;
    } else {
      p.dense_mlp += ffn_params(m, m.ffn_hidden);
    }
  }
  if (m.kind == ModelKind::encoder) {
    p.output = h * h + h;  // pooler (BERT has no final norm: its blocks are post-LN)
  } else {
    p.norms += norm_params(m);  // final norm of a pre-LN decoder
    if (!m.tied_embeddings) p.output = uint64_t{m.vocab} * h;
  }
  p.total = p.embedding + p.attention + p.dense_mlp + p.experts + p.shared_experts + p.router +
            p.norms + p.output;
  p.activated = p.total - unchosen;
  return p;
}

uint64_t forward_macs_per_sample(const ModelSpec& m) {
  uint64_t macs = 0;
  for (const OpSpec& op : m.ops) macs += op.macs;
  return macs;
}

double forward_flops_per_token(const ModelSpec& m) {
  if (m.kind == ModelKind::ops) return 2.0 * static_cast<double>(forward_macs_per_sample(m));
  double flops = block_forward_flops(m);
  if (has_logits(m)) flops += 2.0 * m.hidden * static_cast<double>(m.vocab);
  return flops;
}

double training_flops_per_token(const ModelSpec& m, Recompute recompute) {
  const double forward = forward_flops_per_token(m);
  if (m.kind == ModelKind::ops)
    return recompute == Recompute::full ? 4.0 * forward : 3.0 * forward;
  switch (recompute) {
    case Recompute::none:
      return 3.0 * forward;
    case Recompute::selective:
      return 3.0 * forward + 4.0 * m.layers * static_cast<double>(m.seq_len) * m.hidden;
    case Recompute::full:
      return 3.0 * forward + block_forward_flops(m);
  }
  return 3.0 * forward;
}

const char* to_string(Recompute recompute) {
  switch (recompute) {
    case Recompute::none: return "none";
    case Recompute::selective: return "selective";
    case Recompute::full: return "full";
  }
  return "?";
}

std::optional<Recompute> parse_recompute(std::string_view text) {
  for (Recompute r : {Recompute::none, Recompute::selective, Recompute::full})
    if (text == to_string(r)) return r;
  return std::nullopt;
}

}  // namespace npusim
