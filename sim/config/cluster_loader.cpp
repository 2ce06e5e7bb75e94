#include "sim/config/cluster_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/preset_files.h"
#include "sim/config/set_override.h"
#include "sim/config/system_loader.h"
#include "sim/config/yaml_reader.h"
#include "sim/config/yaml_text.h"

namespace npusim {
namespace fs = std::filesystem;
using config::Bound;
using config::Layer;
using config::MapReader;
using config::Provenance;
using config::quoted;
using config::YamlText;

namespace {

constexpr uint32_t kMaxTiers = 4;
constexpr double kMaxPue = 3.0;

fs::path clusters_dir() {
  return data_dir() / "configs" / "clusters";
}

using config::looks_like_path;

/// The requested file first, then its base, its base's base, ...
std::vector<Layer> load_files(const std::string& name_or_path) {
  const config::PresetFamily clusters{clusters_dir(), "cluster",
                                      "name, node, max_npus, scale_out, facility"};
  return config::load_preset_files(clusters, name_or_path).layers;
}

/// Everything a cluster is read from.
struct ClusterSources {
  std::vector<Layer> files;            ///< requested file first, then its bases
  std::vector<Layer> layers;           ///< --set layers (last given first), then the files
  std::vector<std::string> node_sets;  ///< "node.x=v" overrides without the "node." prefix
};

ClusterSources gather(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  // Overrides first, so a malformed --set is reported even if the file is broken too.
  ClusterSources s;
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (it->starts_with("node.")) continue;
    const std::string key = it->substr(0, it->find('='));
    for (const char* fixed : {"name", "base"})
      if (key == fixed || key.starts_with(std::string(fixed) + "."))
        throw InputError(SourcePos{"--set " + *it, 0, 0},
                         std::string("'") + fixed +
                             "' cannot be changed with --set (it names a file; expected any "
                             "other key, or node.KEY for the node's system)");
    s.layers.push_back(config::parse_set_override(*it));
  }
  for (const std::string& o : overrides)
    if (o.starts_with("node.")) s.node_sets.push_back(o.substr(5));
  s.files = load_files(name_or_path);
  s.layers.insert(s.layers.end(), s.files.begin(), s.files.end());
  return s;
}

void check_one_of(const MapReader& m, const std::string& key, const std::string& value,
                  const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
    m.fail(key, "invalid value for '" + m.path_of(key) + "': '" + value + "'" +
                    did_you_mean(value, allowed) + " (expected one of: " + join(allowed) + ")");
}

/// The node's system: a preset name, or a path relative to the file that names it.
SystemConfig read_node(const MapReader& root, ClusterConfig& c,
                       const std::vector<std::string>& node_sets) {
  c.node_name = root.text("node");
  std::string ref = c.node_name;
  if (looks_like_path(ref)) {
    const SourcePos at = root.where("node");
    if (fs::path(ref).is_relative() && !at.path.starts_with("--set"))
      ref = (fs::path(at.path).parent_path() / ref).lexically_normal().string();
  } else {
    const std::vector<std::string> presets = system_preset_names();
    if (std::find(presets.begin(), presets.end(), ref) == presets.end())
      root.fail("node", "unknown system preset '" + ref + "' for 'node'" +
                            did_you_mean(ref, presets) + " (expected one of: " + join(presets) +
                            "; or a path to a system .yaml)");
  }
  return load_system(ref, node_sets);
}

const std::vector<std::string>& scale_out_keys() {
  static const std::vector<std::string> keys = {"topology",          "tiers",
                                                "rails",             "nic_gbps_per_npu",
                                                "link_latency_ns",   "switch_latency_ns",
                                                "oversubscription"};
  return keys;
}

ScaleOutConfig read_scale_out(const MapReader& root, const ClusterConfig& c) {
  const MapReader m = root.map("scale_out", scale_out_keys());
  ScaleOutConfig s;
  s.topology = m.text("topology");
  check_one_of(m, "topology", s.topology, cluster_topologies());
  s.tiers = m.u32("tiers", 1);
  if (s.tiers > kMaxTiers)
    m.fail("tiers", "invalid value for 'scale_out.tiers': " + m.raw("tiers") + " (expected 1.." +
                        std::to_string(kMaxTiers) + " switch tiers)");
  s.rails = m.u32("rails", 1);
  if (s.rails > c.node.npus || c.node.npus % s.rails != 0)
    m.fail("rails", "invalid value for 'scale_out.rails': " + m.raw("rails") + " with " +
                        std::to_string(c.node.npus) + " NPUs per node (expected a divisor of " +
                        std::to_string(c.node.npus) + "; 1 = no rails)");
  s.nic_gbps_per_npu = m.number("nic_gbps_per_npu", Bound::positive);
  if (c.node.has_nic) {
    const LinkTypeConfig& nic = c.node.link(c.node.nic.link);
    const double node_gbps = nic.data_bytes_per_s(c.node.nic.ports_per_npu) * 8 / 1e9;
    if (s.nic_gbps_per_npu > node_gbps * 1.001)
      m.fail("nic_gbps_per_npu",
             "invalid value for 'scale_out.nic_gbps_per_npu': " + m.raw("nic_gbps_per_npu") +
                 " exceeds the NIC of node " + c.node.name + fmt::format(" ({:.6g} Gb/s: ", node_gbps) +
                 std::to_string(c.node.nic.ports_per_npu) + " x " + nic.name +
                 ") (expected at most the node's NIC rate)");
  }
  s.link_latency_ns = m.number("link_latency_ns", Bound::non_negative);
  s.switch_latency_ns = m.number("switch_latency_ns", Bound::non_negative);
  s.oversubscription = m.number("oversubscription", Bound::positive);
  if (s.oversubscription < 1)
    m.fail("oversubscription", "invalid value for 'scale_out.oversubscription': " +
                                   m.raw("oversubscription") +
                                   " (expected >= 1: leaf downlink to uplink bandwidth, 1 = "
                                   "non-blocking)");
  if (s.tiers == 1 && s.oversubscription != 1)
    m.fail("oversubscription", "invalid value for 'scale_out.oversubscription': " +
                                   m.raw("oversubscription") +
                                   " with tiers: 1 (expected 1: a single switch tier has no "
                                   "uplinks to oversubscribe)");
  return s;
}

SupernodeConfig read_supernode(const MapReader& root, const ClusterConfig& c) {
  const MapReader m =
      root.map("supernode", {"npus", "gbps_per_npu", "link_latency_ns", "switch_latency_ns"});
  SupernodeConfig s;
  s.npus = m.u32("npus", 2);
  if (s.npus % c.node.npus != 0 || s.npus <= c.node.npus)
    m.fail("npus", "invalid value for 'supernode.npus': " + m.raw("npus") + " with node " +
                       c.node.name + " of " + std::to_string(c.node.npus) +
                       " NPUs (expected a multiple of " + std::to_string(c.node.npus) +
                       " larger than one node)");
  s.gbps_per_npu = m.number("gbps_per_npu", Bound::positive);
  s.link_latency_ns = m.number("link_latency_ns", Bound::non_negative);
  s.switch_latency_ns = m.number("switch_latency_ns", Bound::non_negative);
  return s;
}

FacilityConfig read_facility(const MapReader& root) {
  const MapReader m = root.map("facility", {"pue", "other_power_w_per_npu"});
  FacilityConfig f;
  f.pue = m.number("pue", Bound::positive);
  if (f.pue < 1 || f.pue > kMaxPue)
    m.fail("pue", "invalid value for 'facility.pue': " + m.raw("pue") +
                      fmt::format(" (expected 1..{}: facility power / IT power)", kMaxPue));
  if (m.has("other_power_w_per_npu"))
    f.other_power_w_per_npu = m.number("other_power_w_per_npu", Bound::non_negative);
  return f;
}

ClusterConfig read_cluster(const ClusterSources& src, Provenance* provenance) {
  const MapReader root = MapReader::root(src.layers,
                                         {"name", "description", "base", "node", "max_npus",
                                          "scale_out", "supernode", "facility"},
                                         provenance);
  ClusterConfig c;
  c.name = fs::path(src.files.front().origin).stem().string();
  c.source_path = src.files.front().origin;
  for (size_t i = 1; i < src.files.size(); ++i) c.base_paths.push_back(src.files[i].origin);
  c.description = root.text("description");
  c.node = read_node(root, c, src.node_sets);

  c.max_npus = root.u32("max_npus", 1);
  if (c.max_npus % c.node.npus != 0)
    root.fail("max_npus", "invalid value for 'max_npus': " + root.raw("max_npus") +
                              " is not a whole number of " + c.node.name + " nodes (expected a "
                              "multiple of " + std::to_string(c.node.npus) + ")");

  c.scale_out = read_scale_out(root, c);
  const bool is_supernode = c.scale_out.topology == "supernode";
  if (is_supernode && !root.has("supernode"))
    throw InputError(root.map("scale_out", scale_out_keys()).where("topology"),
                     "scale_out.topology: supernode needs a 'supernode' map (expected keys npus, "
                     "gbps_per_npu, link_latency_ns, switch_latency_ns)");
  if (!is_supernode && root.has("supernode"))
    root.fail("supernode", "'supernode' is given but scale_out.topology is '" +
                               c.scale_out.topology +
                               "' (expected topology: supernode, or no supernode map)");
  if (is_supernode) {
    c.supernode = read_supernode(root, c);
    if (c.max_npus % c.supernode->npus != 0)
      root.fail("max_npus", "invalid value for 'max_npus': " + root.raw("max_npus") +
                                " is not a whole number of supernodes (expected a multiple of "
                                "supernode.npus = " +
                                std::to_string(c.supernode->npus) + ")");
  }
  c.facility = read_facility(root);
  return c;
}

}  // namespace

