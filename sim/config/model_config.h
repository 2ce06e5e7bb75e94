#pragma once
// Model specs for the cluster level (workloads/models/<name>.yaml): what is trained, as a
// typed struct. The format, every key and its unit, and the presets' sources: docs/models.md.

#include <cstdint>
#include <string>
#include <vector>

namespace npusim {

/// What a model file describes.
enum class ModelKind {
  dense,    ///< decoder-only transformer (GPT, LLaMA, PanGu)
  moe,      ///< decoder-only transformer whose FFNs are mixtures of experts (DeepSeek-V3-like)
  encoder,  ///< encoder-only transformer (BERT): post-LN, token-type embeddings, pooler
  ops,      ///< a classic net as an operator list generated from its standard config (ResNet)
};

enum class Activation { gelu, swiglu };     ///< gelu: 2 FFN matrices; swiglu: 3
enum class NormKind { layernorm, rmsnorm };  ///< layernorm: weight + bias; rmsnorm: weight
enum class PositionKind { learned, rope };   ///< learned: a max_positions x hidden table

/// One operator of a `kind: ops` model, for one sample (batch 1), NCHW shapes.
struct OpSpec {
  std::string name;  ///< e.g. "layer2.0.conv2"
  std::string type;  ///< conv2d, batchnorm, relu, maxpool, add, avgpool, fc
  uint32_t in_channels = 0;
  uint32_t in_h = 0;
  uint32_t in_w = 0;
  uint32_t out_channels = 0;
  uint32_t out_h = 0;
  uint32_t out_w = 0;
  uint32_t kernel = 0;  ///< square kernel side (conv2d, pools); 0 otherwise
  uint32_t stride = 0;  ///< 0 where it does not apply
  uint64_t params = 0;  ///< learnable parameters (conv/fc weights and biases, BN scale + shift)
  uint64_t macs = 0;    ///< multiply-accumulates per sample (conv2d and fc only)
};

/// A model, read from a model file and validated. Fields a kind does not use stay 0/empty.
struct ModelSpec {
  std::string name;         ///< file name without .yaml (the preset name)
  std::string description;  ///< one line
  std::string source_path;  ///< the file it was read from
  ModelKind kind = ModelKind::dense;
  std::string dtype;  ///< training compute type: bf16, fp16 or fp32

  // Transformers (dense, moe, encoder).
  uint32_t layers = 0;      ///< transformer blocks
  uint32_t hidden = 0;      ///< model width h (elements)
  uint32_t heads = 0;       ///< query heads; head_dim = hidden / heads
  uint32_t kv_heads = 0;    ///< key/value heads (GQA); == heads for multi-head attention
  uint32_t ffn_hidden = 0;  ///< FFN inner width of a dense block (elements)
  uint32_t vocab = 0;       ///< vocabulary size (tokens)
  uint32_t seq_len = 0;     ///< training sequence length (tokens)
  Activation activation = Activation::gelu;
  NormKind norm = NormKind::layernorm;
  PositionKind position_embedding = PositionKind::rope;
  uint32_t max_positions = 0;  ///< rows of a learned position table; 0 for rope
  bool tied_embeddings = false;  ///< output projection shares the input embedding matrix
  bool linear_bias = false;      ///< linear layers (attention, FFN) carry biases
  uint32_t type_vocab = 0;       ///< encoder: token-type (segment) embeddings

  // MoE (kind moe): layers [0, dense_layers) use a dense FFN of ffn_hidden; after them every
  // moe_layer_freq-th layer is an MoE layer, the others dense.
  uint32_t experts = 0;            ///< routed experts per MoE layer
  uint32_t top_k = 0;              ///< routed experts each token activates
  uint32_t shared_experts = 0;     ///< experts every token goes through
  uint32_t expert_ffn_hidden = 0;  ///< FFN inner width of one expert (elements)
  uint32_t dense_layers = 0;       ///< leading layers with a dense FFN
  uint32_t moe_layer_freq = 0;     ///< 1: every layer after dense_layers is MoE

  // Operator lists (kind ops).
  std::string generator;    ///< how ops was built, e.g. resnet50-v1.5
  uint32_t image_size = 0;  ///< input height = width (pixels)
  uint32_t num_classes = 0;
  std::vector<OpSpec> ops;  ///< forward operators in execution order, batch 1

  /// Whether layer `i` (0-based) is an MoE layer (always false unless kind is moe).
  [[nodiscard]] bool is_moe_layer(uint32_t i) const;
  /// Number of MoE layers.
  [[nodiscard]] uint32_t moe_layers() const;
  [[nodiscard]] uint32_t head_dim() const { return heads == 0 ? 0 : hidden / heads; }
};

[[nodiscard]] const char* to_string(ModelKind kind);
[[nodiscard]] const char* to_string(Activation activation);
[[nodiscard]] const char* to_string(NormKind norm);
[[nodiscard]] const char* to_string(PositionKind position);

}  // namespace npusim
