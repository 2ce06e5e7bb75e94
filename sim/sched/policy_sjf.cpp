// SJF (oracle): the shortest job (known run time) starts first; jobs that do not fit are
// skipped. SRTF: preemptive — at every decision the jobs with the least remaining run time
// hold the NPUs; a running job that loses its place is preempted (checkpoint save/restore).
#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Sjf final : public Policy {
 public:
  explicit Sjf(const PolicyArgs& args) : scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))) {}
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.remaining_s(j), ctx.job(j).submit_s}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override { fill_in_order(ctx, queue_, Fit::first, false, scan_); }

 private:
  PendingQueue queue_;
  size_t scan_;
};

class Srtf final : public Policy {
 public:
  explicit Srtf(const PolicyArgs& args)
      : scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))),
        min_run_(policy_arg(args, "min_run", kDefaultMinRun)) {}
  /// Leases expire between events: look again every min_run seconds while jobs wait.
  double round_s() const override { return min_run_; }
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.remaining_s(j), ctx.job(j).submit_s}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    admit_by_priority(ctx, queue_, [&](JobId j) { return PendingQueue::Key{ctx.remaining_s(j), ctx.job(j).submit_s}; },
                      scan_, min_run_);
  }

 private:
  PendingQueue queue_;
  size_t scan_;
  double min_run_;
};

}  // namespace

PolicyInfo sjf_policy() {
  return {"sjf", "shortest job first with oracle run times, non-preemptive, skips jobs that do not fit",
          {"scan"}, [](const PolicyArgs& a) { return std::make_unique<Sjf>(a); }};
}

PolicyInfo srtf_policy() {
  return {"srtf", "shortest remaining time first, preemptive (oracle run times), min_run=300 s lease",
          {"scan", "min_run"},
          [](const PolicyArgs& a) { return std::make_unique<Srtf>(a); }};
}

}  // namespace npusim::sched
