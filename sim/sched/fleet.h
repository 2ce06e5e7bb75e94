#pragma once
// The machines a fleet scheduler places jobs on (docs/fleet.md): one or more pools, each a
// number of identical nodes of one cluster preset (configs/clusters), grouped into pods
// (nodes under one leaf switch, or one supernode). A fleet is a file in configs/fleets, or a
// single cluster preset used whole.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/cluster_config.h"

namespace npusim::sched {

struct Pool {
  std::string name;
  std::string cluster_name;  ///< the cluster preset the nodes come from
  ClusterConfig cluster;     ///< its config (node type, network, facility)
  uint32_t nodes = 0;
  uint32_t npus_per_node = 0;
  uint32_t nodes_per_pod = 0;          ///< nodes under one leaf switch / in one supernode
  double spine_oversubscription = 1;   ///< bandwidth taper for traffic leaving a pod
  std::optional<double> busy_w_per_npu;  ///< set in the file; else from the reference run
  double idle_w_per_npu = 0;  ///< chip static power + other IT power per NPU (before PUE)
  double pue = 1;
  uint32_t first_npu = 0;     ///< index of its first NPU in the fleet

  [[nodiscard]] uint32_t npus() const { return nodes * npus_per_node; }
  [[nodiscard]] uint32_t pods() const { return (nodes + nodes_per_pod - 1) / nodes_per_pod; }
  [[nodiscard]] const std::string& chip() const { return cluster.node.chip.name; }
};

struct Fleet {
  std::string name, description, source_path;
  std::vector<Pool> pools;
  std::string reference_model = "bert-large";  ///< prices placement and chip speed of duration-only jobs
  uint32_t reference_micro_batch = 8;

  [[nodiscard]] uint32_t npus() const {
    uint32_t n = 0;
    for (const Pool& p : pools) n += p.npus();
    return n;
  }
  /// Index of the pool named (or whose chip is named) `name`; nullopt if none.
  [[nodiscard]] std::optional<size_t> pool_index(const std::string& pool_or_chip) const;
};

/// Nodes per pod of a cluster preset used whole: its supernode, else 32 nodes (assumed: one
/// leaf switch of a 2-tier Clos with 256 NPU-facing ports at 8 NPUs per node).
[[nodiscard]] uint32_t default_nodes_per_pod(const ClusterConfig& cluster);

/// Static power of one NPU's chip share plus the cluster's other IT power per NPU, W.
[[nodiscard]] double idle_power_w_per_npu(const ClusterConfig& cluster);

/// A fleet preset name (configs/fleets), a fleet .yaml path, or a cluster preset name used
/// as one pool. `npus` > 0 limits a cluster used whole to that many NPUs (whole nodes).
/// InputError `path:line: ...` for a bad file.
[[nodiscard]] Fleet load_fleet(const std::string& name_or_path, uint32_t npus = 0);

/// Fleet presets in configs/fleets, sorted.
[[nodiscard]] std::vector<std::string> fleet_preset_names();

}  // namespace npusim::sched
