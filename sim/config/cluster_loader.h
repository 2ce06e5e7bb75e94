#pragma once
// Loading cluster configs (configs/clusters/<name>.yaml): presets vs paths, `base:`
// inheritance, --set overrides, the node's system preset (through load_system), and
// validation with one-line `path:line: what is wrong (what was expected)` errors
// (InputError), unknown keys with a did-you-mean. Keys: docs/clusters.md.

#include <string>
#include <vector>

#include "sim/config/cluster_config.h"

namespace npusim {

/// Loads a cluster: `name_or_path` is a preset name (configs/clusters/<name>.yaml under
/// data_dir()) or a path to a .yaml file. `overrides` are "a.b=value" strings from --set
/// (later ones win); those starting with "node." go to the node's system (e.g.
/// node.chip.hbm.capacity_gib=40 or node.npus=4), all others to the cluster file.
/// Throws InputError on any problem with the files or the overrides.
[[nodiscard]] ClusterConfig load_cluster(const std::string& name_or_path,
                                         const std::vector<std::string>& overrides = {});

/// Preset names found in configs/clusters, sorted.
[[nodiscard]] std::vector<std::string> cluster_preset_names();

/// Scale-out topologies the loader accepts.
[[nodiscard]] const std::vector<std::string>& cluster_topologies();

/// The resolved cluster (after base: inheritance and overrides) as YAML text, each value
/// followed by the file:line or --set it came from; it loads again as a cluster file on its
/// own once saved as <name>.yaml (no base:).
[[nodiscard]] std::string resolved_cluster_yaml(const std::string& name_or_path,
                                                const std::vector<std::string>& overrides = {});

}  // namespace npusim
