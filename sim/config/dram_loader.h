#pragma once
// Loading DRAM presets (configs/memory/<name>.yaml): --set overrides, validation with one-line
// `path:line: what is wrong (what was expected)` errors, and the consistency check between a
// chip's `hbm` section and the DRAM preset it names in `hbm.dram`. Keys: docs/memory.md.

#include <string>
#include <vector>

#include "sim/config/chip_config.h"
#include "sim/config/dram_config.h"

namespace npusim {

/// Names the DRAM model accepts for its pluggable parts, so a misspelt name is reported at its
/// key with a did-you-mean (the registries live in models/memory, above this library).
struct DramChoices {
  std::vector<std::string> schedulers;
  std::vector<std::string> address_maps;
};

/// Loads a DRAM preset name (configs/memory/<name>.yaml) or .yaml path. `overrides` are
/// "dram.a.b=value" strings (the `dram.` prefix names the DRAM file, as on `npusim mem run`),
/// applied before validation; later ones win. Throws InputError on any problem.
[[nodiscard]] DramConfig load_dram(const std::string& name_or_path,
                                   const std::vector<std::string>& overrides,
                                   const DramChoices& choices);

/// Preset names found in configs/memory, sorted.
[[nodiscard]] std::vector<std::string> dram_preset_names();

/// Relative mismatch allowed between hbm.bandwidth_gbps and channels x the DRAM's pin rate.
inline constexpr double kDramBandwidthTolerance = 0.05;

/// Checks that the chip's hbm section describes `dram`: hbm.channels x pseudo-channels x
/// bus_bits x data rate within 5 % of hbm.bandwidth_gbps, and hbm.capacity_gib equal to
/// hbm.channels x the DRAM's channel capacity. Throws InputError naming both numbers.
void check_chip_dram(const ChipConfig& chip, const DramConfig& dram);

}  // namespace npusim
