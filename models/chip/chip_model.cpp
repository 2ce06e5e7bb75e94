#include "models/chip/chip_model.h"

#include <string>

#include "models/noc/noc_topology.h"

namespace npusim {

ChipModel::ChipModel(sc_core::sc_module_name name, const ChipConfig& chip)
    : sc_core::sc_module(name), chip_(chip) {
  noc_ = std::make_unique<Interconnect>("noc", chip);
  for (uint32_t d = 0; d < chip.dies; ++d) {
    dies_.push_back(std::make_unique<DieMemory>(("die" + std::to_string(d)).c_str(), chip,
                                                make_noc_topology(noc_geometry(chip))));
    noc_->to_memory.bind(dies_.back()->socket);
  }

  auto add_cores = [&](CoreKind kind, uint32_t per_die) {
    for (uint32_t i = 0; i < per_die * chip.dies; ++i) {
      const std::string core_name = std::string(name_of(kind)) + std::to_string(i);
      cores_.push_back(std::make_unique<AiCore>(core_name.c_str(), chip, kind, i));
      cores_.back()->to_noc.bind(noc_->from_cores);
      noc_->add_core(i / per_die);
    }
  };
  const CoreKind cube_kind = chip.split ? CoreKind::aic : CoreKind::aicore;
  add_cores(cube_kind, chip.cube_cores);
  cube_side_count_ = static_cast<uint32_t>(cores_.size());
  if (chip.split) {
    add_cores(CoreKind::aiv, chip.vector_cores);
    // Group i: AIC i with the AIVs i*r .. i*r+r-1, r = vector cores per cube core.
    const uint32_t ratio = chip.cube_cores > 0 ? chip.vector_cores / chip.cube_cores : 0;
    for (uint32_t i = 0; i < cube_side_count_; ++i) {
      std::vector<AiCore*> group = {cores_[i].get()};
      for (uint32_t j = 0; j < ratio; ++j) group.push_back(core(CoreKind::aiv, i * ratio + j));
      for (AiCore* member : group) {
        std::vector<AiCore*> peers;
        for (AiCore* other : group)
          if (other != member && other != nullptr) peers.push_back(other);
        if (member != nullptr) member->set_group(peers);
      }
    }
  }
}

AiCore* ChipModel::core(CoreKind kind, uint32_t index) const {
  const bool cube_side = kind == CoreKind::aicore || kind == CoreKind::aic;
  if ((kind == CoreKind::aicore) == chip_.split && kind != CoreKind::aiv) return nullptr;
  if (kind == CoreKind::aiv && !chip_.split) return nullptr;
  const size_t id = cube_side ? index : cube_side_count_ + size_t(index);
  if (cube_side && index >= cube_side_count_) return nullptr;
  if (id >= cores_.size()) return nullptr;
  return cores_[id].get();
}

void ChipModel::reset_memory() {
  noc_->reset();
  for (auto& die : dies_) die->reset();
}

}  // namespace npusim
