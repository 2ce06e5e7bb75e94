// Topology-aware packing: arrival order (head-of-line blocking like FIFO), but each job is
// placed on the fewest nodes inside one pod, best fit (the fullest nodes that still fit, so
// whole nodes stay free for big jobs). If only a spread placement exists, the job takes it
// when the cluster level says it runs at least 1/max_slowdown as fast as packed, or when
// nothing else is running; otherwise it waits for NPUs to free up.
#include "sim/sched/policy_list.h"

namespace npusim::sched {
namespace {

class Pack final : public Policy {
 public:
  explicit Pack(const PolicyArgs& args) : max_slowdown_(policy_arg(args, "max_slowdown", 1.1)) {}
  void on_pending(SchedContext& ctx, JobId j) override {
    queue_.add(j, {ctx.job(j).submit_s, 0}, ctx.npus_needed(j));
  }
  void on_start(SchedContext&, JobId j) override { queue_.remove(j); }
  void schedule(SchedContext& ctx) override {
    while (!queue_.empty()) {
      const JobId j = std::get<2>(*queue_.order().begin());
      if (!try_start(ctx, j)) break;
    }
  }

 private:
  bool try_start(SchedContext& ctx, JobId j) {
    const uint32_t need = ctx.npus_needed(j);
    for (uint32_t pool = 0; pool < ctx.fleet().pools.size(); ++pool) {
      if (ctx.free_npus(pool) < need) continue;
      const auto p = ctx.place(j, pool, Fit::packed);
      if (!p) continue;
      const Shape ideal = packed_shape(ctx.fleet(), pool, need);
      const bool packed = p->nodes <= ideal.nodes && p->pods <= ideal.pods;
      if (packed || ctx.running().empty() ||
          ctx.speed(j, shape_of(*p)) * max_slowdown_ >= ctx.speed(j, ideal) - 1e-12) {
        ctx.start(j, *p);
        return true;
      }
    }
    return false;
  }
  double max_slowdown_;
  PendingQueue queue_;
};

}  // namespace

PolicyInfo pack_policy() {
  return {"pack",
          "topology-aware packing: arrival order, fewest nodes in one pod, waits rather than spread "
          "slower than max_slowdown=1.1",
          {"max_slowdown"}, [](const PolicyArgs& a) { return std::make_unique<Pack>(a); }};
}

}  // namespace npusim::sched
