#pragma once
// The chip schema: reads a ChipConfig out of a stack of layers and checks every value and
// every cross-field rule (arch vs paths, dies vs die_link, cube dtypes vs energies).

#include <vector>

#include "sim/config/chip_config.h"
#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// Reads and validates a chip; name and source_path are left for the caller. When
/// `provenance` is given it receives the origin of every leaf value.
[[nodiscard]] ChipConfig read_chip(const std::vector<Layer>& layers, Provenance* provenance);

/// The `core` section (core_reader.cpp).
[[nodiscard]] CoreConfig read_core(const MapReader& core, bool split);

/// Vector ops every chip must price: the kernel generators emit these names.
[[nodiscard]] const std::vector<std::string>& required_vector_ops();

}  // namespace npusim::config
