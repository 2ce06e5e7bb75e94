#include "sim/config/model_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/model_math.h"
#include "sim/config/model_ops.h"
#include "sim/config/set_override.h"
#include "sim/config/yaml_reader.h"
#include "sim/config/preset_files.h"

namespace npusim {
namespace fs = std::filesystem;
using config::Layer;
using config::MapReader;

namespace {

fs::path models_dir() {
  return data_dir() / "workloads" / "models";
}


fs::path resolve(const std::string& name_or_path) {
  if (config::looks_like_path(name_or_path)) return name_or_path;
  const fs::path p = models_dir() / (name_or_path + ".yaml");
  if (fs::is_regular_file(p)) return p;
  throw InputError(name_or_path + ": " +
                   config::unknown_preset_text("model preset", name_or_path, models_dir()));
}


const std::vector<std::string> kKinds = {"dense", "moe", "encoder", "ops"};
const std::vector<std::string> kDtypes = {"bf16", "fp16", "fp32"};

std::vector<std::string> keys_of(ModelKind kind) {
  std::vector<std::string> keys = {"name", "description", "kind", "dtype"};
  const std::vector<std::string> transformer = {
      "layers",  "hidden",  "heads",      "kv_heads",           "ffn_hidden",
      "vocab",   "seq_len", "activation", "norm",               "position_embedding",
      "max_positions", "tied_embeddings", "linear_bias"};
  switch (kind) {
    case ModelKind::dense:
      keys.insert(keys.end(), transformer.begin(), transformer.end());
      break;
    case ModelKind::moe:
      keys.insert(keys.end(), transformer.begin(), transformer.end());
      keys.insert(keys.end(), {"experts", "top_k", "shared_experts", "expert_ffn_hidden",
                               "dense_layers", "moe_layer_freq"});
      break;
    case ModelKind::encoder:
      keys.insert(keys.end(), transformer.begin(), transformer.end());
      keys.push_back("type_vocab");
      break;
    case ModelKind::ops:
      keys.insert(keys.end(), {"generator", "image_size", "num_classes"});
      break;
  }
  return keys;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> all;
  for (ModelKind k : {ModelKind::dense, ModelKind::moe, ModelKind::encoder, ModelKind::ops})
    for (auto& key : keys_of(k))
      if (std::find(all.begin(), all.end(), key) == all.end()) all.push_back(key);
  return all;
}

/// Index of the value of `key` in `options`, or an error naming them.
size_t choice(const MapReader& m, const std::string& key, const std::vector<std::string>& options) {
  const std::string value = m.text(key);
  const auto it = std::find(options.begin(), options.end(), value);
  if (it == options.end())
    m.fail(key, "invalid value for '" + key + "': '" + value + "'" + did_you_mean(value, options) +
                    " (expected one of: " + join(options) + ")");
  return static_cast<size_t>(it - options.begin());
}

bool boolean(const MapReader& m, const std::string& key) {
  return choice(m, key, {"false", "true"}) == 1;
}

[[noreturn]] void bad(const MapReader& m, const std::string& key, const std::string& what,
                      const std::string& expected) {
  m.fail(key, "invalid value for '" + key + "': " + m.raw(key) + " " + what + " (expected " +
                  expected + ")");
}

void read_transformer(const MapReader& m, ModelSpec& s) {
  s.layers = m.u32("layers", 1);
  s.hidden = m.u32("hidden", 1);
  s.heads = m.u32("heads", 1);
  s.kv_heads = m.u32("kv_heads", 1);
  s.ffn_hidden = m.u32("ffn_hidden", 1);
  s.vocab = m.u32("vocab", 1);
  s.seq_len = m.u32("seq_len", 1);
  s.activation = static_cast<Activation>(choice(m, "activation", {"gelu", "swiglu"}));
  s.norm = static_cast<NormKind>(choice(m, "norm", {"layernorm", "rmsnorm"}));
  s.position_embedding =
      static_cast<PositionKind>(choice(m, "position_embedding", {"learned", "rope"}));
  s.tied_embeddings = boolean(m, "tied_embeddings");
  s.linear_bias = boolean(m, "linear_bias");

  if (s.hidden % s.heads != 0)
    bad(m, "heads", fmt::format("does not divide hidden = {}", s.hidden),
        "a divisor of hidden, so that head_dim = hidden / heads is whole");
  if (s.kv_heads > s.heads || s.heads % s.kv_heads != 0)
    bad(m, "kv_heads", fmt::format("does not divide heads = {}", s.heads),
        "a divisor of heads: each key/value head serves a whole group of query heads");
  if (s.position_embedding == PositionKind::learned) {
    s.max_positions = m.u32("max_positions", 1);
    if (s.max_positions < s.seq_len)
      bad(m, "max_positions", fmt::format("is shorter than seq_len = {}", s.seq_len),
          "at least seq_len rows in the learned position table");
  } else if (m.has("max_positions")) {
    m.fail("max_positions",
           "'max_positions' only applies to position_embedding: learned (expected no "
           "max_positions with rope)");
  }
}

void read_moe(const MapReader& m, ModelSpec& s) {
  s.experts = m.u32("experts", 1);
  s.top_k = m.u32("top_k", 1);
  s.shared_experts = m.u32("shared_experts", 0);
  s.expert_ffn_hidden = m.u32("expert_ffn_hidden", 1);
  s.dense_layers = m.u32("dense_layers", 0);
  s.moe_layer_freq = m.u32("moe_layer_freq", 1);
  if (s.top_k > s.experts)
    bad(m, "top_k", fmt::format("is more than experts = {}", s.experts),
        "1 <= top_k <= experts");
  if (s.dense_layers >= s.layers)
    bad(m, "dense_layers", fmt::format("leaves no MoE layer of layers = {}", s.layers),
        "fewer dense_layers than layers");
}

void read_ops(const MapReader& m, ModelSpec& s) {
  s.generator = config::op_generators()[choice(m, "generator", config::op_generators())];
  s.image_size = m.u32("image_size", 32);
  if (s.image_size % 32 != 0)
    bad(m, "image_size", "is not a multiple of 32",
        "a multiple of 32: the net halves the image five times");
  s.num_classes = m.u32("num_classes", 1);
  s.ops = config::resnet50_v15_ops(s.image_size, s.num_classes);
}

struct ModelSources {
  fs::path path;
  std::vector<Layer> layers;  // --set layers (last given first), then the file
};

ModelSources gather(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  ModelSources s;
  // Overrides are parsed first so a malformed --set is reported even if the file is broken too.
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    std::string text = *it;
    if (text.starts_with("model.")) text = text.substr(6);
    const std::string key = text.substr(0, text.find('='));
    if (key == "name" || key.starts_with("name."))
      throw InputError("--set " + *it +
                       ": 'name' cannot be changed with --set (it is the model file's name; "
                       "expected any other key)");
    Layer layer = config::parse_set_override(text);
    layer.origin = "--set " + *it;
    s.layers.push_back(std::move(layer));
  }
  s.path = resolve(name_or_path);
  Layer file{s.path.string(), false, config::parse_yaml_file(s.path, "model spec")};
  if (!file.root.IsMap())
    throw InputError(SourcePos{s.path.string(), 1, 0},
                     "a model spec must be a YAML map (expected keys such as name, kind, layers)");
  s.layers.push_back(std::move(file));
  return s;
}

ModelSpec read(const ModelSources& src, config::Provenance* provenance) {
  // The kind decides which keys are allowed, so read it first through every known key.
  const MapReader any = MapReader::root(src.layers, all_keys(), provenance);
  const auto kind = static_cast<ModelKind>(choice(any, "kind", kKinds));
  const MapReader m = MapReader::root(src.layers, keys_of(kind), provenance);

  ModelSpec s;
  s.kind = kind;
  s.source_path = src.path.string();
  s.name = m.text("name");
  const std::string stem = src.path.stem().string();
  if (s.name != stem)
    m.fail("name", "name '" + s.name + "' does not match the file name (expected '" + stem +
                       "', the file name without .yaml)");
  s.description = m.text("description");
  s.dtype = kDtypes[choice(m, "dtype", kDtypes)];
  if (kind == ModelKind::ops) {
    read_ops(m, s);
  } else {
    read_transformer(m, s);
    if (kind == ModelKind::moe) read_moe(m, s);
    if (kind == ModelKind::encoder) s.type_vocab = m.u32("type_vocab", 0);
  }
  return s;
}

/// `key: value  # origin` lines for the resolved YAML.
class YamlOut {
 public:
  explicit YamlOut(const config::Provenance& provenance) : provenance_(provenance) {}
  void add(const std::string& key, const std::string& value) {
    std::string line = fmt::format("{}: {}", key, value);
    if (const auto it = provenance_.find(key); it != provenance_.end())
      line = fmt::format("{:<40} # {}", line, it->second);
    text_ += line + "\n";
  }
  template <typename T>
  void add_num(const std::string& key, T value) {
    add(key, std::to_string(value));
  }
  void comment(const std::string& line) { text_ += "# " + line + "\n"; }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  const config::Provenance& provenance_;
  std::string text_;
};

}  // namespace

