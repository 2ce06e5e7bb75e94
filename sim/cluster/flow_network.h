#pragma once
// Flow-level network: concurrent transfers share link bandwidth max-min fairly (progressive
// filling), re-rated whenever a flow starts or ends. Driven by the EventQueue.
//
// Symmetry: in symmetric mode one representative flow stands for several identical copies
// (other DP replicas, other TP ranks) that run at the same rate. A flow therefore lists
// WeightedLink{link, weight}: `weight` copies of it load that link, so the link's capacity is
// shared as if all copies were present. In full mode every weight is 1.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sim/cluster/event_queue.h"
#include "sim/cluster/network_graph.h"

namespace npusim {

struct WeightedLink {
  uint32_t link = 0;
  uint32_t weight = 1;
};

struct FlowNetworkStats {
  uint64_t flows = 0;       ///< flows started
  uint64_t reratings = 0;   ///< max-min recomputations
  uint64_t bytes = 0;       ///< payload bytes of representative flows
  /// Bytes carried per link (weight included), index = link id.
  std::vector<double> link_bytes;
};

class FlowNetwork {
 public:
  using Done = std::function<void()>;

  FlowNetwork(const NetworkGraph& graph, EventQueue& events);
  ~FlowNetwork();

  /// Starts a flow of `bytes` now. It is served at its max-min fair rate over `uses`; `done`
  /// runs when its last byte has arrived: transfer time + `latency_ps`. A flow with no links
  /// (or 0 bytes) finishes after `latency_ps` alone.
  void start(std::vector<WeightedLink> uses, uint64_t bytes, TimePs latency_ps, Done done);

  [[nodiscard]] const FlowNetworkStats& stats() const;
  [[nodiscard]] uint32_t active_flows() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npusim
