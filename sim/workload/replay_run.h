#pragma once
// One `npusim replay` run (docs/workload-format.md): a workload graph (npusim graph or Chakra
// trace) on a cluster: optional re-pricing of compute on the cluster's chip through the
// kernel cost cache, the replay engine, energy as `npusim train` computes it, and the outputs
// (summary, JSON, timeline).

#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/chip/kernel_cost.h"
#include "sim/cluster/replay_engine.h"
#include "sim/config/cluster_config.h"

namespace npusim {

struct ReplaySetup {
  bool ideal_network = false;  ///< communication is free
  bool reprice = false;        ///< re-price NPU compute nodes on the cluster's chip
  ReplayOptions engine;
};

/// What the reader learned about its input (counts by type, warnings).
struct ReplaySourceInfo {
  std::string format;  ///< "chakra" or "npusim-graph"
  std::vector<std::string> files;
  std::map<std::string, uint64_t> nodes_by_type;
  uint64_t cpu_ops = 0;
  uint64_t host_collective_calls = 0;
  uint64_t ctrl_self_refs = 0, ctrl_missing = 0, ctrl_cycle_nodes = 0;
  std::vector<std::string> warnings;
};

struct ReplayResult {
  std::string cluster, chip;
  ReplaySourceInfo source;
  uint32_t npus = 0;
  ReplayRun run;
  double step_time_s = 0;
  double power_per_npu_w = 0;
  double energy_per_step_j = 0;  ///< all NPUs, with PUE
  uint64_t repriced = 0;         ///< compute nodes given a chip-model price
  KernelCostStats cost_stats;
  std::shared_ptr<const ReplayGraph> graph;
  double wall_s = 0;
};

/// Replays `graph` on `cluster`. `costs` prices with --reprice (may be null otherwise).
[[nodiscard]] ReplayResult replay_workload(ReplayGraph graph, ReplaySourceInfo source,
                                           const ClusterConfig& cluster, const ReplaySetup& setup,
                                           KernelCostCache* costs);

/// NPUs of the network a replay of `npus` ranks uses on a cluster with nodes of `per_node`.
[[nodiscard]] uint32_t replay_network_npus(uint32_t npus, uint32_t per_node);

void write_replay_summary(std::ostream& out, const ReplayResult& result);
[[nodiscard]] nlohmann::json replay_result_json(const ReplayResult& result);
void write_replay_timeline(std::ostream& out, const ReplayResult& result);

}  // namespace npusim
