#pragma once
// What every preset family (chips, DRAM, systems, ...) does with its files: tell a preset
// name from a path, list a folder's presets, and read a YAML file with clear errors.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// "ascend910b" is a preset name; "my.yaml", "x.yml" or "dir/x" is a path.
[[nodiscard]] bool looks_like_path(const std::string& name_or_path);

/// Names (file stems) of the *.yaml files in `dir`, sorted; empty if `dir` is missing.
[[nodiscard]] std::vector<std::string> list_yaml_presets(const std::filesystem::path& dir);

/// "unknown <what> 'name' (did you mean ...?) (expected one of: a, b; or a path to a .yaml
/// file)" for a name that is neither a preset in `dir` nor a path.
[[nodiscard]] std::string unknown_preset_text(std::string_view what, const std::string& name,
                                              const std::filesystem::path& dir);

/// Reads and parses a YAML file. A missing, unreadable or directory path calls `fail` with
/// a message such as "cannot open chip config (no such file)" (it must throw; by default
/// InputError "path: message"); a YAML syntax error is InputError `path:line:col`.
/// `what` names the file kind in messages ("chip config", "DRAM preset", ...).
[[nodiscard]] YAML::Node parse_yaml_file(
    const std::filesystem::path& path, std::string_view what,
    const std::function<void(const std::string& message)>& fail = {});

/// A family of presets that inherit from each other with `base:` (chips, clusters).
struct PresetFamily {
  std::filesystem::path dir;  ///< where its presets live (configs/chips, ...)
  std::string kind;           ///< "chip", "cluster": used in messages
  std::string map_keys;       ///< examples of top-level keys, for "must be a YAML map" errors
};

/// A preset file and the files it inherits from.
struct PresetFiles {
  std::string name;           ///< stem of the requested file (the preset name)
  std::string path;           ///< the requested file as opened
  std::vector<Layer> layers;  ///< requested file first, then its base, its base's base, ...
};

/// Loads a preset name or a .yaml path and follows its `base:` chain: a relative base path
/// is relative to the file that names it; a cycle is an error. Every file must be a YAML map
/// that gives its own `name` (equal to its file stem) and `description` (not inherited).
/// Errors about a base reference point at the `base:` line.
[[nodiscard]] PresetFiles load_preset_files(const PresetFamily& family,
                                            const std::string& name_or_path);

}  // namespace npusim::config
