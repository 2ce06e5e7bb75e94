// Heterogeneity-aware placement (in the spirit of Gavel, Narayanan et al. OSDI'20, without
// its optimiser): in arrival order, each job goes to the pool where the cluster level says it
// runs fastest among those with room now, and waits instead when that pool would run it at
// less than min_speed x its best speed on any pool. Jobs that wait are skipped.
#include <algorithm>

#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Hetero final : public Policy {
 public:
  explicit Hetero(const PolicyArgs& args)
      : min_speed_(policy_arg(args, "min_speed", 0.7)), scan_(static_cast<size_t>(policy_arg(args, "scan", kDefaultScan))) {}
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.job(j).submit_s, 0}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    size_t looked = 0;
    for (auto it = queue_.order().begin(); it != queue_.order().end() && looked < scan_; ++looked) {
      if (ctx.free_npus() < queue_.min_npus()) break;
      const JobId j = std::get<2>(*it);
      const auto next = std::next(it);
      try_start(ctx, j);
      it = next;
    }
  }

 private:
  void try_start(SchedContext& ctx, JobId j) {
    const uint32_t need = ctx.npus_needed(j);
    double best_anywhere = 0;
    std::optional<Placement> best;
    double best_speed = 0;
    for (uint32_t pool = 0; pool < ctx.fleet().pools.size(); ++pool) {
      if (need > ctx.fleet().pools[pool].npus()) continue;
      best_anywhere = std::max(best_anywhere, ctx.speed(j, packed_shape(ctx.fleet(), pool, need)));
      if (ctx.free_npus(pool) < need) continue;
      auto p = ctx.place(j, pool, Fit::packed);
      if (!p) continue;
      const double v = ctx.speed(j, shape_of(*p));
      if (v > best_speed) {
        best_speed = v;
        best = std::move(p);
      }
    }
    if (best && (best_speed >= min_speed_ * best_anywhere || ctx.running().empty())) ctx.start(j, *best);
  }
  double min_speed_;
  size_t scan_;
  PendingQueue queue_;
};

}  // namespace

PolicyInfo hetero_policy() {
  return {"hetero",
          "heterogeneity-aware: each job on the pool where it runs fastest now; waits if below "
          "min_speed=0.7 of its best pool",
          {"min_speed", "scan"}, [](const PolicyArgs& a) { return std::make_unique<Hetero>(a); }};
}

}  // namespace npusim::sched
