#pragma once
// Expected wall time to train with periodic checkpoints and node failures: a first-order
// model (Young 1974; Daly 2006) turning failure-free compute time into expected time.
// Pure functions. Formula, assumptions and sources: docs/training-memory.md (part 2).

#include <cstdint>

#include "sim/config/model_config.h"

namespace npusim {

struct ReliabilityConfig {
  double checkpoint_interval_s = 0;        ///< compute between checkpoints; 0 = Young's optimum
  double checkpoint_bytes = 0;             ///< the whole job's checkpoint size
  double checkpoint_write_bytes_per_s = 0; ///< aggregate write bandwidth to storage
  double node_mtbf_hours = 0;              ///< mean time between failures of one node; 0 = none
  double restart_s = 0;                    ///< detect + reschedule + reload after a failure
  uint32_t nodes = 1;                      ///< nodes whose failure stops the job
};

struct TimeToTrain {
  double compute_s = 0;              ///< failure-free, checkpoint-free training time (input)
  double checkpoint_write_s = 0;     ///< one checkpoint (delta = bytes / bandwidth)
  double job_mtbf_s = 0;             ///< M = node MTBF / nodes (infinity without failures)
  double young_daly_interval_s = 0;  ///< Young's first-order optimum sqrt(2 delta M)
  double checkpoint_interval_s = 0;  ///< tau, the interval used
  double expected_failures = 0;      ///< expected_s / M
  double checkpoint_overhead_s = 0;  ///< compute_s / tau x delta
  double lost_work_s = 0;            ///< expected_failures x (tau + delta) / 2
  double restart_overhead_s = 0;     ///< expected_failures x restart_s
  /// compute + checkpoint overhead + lost work + restarts. Infinity (and so are the failure
  /// terms) when failures come faster than progress: (R + (tau + delta) / 2) >= M.
  double expected_s = 0;
};

/// Expected time to train `compute_s` seconds of failure-free work. Throws InputError for a
/// negative or non-finite input, 0 nodes, or a checkpoint size without a write bandwidth.
[[nodiscard]] TimeToTrain time_to_train(double compute_s, const ReliabilityConfig& config);

/// Checkpoint size of a model: parameters x (training dtype bytes + Adam state bytes), i.e.
/// 14 bytes per parameter for bf16/fp16 (weights + fp32 master, momentum, variance) and
/// 12 for fp32. Gradients and activations are not saved.
[[nodiscard]] uint64_t checkpoint_bytes(const ModelSpec& model);

}  // namespace npusim