ModelSpec load_model(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  return read(gather(name_or_path, overrides), nullptr);
}

std::vector<std::string> model_preset_names() { return config::list_yaml_presets(models_dir()); }

std::string resolved_model_yaml(const std::string& name_or_path,
                                const std::vector<std::string>& overrides) {
  const ModelSources src = gather(name_or_path, overrides);
  config::Provenance provenance;
  const ModelSpec s = read(src, &provenance);
  YamlOut out(provenance);
  out.comment("Resolved model spec '" + s.name + "' (--set applied).");
  out.comment("file: " + s.source_path);
  for (const auto& set : overrides) out.comment("--set " + set);
  out.comment("Each value is followed by the file:line or --set it came from.");
  out.add("name", s.name);
  out.add("description", "\"" + s.description + "\"");
  out.add("kind", to_string(s.kind));
  out.add("dtype", s.dtype);
  if (s.kind == ModelKind::ops) {
    out.add("generator", s.generator);
    out.add_num("image_size", s.image_size);
    out.add_num("num_classes", s.num_classes);
    out.comment(fmt::format("generated operators ({}), batch 1, NCHW:", s.ops.size()));
    out.comment(fmt::format("{:<24} {:<9} {:>16} {:>16} {:>3} {:>2} {:>9} {:>11}", "op", "type",
                            "in (c,h,w)", "out (c,h,w)", "k", "s", "params", "macs"));
    for (const OpSpec& op : s.ops)
      out.comment(fmt::format("{:<24} {:<9} {:>16} {:>16} {:>3} {:>2} {:>9} {:>11}", op.name,
                              op.type,
                              fmt::format("{},{},{}", op.in_channels, op.in_h, op.in_w),
                              fmt::format("{},{},{}", op.out_channels, op.out_h, op.out_w),
                              op.kernel, op.stride, op.params, op.macs));
    return out.text();
  }
  out.add_num("layers", s.layers);
  out.add_num("hidden", s.hidden);
  out.add_num("heads", s.heads);
  out.add_num("kv_heads", s.kv_heads);
  out.add_num("ffn_hidden", s.ffn_hidden);
  out.add_num("vocab", s.vocab);
  out.add_num("seq_len", s.seq_len);
  out.add("activation", to_string(s.activation));
  out.add("norm", to_string(s.norm));
  out.add("position_embedding", to_string(s.position_embedding));
  if (s.position_embedding == PositionKind::learned) out.add_num("max_positions", s.max_positions);
  out.add("tied_embeddings", s.tied_embeddings ? "true" : "false");
  out.add("linear_bias", s.linear_bias ? "true" : "false");
  if (s.kind == ModelKind::encoder) out.add_num("type_vocab", s.type_vocab);
  if (s.kind == ModelKind::moe) {
    out.add_num("experts", s.experts);
    out.add_num("top_k", s.top_k);
    out.add_num("shared_experts", s.shared_experts);
    out.add_num("expert_ffn_hidden", s.expert_ffn_hidden);
    out.add_num("dense_layers", s.dense_layers);
    out.add_num("moe_layer_freq", s.moe_layer_freq);
  }
  return out.text();
}

}  // namespace npusim
