// Building blocks of the shipped policies and the policy registry.
#include <fmt/format.h>

#include <algorithm>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/sched/policy.h"
#include "sim/sched/policy_list.h"

namespace npusim::sched {

void PendingQueue::add(JobId j, Key key, uint32_t npus) {
  if (!keys_.emplace(j, std::make_pair(key, npus)).second) return;
  order_.emplace(key.first, key.second, j);
  sizes_.insert(npus);
}

void PendingQueue::remove(JobId j) {
  const auto it = keys_.find(j);
  if (it == keys_.end()) return;
  order_.erase(std::make_tuple(it->second.first.first, it->second.first.second, j));
  sizes_.erase(sizes_.find(it->second.second));
  keys_.erase(it);
}

bool start_anywhere(SchedContext& ctx, JobId j, Fit fit, bool share) {
  const uint32_t need = ctx.npus_needed(j);
  for (uint32_t pool = 0; pool < ctx.fleet().pools.size(); ++pool) {
    if (!(share && ctx.job(j).fractional()) && ctx.free_npus(pool) < need) continue;
    if (const auto p = ctx.place(j, pool, fit, share)) {
      ctx.start(j, *p);
      return true;
    }
  }
  return false;
}

void fill_in_order(SchedContext& ctx, const PendingQueue& queue, Fit fit, bool strict, size_t scan) {
  size_t looked = 0;
  for (auto it = queue.order().begin(); it != queue.order().end() && looked < scan; ++looked) {
    if (ctx.free_npus() == 0 || ctx.free_npus() < queue.min_npus()) break;
    const JobId j = std::get<2>(*it);
    const auto next = std::next(it);  // starting j removes it from the queue
    const bool started = ctx.npus_needed(j) <= ctx.free_npus() && start_anywhere(ctx, j, fit);
    if (!started && strict) break;
    it = next;
  }
}

void admit_by_priority(SchedContext& ctx, const PendingQueue& queue,
                       const std::function<PendingQueue::Key(JobId)>& running_key, size_t scan,
                       double min_run_s) {
  const auto pools = static_cast<uint32_t>(ctx.fleet().pools.size());
  std::vector<uint32_t> budget(pools);
  for (uint32_t p = 0; p < pools; ++p) budget[p] = ctx.free_npus(p);
  std::vector<std::tuple<double, double, JobId>> run;
  run.reserve(ctx.running().size());
  for (JobId j : ctx.running()) {
    if (ctx.now_s() - ctx.run_started_s(j) < min_run_s) continue;  // leased: keeps its NPUs
    const auto k = running_key(j);
    run.emplace_back(k.first, k.second, j);
    budget[ctx.placement(j).pool] += ctx.npus_needed(j);
  }
  std::sort(run.begin(), run.end());
  std::vector<JobId> lose;
  std::vector<std::pair<JobId, uint32_t>> win;  // job, pool
  auto r = run.begin();
  auto q = queue.order().begin();
  size_t looked = 0;
  while (r != run.end() || (q != queue.order().end() && looked < scan)) {
    const bool take_running =
        r != run.end() && (q == queue.order().end() || looked >= scan ||
                           std::make_pair(std::get<0>(*r), std::get<1>(*r)) <= std::make_pair(std::get<0>(*q), std::get<1>(*q)));
    if (take_running) {
      const JobId j = std::get<2>(*r++);
      const uint32_t need = ctx.npus_needed(j);
      uint32_t& room = budget[ctx.placement(j).pool];
      if (need <= room) room -= need;
      else lose.push_back(j);
    } else {
      const uint32_t most = *std::max_element(budget.begin(), budget.end());
      if (r == run.end() && (most == 0 || most < queue.min_npus())) break;
      const JobId j = std::get<2>(*q++);
      ++looked;
      const uint32_t need = ctx.npus_needed(j);
      for (uint32_t p = 0; p < pools; ++p)
        if (need <= budget[p]) {
          budget[p] -= need;
          win.emplace_back(j, p);
          break;
        }
    }
  }
  for (JobId j : lose) ctx.preempt(j);
  // A winner that must wait for preempted jobs' checkpoints keeps the NPUs it needs from
  // lower-priority winners (else they would take them and the preemptions repeat).
  std::vector<uint32_t> held_back(pools, 0);
  for (const auto& [j, p] : win) {
    const uint32_t need = ctx.npus_needed(j);
    std::optional<Placement> where;
    if (need + held_back[p] <= ctx.free_npus(p)) where = ctx.place(j, p, Fit::first);
    if (where) ctx.start(j, *where);
    else held_back[p] += need;
  }
}

double policy_arg(const PolicyArgs& args, const std::string& key, double fallback) {
  const auto it = args.find(key);
  if (it == args.end()) return fallback;
  const auto v = parse_double(it->second);
  if (!v || *v < 0) throw InputError("--policy-arg " + key + "=" + it->second + " (expected a non-negative number)");
  return *v;
}

const std::vector<PolicyInfo>& policy_registry() {
  // One line per policy: the order here is the order of `npusim sched --help` and docs.
  static const std::vector<PolicyInfo> registry = {
      fifo_policy(), sjf_policy(), srtf_policy(), las_policy(), easy_policy(),
      pack_policy(), share_policy(), hetero_policy(),
  };
  return registry;
}

std::unique_ptr<Policy> make_policy(const std::string& name, const PolicyArgs& args) {
  std::vector<std::string> names;
  for (const PolicyInfo& info : policy_registry()) {
    names.push_back(info.name);
    if (info.name != name) continue;
    for (const auto& [key, value] : args)
      if (std::find(info.arg_names.begin(), info.arg_names.end(), key) == info.arg_names.end())
        throw InputError("--policy-arg " + key + ": policy " + name + " has no such argument" +
                         did_you_mean(key, info.arg_names) +
                         (info.arg_names.empty() ? " (it takes none)" : " (expected one of: " + join(info.arg_names) + ")"));
    return info.make(args);
  }
  throw InputError("unknown policy '" + name + "'" + did_you_mean(name, names) + " (expected one of: " + join(names) + ")");
}

}  // namespace npusim::sched
