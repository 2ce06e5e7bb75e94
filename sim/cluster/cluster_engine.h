#pragma once
// Runs one training step's graph on the cluster network with the discrete-event core
// (docs/training.md). Symmetric mode (default) simulates one rank per pipeline stage — the
// other TP / CP / DP ranks of a stage do the same work at the same time — and lets their
// traffic load the shared fabric through flow weights; full mode simulates every rank.

#include <array>
#include <cstdint>
#include <vector>

#include "sim/cluster/collective.h"
#include "sim/cluster/step_breakdown.h"
#include "sim/cluster/training_graph.h"

namespace npusim {

struct EngineOptions {
  bool full = false;  ///< simulate every rank instead of one per stage
  CollectiveAlgo algorithm = CollectiveAlgo::automatic;
  bool keep_records = false;  ///< keep every op's start and end (for a timeline)
};

struct OpRecord {
  uint32_t op = 0;
  TimePs start = 0;  ///< recv: when the transfer started
  TimePs end = 0;
};

struct RankRun {
  uint32_t npu = 0;
  uint32_t stage = 0;
  StepBreakdown breakdown;
  double compute_busy_s = 0;     ///< time the compute stream spent in compute ops
  double compute_energy_j = 0;   ///< chip-model energy of those kernels
  std::vector<OpRecord> records; ///< EngineOptions::keep_records only, in completion order
};

struct EngineResult {
  TimePs step_ps = 0;
  std::vector<RankRun> ranks;   ///< simulated ranks, by NPU
  StepBreakdown breakdown;      ///< mean over all ranks of the job
  uint64_t events = 0;
  uint64_t collectives = 0;     ///< collectives and transfers started
  AlgorithmCounts algorithms{};  ///< collectives per resolved CollectiveAlgo
  FlowNetworkStats flows;
};

/// Per compute-op kind of the graph: time and energy of one run.
struct OpCost {
  TimePs time_ps = 0;
  double energy_j = 0;
};

[[nodiscard]] EngineResult run_training_step(const TrainingGraph& graph, const ParallelConfig& par,
                                             const NetworkGraph& net,
                                             const std::vector<OpCost>& costs,
                                             const EngineOptions& options);

}  // namespace npusim
