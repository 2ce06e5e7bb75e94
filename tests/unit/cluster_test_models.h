#pragma once
// Small transformer specs the cluster-level tests share: quick to price, every chip preset
// has their fp16 cube.

#include <string>

#include "sim/config/model_config.h"

namespace npusim::test {

/// A GPT-like decoder: hidden 1024, 16 heads, FFN 4096, vocab 32000, sequence 1024.
inline ModelSpec small_gpt(uint32_t layers = 8, const std::string& dtype = "fp16") {
  ModelSpec m;
  m.name = "small-gpt";
  m.kind = ModelKind::dense;
  m.dtype = dtype;
  m.layers = layers;
  m.hidden = 1024;
  m.heads = 16;
  m.kv_heads = 16;
  m.ffn_hidden = 4096;
  m.vocab = 32000;
  m.seq_len = 1024;
  return m;
}

/// small_gpt(4) with MoE FFNs after the first layer: 8 experts of width 1024, top-2, one
/// shared expert.
inline ModelSpec small_moe() {
  ModelSpec m = small_gpt(4);
  m.name = "small-moe";
  m.kind = ModelKind::moe;
  m.experts = 8;
  m.top_k = 2;
  m.shared_experts = 1;
  m.expert_ffn_hidden = 1024;
  m.dense_layers = 1;
  m.moe_layer_freq = 1;
  return m;
}

}  // namespace npusim::test
