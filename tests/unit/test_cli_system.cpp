// `npusim system` end to end: the table, the JSON, the help texts, and exit status 2 with
// one line for every kind of bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>

#include "tests/unit/cli_harness.h"
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;
using namespace npusim::test;

namespace {

const std::string kRun = "system run --system atlas800t-a2 --collective allreduce ";

}  // namespace

TEST_CASE("system help texts explain themselves with an example") {
  for (const char* cmd : {"system", "system run", "system list", "system show"}) {
    const Outcome o = run_npusim(std::string(cmd) + " --help");
    INFO(cmd << "\n" << o.out);
    CHECK(o.status == 0);
    CHECK(o.out.find("Example") != std::string::npos);
  }
}

TEST_CASE("system run prints a row per size and writes the documented JSON") {
  const fs::path json = temp_path("ar.json");
  const Outcome o = run_npusim(kRun + "--bytes 1K..1M:4 --json " + json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("busbw_GB/s") != std::string::npos);
  for (const char* size : {"1 KiB", "4 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB"})
    CHECK(o.out.find(size) != std::string::npos);
  std::ifstream in(json);
  const nlohmann::json j = nlohmann::json::parse(in);
  CHECK(j.at("system") == "atlas800t-a2");
  CHECK(j.at("collective") == "allreduce");
  CHECK(j.at("algorithm") == "fullmesh");
  CHECK(j.at("npus") == 8);
  REQUIRE(j.at("rows").size() == 6);
  for (const auto& row : j.at("rows")) {
    const double time = row.at("time_s"), algbw = row.at("algbw_gbps"),
                 busbw = row.at("busbw_gbps");
    const double bytes = row.at("bytes");
    CHECK(algbw == Approx(bytes / time * 1e-9));
    CHECK(busbw == Approx(algbw * 2 * 7 / 8));
  }
}

TEST_CASE("system list and show describe the presets") {
  const Outcome list = run_npusim("system list");
  REQUIRE(list.status == 0);
  for (const char* name : {"atlas800-910", "atlas800t-a2", "dgx-a100"})
    CHECK(list.out.find(name) != std::string::npos);
  const Outcome show = run_npusim("system show atlas800-910");
  REQUIRE(show.status == 0);
  CHECK(show.out.find("pcie") != std::string::npos);
  CHECK(show.out.find("full-mesh groups of 4") != std::string::npos);
}

TEST_CASE("system run rejects bad input with exit status 2 and one line") {
  expect_bad_input("system run --system atlas800ta2 --collective allreduce --bytes 1K",
                   "did you mean 'atlas800t-a2'", false);
  expect_bad_input(kRun + "--bytes 8G..1K", "--bytes '8G..1K'", false);
  expect_bad_input(kRun + "--bytes 1K..8G:1", "factor", false);
  expect_bad_input(kRun + "--bytes lots", "--bytes 'lots'", false);
  expect_bad_input("system run --system atlas800t-a2 --collective allreduse --bytes 1K",
                   "unknown collective 'allreduse' (did you mean 'allreduce'?)", false);
  expect_bad_input(kRun + "--bytes 1K --algorithm rnig", "did you mean 'ring'", false);
  expect_bad_input(kRun + "--bytes 1K --algorithm hd --set npus=6", "power-of-two", false);
  expect_bad_input(kRun + "--bytes 1001", "not a whole number of fp32 elements", false);
  expect_bad_input(kRun + "--bytes 1K --dtype fp33", "unknown --dtype 'fp33'", false);
  expect_bad_input("system run --system dgx-a100 --collective allreduce --bytes 1K "
                   "--set link_types.nvlink3.protocol_efficiency=2",
                   "invalid value for 'link_types.nvlink3.protocol_efficiency': 2", false);
  expect_bad_input("system run --system dgx-a100 --collective allreduce --bytes 1K "
                   "--set link_types.nvlink3.ring_fill_kib=-1",
                   "invalid value for 'link_types.nvlink3.ring_fill_kib': -1", false);
  expect_bad_input(kRun + "--bytes 1K --set npus=x", "--set npus=x", false);
  expect_bad_input(kRun + "--bytes 1K --set chip.hbm.bandwidth_gbps=-1", "bandwidth_gbps", false);
  expect_bad_input(kRun + "--bytes 1K --chunk-bytes 4Q", "--chunk-bytes '4Q'", false);
  expect_bad_input(kRun + "--bytes 1G --chunk-bytes 4", "use a larger chunk", false);
}

TEST_CASE("a bad system file is reported at its line") {
  const fs::path bad = temp_path("bad.yaml");
  std::ofstream(bad) << "name: bad\ndescription: x\nchip: ascend910b\nnpus: 2\ntopolgy: {}\n";
  expect_bad_input("system show " + bad.string(), bad.string() + ":5: unknown key 'topolgy'", false);
}
