// train --search: the screening (constraints, memory), the recompute pruning and the ranking,
// each checked against independent runs of the same configurations.
#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/cluster/parallel_search.h"
#include "sim/cluster/training_graph.h"
#include "sim/config/cluster_loader.h"
#include "cluster_test_models.h"

using namespace npusim;
using npusim::test::small_gpt;

namespace {

struct Setup {
  ModelSpec model = small_gpt();
  ClusterConfig cluster = load_cluster("atlas-a2-cluster");
  TrainOptions base;
  KernelCostCache costs;
  Setup() : costs(npu_chip(cluster), roofline()) {
    base.par.global_batch = 32;
    // HBM just big enough for tp 2 x pp 2 without recompute, so memory decides some points.
    ActivationOptions act;
    ParallelConfig probe = base.par;
    probe.tp = 2, probe.pp = 2, probe.dp = 4;
    const MemoryBreakdown need = memory_per_npu(model, probe, UINT64_MAX, act);
    cluster.node.chip.hbm.capacity_bytes = need.total / npu_chip(cluster).dies;
  }
  static KernelCostOptions roofline() {
    KernelCostOptions o;
    o.simulate = false;
    return o;
  }
  uint64_t capacity() const {
    const ChipConfig chip = npu_chip(cluster);
    return chip.hbm.capacity_bytes * chip.dies;
  }
  double run(const ParallelConfig& par) {
    TrainOptions o = base;
    o.par = par;
    return simulate_training(model, cluster, o, costs).step_time_s;
  }
};

}  // namespace

TEST_CASE("search screens every point as the constraint and memory checks say") {
  Setup s;
  const SearchSpace space = default_search_space(s.model, s.cluster, 16, s.base.par, {});
  CHECK(space.tp == std::vector<uint32_t>{1, 2, 4, 8});
  CHECK(space.pp == std::vector<uint32_t>{1, 2, 4, 8});  // divisors of 16 up to 8 layers
  const auto all = search_parallelism(s.model, s.cluster, s.base, space, SearchObjective::time, s.costs);
  size_t counts[5] = {};
  for (const SearchCandidate& c : all) {
    ++counts[static_cast<int>(c.status)];
    CHECK(c.par.npus() == 16);
    bool valid = true;
    try {
      check_parallelism(s.model, c.par);
    } catch (const InputError&) {
      valid = false;
    }
    ActivationOptions act;
    const bool fits = valid && memory_per_npu(s.model, c.par, s.capacity(), act).fits;
    switch (c.status) {
      case SearchCandidate::Status::invalid: CHECK_FALSE(valid); break;
      case SearchCandidate::Status::oom: CHECK((valid && !fits)); break;
      case SearchCandidate::Status::ok:
      case SearchCandidate::Status::dominated: CHECK(fits); break;
      case SearchCandidate::Status::failed: FAIL("no point should fail: " << c.reason);
    }
    CHECK(c.result.has_value() == (c.status == SearchCandidate::Status::ok));
  }
  // Every kind occurs in this space (otherwise the checks above prove little).
  CHECK(counts[static_cast<int>(SearchCandidate::Status::ok)] > 0);
  CHECK(counts[static_cast<int>(SearchCandidate::Status::invalid)] > 0);
  CHECK(counts[static_cast<int>(SearchCandidate::Status::oom)] > 0);
  CHECK(counts[static_cast<int>(SearchCandidate::Status::dominated)] > 0);
}

TEST_CASE("search ranks by step time and no pruned point would have been faster") {
  Setup s;
  const SearchSpace space = default_search_space(s.model, s.cluster, 16, s.base.par, {});
  const auto all = search_parallelism(s.model, s.cluster, s.base, space, SearchObjective::time, s.costs);
  REQUIRE(all.front().result.has_value());
  const double best = all.front().result->step_time_s;
  for (size_t i = 1; i < all.size() && all[i].result; ++i)
    CHECK(all[i - 1].result->step_time_s <= all[i].result->step_time_s);
  for (const SearchCandidate& c : all) {
    if (c.status == SearchCandidate::Status::ok) CHECK(s.run(c.par) == c.result->step_time_s);
    if (c.status == SearchCandidate::Status::dominated) {
      // Simulated on its own, a pruned point is no faster than the best (it only adds work).
      const double t = s.run(c.par);
      CHECK(t >= best);
    }
  }
}

TEST_CASE("search by energy puts the least energy per step first") {
  Setup s;
  const SearchSpace space = default_search_space(s.model, s.cluster, 16, s.base.par, {});
  const auto all = search_parallelism(s.model, s.cluster, s.base, space, SearchObjective::energy, s.costs);
  REQUIRE(all.front().result.has_value());
  for (const SearchCandidate& c : all)
    if (c.result) CHECK(all.front().result->energy_per_step_j <= c.result->energy_per_step_j);
}

TEST_CASE("dimensions given on the command line stay fixed in the search") {
  Setup s;
  ParallelConfig par = s.base.par;
  par.tp = 4;
  par.micro_batch = 2;
  par.recompute = Recompute::full;
  FixedDimensions fixed;
  fixed.tp = fixed.micro_batch = fixed.recompute = true;
  const SearchSpace space = default_search_space(s.model, s.cluster, 16, par, fixed);
  CHECK(space.tp == std::vector<uint32_t>{4});
  CHECK(space.micro_batch == std::vector<uint32_t>{2});
  CHECK(space.recompute == std::vector<Recompute>{Recompute::full});
  CHECK(space.pp.size() > 1);
}

TEST_CASE("search on more NPUs than the cluster has is an input error") {
  Setup s;
  const SearchSpace space = default_search_space(s.model, s.cluster, 1 << 20, s.base.par, {});
  CHECK_THROWS_AS(search_parallelism(s.model, s.cluster, s.base, space, SearchObjective::time, s.costs),
                  InputError);
}
