#pragma once
// The chip top: builds cores, the interconnect and every die's memory (L2 + HBM) from a
// ChipConfig alone, and binds them. Core ids: all cube-side cores (aicore or aic) first,
// then the vector cores (aiv); a core of kind k and index i sits on die i / (per-die count).

#include <memory>
#include <systemc>
#include <vector>

#include "models/core/ai_core.h"
#include "models/memory/die_memory.h"
#include "models/noc/interconnect.h"
#include "sim/config/chip_config.h"

namespace npusim {

class ChipModel : public sc_core::sc_module {
public:
  ChipModel(sc_core::sc_module_name name, const ChipConfig& chip);

  [[nodiscard]] const ChipConfig& config() const { return chip_; }
  [[nodiscard]] const std::vector<std::unique_ptr<AiCore>>& cores() const { return cores_; }
  /// The core of a kind and index, or nullptr if the chip has no such core.
  [[nodiscard]] AiCore* core(CoreKind kind, uint32_t index) const;
  [[nodiscard]] const std::vector<std::unique_ptr<DieMemory>>& dies() const { return dies_; }
  [[nodiscard]] Interconnect& interconnect() { return *noc_; }

  /// Clears caches, resource queues and counters before the next kernel.
  void reset_memory();

private:
  const ChipConfig& chip_;
  std::unique_ptr<Interconnect> noc_;
  std::vector<std::unique_ptr<DieMemory>> dies_;
  std::vector<std::unique_ptr<AiCore>> cores_;
  uint32_t cube_side_count_ = 0;
};

}  // namespace npusim
