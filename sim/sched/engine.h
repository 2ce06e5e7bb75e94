#pragma once
// The fleet level's event-driven engine (docs/fleet.md): job arrivals, starts, completions,
// preemptions (checkpoint save, later restore) and periodic rounds, in integer picoseconds.
// A policy decides; the engine books NPUs, advances progress at each job's speed, and checks
// conservation (no NPU double-booked, every job finishes exactly once, work preserved).

#include <cstdint>
#include <string>
#include <vector>

#include "sim/sched/fleet.h"
#include "sim/sched/job_speed.h"
#include "sim/sched/job_trace.h"
#include "sim/sched/policy.h"

namespace npusim::sched {

#ifdef NDEBUG
inline constexpr bool kCheckByDefault = false;
#else
inline constexpr bool kCheckByDefault = true;
#endif

struct EngineOptions {
  /// Co-location slowdown of a job sharing an NPU: its speed is divided by
  /// 1 + interference x (tenths of the NPU held by the other tenants / 10). Assumed (docs/fleet.md).
  double interference = 0.25;
  bool check = kCheckByDefault;  ///< full conservation audit after every decision
  bool series = false;           ///< record the utilisation / queue time series
};

/// What happened to one job.
struct JobRecord {
  JobId index = 0;
  double submit_s = 0, start_s = 0, finish_s = 0;
  double queue_s = 0;  ///< time spent waiting (all waits, also after preemptions)
  double work_s = 0;   ///< run time packed on its reference pool (the ideal)
  double held_s = 0;   ///< time it held NPUs (running, restoring, saving)
  double jct_s = 0;    ///< finish - submit
  double slowdown = 0; ///< jct / work
  double ftf = 0;      ///< finish-time fairness rho (Themis): jct / time with a 1/N share
  uint32_t preemptions = 0;
  uint32_t pool = 0, nodes = 0, pods = 0;  ///< of its last placement
};

struct SeriesPoint {
  double t_s = 0;
  double allocated_npus = 0;  ///< NPUs allocated (tenths / 10)
  uint32_t busy_npus = 0;     ///< NPUs with any tenant
  uint32_t pending = 0;       ///< jobs waiting
  uint32_t running = 0;       ///< jobs running or saving
};

struct SchedResult {
  std::string policy, fleet, trace;
  uint32_t fleet_npus = 0;
  std::vector<JobRecord> jobs;  ///< in trace order
  std::vector<SeriesPoint> series;
  double makespan_s = 0;        ///< first arrival (0) to last completion
  double allocated_npu_s = 0;   ///< integral of allocated NPUs
  double free_npu_s = 0;        ///< integral of whole free NPUs
  double fragmented_npu_s = 0;  ///< integral of free NPUs on partly used nodes
  double busy_energy_j = 0, idle_energy_j = 0;  ///< with PUE
  uint64_t events = 0, decisions = 0, preemptions = 0;
  double wall_s = 0;
};

/// Runs the trace on the fleet under the policy. InputError `trace:line: ...` for a job the
/// fleet cannot run; InternalError if a conservation check fails or the policy stalls.
[[nodiscard]] SchedResult run_schedule(const Fleet& fleet, const JobTrace& trace, Policy& policy,
                                       const std::string& policy_name, SpeedModel& speed,
                                       const EngineOptions& options = {});

}  // namespace npusim::sched
