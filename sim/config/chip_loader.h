#pragma once
// Loading chip configs: presets in configs/chips, `base:` inheritance, --set overrides, and
// validation with one-line `path:line: what is wrong (what was expected)` errors (InputError).
// The YAML layout and every key are documented in docs/config.md.

#include <string>
#include <vector>

#include "sim/config/chip_config.h"

namespace npusim {

/// Loads a chip: `name_or_path` is a preset name (configs/chips/<name>.yaml under data_dir()
/// from sim/base/paths.h) or a path to a .yaml file. `overrides` are "a.b.c=value" strings
/// from --set, applied before validation (later ones win).
/// Throws InputError on any problem with the files or the overrides.
[[nodiscard]] ChipConfig load_chip(const std::string& name_or_path,
                                   const std::vector<std::string>& overrides = {});

/// Preset names found in configs/chips, sorted.
[[nodiscard]] std::vector<std::string> chip_preset_names();

/// The resolved config (after inheritance and overrides) as YAML text, for `npusim config
/// show`. Each value carries a comment naming the file:line or --set it came from; the text
/// loads again as a chip file on its own once saved as <name>.yaml.
[[nodiscard]] std::string resolved_chip_yaml(const std::string& name_or_path,
                                             const std::vector<std::string>& overrides = {});

}  // namespace npusim
