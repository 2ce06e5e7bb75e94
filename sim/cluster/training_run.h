#pragma once
// One `npusim train` run (docs/training.md): model + cluster + parallelism in, step time,
// throughput, MFU/HFU, memory verdict, energy and time-to-train out. Prices compute through
// the chip level's kernel cost cache and runs one step on the cluster engine.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/chip/kernel_cost.h"
#include "sim/cluster/cluster_engine.h"
#include "sim/cluster/reliability.h"
#include "sim/cluster/training_graph.h"
#include "sim/cluster/training_memory.h"
#include "sim/config/cluster_config.h"
#include "sim/config/model_config.h"

namespace npusim {

/// Checkpoint write bandwidth per node when none is given: 2 GB/s (assumed; a parallel file
/// system client per node, docs/training.md).
inline constexpr double kDefaultCheckpointBytesPerSPerNode = 2e9;

struct TrainOptions {
  ParallelConfig par;
  EngineOptions engine;
  bool ideal_network = false;   ///< communication is free (bandwidth infinite, latency 0)
  double tokens = 0;            ///< training budget in tokens (samples for operator-list nets); 0 = default
  ReliabilityConfig reliability;  ///< nodes, checkpoint_bytes filled in by the run when 0
};

struct TrainResult {
  std::string model, cluster, chip;
  ParallelConfig par;
  uint64_t npus = 0;
  double step_time_s = 0;
  double tokens_per_step = 0;  ///< samples for operator-list nets
  double tokens_per_s = 0;
  double model_flops_per_step = 0;     ///< without recompute (MFU numerator)
  double hardware_flops_per_step = 0;  ///< with recompute (HFU numerator)
  double peak_flops_per_npu = 0;
  double tflops_per_npu = 0;  ///< hardware FLOP/s per NPU / 1e12 (as Narayanan et al. report)
  double mfu = 0;
  double hfu = 0;
  MemoryBreakdown memory;
  double tokens = 0;  ///< the budget used
  double steps = 0;
  TimeToTrain time_to_train;
  double power_per_npu_w = 0;  ///< average over the step: chip + other IT power, before PUE
  double energy_per_step_j = 0;  ///< all NPUs, with PUE
  double energy_to_train_kwh = 0;
  double joules_per_token = 0;
  EngineResult engine;
  std::shared_ptr<const TrainingGraph> graph;  ///< the graph that ran (for timelines)
  KernelCostStats cost_stats;
  std::vector<std::pair<std::string, std::string>> roofline_kernels;
  double wall_s = 0;  ///< simulator wall time
};

/// Default training budget: 20 tokens per parameter (Hoffmann et al. 2022) for transformers,
/// 90 epochs of ImageNet-1k (1,281,167 images) for operator-list nets.
[[nodiscard]] double default_token_budget(const ModelSpec& model);

/// The chip one NPU of the cluster is (one die of a multi-die package when each die is an NPU).
[[nodiscard]] ChipConfig npu_chip(const ClusterConfig& cluster);

/// Runs the training step. InputError for impossible parallelism or a job bigger than the
/// cluster; a model that does not fit is a result (memory.fits == false).
[[nodiscard]] TrainResult simulate_training(const ModelSpec& model, const ClusterConfig& cluster,
                                            const TrainOptions& options, KernelCostCache& costs);

}  // namespace npusim
