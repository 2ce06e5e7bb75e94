#pragma once
// Fleet metrics from a schedule (docs/fleet.md, "Metrics"; JSON keys in docs/results.md).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/sched/engine.h"

namespace npusim::sched {

struct Metrics {
  uint64_t jobs = 0;
  double avg_jct_s = 0, median_jct_s = 0, p99_jct_s = 0;
  double avg_queue_s = 0, median_queue_s = 0, p99_queue_s = 0;
  double avg_slowdown = 0, median_slowdown = 0, p99_slowdown = 0;
  double makespan_s = 0;
  double utilization = 0;    ///< allocated NPU-seconds / (NPUs x makespan)
  double fragmentation = 0;  ///< free NPU-seconds on partly used nodes / free NPU-seconds
  double energy_j = 0, busy_energy_j = 0, idle_energy_j = 0;
  double jain_fairness = 0;  ///< Jain's index over users of 1 / (their mean slowdown)
  double ftf_mean = 0, ftf_max = 0;  ///< finish-time fairness rho (Themis)
  double ftf_fair_share = 0;         ///< fraction of jobs with rho <= 1
  uint64_t preemptions = 0;
};

/// The value at quantile q (0..1) of `v` (nearest rank on the sorted values).
[[nodiscard]] double quantile(std::vector<double> v, double q);

[[nodiscard]] Metrics compute_metrics(const SchedResult& r, const JobTrace& trace);

/// The full result: metrics, run facts, and the fleet.
[[nodiscard]] nlohmann::json sched_json(const SchedResult& r, const Metrics& m, const Fleet& fleet);

/// One row per job (header first).
[[nodiscard]] std::string sched_jobs_csv(const SchedResult& r, const JobTrace& trace, const Fleet& fleet);

/// The utilisation / queue time series (header first).
[[nodiscard]] std::string sched_series_csv(const std::vector<SchedResult>& runs);

/// Short human summary of one run.
[[nodiscard]] std::string sched_summary(const SchedResult& r, const Metrics& m);

/// One table comparing several runs on the same trace.
[[nodiscard]] std::string sched_compare_table(const std::vector<SchedResult>& runs, const std::vector<Metrics>& m);

}  // namespace npusim::sched
