#include "sim/cluster/parallel_search.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/training_graph.h"
#include "sim/cluster/training_memory.h"
#include "sim/base/units.h"

namespace npusim {
namespace {

/// Screens one candidate without simulating it: invalid (with the failing constraint) or oom.
SearchCandidate screen(const ModelSpec& model, const ParallelConfig& par, uint64_t capacity) {
  SearchCandidate c;
  c.par = par;
  try {
    check_parallelism(model, par);
    ActivationOptions activations;
    activations.flash_attention = par.flash_attention;
    const MemoryBreakdown m = memory_per_npu(model, par, capacity, activations);
    if (!m.fits) {
      c.status = SearchCandidate::Status::oom;
      c.reason = fmt::format("needs {} per NPU (stage {}), HBM holds {}", format_gib(static_cast<double>(m.total)), m.stage,
                             format_gib(static_cast<double>(m.capacity)));
    }
  } catch (const InputError& e) {
    c.status = SearchCandidate::Status::invalid;
    c.reason = e.what();
  }
  return c;
}

double objective_value(const TrainResult& r, SearchObjective objective) {
  return objective == SearchObjective::time ? r.step_time_s : r.energy_per_step_j;
}

}  // namespace

const char* to_string(SearchCandidate::Status status) {
  switch (status) {
    case SearchCandidate::Status::ok: return "ok";
    case SearchCandidate::Status::invalid: return "invalid";
    case SearchCandidate::Status::oom: return "oom";
    case SearchCandidate::Status::dominated: return "dominated";
    case SearchCandidate::Status::failed: return "failed";
  }
  return "?";
}

SearchSpace default_search_space(const ModelSpec& model, const ClusterConfig& cluster,
                                 uint64_t npus, const ParallelConfig& base,
                                 const FixedDimensions& fixed) {
  SearchSpace s;
  s.npus = npus;
  const uint64_t tp_limit = std::min<uint64_t>(32, std::max<uint32_t>(1, cluster.npus_per_node()));
  if (fixed.tp) {
    s.tp = {base.tp};
  } else {
    for (uint32_t tp = 1; tp <= tp_limit; tp *= 2)
      if (npus % (uint64_t{tp} * base.cp) == 0) s.tp.push_back(tp);
  }
  if (fixed.pp) {
    s.pp = {base.pp};
  } else {
    // Every divisor of the NPUs left after the smallest tp; each (tp, pp) pair is checked again.
    const uint64_t rest = npus / base.cp;
    const uint64_t layers = model.kind == ModelKind::ops ? 1 : model.layers;
    for (uint64_t pp = 1; pp <= std::min(rest, layers); ++pp)
      if (rest % pp == 0) s.pp.push_back(static_cast<uint32_t>(pp));
  }
  s.micro_batch = fixed.micro_batch ? std::vector<uint32_t>{base.micro_batch}
                                    : std::vector<uint32_t>{1, 2, 4, 8};
  s.recompute = fixed.recompute ? std::vector<Recompute>{base.recompute}
                                : std::vector<Recompute>{Recompute::none, Recompute::selective,
                                                         Recompute::full};
  return s;
}

std::vector<SearchCandidate> search_parallelism(const ModelSpec& model,
                                                const ClusterConfig& cluster,
                                                const TrainOptions& base,
                                                const SearchSpace& space,
                                                SearchObjective objective,
                                                KernelCostCache& costs,
                                                const SearchProgress& progress) {
  check_cluster_size(cluster, space.npus);
  const ChipConfig chip = npu_chip(cluster);
  const uint64_t capacity = chip.hbm.capacity_bytes * chip.dies;

  // Screen every point; per split, only the cheapest recompute that fits needs simulating
  // (more recompute only adds work, so it cannot be faster or use less energy).
  std::vector<SearchCandidate> all;
  std::vector<size_t> to_run;
  for (uint32_t tp : space.tp)
    for (uint32_t pp : space.pp) {
      const uint64_t tp_pp_cp = uint64_t{tp} * pp * base.par.cp;
      if (space.npus % tp_pp_cp != 0) continue;  // not a split of these NPUs at all
      for (uint32_t mb : space.micro_batch) {
        bool fitted = false;
        for (Recompute recompute : space.recompute) {
          ParallelConfig par = base.par;
          par.tp = tp;
          par.pp = pp;
          par.dp = static_cast<uint32_t>(space.npus / tp_pp_cp);
          par.micro_batch = mb;
          par.recompute = recompute;
          SearchCandidate c;
          if (fitted) {
            c.par = par;
            c.status = SearchCandidate::Status::dominated;
            c.reason = "less recompute fits for the same split";
          } else {
            c = screen(model, par, capacity);
            if (c.status == SearchCandidate::Status::ok) {
              fitted = true;
              to_run.push_back(all.size());
            }
          }
          all.push_back(std::move(c));
        }
      }
    }

  for (size_t i = 0; i < to_run.size(); ++i) {
    SearchCandidate& c = all[to_run[i]];
    if (progress) progress(i, to_run.size(), c.par);
    TrainOptions options = base;
    options.par = c.par;
    options.engine.keep_records = false;
    try {
      c.result = simulate_training(model, cluster, options, costs);
      c.result->graph.reset();  // timelines are not kept for a search
    } catch (const InputError& e) {
      c.status = SearchCandidate::Status::failed;
      c.reason = e.what();
    }
  }

  std::stable_sort(all.begin(), all.end(), [objective](const SearchCandidate& a, const SearchCandidate& b) {
    if (a.result.has_value() != b.result.has_value()) return a.result.has_value();
    if (!a.result) return static_cast<int>(a.status) < static_cast<int>(b.status);
    return objective_value(*a.result, objective) < objective_value(*b.result, objective);
  });
  return all;
}

}  // namespace npusim
