// `npusim mem run` end to end: help, summary, JSON keys, determinism, and one-line errors with
// exit status 2 for bad input.
#include <catch2/catch.hpp>

#include "tests/unit/cli_harness.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;
using namespace npusim::test;

namespace {

}  // namespace

TEST_CASE("mem and mem run explain themselves with an example") {
  for (const char* cmd : {"mem", "mem run"}) {
    const Outcome o = run_npusim(std::string(cmd) + " --help");
    INFO(cmd);
    CHECK(o.status == 0);
    CHECK(o.out.find("Example") != std::string::npos);
  }
}

TEST_CASE("mem run prints a summary and writes JSON with the documented keys") {
  const fs::path json = temp_path("stream.json");
  const Outcome o = run_npusim("mem run --chip ascend910b --pattern stream --bytes 4M --json " +
                           json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("GB/s of 1638.4 GB/s peak") != std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(read_file(json));
  for (const char* key : {"achieved_gbps", "peak_gbps", "row_hit_rate", "avg_latency_ns",
                          "p99_latency_ns", "energy_pj_per_bit", "dram", "chip", "commands",
                          "energy_breakdown_pj", "time_ns"})
    CHECK(j.contains(key));
  CHECK(j["dram"] == "hbm2e");
  CHECK(j["peak_gbps"].get<double>() == Approx(1638.4));
  CHECK(j["achieved_gbps"].get<double>() > 1000);
  CHECK(j["achieved_gbps"].get<double>() < j["peak_gbps"].get<double>());
  CHECK(j["read_bytes"] == 4u << 20);
  CHECK(j["p99_latency_ns"].get<double>() >= j["avg_latency_ns"].get<double>());
  CHECK(j["energy_pj_per_bit"].get<double>() > 3);
}

TEST_CASE("mem run is deterministic for a seed and the seed changes random traffic") {
  const auto run = [](const std::string& seed, const std::string& name) {
    const fs::path json = temp_path(name);
    const Outcome o = run_npusim("mem run --chip ascend910 --pattern random --bytes 1M --read-ratio "
                             "0.7 -q --seed " + seed + " --json " + json.string());
    REQUIRE(o.status == 0);
    CHECK(o.out.empty());
    return read_file(json);
  };
  const std::string a = run("1", "a.json"), b = run("1", "b.json"), c = run("2", "c.json");
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("bad mem run input gives one line and exit status 2") {
  const std::string run = "mem run --chip ascend910b ";
  expect_bad_input(run + "--pattern strem --bytes 1M",
                   "--pattern strem: unknown pattern (did you mean 'stream'?)");
  expect_bad_input(run + "--bytes 0", "--bytes 0: nothing to move");
  expect_bad_input(run + "--bytes 12X", "--bytes 12X: not a size");
  expect_bad_input(run + "--bytes 1M --read-ratio 1.5", "--read-ratio 1.5: out of range");
  expect_bad_input(run + "--bytes 1M --read-ratio half", "--read-ratio half: not a number");
  expect_bad_input(run + "--bytes 1M --request-bytes 48", "--request-bytes 48: not a whole number");
  expect_bad_input(run + "--bytes 1M --pattern strided", "--pattern strided needs --stride");
  expect_bad_input(run + "--bytes 1M --set hbm.dram=hbm9",
                   "--set hbm.dram=hbm9: 'hbm.dram': unknown DRAM preset 'hbm9'");
  expect_bad_input(run + "--bytes 1M --set dram.timing_ns.fawx=1",
                   "--set dram.timing_ns.fawx=1: unknown key 'timing_ns.fawx'");
  expect_bad_input(run + "--bytes 1M --set hbm.channels=16", fs::path(NPUSIM_SOURCE_DIR).string());
  expect_bad_input("mem run --chip ascend310p --bytes 1M", fs::path(NPUSIM_SOURCE_DIR).string());
}
