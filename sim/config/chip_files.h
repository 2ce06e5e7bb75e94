#pragma once
// Finding and parsing chip files: preset names vs paths, YAML syntax errors with file:line,
// and the `base:` chain (preset inheritance) with cycle detection.

#include <filesystem>
#include <string>
#include <vector>

#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// A chip file and the files it inherits from.
struct ChipFiles {
  std::string name;           ///< stem of the requested file (the preset name)
  std::string path;           ///< the requested file as opened
  std::vector<Layer> layers;  ///< requested file first, then its base, its base's base, ...
};

/// configs/chips under data_dir().
[[nodiscard]] std::filesystem::path chip_presets_dir();

/// Stems of configs/chips/*.yaml, sorted.
[[nodiscard]] std::vector<std::string> list_chip_presets();

/// Loads a preset name or a .yaml path and follows its `base:` chain.
[[nodiscard]] ChipFiles load_chip_files(const std::string& name_or_path);

}  // namespace npusim::config
