// Builds the NetworkGraph of a cluster preset (docs/cluster-network.md): the node fabric
// (full mesh, meshes joined by a bridge switch, or one switch), the optional supernode switch
// and the scale-out Clos / fat tree with rails and oversubscription. O(npus) links plus the
// meshes' O(node^2).
//
// Latency convention: a link into a switch carries the cable and that switch's latency, a
// link out of a switch to an NPU only the cable, so a path pays each cable and switch once.

#include <algorithm>
#include <string>

#include "sim/base/error.h"
#include "sim/cluster/network_graph.h"

namespace npusim {

namespace {

/// Assumed: scale-out switch ports facing NPUs per leaf. Not in the cluster YAML (no switch
/// radix there); 32 is half of a 64-port switch with the other half going up (1:1), the
/// common leaf-spine building block (e.g. atlas900-pod's comment: 64-port leaves, 32 down).
constexpr uint32_t kEndpointsPerLeaf = 32;
/// Assumed: leaves per pod (and pods per super-pod at tier 4), a 3-tier fat tree of 32-port
/// halves: 16 leaves x 32 NPUs = 512 NPUs per pod, the usual scale of one fat-tree pod.
constexpr uint32_t kChildrenPerSwitch = 16;

TimePs ns_to_ps(double ns) { return seconds_to_ps(ns * 1e-9); }

class Builder {
 public:
  Builder(std::vector<NetLink>& links, NetworkGraph::Impl& impl, uint32_t npus)
      : links_(links), impl_(impl), next_vertex_(npus) {}

  uint32_t new_switch() { return next_vertex_++; }

  uint32_t add(uint32_t from, uint32_t to, double bytes_per_s, TimePs latency, LinkTier tier,
               bool npu_attached, std::string name) {
    if (!(bytes_per_s > 0))
      throw InputError("cluster network: link " + name + " has no bandwidth (expected > 0)");
    links_.push_back(NetLink{from, to, bytes_per_s, latency, tier, npu_attached, std::move(name)});
    return static_cast<uint32_t>(links_.size() - 1);
  }

  NetworkGraph::Impl& impl() { return impl_; }

