#pragma once
// Replays a ReplayGraph on the cluster network with the discrete-event core
// (docs/workload-format.md, "Replay semantics"). A node starts when its dependencies are done
// and its stream is free (streams run one node at a time; among ready nodes the one earliest
// in the file goes first); compute and memory nodes take their duration; collectives start
// when every replayed member has reached them (members not replayed are symmetric copies that
// arrive at the same moment) and run through CollectiveRunner on the FlowNetwork; a send starts
// a flow to its peer and the matching recv completes when the data has arrived.

#include <array>
#include <cstdint>
#include <vector>

#include "sim/cluster/cluster_engine.h"
#include "sim/cluster/replay_graph.h"

namespace npusim {

struct ReplayOptions {
  bool no_resource_limits = false;  ///< ignore streams: a node starts as soon as its deps are done
  CollectiveAlgo algorithm = CollectiveAlgo::automatic;  ///< for nodes without a hint
  bool keep_records = false;  ///< keep every node's start and end (timeline)
};

struct ReplayRankRun {
  uint32_t npu = 0;
  TimePs end_ps = 0;               ///< when its last node finished
  StepBreakdown breakdown;         ///< of the NPU's compute stream over the replay
  double compute_busy_s = 0;       ///< NPU compute nodes' time
  double host_busy_s = 0;          ///< CPU ops' time (all host threads)
  double compute_energy_j = 0;     ///< priced nodes' chip energy
  double priced_busy_s = 0;        ///< time of nodes whose energy is known
  std::vector<OpRecord> records;   ///< ReplayOptions::keep_records only
};

struct ReplayRun {
  TimePs step_ps = 0;
  std::vector<ReplayRankRun> ranks;  ///< in ReplayGraph::ranks order
  StepBreakdown breakdown;           ///< mean over replayed ranks
  uint64_t nodes_run = 0;
  std::array<uint64_t, kReplayKinds> nodes_by_kind{};
  uint64_t events = 0;
  uint64_t collectives = 0;  ///< collectives and transfers started
  AlgorithmCounts algorithms{};
  FlowNetworkStats flows;
};

/// InputError naming the file and node for a graph the engine cannot run: a collective whose
/// rank is not in its group, a group listing an NPU twice or outside the job, a send/recv
/// peer outside the job or the rank itself, copy groups of another size. run_replay calls it.
void validate_replay_graph(const ReplayGraph& graph);

/// Runs the graph. InputError if a collective or transfer cannot be matched (a member never
/// reaches it, a send without its recv) — named by file and node id; InternalError if the
/// network is smaller than the graph's NPUs.
[[nodiscard]] ReplayRun run_replay(const ReplayGraph& graph, const NetworkGraph& net,
                                   const ReplayOptions& options);

}  // namespace npusim
