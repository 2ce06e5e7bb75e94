// FIFO: jobs start in arrival order; the first job that does not fit blocks those behind it
// (head-of-line blocking). First-fit placement, no preemption.
#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Fifo final : public Policy {
 public:
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.job(j).submit_s, 0}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override { fill_in_order(ctx, queue_, Fit::first, true, queue_.size()); }

 private:
  PendingQueue queue_;
};

}  // namespace

PolicyInfo fifo_policy() {
  return {"fifo", "first come first served, head-of-line blocking, first-fit placement", {},
          [](const PolicyArgs&) { return std::make_unique<Fifo>(); }};
}

}  // namespace npusim::sched
