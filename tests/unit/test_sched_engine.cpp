// The fleet engine: conservation on random traces for every policy, known orderings on a
// heavy-tailed trace, checks that catch a misbehaving policy, fleets and the cluster-level
// speed model.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "sim/base/error.h"
#include "sim/sched/engine.h"
#include "sim/sched/metrics.h"

using namespace npusim;
using namespace npusim::sched;

namespace {

Fleet small_fleet(uint32_t nodes = 4, uint32_t per_node = 8, uint32_t per_pod = 2) {
  Fleet f;
  f.name = "small";
  Pool p;
  p.name = "p";
  p.nodes = nodes;
  p.npus_per_node = per_node;
  p.nodes_per_pod = per_pod;
  p.idle_w_per_npu = 100;
  p.pue = 1.2;
  f.pools.push_back(p);
  return f;
}

JobTrace synthetic(uint64_t jobs, uint64_t seed, double load, uint32_t npus, double fractional = 0) {
  GenOptions g;
  g.jobs = jobs;
  g.seed = seed;
  g.load = load;
  g.npus = npus;
  g.fraction_share = fractional;
  JobTrace t;
  t.path = "synthetic";
  t.jobs = generate_jobs(g);
  for (Job& j : t.jobs) j.tenths = std::min(j.tenths, npus * kTenthsPerNpu);
  return t;
}

SchedResult run(const Fleet& f, const JobTrace& t, const std::string& policy, SpeedModel& speed,
                const PolicyArgs& args = {}) {
  auto p = make_policy(policy, args);
  EngineOptions o;
  o.check = true;  // full audit after every decision
  return run_schedule(f, t, *p, policy, speed, o);
}

}  // namespace

TEST_CASE("conservation holds for every policy on random seeded traces", "[sched][engine]") {
  // The engine audits bookings after every decision and checks at the end that every job
  // finished exactly once with all its work done; here we also check the records.
  const Fleet fleet = small_fleet();
  SimpleSpeedModel speed(fleet);
  speed.checkpoint_seconds = 7;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const JobTrace t = synthetic(60, seed, 1.2, fleet.npus(), seed % 3 == 0 ? 0.3 : 0.0);
    for (const PolicyInfo& info : policy_registry()) {
      INFO("seed " << seed << " policy " << info.name);
      const SchedResult r = run(fleet, t, info.name, speed, info.name == "las" ? PolicyArgs{{"thresholds", "2000:20000"}} : PolicyArgs{});
      REQUIRE(r.jobs.size() == t.jobs.size());
      double work = 0;
      for (const JobRecord& j : r.jobs) {
        CHECK(j.start_s >= j.submit_s - 1e-9);
        CHECK(j.finish_s > j.start_s);
        CHECK(j.queue_s >= 0);
        CHECK(j.jct_s == Approx(j.finish_s - j.submit_s));
        CHECK(j.held_s >= j.work_s - 1e-6);  // no placement is faster than packed
        work += j.work_s;
      }
      CHECK(work > 0);
      const Metrics m = compute_metrics(r, t);
      CHECK(m.utilization > 0);
      CHECK(m.utilization <= 1 + 1e-9);
      CHECK(m.energy_j > 0);
      CHECK(m.jain_fairness > 0);
      CHECK(m.jain_fairness <= 1 + 1e-9);
    }
  }
}

TEST_CASE("conservation holds on a two-pool fleet with different speeds", "[sched][engine]") {
  Fleet fleet = small_fleet(2, 8, 1);
  Pool fast = fleet.pools[0];
  fast.name = "fast";
  fast.npus_per_node = 4;
  fast.first_npu = 16;
  fleet.pools.push_back(fast);
  SimpleSpeedModel speed(fleet);
  speed.pool_speed = {1, 1.5};
  speed.checkpoint_seconds = 3;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const JobTrace t = synthetic(50, seed, 1.5, 8, 0.2);
    for (const PolicyInfo& info : policy_registry()) {
      INFO("seed " << seed << " policy " << info.name);
      const SchedResult r = run(fleet, t, info.name, speed);
      CHECK(r.jobs.size() == t.jobs.size());
      CHECK(compute_metrics(r, t).utilization <= 1 + 1e-9);
    }
  }
}

