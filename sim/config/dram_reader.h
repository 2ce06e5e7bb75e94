#pragma once
// The DRAM preset schema: reads a DramConfig out of a stack of layers and checks every value
// and every cross-field rule (burst vs clock ratio, tCCD vs burst, watermarks vs queue depth).

#include <vector>

#include "sim/config/dram_config.h"
#include "sim/config/dram_loader.h"
#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// Reads and validates a DRAM preset; name and source_path are left for the caller.
[[nodiscard]] DramConfig read_dram(const std::vector<Layer>& layers, const DramChoices& choices);

}  // namespace npusim::config
