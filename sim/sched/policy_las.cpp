// Tiresias-style discretised 2D-LAS (Gu et al., NSDI'19): a job's priority is the service it
// has received, NPUs x seconds run (both dimensions: size and time), discretised into queues
// by thresholds; lower queues first, arrival order inside a queue. No run-time knowledge.
// Running jobs are demoted as their service crosses a threshold (checked at every decision
// and every `round` seconds) and preempted when a higher-priority job needs their NPUs.
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Las final : public Policy {
 public:
  explicit Las(const PolicyArgs& args)
      : round_(policy_arg(args, "round", 60)),
        scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))),
        min_run_(policy_arg(args, "min_run", kDefaultMinRun)) {
    // Default thresholds (assumed): 1 and 10 NPU-hours, three queues.
    thresholds_ = {3600, 36000};
    if (const auto it = args.find("thresholds"); it != args.end()) {
      thresholds_.clear();
      std::stringstream in(it->second);
      std::string item;
      while (std::getline(in, item, ':')) {
        const auto v = parse_double(item);
        if (!v || *v <= 0 || (!thresholds_.empty() && *v <= thresholds_.back()))
          throw InputError("--policy-arg thresholds=" + it->second +
                           " (expected increasing positive NPU-seconds separated by ':', e.g. 3600:36000)");
        thresholds_.push_back(*v);
      }
    }
  }
  double round_s() const override { return round_; }
  void on_pending(SchedContext& ctx, JobId j) override { queue_.add(j, key(ctx, j), ctx.npus_needed(j)); }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    admit_by_priority(ctx, queue_, [&](JobId j) { return key(ctx, j); }, scan_, min_run_);
  }

 private:
  PendingQueue::Key key(const SchedContext& ctx, JobId j) const {
    const double service = ctx.attained_npu_s(j);
    const auto q = std::upper_bound(thresholds_.begin(), thresholds_.end(), service) - thresholds_.begin();
    return {static_cast<double>(q), ctx.job(j).submit_s};
  }
  std::vector<double> thresholds_;
  double round_;
  size_t scan_;
  double min_run_;
  PendingQueue queue_;
};

}  // namespace

PolicyInfo las_policy() {
  return {"las",
          "Tiresias-style 2D-LAS: queues by attained NPU-seconds (thresholds=3600:36000), FIFO inside a "
          "queue, preemptive",
          {"thresholds", "round", "scan", "min_run"}, [](const PolicyArgs& a) { return std::make_unique<Las>(a); }};
}

}  // namespace npusim::sched
