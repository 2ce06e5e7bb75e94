// Each shipped policy on hand-made traces: the schedules below are worked out by hand.
//
// Fleet: one pool of 2 nodes x 4 NPUs (NPUs 0-3 on node 0, 4-7 on node 1), one pod.
// Speed (SimpleSpeedModel): a job on k nodes runs 1 + 0.5 (k - 1) times longer than packed,
// so a 4-NPU job spread over 2 nodes runs at 2/3 speed. A preempted job's checkpoint save
// takes 5 s (NPUs still held) and the restore 5 s when it starts again (no progress).
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "sim/sched/engine.h"
#include "sim/sched/metrics.h"

using namespace npusim::sched;

namespace {

Fleet test_fleet(std::vector<std::pair<uint32_t, uint32_t>> pools = {{2, 4}}) {
  Fleet f;
  f.name = "test";
  uint32_t first = 0;
  for (size_t i = 0; i < pools.size(); ++i) {
    Pool p;
    p.name = "pool" + std::to_string(i);
    p.nodes = pools[i].first;
    p.npus_per_node = pools[i].second;
    p.nodes_per_pod = p.nodes;
    p.idle_w_per_npu = 100;
    p.pue = 1;
    p.first_npu = first;
    first += p.npus();
    f.pools.push_back(std::move(p));
  }
  return f;
}

JobTrace five_jobs() { return read_job_trace(std::string(NPUSIM_SOURCE_DIR) + "/tests/data/jobs/five_jobs.csv"); }

JobTrace make_trace(const std::vector<std::tuple<std::string, double, double, double>>& jobs) {
  JobTrace t;
  t.path = "hand";
  for (const auto& [id, submit, npus, duration] : jobs) {
    Job j;
    j.id = id;
    j.submit_s = submit;
    j.tenths = static_cast<uint32_t>(npus * 10 + 0.5);
    j.duration_s = duration;
    t.jobs.push_back(j);
  }
  return t;
}

struct Expect {
  double start, finish;
};

SchedResult run(const Fleet& fleet, const JobTrace& trace, const std::string& policy, const PolicyArgs& args = {},
                std::vector<double> pool_speed = {}) {
  SimpleSpeedModel speed(fleet);
  speed.pool_speed = std::move(pool_speed);
  speed.node_penalty = 0.5;
  speed.pod_penalty = 0;
  speed.checkpoint_seconds = 5;
  auto p = make_policy(policy, args);
  EngineOptions o;
  o.check = true;
  return run_schedule(fleet, trace, *p, policy, speed, o);
}

void expect_schedule(const SchedResult& r, const JobTrace& trace, const std::map<std::string, Expect>& want) {
  REQUIRE(r.jobs.size() == want.size());
  for (const JobRecord& j : r.jobs) {
    const std::string& id = trace.jobs[j.index].id;
    INFO(r.policy << " job " << id);
    REQUIRE(want.count(id) == 1);
    CHECK(j.start_s == Approx(want.at(id).start).margin(1e-6));
    CHECK(j.finish_s == Approx(want.at(id).finish).margin(1e-6));
  }
}

}  // namespace

// Trace (tests/data/jobs/five_jobs.csv): id submit NPUs duration
//   A 0 4 100 | B 10 4 20 | C 20 8 30 | D 30 2 200 | E 40 2 10

TEST_CASE("fifo: head-of-line blocking on the five-job trace", "[sched][policy]") {
  // t0 A -> NPUs 0-3, ends 100. t10 B -> 4-7, ends 30. t20 C needs 8, 0 free: blocks.
  // t30 B ends (4 free), C still blocks D and E. t100 A ends: C -> 0-7, ends 130.
  // t130: D -> 0,1 ends 330; E -> 2,3 ends 140.
  const JobTrace t = five_jobs();
  const SchedResult r = run(test_fleet(), t, "fifo");
  expect_schedule(r, t, {{"A", {0, 100}}, {"B", {10, 30}}, {"C", {100, 130}}, {"D", {130, 330}}, {"E", {130, 140}}});
  CHECK(compute_metrics(r, t).avg_jct_s == Approx((100 + 20 + 110 + 300 + 100) / 5.0));
}