TEST_CASE("on a heavy-tailed trace SRTF and LAS beat FIFO on average JCT", "[sched][engine]") {
  const Fleet fleet = small_fleet(8, 8, 4);
  SimpleSpeedModel speed(fleet);
  speed.checkpoint_seconds = 30;
  const JobTrace t = synthetic(500, 42, 0.9, fleet.npus());
  const double fifo = compute_metrics(run(fleet, t, "fifo", speed), t).avg_jct_s;
  const double srtf = compute_metrics(run(fleet, t, "srtf", speed), t).avg_jct_s;
  const double las = compute_metrics(run(fleet, t, "las", speed), t).avg_jct_s;
  const double sjf = compute_metrics(run(fleet, t, "sjf", speed), t).avg_jct_s;
  INFO("fifo " << fifo << " srtf " << srtf << " las " << las << " sjf " << sjf);
  CHECK(srtf < fifo);
  CHECK(las < fifo);
  CHECK(sjf < fifo);
}

TEST_CASE("the same inputs give the same schedule", "[sched][engine]") {
  const Fleet fleet = small_fleet();
  SimpleSpeedModel speed(fleet);
  const JobTrace t = synthetic(80, 3, 1.0, fleet.npus(), 0.2);
  for (const char* p : {"srtf", "share"}) {
    const SchedResult a = run(fleet, t, p, speed);
    const SchedResult b = run(fleet, t, p, speed);
    CHECK(sched_jobs_csv(a, t, fleet) == sched_jobs_csv(b, t, fleet));
  }
}

namespace {
/// Starts every waiting job on NPU 0 whether or not it is free.
class DoubleBooker final : public Policy {
 public:
  void on_pending(SchedContext&, JobId j) override { waiting_.insert(j); }
  void on_start(SchedContext&, JobId j) override { waiting_.erase(j); }
  void schedule(SchedContext& ctx) override {
    const auto w = waiting_;
    for (JobId j : w) {
      Placement p;
      p.slots = {{0, 10}};
      p.nodes = p.pods = 1;
      ctx.start(j, p);
    }
  }

 private:
  std::set<JobId> waiting_;
};
}  // namespace

TEST_CASE("a policy that double-books an NPU is caught", "[sched][engine]") {
  const Fleet fleet = small_fleet();
  SimpleSpeedModel speed(fleet);
  JobTrace t;
  t.path = "t";
  for (int i = 0; i < 2; ++i) {
    Job j;
    j.id = "j" + std::to_string(i);
    j.tenths = 10;
    j.duration_s = 10;
    t.jobs.push_back(j);
  }
  DoubleBooker p;
  CHECK_THROWS_AS(run_schedule(fleet, t, p, "bad", speed), InternalError);
}

TEST_CASE("a job bigger than its pool is an input error at its line", "[sched][engine]") {
  const Fleet fleet = small_fleet(1, 8, 1);
  SimpleSpeedModel speed(fleet);
  JobTrace t;
  t.path = "trace.csv";
  Job j;
  j.id = "big";
  j.tenths = 160;
  j.duration_s = 10;
  j.line = 7;
  t.jobs.push_back(j);
  auto p = make_policy("fifo");
  CHECK_THROWS_WITH(run_schedule(fleet, t, *p, "fifo", speed), Catch::StartsWith("trace.csv:7: job big: needs 16 NPUs"));
}

TEST_CASE("unknown policies and policy arguments are input errors", "[sched][engine]") {
  CHECK_THROWS_WITH(make_policy("lass"), Catch::Contains("did you mean 'las'"));
  CHECK_THROWS_WITH(make_policy("las", {{"treshold", "1"}}), Catch::Contains("did you mean 'thresholds'"));
  CHECK_THROWS_AS(make_policy("las", {{"thresholds", "5:2"}}), InputError);
  CHECK_THROWS_AS(make_policy("pack", {{"max_slowdown", "x"}}), InputError);
}

