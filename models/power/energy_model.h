#pragma once
// The energy ledger: dynamic energy = event counts x per-event energy from the chip config;
// static energy = static power of every core and every die's uncore x elapsed time.

#include <map>
#include <string>

#include "models/power/activity.h"
#include "sim/config/chip_config.h"

namespace npusim {

struct EnergyBreakdown {
  std::map<std::string, double> joules;  ///< by unit: cube, vector, scalar, l1, ..., hbm, static
  double dynamic_j = 0;
  double static_j = 0;
  [[nodiscard]] double total_j() const { return dynamic_j + static_j; }
};

/// Prices `counts` with `chip.energy` for a run that lasted `seconds`.
[[nodiscard]] EnergyBreakdown compute_energy(const ActivityCounts& counts, const ChipConfig& chip,
                                             double seconds);

}  // namespace npusim