 private:
  std::vector<NetLink>& links_;
  NetworkGraph::Impl& impl_;
  uint32_t next_vertex_;
};

std::string npu_name(uint32_t npu) { return "npu" + std::to_string(npu); }

const LinkTypeConfig& link_type(const SystemConfig& node, const std::string& name) {
  const auto found = node.link_types.find(name);
  if (found == node.link_types.end())
    throw InputError("cluster network: node " + node.name + " has no link type '" + name + "'");
  return found->second;
}

/// Full meshes of `group` consecutive NPUs: one link per ordered pair.
void build_meshes(Builder& b, const SystemConfig& node, uint32_t npus, uint32_t group) {
  const LinkTypeConfig& type = link_type(node, node.topology.mesh_link);
  const double rate = type.payload_bytes_per_s(node.topology.mesh_links_per_peer);
  const TimePs latency = ns_to_ps(type.latency_ns());
  auto& impl = b.impl();
  impl.mesh_group = group;
  for (uint32_t first = 0; first < npus; first += group) {
    const uint32_t size = std::min(group, npus - first);
    uint32_t base = kNoLink;
    for (uint32_t a = first; a < first + size; ++a)
      for (uint32_t c = first; c < first + size; ++c) {
        if (a == c) continue;
        const uint32_t id = b.add(a, c, rate, latency, LinkTier::scale_up, true,
                                  npu_name(a) + "->" + npu_name(c));
        if (base == kNoLink) base = id;
      }
    impl.mesh_base.push_back(base);
  }
}

/// One switch per node (PCIe host bridge, NVSwitch plane) with a link to and from each NPU.
void build_node_switches(Builder& b, const SystemConfig& node, uint32_t npus) {
  const SwitchConfig& bridge = node.topology.bridge;
  const LinkTypeConfig& type = link_type(node, bridge.link);
  const double rate = type.payload_bytes_per_s(bridge.links_per_npu);
  const TimePs cable = ns_to_ps(type.latency_ns());
  const TimePs into_switch = cable + ns_to_ps(bridge.latency_ns);
  auto& impl = b.impl();
  impl.bridge_up.assign(npus, kNoLink);
  impl.bridge_down.assign(npus, kNoLink);
  for (uint32_t first = 0; first < npus; first += node.npus) {
    const uint32_t sw = b.new_switch();
    const std::string sw_name = "node" + std::to_string(first / node.npus) + ".switch";
    for (uint32_t npu = first; npu < std::min(npus, first + node.npus); ++npu) {
      impl.bridge_up[npu] = b.add(npu, sw, rate, into_switch, LinkTier::scale_up, true,
                                  npu_name(npu) + "->" + sw_name);
      impl.bridge_down[npu] = b.add(sw, npu, rate, cable, LinkTier::scale_up, true,
                                    sw_name + "->" + npu_name(npu));
    }
  }
}

/// The supernode fabric as one non-blocking switch per supernode.
void build_supernodes(Builder& b, const SupernodeConfig& sn, uint32_t npus) {
  const double rate = sn.gbps_per_npu * 1e9 / 8;
  const TimePs cable = ns_to_ps(sn.link_latency_ns);
  const TimePs into_switch = cable + ns_to_ps(sn.switch_latency_ns);
  auto& impl = b.impl();
  impl.supernode_npus = sn.npus;
  impl.super_up.assign(npus, kNoLink);
  impl.super_down.assign(npus, kNoLink);
  for (uint32_t first = 0; first < npus; first += sn.npus) {
    const uint32_t sw = b.new_switch();
    const std::string sw_name = "supernode" + std::to_string(first / sn.npus);
    for (uint32_t npu = first; npu < std::min(npus, first + sn.npus); ++npu) {
      impl.super_up[npu] = b.add(npu, sw, rate, into_switch, LinkTier::supernode, true,
                                 npu_name(npu) + "->" + sw_name);
      impl.super_down[npu] = b.add(sw, npu, rate, cable, LinkTier::supernode, true,
                                   sw_name + "->" + npu_name(npu));
    }
  }
}

/// Scale-out Clos / fat tree: NICs into leaves (per rail), leaves into pods, ... into one top
/// switch. Each switch below the top has one aggregate up and one down link standing for its
/// ECMP uplink bundle: leaf uplink = its NICs' total / oversubscription; higher tiers carry
/// the sum of their children's uplinks (non-blocking above the leaf).
void build_scale_out(Builder& b, const ClusterConfig& cluster, uint32_t npus) {
  const ScaleOutConfig& so = cluster.scale_out;
  const double nic = cluster.nic_bytes_per_s_per_npu();
  const TimePs cable = ns_to_ps(so.link_latency_ns);
  const TimePs into_switch = cable + ns_to_ps(so.switch_latency_ns);
  const uint32_t tiers = std::max<uint32_t>(so.tiers, 1);
  // With one tier there is one switch, so rails have nowhere separate to go.
  const uint32_t rails = tiers == 1 ? 1 : std::max<uint32_t>(so.rails, 1);
  const uint32_t per_node = cluster.npus_per_node();
  if (!(so.oversubscription >= 1))
    throw InputError("cluster " + cluster.name + ": scale_out.oversubscription " +
                     std::to_string(so.oversubscription) + " (expected >= 1)");
  auto& impl = b.impl();
  impl.nic_up.assign(npus, kNoLink);
  impl.nic_down.assign(npus, kNoLink);
  impl.npu_leaf.assign(npus, kNoLink);

  struct Level {
    std::vector<uint32_t> ids;   // indices into impl.switches
    std::vector<double> uplink;  // bytes/s of each one's aggregate uplink
    std::vector<uint32_t> rail;
  };
  std::vector<uint32_t> vertex;  // graph vertex of each switch
  std::vector<std::string> names;
  const auto new_switch = [&](std::string name) {
    impl.switches.push_back({});
    const auto id = static_cast<uint32_t>(impl.switches.size() - 1);
    vertex.push_back(b.new_switch());
    names.push_back(std::move(name));
    return id;
  };

  // Tier 1: leaves. A rail's NPUs (local rank % rails == rail) fill its leaves in NPU order.
  Level level;
  for (uint32_t rail = 0; rail < rails; ++rail) {
    uint32_t leaf = kNoLink;
    uint32_t filled = 0;
    const uint32_t leaf_limit = tiers == 1 ? npus : kEndpointsPerLeaf;
    for (uint32_t npu = rail; npu < npus; ++npu) {
      if ((npu % per_node) % rails != rail) continue;
      if (filled == leaf_limit || leaf == kNoLink) {
        const std::string name = tiers == 1 ? std::string("switch")
                                            : "rail" + std::to_string(rail) + ".leaf" +
                                                  std::to_string(level.ids.size());
        leaf = new_switch(name);
        level.ids.push_back(leaf);
        level.uplink.push_back(0);
        level.rail.push_back(rail);
        filled = 0;
      }
      ++filled;
      impl.npu_leaf[npu] = leaf;
      impl.nic_up[npu] = b.add(npu, vertex[leaf], nic, into_switch, LinkTier::scale_out, true,
                               npu_name(npu) + "->" + names[leaf]);
      impl.nic_down[npu] = b.add(vertex[leaf], npu, nic, cable, LinkTier::scale_out, true,
                                 names[leaf] + "->" + npu_name(npu));
      level.uplink.back() += nic / so.oversubscription;
    }
  }
  if (tiers == 1) return;

  // Tiers 2..tiers-1 group kChildrenPerSwitch switches of the same rail into one (pods,
  // super-pods); the last tier is one top switch joining everything, rails included.
  for (uint32_t tier = 2; tier <= tiers; ++tier) {
    const bool top = tier == tiers;
    Level parents;
    uint32_t children = 0;
    for (size_t i = 0; i < level.ids.size(); ++i) {
      const bool new_parent =
          parents.ids.empty() ||
          (!top && (level.rail[i] != parents.rail.back() || children == kChildrenPerSwitch));
      if (new_parent) {
        const std::string name =
            top ? std::string(tiers == 2 ? "spine" : "core")
                : "rail" + std::to_string(level.rail[i]) + (tier == 2 ? ".pod" : ".superpod") +
                      std::to_string(parents.ids.size());
        parents.ids.push_back(new_switch(name));
        parents.uplink.push_back(0);
        parents.rail.push_back(level.rail[i]);
        children = 0;
      }
      ++children;
      const uint32_t child = level.ids[i];
      const uint32_t parent = parents.ids.back();
      NetworkGraph::Impl::Switch& sw = impl.switches[child];
      sw.parent = parent;
      sw.up = b.add(vertex[child], vertex[parent], level.uplink[i], into_switch,
                    LinkTier::scale_out, false, names[child] + "->" + names[parent]);
      sw.down = b.add(vertex[parent], vertex[child], level.uplink[i], into_switch,
                      LinkTier::scale_out, false, names[parent] + "->" + names[child]);
      parents.uplink.back() += level.uplink[i];
    }
    level = std::move(parents);
  }
}


}  // namespace

void check_cluster_size(const ClusterConfig& cluster, uint64_t npus) {
  const uint32_t per_node = cluster.npus_per_node();
  const std::string where = "cluster " + cluster.name + ": ";
  if (npus == 0) throw InputError(where + "a run needs at least 1 NPU");
  if (npus > cluster.max_npus)
    throw InputError(where + std::to_string(npus) + " NPUs exceed max_npus " +
                     std::to_string(cluster.max_npus) + " (expected at most max_npus)");
  if (npus > per_node && npus % per_node != 0)
    throw InputError(where + std::to_string(npus) + " NPUs is not a whole number of nodes (expected a multiple of " +
                     std::to_string(per_node) + " NPUs per node, or at most one node)");
}

NetworkGraph build_cluster_network(const ClusterConfig& cluster, uint32_t npus) {
  check_cluster_size(cluster, npus);
  NetworkGraph g;
  g.npus_ = npus;
  g.npus_per_node_ = cluster.npus_per_node();
  g.scale_up_domain_ = cluster.scale_up_npus();
  Builder b(g.links_, *g.impl_, npus);

  const SystemConfig& node = cluster.node;
  const std::string& kind = node.topology.kind;
  if (kind == "full_mesh") {
    build_meshes(b, node, npus, node.npus);
  } else if (kind == "mesh_groups") {
    if (node.topology.group_size == 0 || node.npus % node.topology.group_size != 0)
      throw InputError("cluster network: node " + node.name + " group_size " +
                       std::to_string(node.topology.group_size) + " does not divide its " +
                       std::to_string(node.npus) + " NPUs");
    build_meshes(b, node, npus, node.topology.group_size);
    build_node_switches(b, node, npus);
  } else if (kind == "switch") {
    build_node_switches(b, node, npus);
  } else {
    throw InputError("cluster network: node " + node.name + " has topology kind '" + kind +
                     "' (expected full_mesh, mesh_groups or switch)");
  }
  const std::string& fabric =
      kind == "full_mesh" ? node.topology.mesh_link : node.topology.bridge.link;
  g.node_ring_fill_bytes_ = link_type(node, fabric).ring_fill_bytes;
  if (cluster.supernode) build_supernodes(b, *cluster.supernode, npus);
  build_scale_out(b, cluster, npus);
  return g;
}

NetworkGraph build_ideal_network(uint32_t npus, uint32_t npus_per_node) {
  if (npus == 0 || npus_per_node == 0)
    throw InputError("ideal network: needs at least 1 NPU and 1 NPU per node");
  NetworkGraph g;
  g.npus_ = npus;
  g.npus_per_node_ = npus_per_node;
  g.scale_up_domain_ = npus_per_node;
  g.impl_->ideal = true;
  return g;
}


}  // namespace npusim
