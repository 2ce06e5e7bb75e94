// `npusim replay` and `npusim train --emit-graph / --emit-chakra` through the real executable:
// outputs, the train -> emit -> replay round trip, and bad input (exit 2, one line).
#include <nlohmann/json.hpp>

#include "cli_harness.h"

using namespace npusim::test;

namespace {

const std::string kTrace = NPUSIM_CHAKRA_FEEDER_TRACE;
const std::string kGpt =
    "--cluster atlas-a2-cluster --model gpt3-175b --set model.layers=4 --set model.hidden=1024 "
    "--set model.heads=16 --set model.kv_heads=16 --set model.ffn_hidden=4096 "
    "--set model.seq_len=512 --roofline --cost-cache none -q";

nlohmann::json json_of(const std::filesystem::path& p) { return nlohmann::json::parse(read_file(p)); }

}  // namespace

TEST_CASE("npusim replay --chakra: summary, warnings and --json nodes_by_type") {
  const auto json = temp_path("feeder.json");
  const auto timeline = temp_path("feeder-timeline.json");
  const Outcome o = run_npusim("replay --cluster atlas-a2-cluster --chakra " + kTrace + " --json " +
                               json.string() + " --timeline " + timeline.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("3664 executed of 3664") != std::string::npos);
  CHECK(o.out.find("COMM_COLL 21, COMP 3643") != std::string::npos);
  CHECK(o.out.find("2448 CPU ops") != std::string::npos);
  CHECK(o.out.find("warning") != std::string::npos);
  const auto j = json_of(json);
  CHECK(j["nodes_by_type"]["COMP"] == 3643);
  CHECK(j["nodes_by_type"]["COMM_COLL"] == 21);
  CHECK(j["nodes_executed"] == 3664);
  CHECK(j["cpu_ops"] == 2448);
  CHECK(j["step_time_s"].get<double>() > 0);
  const auto t = json_of(timeline);
  CHECK(t["traceEvents"].size() > 3664);
}

TEST_CASE("train --emit-graph and --emit-chakra replay to the train run's step time") {
  for (const std::string par : {"--tp 2 --pp 2 --dp 2", "--tp 8 --pp 2 --dp 2 --global-batch 8",
                                "--tp 2 --pp 2 --dp 2 --full",
                                "--tp 8 --dp 2 --global-batch 8" /* one stage: one file */}) {
    const auto dir = temp_path("emit");
    std::filesystem::remove_all(dir);
    const auto train_json = temp_path("train.json");
    const Outcome t = run_npusim("train " + kGpt + " " + par + " --json " + train_json.string() +
                                 " --emit-graph " + (dir / "graph").string() + " --emit-chakra " +
                                 (dir / "chakra").string());
    INFO(par << "\n" << t.out);
    REQUIRE(t.status == 0);
    const double step = json_of(train_json)["step_time_s"].get<double>();
    CHECK(std::filesystem::exists(dir / "graph" / "graph.json"));
    CHECK(std::filesystem::exists(dir / "chakra" / "gpt3-175b.0.et"));
    for (const std::string& source : {"--graph " + (dir / "graph").string(), "--chakra " + (dir / "chakra").string()}) {
      const auto replay_json = temp_path("replay.json");
      const Outcome r = run_npusim("replay --cluster atlas-a2-cluster " + source + " -q --json " +
                                   replay_json.string());
      INFO(source << "\n" << r.out);
      REQUIRE(r.status == 0);
      CHECK(json_of(replay_json)["step_time_s"].get<double>() == step);
    }
  }
}

TEST_CASE("npusim replay: bad input exits 2 with one line") {
  expect_bad_input("replay --cluster atlas-a2-cluster", "replay: give exactly one of --graph DIR and --chakra");
  expect_bad_input("replay --cluster atlas-a2-cluster --chakra /nonexistent.et", "/nonexistent.et: no such file");
  const auto cut = temp_file("cut.0.et", read_file(kTrace).substr(0, 5000));
  expect_bad_input("replay --cluster atlas-a2-cluster --chakra " + cut.string(), cut.string() + ": truncated file");
  const auto garbage = temp_file("garbage.0.et", std::string("\x05\x0a\x03\x31\x2e\x30\x02\x18\x2a", 9));
  expect_bad_input("replay --cluster atlas-a2-cluster --chakra " + garbage.string(),
                   garbage.string() + ": node 0: unknown node type 42");
  expect_bad_input("replay --cluster atlas-a2-cluster --graph /nonexistent-dir", "/nonexistent-dir/graph.json: cannot open");
  expect_bad_input("replay --cluster atlas-a2-cluster --chakra " + kTrace + " --algorithm fastest",
                   "--algorithm 'fastest'");
  expect_bad_input("replay --cluster atlas-a2-cluster --chakra " + kTrace + " --ranks 100000",
                   "the workload has 100000 ranks, more than cluster");
}
