#pragma once
// Collective operations and the algorithms that turn them into flows (docs/cluster-network.md):
// ring, double binary tree, halving-doubling (recursive doubling), hierarchical (intra-node,
// then inter-node, then intra-node) and direct (all pairs at once, e.g. all-to-all).
//
// An algorithm is a sequence of phases; a phase is a set of flows that start together and
// the phase ends when its slowest flow has arrived. A phase of a pipelined algorithm (the
// 2(n-1) steps of a ring) is one phase whose flows carry all its steps' bytes and pay the
// per-step latency `latency_steps` times — the alpha-beta cost of the algorithm.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/cluster/flow_network.h"

namespace npusim {

enum class CollectiveKind { all_reduce, all_gather, reduce_scatter, all_to_all, broadcast, send_recv };
enum class CollectiveAlgo { automatic, ring, double_binary_tree, halving_doubling, hierarchical, direct };
/// Collectives run, per resolved CollectiveAlgo (index = enum value).
using AlgorithmCounts = std::array<uint64_t, 6>;

[[nodiscard]] const char* to_string(CollectiveKind kind);
[[nodiscard]] const char* to_string(CollectiveAlgo algo);
/// Parses "auto", "ring", "tree" / "double_binary_tree", "hd" / "halving_doubling",
/// "hierarchical", "direct"; nullopt if unknown.
[[nodiscard]] std::optional<CollectiveAlgo> parse_collective_algo(const std::string& text);

struct CollectiveCall {
  CollectiveKind kind = CollectiveKind::all_reduce;
  /// Member NPUs in rank order. send_recv: exactly {src, dst}.
  std::vector<uint32_t> npus;
  /// Bytes per member: all_reduce, broadcast: the buffer; all_gather: the gathered output;
  /// reduce_scatter: the input; all_to_all: what one member sends in total (to all others,
  /// itself included, in equal parts); send_recv: the message.
  uint64_t bytes = 0;
  CollectiveAlgo algo = CollectiveAlgo::automatic;
};

struct FlowSpec {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint64_t bytes = 0;
};

struct Phase {
  std::vector<FlowSpec> flows;
  uint32_t latency_steps = 1;  ///< how many times each flow pays its path latency
};

/// The algorithm `automatic` resolves to for this call on this network, like a collective
/// library's tuner: send_recv -> direct; all_to_all -> direct; one node -> direct on a
/// full-mesh node (HCCL's mesh algorithm: every pair has its own link), else ring; across
/// nodes: hierarchical when members share scale-up domains (nodes, or supernodes) evenly,
/// else double binary tree for all_reduce below 1 MiB per member and ring above;
/// halving_doubling is never chosen automatically. Hierarchical's intra-domain steps are
/// direct on a full-mesh node, else ring. Explicit choices that do not apply (e.g.
/// halving_doubling on a non-power-of-two group) fall back to ring; send_recv is always
/// direct. Documented in docs/cluster-network.md.
[[nodiscard]] CollectiveAlgo resolve_algorithm(const CollectiveCall& call, const NetworkGraph& net);

/// The phases of `call` under a resolved algorithm (never `automatic`).
[[nodiscard]] std::vector<Phase> expand_collective(const CollectiveCall& call, CollectiveAlgo algo,
                                                   const NetworkGraph& net);

/// Runs collectives on a FlowNetwork, phase after phase.
class CollectiveRunner {
 public:
  CollectiveRunner(const NetworkGraph& net, FlowNetwork& flows, EventQueue& events);

  /// Starts `call` now; `done` runs when every member has its result. `copies` lists other
  /// groups (same size, same positions, disjoint NPUs) running the identical collective at the
  /// same moment that are not simulated themselves (symmetric mode): their flows load the
  /// fabric links (not NPU-attached links) through WeightedLink weights. Returns the resolved
  /// algorithm. The runner, FlowNetwork and graph must outlive the EventQueue's run.
  CollectiveAlgo run(const CollectiveCall& call, const std::vector<std::vector<uint32_t>>& copies,
                     std::function<void()> done);

  /// Collectives and transfers started so far, and how many ran each algorithm.
  [[nodiscard]] uint64_t started() const { return started_; }
  [[nodiscard]] const AlgorithmCounts& algorithms() const { return algorithms_; }

 private:
  struct Run;
  /// WeightedLink list and own-route latency of one flow, cached per (src, dst, members+copies).
  struct Path {
    std::vector<WeightedLink> uses;
    TimePs latency_ps = 0;
  };
  const Path& path(uint32_t src, uint32_t dst, uint32_t layout, const Run& run);
  void start_phase(const std::shared_ptr<Run>& run);

  const NetworkGraph& net_;
  FlowNetwork& flows_;
  EventQueue& events_;
  /// (members, copies...) layouts seen so far -> id (0: no copies), the first path cache key.
  std::map<std::vector<std::vector<uint32_t>>, uint32_t> layouts_;
  std::vector<std::unordered_map<uint64_t, Path>> paths_;  ///< [layout][src << 32 | dst]
  uint64_t started_ = 0;
  AlgorithmCounts algorithms_{};
};

}  // namespace npusim
