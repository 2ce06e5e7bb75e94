#pragma once
// Finding and parsing DRAM preset files (configs/memory/<name>.yaml): preset names vs paths and
// YAML syntax errors with file:line. DRAM presets have no `base:` inheritance; a variant is a
// new file or a --set override.

#include <filesystem>
#include <string>
#include <vector>

#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// One DRAM preset file.
struct DramFile {
  std::string name;  ///< stem of the file (the preset name)
  std::string path;  ///< the file as opened
  Layer layer;
};

/// configs/memory under data_dir().
[[nodiscard]] std::filesystem::path dram_presets_dir();

/// Stems of configs/memory/*.yaml, sorted.
[[nodiscard]] std::vector<std::string> list_dram_presets();

/// Whether `name_or_path` is written as a path ("x.yaml", "dir/x") rather than a preset name.
[[nodiscard]] bool is_dram_path(const std::string& name_or_path);

/// "unknown DRAM preset 'x' (did you mean 'y'?) (expected one of: ...)" when `name` is neither
/// a preset nor written as a path; empty when it is fine. Used by the chip reader for hbm.dram.
[[nodiscard]] std::string check_dram_reference(const std::string& name);

/// Loads a preset name or a .yaml path. Throws InputError (file:line for syntax errors).
[[nodiscard]] DramFile load_dram_file(const std::string& name_or_path);

}  // namespace npusim::config