TEST_CASE("sjf: shortest first, skipping jobs that do not fit", "[sched][policy]") {
  // t0 A 0-3 (->100), t10 B 4-7 (->30). t20 C waits (0 free).
  // t30 B ends, D arrives: order C(30) D(200); C needs 8 of 4 free -> skipped; D -> 4,5 (->230).
  // t40 E -> 6,7 (->50). t50, t100: C still does not fit (2, then 6 free).
  // t230 D ends: C -> 0-7 (->260).
  const JobTrace t = five_jobs();
  const SchedResult r = run(test_fleet(), t, "sjf");
  expect_schedule(r, t, {{"A", {0, 100}}, {"B", {10, 30}}, {"C", {230, 260}}, {"D", {30, 230}}, {"E", {40, 50}}});
}

TEST_CASE("srtf: preemption with checkpoint save and restore", "[sched][policy]") {
  // t0 A 0-3 (->100). t10 B(20) vs A(90): both fit; B -> 4-7 (->30).
  // t20 C(30): order B(10) C(30) A(80); C does not fit after B, A keeps its NPUs.
  // t30 B ends, D(200) arrives: order C(30) A(70) D(200): C takes all 8 -> A preempted,
  //     saves 30..35 on NPUs 0-3.
  // t35 A waits with 70 left: C -> 0-7 (->65).
  // t40 E(10): order E(10) C(25): E takes 2, C needs 8 > 6 -> C preempted, saves 40..45.
  // t45 order E(10) C(25) A(70) D(200): E 2, C skipped (8 > 6), A 4, D 2.
  //     E -> 0,1 (->55); A -> 2,3,4,5 = 2 nodes, speed 2/3, restore until 50, then 70 s of
  //     work take 105 s (->155); D -> 6,7 (->245).
  // t55 E ends. order C(25) A(70 - 5 x 2/3 = 66.67) D(190): C takes 8 -> A, D preempted,
  //     both save 55..60.
  // t60 C -> 0-7, restore until 65, 25 s left (->90).
  // t90 A -> 0-3 (packed), restore until 95, 66.67 left (->161.67); D -> 4,5, restore, 190 left (->285).
  const JobTrace t = five_jobs();
  const SchedResult r = run(test_fleet(), t, "srtf", {{"min_run", "0"}});
  expect_schedule(r, t, {{"A", {0, 95 + 200.0 / 3}}, {"B", {10, 30}}, {"C", {35, 90}}, {"D", {45, 285}}, {"E", {45, 55}}});
  std::map<std::string, uint32_t> preemptions;
  for (const JobRecord& j : r.jobs) preemptions[t.jobs[j.index].id] = j.preemptions;
  CHECK(preemptions == std::map<std::string, uint32_t>{{"A", 2}, {"B", 0}, {"C", 1}, {"D", 1}, {"E", 0}});
}

TEST_CASE("las: Tiresias queues by attained NPU-seconds", "[sched][policy]") {
  // One threshold at 200 NPU-s (queue 0 below, 1 above), FIFO by arrival inside a queue, no rounds.
  // t0 A 0-3 (->100). t10 B -> 4-7 (->30). t20 C waits (A, B come first in queue 0).
  // t30 B ends; D arrives: order A C D: A 4, C no, D 2 -> D -> 4,5 (->230).
  // t40 E: order A C D E: E -> 6,7 (->50).
  // t50 E ends; A has 4 x 50 = 200 NPU-s -> queue 1. Order C(q0) D(q0) A(q1): C takes all 8,
  //     D and A preempted (save 50..55).
  // t55 C -> 0-7 (->85). t85 C ends: D -> 0,1, restore until 90, 180 left (->270);
  //     A -> 2,3,4,5 (2 nodes, speed 2/3), restore until 90, 50 left -> 75 s (->165).
  const JobTrace t = five_jobs();
  const SchedResult r = run(test_fleet(), t, "las", {{"thresholds", "200"}, {"round", "0"}, {"min_run", "0"}});
  expect_schedule(r, t, {{"A", {0, 165}}, {"B", {10, 30}}, {"C", {55, 85}}, {"D", {30, 270}}, {"E", {40, 50}}});
}

TEST_CASE("easy: backfill only what ends before the head's reservation", "[sched][policy]") {
  // t0 A 0-3 (->100), t10 B 4-7 (->30). t20 C heads the queue; reservation when A ends at 100.
  // t30 B ends: D would end at 230 > 100 and the head needs all 8 NPUs (no extra): no backfill.
  // t40 E ends at 50 <= 100: backfilled on 4,5 (->50).
  // t100 C -> 0-7 (->130). t130 D -> 0,1 (->330).
  const JobTrace t = five_jobs();
  const SchedResult r = run(test_fleet(), t, "easy");
  expect_schedule(r, t, {{"A", {0, 100}}, {"B", {10, 30}}, {"C", {100, 130}}, {"D", {130, 330}}, {"E", {40, 50}}});
}

