#pragma once
// Loading system configs (configs/systems/<name>.yaml): presets vs paths, --set overrides,
// and validation with one-line `path:line: what is wrong (what was expected)` errors
// (InputError), unknown keys with a did-you-mean. Keys: docs/interconnect.md.

#include <string>
#include <vector>

#include "sim/config/system_config.h"

namespace npusim {

/// Loads a system: `name_or_path` is a preset name (configs/systems/<name>.yaml under
/// data_dir()) or a path to a .yaml file. `overrides` are "a.b=value" strings from --set
/// (later ones win); those starting with "chip." go to the chip the system names (e.g.
/// chip.hbm.bandwidth_gbps=3200), all others to the system file.
/// Throws InputError on any problem with the files or the overrides.
[[nodiscard]] SystemConfig load_system(const std::string& name_or_path,
                                       const std::vector<std::string>& overrides = {});

/// Preset names found in configs/systems, sorted.
[[nodiscard]] std::vector<std::string> system_preset_names();

/// Topology kinds the loader accepts (each is a class in models/system).
[[nodiscard]] const std::vector<std::string>& topology_kinds();

/// Link kinds the loader accepts (descriptive: the numbers make the link).
[[nodiscard]] const std::vector<std::string>& link_kinds();

}  // namespace npusim
