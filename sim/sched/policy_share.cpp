// Fractional NPU sharing: a job asking for less than one NPU gets that many tenths of a
// shared NPU (virtual NPUs at 0.1 granularity, best fit on NPUs already shared), instead of
// a whole NPU; co-tenants slow each other down by the engine's co-location model
// (EngineOptions::interference). Whole-NPU jobs are packed. Arrival order; jobs that do not
// fit are skipped.
#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Share final : public Policy {
 public:
  explicit Share(const PolicyArgs& args) : scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))) {}
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.job(j).submit_s, 0}, ctx.job(j).fractional() ? 0 : ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    size_t looked = 0;
    for (auto it = queue_.order().begin(); it != queue_.order().end() && looked < scan_; ++looked) {
      const JobId j = std::get<2>(*it);
      const auto next = std::next(it);
      if (ctx.job(j).fractional() || ctx.npus_needed(j) <= ctx.free_npus()) start_anywhere(ctx, j, Fit::packed, true);
      it = next;
    }
  }

 private:
  PendingQueue queue_;
  size_t scan_;
};

}  // namespace

PolicyInfo share_policy() {
  return {"share", "fractional NPU sharing at 0.1 NPU granularity with a co-location slowdown; packs whole jobs",
          {"scan"}, [](const PolicyArgs& a) { return std::make_unique<Share>(a); }};
}

}  // namespace npusim::sched
