#include "sim/config/model_config.h"

namespace npusim {

bool ModelSpec::is_moe_layer(uint32_t i) const {
  if (kind != ModelKind::moe || i < dense_layers || i >= layers || moe_layer_freq == 0)
    return false;
  return (i - dense_layers) % moe_layer_freq == 0;
}

uint32_t ModelSpec::moe_layers() const {
  uint32_t n = 0;
  for (uint32_t i = 0; i < layers; ++i) n += is_moe_layer(i) ? 1U : 0U;
  return n;
}

const char* to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::dense: return "dense";
    case ModelKind::moe: return "moe";
    case ModelKind::encoder: return "encoder";
    case ModelKind::ops: return "ops";
  }
  return "?";
}

const char* to_string(Activation activation) {
  return activation == Activation::gelu ? "gelu" : "swiglu";
}

const char* to_string(NormKind norm) {
  return norm == NormKind::layernorm ? "layernorm" : "rmsnorm";
}

const char* to_string(PositionKind position) {
  return position == PositionKind::learned ? "learned" : "rope";
}

}  // namespace npusim
