#pragma once
// Typed description of a training cluster, loaded from configs/clusters/*.yaml (layout and
// keys: docs/clusters.md). A cluster is a node type (a system preset from configs/systems),
// a scale-out network that joins the nodes, optionally a supernode (a scale-up switch fabric
// spanning many nodes, e.g. the UB plane of CloudMatrix 384), and facility data (PUE, power
// beyond the NPUs). The number of NPUs a run uses comes from its parallelism, up to max_npus.
// Network rates are in Gb/s (1e9 bit/s) per direction, as NIC port speeds are quoted.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/system_config.h"

namespace npusim {

/// The network between nodes (or between supernodes): a folded Clos / fat tree.
struct ScaleOutConfig {
  std::string topology;         ///< clos, fat_tree or supernode (docs/clusters.md)
  uint32_t tiers = 0;           ///< switch tiers of the Clos / fat tree (1 = one switch)
  uint32_t rails = 0;           ///< separate leaf planes; 1 = none, N = NIC i of every node on rail i
  double nic_gbps_per_npu = 0;  ///< scale-out NIC rate per NPU, Gb/s per direction (all ports)
  double link_latency_ns = 0;   ///< one cable hop: SerDes + FEC + propagation
  double switch_latency_ns = 0; ///< one switch, ingress to egress
  double oversubscription = 1;  ///< leaf downlink : uplink bandwidth (1 = non-blocking)
};

/// A scale-up fabric joining several nodes into one non-blocking switch tier.
struct SupernodeConfig {
  uint32_t npus = 0;            ///< NPUs in one supernode (a multiple of the node's NPUs)
  double gbps_per_npu = 0;      ///< per NPU into the supernode fabric, Gb/s per direction
  double link_latency_ns = 0;   ///< one hop into the fabric
  double switch_latency_ns = 0; ///< NPU to NPU across the fabric's switches
};

struct FacilityConfig {
  double pue = 1;  ///< power usage effectiveness: facility power / IT power
  /// Average power per NPU of the IT equipment other than the NPU chips (host CPUs, memory,
  /// NICs, fans, switches, optics), W; nullopt when no sourced number exists.
  std::optional<double> other_power_w_per_npu;
};

struct ClusterConfig {
  std::string name;  ///< preset name (file stem)
  std::string description;
  std::string source_path;             ///< file it was loaded from
  std::vector<std::string> base_paths; ///< files it inherits from (base:), nearest first
  std::vector<std::string> overrides;  ///< the --set strings applied
  std::string node_name;               ///< system preset or path as written
  SystemConfig node;                   ///< the loaded node
  uint32_t max_npus = 0;
  ScaleOutConfig scale_out;
  std::optional<SupernodeConfig> supernode;  ///< set iff scale_out.topology == "supernode"
  FacilityConfig facility;

  [[nodiscard]] uint32_t npus_per_node() const { return node.npus; }
  [[nodiscard]] uint32_t nodes_at_max() const { return max_npus / node.npus; }
  /// NPUs joined by the fastest fabric: a supernode, else one node.
  [[nodiscard]] uint32_t scale_up_npus() const { return supernode ? supernode->npus : node.npus; }
  /// Endpoints of the scale-out network at max size: supernodes, else nodes.
  [[nodiscard]] uint32_t scale_out_domains_at_max() const { return max_npus / scale_up_npus(); }
  /// Scale-out NIC rate of one NPU, bytes/s per direction.
  [[nodiscard]] double nic_bytes_per_s_per_npu() const {
    return scale_out.nic_gbps_per_npu * 1e9 / 8;
  }
  /// What one NPU can push through the scale-out network's bisection when every NPU sends
  /// across it at once: the NIC rate divided by the oversubscription (bytes/s).
  [[nodiscard]] double bisection_bytes_per_s_per_npu() const {
    return nic_bytes_per_s_per_npu() / scale_out.oversubscription;
  }
  /// Bisection bandwidth of the scale-out network at max size, bytes/s per direction.
  [[nodiscard]] double bisection_bytes_per_s() const {
    return bisection_bytes_per_s_per_npu() * max_npus / 2;
  }
  /// Supernode fabric rate of one NPU, bytes/s per direction (0 without a supernode).
  [[nodiscard]] double supernode_bytes_per_s_per_npu() const {
    return supernode ? supernode->gbps_per_npu * 1e9 / 8 : 0;
  }
};

}  // namespace npusim
