#pragma once
// A workload graph as the replay engine runs it (docs/workload-format.md): per replayed rank
// a list of nodes — compute, memory load/store, point-to-point send/recv, collectives and
// zero-time markers — with dependencies (indices of nodes of the same rank that must finish
// first) and the stream (resource) each node occupies. Built by the Chakra reader, the npusim
// graph reader and the training-graph exporter (sim/workload/), run by run_replay().

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/cluster/collective.h"
#include "sim/cluster/layer_kernels.h"
#include "sim/cluster/sim_time.h"

namespace npusim {

enum class ReplayKind : uint8_t { compute, mem_load, mem_store, send, recv, collective, marker };
inline constexpr int kReplayKinds = 7;
[[nodiscard]] const char* to_string(ReplayKind kind);

inline constexpr uint32_t kNoReplayStream = 0xffffffffu;
inline constexpr uint32_t kNoIndex = 0xffffffffu;
/// Breakdown category of a node: a ComputeKind (compute) or a CommKind (communication) value,
/// or kUncategorised (counted as forward compute / dp communication in the breakdown).
inline constexpr uint8_t kUncategorised = 255;

struct ReplayNode {
  ReplayKind kind = ReplayKind::compute;
  uint8_t category = kUncategorised;
  uint8_t channel = 0;   ///< collectives: matched per (group, channel, sequence)
  bool host = false;     ///< runs on a host thread (CPU op), not on the NPU
  uint32_t stream = kNoReplayStream;  ///< index into ReplayRank::streams; none = unlimited
  uint32_t label = kNoIndex;          ///< index into ReplayGraph::labels
  uint64_t id = 0;                    ///< the node's id in its source file
  TimePs duration_ps = 0;             ///< compute / memory nodes
  double energy_j = 0;                ///< chip energy of a priced compute node (0: unknown)
  uint64_t bytes = 0;                 ///< communication / memory bytes
  CollectiveKind collective = CollectiveKind::all_reduce;
  CollectiveAlgo algorithm = CollectiveAlgo::automatic;  ///< hint; automatic = the run's choice
  uint32_t group = kNoIndex;   ///< collectives: index into ReplayGraph::groups
  uint32_t copies = kNoIndex;  ///< symmetric copies: index into ReplayGraph::copy_sets
  uint32_t peer = 0;           ///< send: destination NPU; recv: source NPU
  uint64_t tag = 0;            ///< send/recv matching key (with the two NPUs)
  uint32_t kernels = kNoIndex; ///< index into ReplayGraph::kernels (re-pricing), if known
  double flops = 0;            ///< compute: work, for re-pricing (0: unknown)
  double io_bytes = 0;         ///< compute: tensor bytes read + written, for re-pricing
  std::vector<uint32_t> deps;  ///< nodes of the same rank that must finish first
};

struct ReplayStream {
  std::string name;
  bool host = false;  ///< a host thread (CPU ops), not an NPU stream
};

struct ReplayRank {
  uint32_t npu = 0;
  std::string source;  ///< file it came from (for messages)
  std::vector<ReplayStream> streams;
  std::vector<ReplayNode> nodes;
};

/// A node of `rank` that lies on a cycle of its dependencies, or kNoIndex if they form a DAG.
[[nodiscard]] uint32_t node_on_dependency_cycle(const ReplayRank& rank);

struct ReplayGraph {
  uint32_t npus = 0;  ///< NPUs of the job (groups may name NPUs that are not replayed)
  std::vector<ReplayRank> ranks;  ///< replayed ranks, by ascending NPU
  std::vector<std::vector<uint32_t>> groups;     ///< collective member lists (NPUs, rank order)
  std::vector<std::vector<uint32_t>> copy_sets;  ///< each: indices into groups
  std::vector<std::string> labels;
  std::vector<KernelList> kernels;
  /// Interns a member list; returns its index in groups.
  uint32_t group_index(const std::vector<uint32_t>& members);
  uint32_t label_index(std::string text);
  [[nodiscard]] uint64_t node_count() const;
  std::map<std::vector<uint32_t>, uint32_t> group_ids;  ///< groups -> index
};

}  // namespace npusim
