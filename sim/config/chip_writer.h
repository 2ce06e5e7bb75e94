#pragma once
// Writes a ChipConfig back as chip YAML in the same layout the loader reads, for
// `npusim config show`. The output loads again as a chip file on its own (no base:).

#include <string>
#include <vector>

#include "sim/config/chip_config.h"
#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// YAML text for `chip`. `header` lines become leading comments; each value is followed by
/// its origin from `provenance` (file:line or --set) when known.
[[nodiscard]] std::string write_chip_yaml(const ChipConfig& chip, const Provenance& provenance,
                                          const std::vector<std::string>& header);

}  // namespace npusim::config
