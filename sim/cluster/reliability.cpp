#include "sim/cluster/reliability.h"

#include <cmath>
#include <limits>
#include <string>

#include "sim/base/error.h"
#include "sim/cluster/training_memory.h"
#include "sim/config/model_math.h"

// Model and sources: docs/training-memory.md, part 2.
namespace npusim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void require_non_negative(double value, const char* name) {
  if (!std::isfinite(value) || value < 0)
    throw InputError(std::string("reliability.") + name + " is " + std::to_string(value) +
                     " (expected a finite number >= 0)");
}

}  // namespace

TimeToTrain time_to_train(double compute_s, const ReliabilityConfig& c) {
  require_non_negative(compute_s, "compute_s");
  require_non_negative(c.checkpoint_interval_s, "checkpoint_interval_s");
  require_non_negative(c.checkpoint_bytes, "checkpoint_bytes");
  require_non_negative(c.checkpoint_write_bytes_per_s, "checkpoint_write_bytes_per_s");
  require_non_negative(c.node_mtbf_hours, "node_mtbf_hours");
  require_non_negative(c.restart_s, "restart_s");
  if (c.nodes == 0) throw InputError("reliability.nodes is 0 (expected an integer >= 1)");
  if (c.checkpoint_bytes > 0 && c.checkpoint_write_bytes_per_s == 0)
    throw InputError("reliability.checkpoint_write_bytes_per_s is 0 but checkpoint_bytes is " +
                     std::to_string(c.checkpoint_bytes) + " (expected a write bandwidth > 0)");

  TimeToTrain r;
  r.compute_s = compute_s;
  const double delta = c.checkpoint_bytes > 0
                           ? c.checkpoint_bytes / c.checkpoint_write_bytes_per_s
                           : 0.0;
  r.checkpoint_write_s = delta;
  // Failures of independent nodes with exponential lifetimes: the job fails at nodes x rate.
  r.job_mtbf_s = c.node_mtbf_hours > 0 ? c.node_mtbf_hours * 3600.0 / c.nodes : kInf;
  const double mtbf = r.job_mtbf_s;
  // Young 1974: tau_opt = sqrt(2 delta M); infinite without failures (never checkpoint).
  r.young_daly_interval_s = std::isinf(mtbf) ? kInf : std::sqrt(2.0 * delta * mtbf);
  const double tau = c.checkpoint_interval_s > 0 ? c.checkpoint_interval_s
                                                 : r.young_daly_interval_s;
  r.checkpoint_interval_s = tau;

  // One checkpoint of delta per tau of compute. delta = 0 costs nothing at any tau (also 0).
  r.checkpoint_overhead_s = delta > 0 && std::isfinite(tau) ? compute_s / tau * delta : 0.0;
  if (std::isinf(mtbf) || compute_s == 0) {
    r.expected_s = compute_s + r.checkpoint_overhead_s;
    return r;
  }

  // First-order model (docs §8): each failure costs the restart R and on average half an
  // interval of work plus checkpoint, (tau + delta) / 2; failures arrive at rate 1 / M of
  // wall time W:  W = T (1 + delta / tau) + (W / M) (R + (tau + delta) / 2).
  const double per_failure_lost = (tau + delta) / 2.0;
  const double denominator = 1.0 - (c.restart_s + per_failure_lost) / mtbf;
  if (!(denominator > 0)) {  // failures faster than progress: the job never finishes
    r.expected_failures = r.lost_work_s = r.restart_overhead_s = r.expected_s = kInf;
    return r;
  }
  const double wall = (compute_s + r.checkpoint_overhead_s) / denominator;
  r.expected_failures = wall / mtbf;
  r.lost_work_s = r.expected_failures * per_failure_lost;
  r.restart_overhead_s = r.expected_failures * c.restart_s;
  r.expected_s = compute_s + r.checkpoint_overhead_s + r.lost_work_s + r.restart_overhead_s;
  return r;
}

uint64_t checkpoint_bytes(const ModelSpec& model) {
  const uint64_t per_param =
      uint64_t{training_dtype_bytes(model)} + optimizer_bytes_per_param(model);
  return parameter_count(model).total * per_param;
}

}  // namespace npusim
