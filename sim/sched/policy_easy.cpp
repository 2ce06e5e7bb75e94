// Gang scheduling with EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001): every job
// gets all its NPUs at once (as in every npusim policy), in arrival order. When the head job
// does not fit it gets a reservation at the earliest time enough NPUs free up (from the
// running jobs' expected ends); later jobs may start now if they end before that time
// (oracle run times at their reference speed) or use only NPUs the head will not need.
#include <algorithm>

#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Easy final : public Policy {
 public:
  explicit Easy(const PolicyArgs& args) : scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))) {}
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.job(j).submit_s, 0}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    fill_in_order(ctx, queue_, Fit::first, true, queue_.size());
    if (queue_.empty()) return;
    const JobId head = std::get<2>(*queue_.order().begin());
    const uint32_t need = ctx.npus_needed(head);
    std::vector<std::pair<double, uint32_t>> ends;
    for (JobId j : ctx.running()) ends.emplace_back(ctx.expected_end_s(j), ctx.npus_needed(j));
    std::sort(ends.begin(), ends.end());
    uint32_t avail = ctx.free_npus();
    double shadow = 1e300;
    uint32_t extra = 0;
    for (const auto& [end, npus] : ends) {
      avail += npus;
      if (avail >= need) {
        shadow = end;
        extra = avail - need;
        break;
      }
    }
    size_t looked = 0;
    auto it = std::next(queue_.order().begin());
    while (it != queue_.order().end() && looked++ < scan_ && ctx.free_npus() > 0) {
      const JobId j = std::get<2>(*it);
      const auto next = std::next(it);
      const uint32_t n = ctx.npus_needed(j);
      const bool ends_in_time = ctx.now_s() + ctx.work_s(j) <= shadow;
      if (n <= ctx.free_npus() && (ends_in_time || n <= extra) && start_anywhere(ctx, j, Fit::first) &&
          !ends_in_time)
        extra -= n;
      it = next;
    }
  }

 private:
  PendingQueue queue_;
  size_t scan_;
};

}  // namespace

PolicyInfo easy_policy() {
  return {"easy", "gang scheduling in arrival order with EASY backfilling (oracle run times)", {"scan"},
          [](const PolicyArgs& a) { return std::make_unique<Easy>(a); }};
}

}  // namespace npusim::sched