TEST_CASE("pack: best fit on whole nodes, waits instead of spreading", "[sched][policy]") {
  // X t0 3 NPUs 100 s, Y t1 3 NPUs 100 s, Z t2 2 NPUs 50 s.
  const JobTrace t = make_trace({{"X", 0, 3, 100}, {"Y", 1, 3, 100}, {"Z", 2, 2, 50}});
  // fifo (first fit): X 0-2; Y takes NPU 3 and 4,5: 2 nodes, 150 s (->151); Z 6,7 (->52).
  expect_schedule(run(test_fleet(), t, "fifo"), t, {{"X", {0, 100}}, {"Y", {1, 151}}, {"Z", {2, 52}}});
  // pack: X node 0; Y best fit node 1 (->101); Z only fits as 1 + 1 NPUs on two nodes, 2/3
  // speed < 1/1.1: waits until X ends, then node 0 (->150).
  expect_schedule(run(test_fleet(), t, "pack"), t, {{"X", {0, 100}}, {"Y", {1, 101}}, {"Z", {100, 150}}});
  // max_slowdown=2 accepts the spread placement: 50 s at 2/3 speed = 75 s (->77).
  expect_schedule(run(test_fleet(), t, "pack", {{"max_slowdown", "2"}}), t,
                  {{"X", {0, 100}}, {"Y", {1, 101}}, {"Z", {2, 77}}});
}

TEST_CASE("share: fractional NPUs share one NPU with a co-location slowdown", "[sched][policy]") {
  // F1 t0 0.5 NPU 100 s, F2 t0 0.3 NPU 100 s, W t0 7 NPUs 10 s; interference 0.25.
  const JobTrace t = make_trace({{"F1", 0, 0.5, 100}, {"F2", 0, 0.3, 100}, {"W", 0, 7, 10}});
  // fifo: F1 and F2 take a whole NPU each (0, 1); W needs 7 of 6 free: waits until 100 (->110).
  expect_schedule(run(test_fleet(), t, "fifo"), t, {{"F1", {0, 100}}, {"F2", {0, 100}}, {"W", {100, 110}}});
  // share: F1 on NPU 0 (5 tenths), F2 joins it (3 tenths). Speeds: F1 1 / (1 + 0.25 x 0.3)
  // = 1/1.075, F2 1 / (1 + 0.25 x 0.5) = 1/1.125. W -> NPUs 1-7 at once (->10).
  // F1 ends at 107.5; F2 has done 107.5 / 1.125 = 95.56 s, runs the last 4.44 s alone (->111.94).
  expect_schedule(run(test_fleet(), t, "share"), t,
                  {{"F1", {0, 107.5}}, {"F2", {0, 107.5 + (100 - 107.5 / 1.125)}}, {"W", {0, 10}}});
}

TEST_CASE("hetero: each job on the pool where it runs fastest", "[sched][policy]") {
  // Pool 0: 1 node x 4 NPUs at speed 0.5 (the reference: durations were measured there);
  // pool 1: 1 node x 4 NPUs at speed 1 (twice as fast). H1 t0 4 NPUs 100 s, H2 t1 4 NPUs 100 s.
  const Fleet fleet = test_fleet({{1, 4}, {1, 4}});
  const JobTrace t = make_trace({{"H1", 0, 4, 100}, {"H2", 1, 4, 100}});
  const std::vector<double> speed = {0.5, 1};
  // fifo takes pools in fleet order: H1 on pool 0 (->100), H2 on pool 1 (50 s, ->51).
  expect_schedule(run(fleet, t, "fifo", {}, speed), t, {{"H1", {0, 100}}, {"H2", {1, 51}}});
  // hetero: H1 on pool 1 (->50); H2 would run at half its best speed on pool 0 (< 0.7): waits
  // for pool 1 (->100).
  expect_schedule(run(fleet, t, "hetero", {}, speed), t, {{"H1", {0, 50}}, {"H2", {50, 100}}});
  // min_speed=0.5 accepts pool 0 for H2 (->101).
  expect_schedule(run(fleet, t, "hetero", {{"min_speed", "0.5"}}, speed), t, {{"H1", {0, 50}}, {"H2", {1, 101}}});
}

TEST_CASE("every registered policy has a hand-checked schedule above", "[sched][policy]") {
  std::vector<std::string> names;
  for (const PolicyInfo& p : policy_registry()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"fifo", "sjf", "srtf", "las", "easy", "pack", "share", "hetero"});
}
