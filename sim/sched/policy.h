#pragma once
// The fleet scheduler's policy interface (docs/fleet.md): a policy sees the queue through
// hooks and a SchedContext, and decides which jobs start where and which running jobs are
// preempted. Policies are registered by name (policy_registry.cpp); adding one is one file
// plus one line there.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/sched/fleet.h"
#include "sim/sched/job_speed.h"
#include "sim/sched/job_trace.h"

namespace npusim::sched {

using JobId = uint32_t;  ///< index of a job in the trace (trace order = arrival order)

/// Where a job runs: one pool, and per NPU (fleet-wide index) the tenths it holds.
struct Placement {
  uint32_t pool = 0;
  std::vector<std::pair<uint32_t, uint8_t>> slots;
  uint32_t nodes = 0;  ///< distinct nodes used
  uint32_t pods = 0;   ///< distinct pods used
};

/// The shape a placement gives a job (what its speed depends on).
[[nodiscard]] inline Shape shape_of(const Placement& p) {
  return Shape{p.pool, std::max<uint32_t>(1, static_cast<uint32_t>(p.slots.size())), p.nodes, p.pods};
}

/// How a policy asks for NPUs.
enum class Fit {
  first,   ///< first free NPUs in node order (topology-unaware; may spread)
  packed,  ///< fewest nodes inside one pod, best fit (falls back to the fewest nodes overall)
};

/// What a policy may look at and do. Times are seconds of simulated time.
class SchedContext {
 public:
  virtual ~SchedContext() = default;
  [[nodiscard]] virtual double now_s() const = 0;
  [[nodiscard]] virtual const Fleet& fleet() const = 0;
  [[nodiscard]] virtual const Job& job(JobId j) const = 0;
  /// Run time of the whole job packed on its reference pool (the oracle duration), s.
  [[nodiscard]] virtual double work_s(JobId j) const = 0;
  /// work_s minus the progress made so far (at its reference speed), s.
  [[nodiscard]] virtual double remaining_s(JobId j) const = 0;
  /// Service received: NPUs held x seconds run so far (Tiresias' attained service).
  [[nodiscard]] virtual double attained_npu_s(JobId j) const = 0;
  /// Where a running (or saving) job is placed.
  [[nodiscard]] virtual const Placement& placement(JobId j) const = 0;
  /// When a running job's current run began (its start or latest restart), s.
  [[nodiscard]] virtual double run_started_s(JobId j) const = 0;
  /// Jobs running now (not those saving a checkpoint after preemption).
  [[nodiscard]] virtual const std::vector<JobId>& running() const = 0;
  /// Whole free NPUs in a pool, or in the fleet.
  [[nodiscard]] virtual uint32_t free_npus(uint32_t pool) const = 0;
  [[nodiscard]] virtual uint32_t free_npus() const = 0;
  /// Whole NPUs a job holds when running (its request rounded up; shared NPUs count as 1 each).
  [[nodiscard]] virtual uint32_t npus_needed(JobId j) const = 0;
  /// When a running job is expected to finish at its current speed, s.
  [[nodiscard]] virtual double expected_end_s(JobId j) const = 0;
  /// A placement for a job in a pool, or nullopt if it does not fit now. `share`: a
  /// fractional job takes its tenths on a shared NPU instead of a whole NPU.
  [[nodiscard]] virtual std::optional<Placement> place(JobId j, uint32_t pool, Fit fit,
                                                       bool share = false) const = 0;
  /// Speed of a job on a shape relative to its reference (packed on the reference pool):
  /// 1 = as fast, 0.8 = 25% longer. Without co-location effects.
  [[nodiscard]] virtual double speed(JobId j, const Shape& shape) const = 0;
  /// Starts a pending job (restoring its checkpoint first if it was preempted).
  virtual void start(JobId j, const Placement& p) = 0;
  /// Preempts a running job: it saves a checkpoint (NPUs held meanwhile), then waits again.
  virtual void preempt(JobId j) = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  /// Seconds between periodic scheduling rounds; 0 = decide on arrivals and completions only.
  [[nodiscard]] virtual double round_s() const { return 0; }
  /// A job is waiting: it arrived, or its preemption checkpoint finished.
  virtual void on_pending(SchedContext& ctx, JobId j) = 0;
  /// A pending job was started (by this policy).
  virtual void on_start(SchedContext& ctx, JobId j) = 0;
  /// Decide: called after every batch of simultaneous events and at each round.
  virtual void schedule(SchedContext& ctx) = 0;
};

using PolicyArgs = std::map<std::string, std::string>;

struct PolicyInfo {
  std::string name;
  std::string summary;                ///< one line for --help and docs
  std::vector<std::string> arg_names; ///< accepted --policy-arg keys
  std::function<std::unique_ptr<Policy>(const PolicyArgs&)> make;
};

/// Registered policies in registration order.
[[nodiscard]] const std::vector<PolicyInfo>& policy_registry();
/// Builds a policy by name; InputError for an unknown name or argument.
[[nodiscard]] std::unique_ptr<Policy> make_policy(const std::string& name, const PolicyArgs& args = {});

/// A numeric policy argument (InputError if malformed), or `fallback`.
[[nodiscard]] double policy_arg(const PolicyArgs& args, const std::string& key, double fallback);

// ---- building blocks the shipped policies share ----------------------------------------

/// Pending jobs ordered by a key (smaller first; ties by arrival), with the smallest request.
class PendingQueue {
 public:
  using Key = std::pair<double, double>;
  void add(JobId j, Key key, uint32_t npus);
  void remove(JobId j);
  [[nodiscard]] bool empty() const { return order_.empty(); }
  [[nodiscard]] size_t size() const { return order_.size(); }
  /// Smallest request among the waiting jobs (0 if none).
  [[nodiscard]] uint32_t min_npus() const { return sizes_.empty() ? 0 : *sizes_.begin(); }
  [[nodiscard]] const std::set<std::tuple<double, double, JobId>>& order() const { return order_; }
  [[nodiscard]] Key key(JobId j) const { return keys_.at(j).first; }

 private:
  std::set<std::tuple<double, double, JobId>> order_;
  std::map<JobId, std::pair<Key, uint32_t>> keys_;
  std::multiset<uint32_t> sizes_;
};

/// Tries the pools in fleet order and starts the job at the first placement found.
bool start_anywhere(SchedContext& ctx, JobId j, Fit fit, bool share = false);

/// Starts waiting jobs in queue order while NPUs are free. `strict`: stop at the first job
/// that does not fit (FIFO's head-of-line blocking); else skip it and try the next ones.
/// At most `scan` jobs are looked at.
void fill_in_order(SchedContext& ctx, const PendingQueue& queue, Fit fit, bool strict, size_t scan);

/// Preemptive priority scheduling: running jobs (keyed by `running_key`) and waiting ones
/// compete in key order for each pool's NPUs (a running job for its own pool, a waiting one
/// for the first pool with room); running jobs that lose are preempted, waiting ones that
/// win are started there (first fit). A job that has run less than `min_run_s` since
/// its (re)start keeps its NPUs (a lease against preemption thrash).
void admit_by_priority(SchedContext& ctx, const PendingQueue& queue,
                       const std::function<PendingQueue::Key(JobId)>& running_key, size_t scan,
                       double min_run_s);

}  // namespace npusim::sched
