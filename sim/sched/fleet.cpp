#include "sim/sched/fleet.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "sim/base/error.h"
#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/cluster_loader.h"
#include "sim/config/preset_files.h"
#include "sim/config/yaml_reader.h"

namespace npusim::sched {
namespace fs = std::filesystem;
using config::Bound;
using config::Layer;
using config::MapReader;

namespace {

fs::path fleets_dir() { return data_dir() / "configs" / "fleets"; }

Pool pool_of(const std::string& name, const std::string& cluster_name, ClusterConfig cluster,
             uint32_t nodes) {
  Pool p;
  p.name = name;
  p.cluster_name = cluster_name;
  p.npus_per_node = cluster.npus_per_node();
  p.nodes = nodes;
  p.nodes_per_pod = default_nodes_per_pod(cluster);
  p.spine_oversubscription = cluster.scale_out.oversubscription;
  p.idle_w_per_npu = idle_power_w_per_npu(cluster);
  p.pue = cluster.facility.pue;
  p.cluster = std::move(cluster);
  return p;
}

void number_pools(Fleet& f) {
  uint32_t first = 0;
  for (Pool& p : f.pools) {
    p.first_npu = first;
    first += p.npus();
  }
}

}  // namespace

std::optional<size_t> Fleet::pool_index(const std::string& pool_or_chip) const {
  for (size_t i = 0; i < pools.size(); ++i)
    if (pools[i].name == pool_or_chip) return i;
  for (size_t i = 0; i < pools.size(); ++i)
    if (pools[i].chip() == pool_or_chip) return i;
  return std::nullopt;
}

uint32_t default_nodes_per_pod(const ClusterConfig& cluster) {
  if (cluster.supernode) return std::max<uint32_t>(1, cluster.supernode->npus / cluster.npus_per_node());
  return 32;
}

double idle_power_w_per_npu(const ClusterConfig& cluster) {
  const ChipConfig& c = cluster.node.chip;
  const double chip_w = c.dies * (c.cube_cores * c.energy.static_w_per_aic +
                                  c.vector_cores * c.energy.static_w_per_aiv + c.energy.static_w_uncore);
  return chip_w / cluster.node.npus_per_chip + cluster.facility.other_power_w_per_npu.value_or(0);
}

std::vector<std::string> fleet_preset_names() { return config::list_yaml_presets(fleets_dir()); }

Fleet load_fleet(const std::string& name_or_path, uint32_t npus) {
  const bool is_fleet = config::looks_like_path(name_or_path) || fs::exists(fleets_dir() / (name_or_path + ".yaml"));
  Fleet f;
  if (!is_fleet) {
    if (!fs::exists(data_dir() / "configs" / "clusters" / (name_or_path + ".yaml"))) {
      std::vector<std::string> names = fleet_preset_names();
      for (const auto& c : cluster_preset_names()) names.push_back(c);
      throw InputError("unknown fleet or cluster '" + name_or_path + "'" + did_you_mean(name_or_path, names) +
                       " (expected one of: " + join(names) + "; or a path to a fleet .yaml file)");
    }
    ClusterConfig c = load_cluster(name_or_path);
    uint32_t nodes = c.nodes_at_max();
    if (npus > 0) {
      if (npus % c.npus_per_node() != 0 || npus > c.max_npus)
        throw InputError(fmt::format("--npus {} (expected a multiple of {} NPUs per node, at most {})", npus,
                                     c.npus_per_node(), c.max_npus));
      nodes = npus / c.npus_per_node();
    }
    f.name = name_or_path;
    f.description = c.description;
    f.source_path = c.source_path;
    const std::string cluster_name = c.name;
    f.pools.push_back(pool_of(cluster_name, cluster_name, std::move(c), nodes));
    number_pools(f);
    return f;
  }
  if (npus > 0) throw InputError("--npus applies to a cluster preset, not to a fleet file ('" + name_or_path + "')");
  const fs::path path = config::looks_like_path(name_or_path) ? fs::path(name_or_path)
                                                              : fleets_dir() / (name_or_path + ".yaml");
  Layer layer{path.string(), false, config::parse_yaml_file(path, "fleet")};
  if (!layer.root.IsMap()) throw InputError(SourcePos{path.string(), 1, 0}, "fleet file must be a YAML map (expected name, description, pools)");
  const std::vector<Layer> layers{layer};
  const MapReader root = MapReader::root(
      layers, {"name", "description", "reference_model", "reference_micro_batch", "pools"}, nullptr);
  f.name = root.text("name");
  f.description = root.text("description");
  f.source_path = path.string();
  if (root.has("reference_model")) f.reference_model = root.text("reference_model");
  if (root.has("reference_micro_batch")) f.reference_micro_batch = root.u32("reference_micro_batch", 1);
  const MapReader pools = root.named_map("pools");
  const auto names = pools.names(false);
  if (names.empty()) root.fail("pools", "no pools (expected at least one pool)");
  for (const std::string& name : names) {
    const MapReader m = pools.map(name, {"cluster", "nodes", "nodes_per_pod", "spine_oversubscription",
                                         "busy_w_per_npu", "idle_w_per_npu"});
    const std::string cluster_name = m.text("cluster");
    ClusterConfig c;
    try {
      c = load_cluster(cluster_name);
    } catch (const InputError& e) {
      m.fail("cluster", e.what());
    }
    const uint32_t nodes = m.u32("nodes", 1);
    if (uint64_t{nodes} * c.npus_per_node() > c.max_npus)
      m.fail("nodes", fmt::format("{} nodes x {} NPUs exceed the cluster's max_npus {}", nodes,
                                  c.npus_per_node(), c.max_npus));
    Pool p = pool_of(name, cluster_name, std::move(c), nodes);
    if (m.has("nodes_per_pod")) p.nodes_per_pod = m.u32("nodes_per_pod", 1);
    if (m.has("spine_oversubscription")) {
      p.spine_oversubscription = m.number("spine_oversubscription", Bound::positive);
      if (p.spine_oversubscription < 1) m.fail("spine_oversubscription", "below 1 (expected >= 1)");
    }
    if (m.has("busy_w_per_npu")) p.busy_w_per_npu = m.number("busy_w_per_npu", Bound::positive);
    if (m.has("idle_w_per_npu")) p.idle_w_per_npu = m.number("idle_w_per_npu", Bound::non_negative);
    f.pools.push_back(std::move(p));
  }
  number_pools(f);
  return f;
}

}  // namespace npusim::sched
