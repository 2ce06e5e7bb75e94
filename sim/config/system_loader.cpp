#include "sim/config/system_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/chip_loader.h"
#include "sim/config/set_override.h"
#include "sim/config/yaml_reader.h"
#include "sim/config/preset_files.h"

namespace npusim {
namespace fs = std::filesystem;
using config::Bound;
using config::Layer;
using config::MapReader;

namespace {

/// Largest NPU count: the SystemC model builds a module per NPU and per link direction.
constexpr uint32_t kMaxNpus = 256;

fs::path systems_dir() {
  return data_dir() / "configs" / "systems";
}


fs::path resolve(const std::string& name_or_path) {
  if (config::looks_like_path(name_or_path)) return name_or_path;
  const fs::path p = systems_dir() / (name_or_path + ".yaml");
  if (fs::is_regular_file(p)) return p;
  throw InputError(name_or_path + ": " + config::unknown_preset_text("system preset", name_or_path,
                                                                   systems_dir()));
}


/// Keys each topology kind reads (besides `kind`); see TopologyConfig.
const std::map<std::string, std::vector<std::string>>& topology_keys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"full_mesh", {"kind", "mesh_link", "mesh_links_per_peer"}},
      {"mesh_groups", {"kind", "group_size", "mesh_link", "mesh_links_per_peer", "bridge"}},
      {"switch", {"kind", "bridge"}},
  };
  return keys;
}

std::string link_ref(const MapReader& m, const std::string& key, const SystemConfig& s) {
  const std::string name = m.text(key);
  if (s.link_types.contains(name)) return name;
  std::vector<std::string> names;
  for (const auto& [n, _] : s.link_types) names.push_back(n);
  m.fail(key, "unknown link type '" + name + "' in '" + m.path_of(key) + "'" +
                  did_you_mean(name, names) + " (expected a key of link_types: " + join(names) +
                  ")");
}

LinkTypeConfig read_link_type(const MapReader& m, const std::string& name) {
  LinkTypeConfig l;
  l.name = name;
  l.kind = m.text("kind");
  if (std::find(link_kinds().begin(), link_kinds().end(), l.kind) == link_kinds().end())
    m.fail("kind", "invalid value for '" + m.path_of("kind") + "': '" + l.kind + "'" +
                       did_you_mean(l.kind, link_kinds()) +
                       " (expected one of: " + join(link_kinds()) + ")");
  l.lanes = m.u32("lanes", 1);
  l.lane_gbps = m.number("lane_gbps", Bound::positive);
  l.encoding = m.text("encoding");
  const auto efficiency = parse_encoding(l.encoding);
  if (!efficiency)
    m.fail("encoding", "invalid value for '" + m.path_of("encoding") + "': '" + l.encoding +
                           "' (expected a line code such as 128b/130b, 64b/66b, 256b/257b, "
                           "terms joined by '+' such as 256b/257b+RS(544,514), or none)");
  l.encoding_efficiency = *efficiency;
  l.flit_bytes = m.u32("flit_bytes", 1);
  l.flit_header_bytes = m.u32("flit_header_bytes", 0);
  if (l.flit_header_bytes >= l.flit_bytes)
    m.fail("flit_header_bytes", "invalid value for '" + m.path_of("flit_header_bytes") +
                                    "': " + m.raw("flit_header_bytes") +
                                    " (expected fewer bytes than flit_bytes = " +
                                    std::to_string(l.flit_bytes) + ", so a flit carries payload)");
  l.buffer_flits = m.u32("buffer_flits", 1);
  l.credit_return_ns = m.number("credit_return_ns", Bound::non_negative);
  l.serdes_ns = m.number("serdes_ns", Bound::non_negative);
  l.wire_ns = m.number("wire_ns", Bound::non_negative);
  if (m.has("protocol_efficiency"))
    l.protocol_efficiency = m.number("protocol_efficiency", Bound::fraction);
  if (m.has("ring_fill_kib")) {
    const double kib = m.number("ring_fill_kib", Bound::non_negative);
    l.ring_fill_bytes = static_cast<uint64_t>(kib * 1024);
  }
  return l;
}

SwitchConfig read_switch(const MapReader& m, const SystemConfig& s) {
  SwitchConfig sw;
  sw.link = link_ref(m, "link", s);
  sw.links_per_npu = m.u32("links_per_npu", 1);
  sw.latency_ns = m.number("latency_ns", Bound::non_negative);
  return sw;
}

