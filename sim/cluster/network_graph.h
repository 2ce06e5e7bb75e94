#pragma once
// The cluster network as a graph of one-directional links between NPUs and switches, with
// structural routing (no all-pairs table, so 16384 NPUs stay cheap). Built from a cluster
// preset by build_cluster_network(); how each topology is modelled: docs/cluster-network.md.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/cluster/rank_layout.h"
#include "sim/cluster/sim_time.h"
#include "sim/config/cluster_config.h"

namespace npusim {

/// Which fabric a link belongs to (for reports and for the collective policy).
enum class LinkTier { scale_up, supernode, scale_out };

[[nodiscard]] const char* to_string(LinkTier tier);

struct NetLink {
  uint32_t from = 0;  ///< vertex: NPUs are 0..npus-1, switches follow
  uint32_t to = 0;
  double bytes_per_s = 0;  ///< payload rate, one direction
  TimePs latency_ps = 0;   ///< serialisation-independent latency of this hop (wire, SerDes, switch)
  LinkTier tier = LinkTier::scale_up;
  /// True if the link starts or ends at an NPU: only traffic of that NPU crosses it, so in
  /// symmetric mode a copy's use of its own endpoint links needs no separate accounting.
  bool npu_attached = false;
  std::string name;  ///< e.g. "npu3->npu5", "leaf2->spine"
};

class NetworkGraph {
 public:
  /// Links a byte from NPU `src` to NPU `dst` (src != dst) crosses, in order.
  /// Deterministic; multi-path (ECMP) fabrics are modelled with aggregate links.
  [[nodiscard]] std::vector<uint32_t> route(uint32_t src, uint32_t dst) const;
  /// Sum of the links' latencies along route(src, dst).
  [[nodiscard]] TimePs path_latency(uint32_t src, uint32_t dst) const;
  [[nodiscard]] const NetLink& link(uint32_t id) const { return links_[id]; }
  [[nodiscard]] uint32_t link_count() const { return static_cast<uint32_t>(links_.size()); }
  [[nodiscard]] uint32_t npus() const { return npus_; }
  [[nodiscard]] uint32_t npus_per_node() const { return npus_per_node_; }
  /// NPUs joined by the fastest fabric (a node, or a supernode).
  [[nodiscard]] uint32_t scale_up_domain() const { return scale_up_domain_; }
  [[nodiscard]] bool same_node(uint32_t a, uint32_t b) const {
    return npusim::same_node(a, b, npus_per_node_);
  }
  /// True if every pair of NPUs in a node has its own direct link (a full-mesh node, e.g.
  /// Atlas 800T A2): collectives inside the node then send to all peers at once.
  [[nodiscard]] bool node_is_full_mesh() const;
  /// Pipeline fill per ring step of a collective inside one node (the node fabric's link
  /// type, `ring_fill_kib`; 0 = none).
  [[nodiscard]] uint64_t node_ring_fill_bytes() const { return node_ring_fill_bytes_; }
  /// Slowest tier a route between the two NPUs crosses.
  [[nodiscard]] LinkTier tier_between(uint32_t a, uint32_t b) const;

  // Implementation details are up to network_graph.cpp / cluster_network.cpp.
  struct Impl;
  NetworkGraph();
  ~NetworkGraph();
  NetworkGraph(NetworkGraph&&) noexcept;
  NetworkGraph& operator=(NetworkGraph&&) noexcept;

 private:
  friend NetworkGraph build_cluster_network(const ClusterConfig&, uint32_t);
  friend NetworkGraph build_ideal_network(uint32_t, uint32_t);
  uint32_t npus_ = 0;
  uint32_t npus_per_node_ = 1;
  uint32_t scale_up_domain_ = 1;
  uint64_t node_ring_fill_bytes_ = 0;
  std::vector<NetLink> links_;
  std::unique_ptr<Impl> impl_;
};

/// InputError unless a run can use `npus` NPUs of the cluster: at least 1, at most max_npus,
/// and whole nodes once it is bigger than one node.
void check_cluster_size(const ClusterConfig& cluster, uint64_t npus);

/// The network of the first `npus` NPUs of a cluster (npus a multiple of the node size and
/// at most cluster.max_npus; InputError otherwise).
[[nodiscard]] NetworkGraph build_cluster_network(const ClusterConfig& cluster, uint32_t npus);

/// A network of `npus` NPUs with infinite bandwidth and zero latency (communication is free),
/// grouped in nodes of `npus_per_node` for the collective policy.
[[nodiscard]] NetworkGraph build_ideal_network(uint32_t npus, uint32_t npus_per_node);

/// "No such link" in the per-NPU tables below.
inline constexpr uint32_t kNoLink = 0xffffffffu;

/// What route() needs to find a path structurally: per-NPU attachment links and the
/// scale-out switch tree. Filled by cluster_network.cpp, read by network_graph.cpp.
struct NetworkGraph::Impl {
  bool ideal = false;  ///< no links at all: every route is empty
  /// Node fabric: full meshes of `mesh_group` consecutive NPUs (1: no mesh); group g's
  /// links start at mesh_base[g], ordered (from, to) with to skipping from.
  uint32_t mesh_group = 1;
  std::vector<uint32_t> mesh_base;
  /// Per NPU: link to / from the node switch (bridge), the supernode switch and the leaf.
  std::vector<uint32_t> bridge_up, bridge_down, super_up, super_down, nic_up, nic_down;
  uint32_t supernode_npus = 0;  ///< 0: no supernode
  /// Scale-out switches; every leaf is at the same depth below the single top switch.
  struct Switch {
    uint32_t parent = kNoLink;  ///< index into switches (kNoLink for the top)
    uint32_t up = kNoLink;      ///< link to the parent
    uint32_t down = kNoLink;    ///< link from the parent
  };
  std::vector<Switch> switches;
  std::vector<uint32_t> npu_leaf;  ///< per NPU: its leaf (index into switches)
};

}  // namespace npusim
