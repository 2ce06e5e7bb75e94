// Time to train with checkpoints and failures (sim/cluster/reliability.h): Young's interval,
// the first-order expected-time model, its optimum, divergence and input validation.

#include <catch2/catch.hpp>

#include <cmath>

#include "sim/base/error.h"
#include "sim/cluster/reliability.h"
#include "sim/config/model_loader.h"
#include "sim/config/model_math.h"

using namespace npusim;

namespace {

// delta = 1e12 B / 1e10 B/s = 100 s; M = 10000 h / 100 nodes = 360000 s.
ReliabilityConfig base() {
  ReliabilityConfig c;
  c.checkpoint_bytes = 1e12;
  c.checkpoint_write_bytes_per_s = 1e10;
  c.node_mtbf_hours = 10000;
  c.nodes = 100;
  c.restart_s = 600;
  return c;
}

double expected_at(double tau) {
  ReliabilityConfig c = base();
  c.checkpoint_interval_s = tau;
  return time_to_train(30 * 86400.0, c).expected_s;
}

}  // namespace

TEST_CASE("without failures the expected time is compute plus T / tau checkpoints") {
  ReliabilityConfig c = base();
  c.node_mtbf_hours = 0;
  c.checkpoint_interval_s = 3600;
  const TimeToTrain t = time_to_train(1e6, c);
  CHECK(std::isinf(t.job_mtbf_s));
  CHECK(t.checkpoint_write_s == Approx(100));
  CHECK(t.checkpoint_overhead_s == Approx(1e6 / 3600 * 100));
  CHECK(t.expected_s == Approx(1e6 + 1e6 / 3600 * 100));
  CHECK(t.expected_failures == 0);
  CHECK(t.lost_work_s == 0);
  CHECK(t.restart_overhead_s == 0);
  // No interval given and no failures: never checkpoint.
  c.checkpoint_interval_s = 0;
  CHECK(time_to_train(1e6, c).expected_s == Approx(1e6));
}

TEST_CASE("Young's interval is sqrt(2 delta M) and is used when none is given") {
  const TimeToTrain t = time_to_train(30 * 86400.0, base());
  CHECK(t.job_mtbf_s == Approx(360000));
  CHECK(t.young_daly_interval_s == Approx(std::sqrt(2.0 * 100 * 360000)));  // 8485.28 s
  CHECK(t.young_daly_interval_s == Approx(8485.281374));
  CHECK(t.checkpoint_interval_s == t.young_daly_interval_s);
}

TEST_CASE("expected time is the sum of its parts and solves the first-order equation") {
  const double T = 30 * 86400.0;
  ReliabilityConfig c = base();
  c.checkpoint_interval_s = 7200;
  const TimeToTrain t = time_to_train(T, c);
  const double M = 360000, delta = 100, tau = 7200, R = 600;
  const double W = T * (1 + delta / tau) / (1 - (R + (tau + delta) / 2) / M);
  CHECK(t.expected_s == Approx(W));
  CHECK(t.expected_s ==
        Approx(T + t.checkpoint_overhead_s + t.lost_work_s + t.restart_overhead_s));
  CHECK(t.expected_failures == Approx(W / M));
  CHECK(t.lost_work_s == Approx(W / M * (tau + delta) / 2));
  CHECK(t.restart_overhead_s == Approx(W / M * R));
}

TEST_CASE("the expected time is smallest near the Young interval") {
  const double young = time_to_train(1.0, base()).young_daly_interval_s;
  const double best = expected_at(young);
  CHECK(expected_at(0.5 * young) > best);
  CHECK(expected_at(2.0 * young) > best);
  CHECK(expected_at(0.9 * young) > best);
  CHECK(expected_at(1.1 * young) > best);
}

TEST_CASE("failures faster than progress give an infinite expected time") {
  ReliabilityConfig c = base();
  c.node_mtbf_hours = 1;
  c.nodes = 1000;  // M = 3.6 s, less than one checkpoint write
  const TimeToTrain t = time_to_train(1e6, c);
  CHECK(std::isinf(t.expected_s));
  CHECK(std::isinf(t.expected_failures));
  c.node_mtbf_hours = 10000;
  c.restart_s = 360000;  // the restart alone outlasts the job MTBF
  CHECK(std::isinf(time_to_train(1e6, c).expected_s));
}

TEST_CASE("free checkpoints: delta 0 loses no work and costs nothing") {
  ReliabilityConfig c = base();
  c.checkpoint_bytes = 0;
  const TimeToTrain t = time_to_train(1e6, c);
  CHECK(t.young_daly_interval_s == 0);
  CHECK(t.checkpoint_overhead_s == 0);
  CHECK(t.lost_work_s == 0);
  CHECK(t.expected_s == Approx(1e6 / (1 - 600.0 / 360000)));
}

TEST_CASE("invalid reliability inputs are input errors") {
  CHECK_THROWS_AS(time_to_train(-1, base()), InputError);
  ReliabilityConfig c = base();
  c.restart_s = -5;
  CHECK_THROWS_WITH(time_to_train(1, c), Catch::Contains("restart_s"));
  c = base();
  c.nodes = 0;
  CHECK_THROWS_WITH(time_to_train(1, c), Catch::Contains("nodes"));
  c = base();
  c.checkpoint_write_bytes_per_s = 0;
  CHECK_THROWS_WITH(time_to_train(1, c), Catch::Contains("checkpoint_write_bytes_per_s"));
  c = base();
  c.node_mtbf_hours = std::nan("");
  CHECK_THROWS_AS(time_to_train(1, c), InputError);
}

TEST_CASE("checkpoint size is 14 bytes per parameter for bf16 training") {
  const ModelSpec m = load_model("gpt3-175b");
  CHECK(checkpoint_bytes(m) == 14 * parameter_count(m).total);
  CHECK(checkpoint_bytes(load_model("llama2-7b", {"dtype=fp32"})) ==
        12 * parameter_count(load_model("llama2-7b")).total);
}