TopologyConfig read_topology(const MapReader& root, const SystemConfig& s) {
  std::vector<std::string> all_keys;
  for (const auto& [kind, keys] : topology_keys())
    for (const auto& k : keys)
      if (std::find(all_keys.begin(), all_keys.end(), k) == all_keys.end()) all_keys.push_back(k);
  TopologyConfig t;
  t.kind = root.map("topology", all_keys).text("kind");
  const auto found = topology_keys().find(t.kind);
  if (found == topology_keys().end()) {
    const MapReader any = root.map("topology", all_keys);
    any.fail("kind", "invalid value for 'topology.kind': '" + t.kind + "'" +
                         did_you_mean(t.kind, topology_kinds()) +
                         " (expected one of: " + join(topology_kinds()) + ")");
  }
  // Re-open with only this kind's keys, so a key another kind uses is reported here.
  const MapReader m = root.map("topology", found->second);
  if (t.kind == "full_mesh" || t.kind == "mesh_groups") {
    t.mesh_link = link_ref(m, "mesh_link", s);
    t.mesh_links_per_peer = m.u32("mesh_links_per_peer", 1);
  }
  if (t.kind == "mesh_groups") {
    t.group_size = m.u32("group_size", 2);
    if (s.npus % t.group_size != 0 || t.group_size >= s.npus)
      m.fail("group_size", "invalid value for 'topology.group_size': " + m.raw("group_size") +
                               " with npus = " + std::to_string(s.npus) +
                               " (expected a divisor of npus smaller than npus; one group is "
                               "kind: full_mesh)");
  }
  if (t.kind == "mesh_groups" || t.kind == "switch")
    t.bridge = read_switch(m.map("bridge", {"link", "links_per_npu", "latency_ns"}), s);
  return t;
}

/// Every link a topology uses must buffer at least one simulated packet, or it would never
/// get the credits to send one.
void check_buffers(const SystemConfig& s, const std::map<std::string, SourcePos>& buffer_at) {
  std::vector<std::string> used;
  if (!s.topology.mesh_link.empty()) used.push_back(s.topology.mesh_link);
  if (!s.topology.bridge.link.empty()) used.push_back(s.topology.bridge.link);
  for (const std::string& name : used) {
    const LinkTypeConfig& l = s.link_types.at(name);
    const uint64_t need = l.flits(s.dma.packet_bytes);
    if (l.buffer_flits < need)
      throw InputError(buffer_at.at(name), "invalid value for 'link_types." + name +
                                               ".buffer_flits': " + std::to_string(l.buffer_flits) +
                                               " cannot hold one simulated packet of "
                                               "dma.packet_bytes = " +
                                               std::to_string(s.dma.packet_bytes) +
                                               " bytes (expected >= " + std::to_string(need) +
                                               " flits of " +
                                               std::to_string(l.flit_payload_bytes()) +
                                               " payload bytes, or a smaller dma.packet_bytes)");
  }
}

