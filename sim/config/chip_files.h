#pragma once
// Finding chip files: configs/chips presets, and a chip file with the files it inherits from
// through `base:` (see load_preset_files).

#include <filesystem>
#include <string>
#include <vector>

#include "sim/config/preset_files.h"

namespace npusim::config {

/// A chip file and the files it inherits from.
using ChipFiles = PresetFiles;

/// configs/chips under data_dir().
[[nodiscard]] std::filesystem::path chip_presets_dir();

/// Stems of configs/chips/*.yaml, sorted.
[[nodiscard]] std::vector<std::string> list_chip_presets();

/// Loads a preset name or a .yaml path and follows its `base:` chain.
[[nodiscard]] ChipFiles load_chip_files(const std::string& name_or_path);

}  // namespace npusim::config
