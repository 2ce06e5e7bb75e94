// `npusim train` through the real executable: outputs, result keys, bad input.
#include <catch2/catch.hpp>
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_harness.h"

using namespace npusim::test;

namespace {
// A small LLaMA-shaped job priced by the roofline (the chip model is tested elsewhere).
const std::string kJob =
    "train --cluster atlas-a2-cluster --model llama2-7b --set model.layers=4 --tp 8 --pp 2 "
    "--dp 2 --global-batch 8 --roofline --cost-cache none";
}  // namespace

TEST_CASE("train prints a summary and writes the documented JSON keys") {
  const auto json = temp_path("train.json");
  const Outcome o = run_npusim(kJob + " --json " + json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("step ") != std::string::npos);
  CHECK(o.out.find("breakdown") != std::string::npos);
  CHECK(o.out.find("memory") != std::string::npos);
  const auto j = nlohmann::json::parse(read_file(json));
  for (const char* key : {"step_time_s", "tokens_per_s", "tflops_per_npu", "mfu", "hfu",
                          "memory_per_npu_bytes", "fits_memory", "time_to_train_s",
                          "energy_per_step_j", "energy_to_train_kwh", "breakdown"})
    CHECK(j.contains(key));
  double parts = 0;
  for (const auto& [name, seconds] : j["breakdown"].items()) parts += seconds.get<double>();
  CHECK(parts == Approx(j["step_time_s"].get<double>()).epsilon(1e-9));
  CHECK(j["npus"] == 32);
  CHECK(j["simulation"]["ranks_simulated"] == 2);
  CHECK(j["roofline_kernels"].size() > 0);  // every kernel, flagged
}

TEST_CASE("train --csv appends one row per run under one header") {
  const auto csv = temp_path("train.csv");
  REQUIRE(run_npusim(kJob + " -q --csv " + csv.string()).status == 0);
  REQUIRE(run_npusim(kJob + " -q --set scale_out.oversubscription=2 --csv " + csv.string()).status == 0);
  const std::string text = read_file(csv);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK(text.rfind("model,cluster,chip,npus,tp,pp,dp", 0) == 0);
}

TEST_CASE("train --timeline writes one process per simulated rank") {
  const auto timeline = temp_path("train-timeline.json");
  REQUIRE(run_npusim(kJob + " -q --full --timeline " + timeline.string()).status == 0);
  const auto j = nlohmann::json::parse(read_file(timeline));
  std::set<int> pids;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "X") pids.insert(e["pid"].get<int>());
  CHECK(pids.size() == 32);
}

TEST_CASE("train rejects impossible parallelism with exit status 2") {
  const std::string base =
      "train --cluster atlas-a2-cluster --model llama2-7b --roofline --cost-cache none ";
  expect_bad_input(base + "--tp 3", "parallelism: heads (32) not divisible by tp (3)");
  expect_bad_input(base + "--pp 5", "parallelism: layers (32) not divisible by pp x vpp (5 x 1)");
  expect_bad_input(base + "--pp 4 --global-batch 2", "parallelism: 1F1B needs at least as many micro-batches");
  expect_bad_input(base + "--dp 32768", "parallelism: tp x pp x dp x cp = 1 x 1 x 32768 x 1 = 32768");
  expect_bad_input(base + "--recompute some", "--recompute 'some'");
  expect_bad_input(base + "--schedule zigzag", "--schedule 'zigzag'");
  expect_bad_input(base + "--attention paged", "--attention 'paged'");
  expect_bad_input(base + "--algorithm spiral", "--algorithm 'spiral'");
  expect_bad_input(base + "--tokens -5", "--tokens must be positive");
  expect_bad_input(base + "--mtbf-hours -1", "--mtbf-hours, --restart-s and --ckpt-interval-s");
  expect_bad_input(base + "--zero 4", "parallelism: --zero 4 is not a ZeRO stage");
  expect_bad_input(base + "--moe-imbalance 1.5", "parallelism: --moe-imbalance needs an MoE model");
  const std::string moe =
      "train --cluster atlas-a2-cluster --model deepseek-v3-like --roofline --cost-cache none "
      "--pp 61 --dp 8 --ep 8 --global-batch 488 --set model.layers=61 ";
  expect_bad_input(moe + "--moe-imbalance 0.5",
                   "parallelism: --moe-imbalance 0.5 outside [1, experts / top_k");
  expect_bad_input(moe + "--moe-imbalance 100",
                   "parallelism: --moe-imbalance 100 outside [1, experts / top_k");
  expect_bad_input(base + "--pp 2 --vpp 2 --global-batch 4", "parallelism: --vpp > 1 needs --schedule 1f1b-interleaved");
  expect_bad_input(base + "--pp 2 --vpp 2 --schedule 1f1b-interleaved --global-batch 3",
                   "parallelism: interleaved 1F1B needs the micro-batches (3)");
  expect_bad_input(base + "--search --global-batch 8", "--search needs --npus N");
  expect_bad_input(base + "--search --npus 8", "--search needs --global-batch");
  expect_bad_input(base + "--search --npus 8 --global-batch 8 --objective cost", "--objective 'cost'");
  expect_bad_input(base + "--search --npus 8 --global-batch 8 --timeline t.json", "--timeline is for one run");
  expect_bad_input(base + "--search --npus 12 --global-batch 8", "cluster atlas-a2-cluster: 12 NPUs is not a whole number of nodes");
  expect_bad_input("train --cluster atlas900-pod --model llama2-7b --roofline --cost-cache none",
                   "model 'llama2-7b' trains in bf16");
}

TEST_CASE("train --search lists the best configurations and why the others fail") {
  const auto json = temp_path("search.json");
  const auto csv = temp_path("search.csv");
  const Outcome o = run_npusim(
      "train --cluster atlas-a2-cluster --model llama2-7b --set model.layers=4 --search --npus 16 "
      "--global-batch 16 --top 3 --roofline --cost-cache none --json " + json.string() + " --csv " +
      csv.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("best by step time") != std::string::npos);
  CHECK(o.out.find("fail a parallelism constraint") != std::string::npos);
  const auto j = nlohmann::json::parse(read_file(json));
  CHECK(j["objective"] == "time");
  size_t ok = 0;
  double previous = 0;
  for (const auto& c : j["candidates"]) {
    if (c["status"] != "ok") continue;
    const double t = c["result"]["step_time_s"].get<double>();
    CHECK(t >= previous);  // ranked
    previous = t;
    ++ok;
  }
  CHECK(ok > 3);
  // The CSV has a header and one row per simulated candidate.
  const std::string table = read_file(csv);
  CHECK(static_cast<size_t>(std::count(table.begin(), table.end(), '\n')) == ok + 1);
}

TEST_CASE("a model too big for the NPU is an out-of-memory verdict, not an error") {
  const auto json = temp_path("oom.json");
  const Outcome o = run_npusim(
      "train --cluster atlas-a2-cluster --model gpt3-175b --set model.layers=8 --roofline "
      "--cost-cache none --json " + json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("DOES NOT FIT") != std::string::npos);
  CHECK(nlohmann::json::parse(read_file(json))["fits_memory"] == false);
}