TEST_CASE("fleets: cluster presets, fleet files, bad pools", "[sched][fleet]") {
  const Fleet a2 = load_fleet("atlas-a2-cluster", 64);
  REQUIRE(a2.pools.size() == 1);
  CHECK(a2.npus() == 64);
  CHECK(a2.pools[0].nodes == 8);
  CHECK(a2.pools[0].idle_w_per_npu > 0);
  const Fleet h = load_fleet("hetero-small");
  REQUIRE(h.pools.size() == 3);
  CHECK(h.pools[0].chip() == "ascend910b");
  CHECK(h.pools[1].chip() == "ascend910c");
  CHECK(h.pools[2].chip() == "nvidia-a100");
  CHECK(h.npus() == 192);
  CHECK(h.pools[1].first_npu == 64);
  CHECK(h.pool_index("nvidia-a100") == 2u);
  CHECK_THROWS_WITH(load_fleet("atlas-a2-clustr"), Catch::Contains("did you mean"));
  CHECK_THROWS_AS(load_fleet("atlas-a2-cluster", 12), InputError);
  const auto dir = std::filesystem::temp_directory_path() / "npusim-sched-fleet";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bad.yaml") << "name: bad\ndescription: x\npools:\n  a:\n    cluster: atlas-a2-cluster\n    nodez: 4\n";
  CHECK_THROWS_WITH(load_fleet((dir / "bad.yaml").string()), Catch::Contains("bad.yaml:6"));
}

TEST_CASE("cluster-level speed: spread and cross-pod placements are slower, chips differ", "[sched][speed]") {
  const Fleet h = load_fleet("hetero-small");
  ClusterSpeedModel speed(h);
  Job j;
  j.id = "d";
  j.tenths = 80;
  j.duration_s = 1000;
  // Packed on its reference pool: exactly the trace duration.
  CHECK(speed.run_s(j, 0, packed_shape(h, 0, 8)) == Approx(1000).epsilon(1e-12));
  const double two_nodes = speed.run_s(j, 0, Shape{0, 8, 2, 1});
  const double two_pods = speed.run_s(j, 0, Shape{0, 8, 2, 2});
  INFO("packed 1000, 2 nodes " << two_nodes << ", 2 pods " << two_pods);
  CHECK(two_nodes > 1000);
  CHECK(two_pods > two_nodes);  // a 3:1 spine
  CHECK(speed.run_s(j, 0, packed_shape(h, 2, 8)) != Approx(1000));  // A100 differs from 910B
  CHECK(speed.busy_w_per_npu(0) > h.pools[0].idle_w_per_npu);
  // A model job: iterations x the cluster level's step time.
  Job m;
  m.id = "m";
  m.model = "bert-large";
  m.tenths = 80;
  m.micro_batch = 8;
  m.iterations = 100;
  const double t = speed.run_s(m, 0, packed_shape(h, 0, 8));
  CHECK(t > 0);
  CHECK(speed.run_s(m, 0, Shape{0, 8, 4, 1}) >= t);
  CHECK(speed.checkpoint_s(m, packed_shape(h, 0, 8)) > 0);
  Job bad = m;
  bad.tp = 3;  // bert-large's 16 heads are not divisible by 3
  bad.tenths = 30;
  CHECK_THROWS_AS(speed.run_s(bad, 0, packed_shape(h, 0, 3)), InputError);
}

TEST_CASE("a trace with model jobs runs on the cluster-level speed model", "[sched][speed]") {
  const Fleet h = load_fleet("hetero-small");
  const JobTrace t = read_job_trace(std::string(NPUSIM_SOURCE_DIR) + "/tests/data/jobs/model_jobs.csv");
  ClusterSpeedModel speed(h);
  for (const char* p : {"fifo", "hetero"}) {
    const SchedResult r = run(h, t, p, speed);
    CHECK(r.jobs.size() == 3);
    CHECK(compute_metrics(r, t).energy_j > 0);
  }
}