SystemConfig read_system(const std::vector<Layer>& layers, const fs::path& file,
                         const std::vector<std::string>& chip_overrides) {
  const MapReader root = MapReader::root(layers,
                                         {"name", "description", "chip", "npus", "npus_per_chip",
                                          "dma", "collective", "link_types", "topology", "nic"},
                                         nullptr);
  SystemConfig s;
  s.description = root.text("description");

  s.chip_name = root.text("chip");
  std::string chip_ref = s.chip_name;
  if (config::looks_like_path(chip_ref)) {
    if (fs::path(chip_ref).is_relative()) chip_ref = (file.parent_path() / chip_ref).string();
  } else {
    const std::vector<std::string> presets = chip_preset_names();
    if (std::find(presets.begin(), presets.end(), chip_ref) == presets.end())
      root.fail("chip", "unknown chip preset '" + chip_ref + "'" + did_you_mean(chip_ref, presets) +
                            " (expected one of: " + join(presets) + "; or a path to a chip .yaml)");
  }
  s.chip = load_chip(chip_ref, chip_overrides);

  s.npus = root.u32("npus", 2);
  if (s.npus > kMaxNpus)
    root.fail("npus", "invalid value for 'npus': " + root.raw("npus") + " (expected 2.." +
                          std::to_string(kMaxNpus) + ": one server's NPUs)");
  if (root.has("npus_per_chip")) {
    s.npus_per_chip = root.u32("npus_per_chip", 1);
    if (s.npus_per_chip != 1 && s.npus_per_chip != s.chip.dies)
      root.fail("npus_per_chip", "invalid value for 'npus_per_chip': " + root.raw("npus_per_chip") +
                                     " (expected 1, or " + std::to_string(s.chip.dies) +
                                     " to make each die of " + s.chip.name + " its own NPU)");
  }

  const MapReader dma =
      root.map("dma", {"engines", "bytes_per_cycle", "setup_ns", "packet_bytes", "window_packets"});
  s.dma.engines = dma.u32("engines", 1);
  s.dma.bytes_per_cycle = dma.number("bytes_per_cycle", Bound::positive);
  s.dma.setup_ns = dma.number("setup_ns", Bound::non_negative);
  s.dma.packet_bytes = dma.u32("packet_bytes", 64);
  s.dma.window_packets = dma.u32("window_packets", 1);

  s.chunk_bytes = root.map("collective", {"chunk_kib"}).size_bytes("chunk_kib", 1024.0);

  const MapReader types = root.named_map("link_types");
  std::map<std::string, SourcePos> buffer_at;
  for (const std::string& name : types.names(false)) {
    const MapReader m = types.map(
        name, {"kind", "lanes", "lane_gbps", "encoding", "flit_bytes", "flit_header_bytes",
               "buffer_flits", "credit_return_ns", "serdes_ns", "wire_ns", "protocol_efficiency",
               "ring_fill_kib"});
    s.link_types[name] = read_link_type(m, name);
    buffer_at[name] = m.where("buffer_flits");
  }
  if (s.link_types.empty())
    throw InputError(types.where(), "'link_types' is empty (expected at least one link type)");

  s.topology = read_topology(root, s);
  check_buffers(s, buffer_at);

  if (root.has("nic")) {
    const MapReader nic = root.map("nic", {"link", "ports_per_npu"});
    s.has_nic = true;
    s.nic.link = link_ref(nic, "link", s);
    s.nic.ports_per_npu = nic.u32("ports_per_npu", 1);
  }
  return s;
}

}  // namespace

std::vector<std::string> system_preset_names() { return config::list_yaml_presets(systems_dir()); }

const std::vector<std::string>& topology_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const auto& [kind, _] : topology_keys()) k.push_back(kind);
    return k;
  }();
  return kinds;
}

const std::vector<std::string>& link_kinds() {
  static const std::vector<std::string> kinds = {"hccs", "sio",    "pcie",
                                                 "roce", "nvlink", "infiniband"};
  return kinds;
}

SystemConfig load_system(const std::string& name_or_path,
                         const std::vector<std::string>& overrides) {
  // Overrides first, so a malformed --set is reported even if the file is broken too.
  std::vector<Layer> layers;
  std::vector<std::string> chip_overrides;
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (it->starts_with("chip.")) continue;
    const std::string key = it->substr(0, it->find('='));
    if (key == "name" || key.starts_with("name."))
      throw InputError(SourcePos{"--set " + *it, 0, 0},
                       "'name' cannot be changed with --set (it is the system file's name; "
                       "expected any other key)");
    layers.push_back(config::parse_set_override(*it));
  }
  for (const std::string& o : overrides)
    if (o.starts_with("chip.")) chip_overrides.push_back(o.substr(5));

  const fs::path path = resolve(name_or_path);
  Layer file{path.string(), false, config::parse_yaml_file(path, "system config")};
  if (!file.root.IsMap())
    throw InputError(SourcePos{path.string(), 1, 0},
                     "a system config must be a YAML map (expected keys such as name, chip, "
                     "npus, topology)");
  const SourcePos top = config::position(file, file.root.Mark());
  const YAML::Node name = file.root["name"];
  if (!name || !name.IsScalar())
    throw InputError(top, "missing required key 'name' (expected the file name without .yaml)");
  if (name.Scalar() != path.stem().string())
    throw InputError(config::position(file, name.Mark()),
                     "name '" + name.Scalar() + "' does not match the file name (expected '" +
                         path.stem().string() + "', the file name without .yaml)");
  layers.push_back(std::move(file));

  SystemConfig s = read_system(layers, path, chip_overrides);
  s.name = path.stem().string();
  s.source_path = path.string();
  s.overrides = overrides;
  return s;
}

}  // namespace npusim