std::vector<std::string> cluster_preset_names() {
  return config::list_yaml_presets(clusters_dir());
}

const std::vector<std::string>& cluster_topologies() {
  static const std::vector<std::string> kinds = {"clos", "fat_tree", "supernode"};
  return kinds;
}

ClusterConfig load_cluster(const std::string& name_or_path,
                           const std::vector<std::string>& overrides) {
  ClusterConfig c = read_cluster(gather(name_or_path, overrides), nullptr);
  c.overrides = overrides;
  return c;
}

std::string resolved_cluster_yaml(const std::string& name_or_path,
                                  const std::vector<std::string>& overrides) {
  const ClusterSources src = gather(name_or_path, overrides);
  Provenance provenance;
  const ClusterConfig c = read_cluster(src, &provenance);
  YamlText y(provenance);
  y.comment("Resolved cluster config '" + c.name + "' (base: inheritance and --set applied).");
  y.comment("file: " + c.source_path);
  for (const auto& b : c.base_paths) y.comment("base: " + b);
  for (const auto& o : overrides) y.comment("--set " + o);
  if (!src.node_sets.empty())
    y.comment("node.* overrides go to the node's system and are not part of this file.");
  y.comment("Each value is followed by the file:line or --set it came from.");
  y.value("name", c.name);
  y.value("description", quoted(c.description));
  y.value("node", looks_like_path(c.node_name) ? c.node.source_path : c.node_name);
  y.value("max_npus", c.max_npus);
  y.open("scale_out");
  y.value("topology", c.scale_out.topology);
  y.value("tiers", c.scale_out.tiers);
  y.value("rails", c.scale_out.rails);
  y.value("nic_gbps_per_npu", c.scale_out.nic_gbps_per_npu);
  y.value("link_latency_ns", c.scale_out.link_latency_ns);
  y.value("switch_latency_ns", c.scale_out.switch_latency_ns);
  y.value("oversubscription", c.scale_out.oversubscription);
  y.close();
  if (c.supernode) {
    y.open("supernode");
    y.value("npus", c.supernode->npus);
    y.value("gbps_per_npu", c.supernode->gbps_per_npu);
    y.value("link_latency_ns", c.supernode->link_latency_ns);
    y.value("switch_latency_ns", c.supernode->switch_latency_ns);
    y.close();
  }
  y.open("facility");
  y.value("pue", c.facility.pue);
  if (c.facility.other_power_w_per_npu)
    y.value("other_power_w_per_npu", *c.facility.other_power_w_per_npu);
  y.close();
  return y.str();
}

}  // namespace npusim
