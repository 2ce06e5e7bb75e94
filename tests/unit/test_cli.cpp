// The npusim executable end to end: help texts, exit statuses and the one-line
// `path:line: message` errors for every kind of bad input.
#include <catch2/catch.hpp>

#include "tests/unit/cli_harness.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace fs = std::filesystem;
using namespace npusim::test;

namespace {

const std::string kMmad = "MMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n";

}  // namespace

TEST_CASE("help of every command explains itself with an example") {
  for (const char* cmd : {"", "config", "config list", "config show", "kernel", "kernel gen",
                          "kernel gen gemm", "kernel gen attention", "kernel check", "chip",
                          "chip run", "regress"}) {
    const Outcome o = run_npusim(std::string(cmd) + " --help");
    INFO(cmd);
    CHECK(o.status == 0);
    CHECK(o.out.find("Example") != std::string::npos);
  }
}

TEST_CASE("chip run prints a summary and writes JSON with the documented keys") {
  const fs::path json = temp_file("r.json", "");
  const Outcome o = run_npusim("chip run --chip ascend910b --kernel \"gemm m=256 n=256 k=256\" --json " +
                           json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("TFLOP/s") != std::string::npos);
  std::ifstream in(json);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const char* key : {"\"chip\"", "\"cycles\"", "\"time_s\"", "\"flops\"", "\"achieved_tflops\"",
                          "\"peak_tflops\"", "\"energy_j\"", "\"avg_power_w\"", "\"pipes\"",
                          "\"bytes\""})
    CHECK(text.find(key) != std::string::npos);
}

TEST_CASE("bad input: missing files") {
  expect_bad_input("chip run --chip ascend910b --trace /nonexistent/x.trace", "/nonexistent/x.trace");
  expect_bad_input("chip run --chip /nonexistent/chip.yaml --trace x", "/nonexistent/chip.yaml");
}

TEST_CASE("bad input: unknown chip and bad YAML") {
  expect_bad_input("config show ascend91Ob", "ascend91Ob: unknown chip");
  const fs::path bad_yaml = temp_file("bad.yaml", "name: bad\ndescription: [unclosed\n");
  expect_bad_input("config show " + bad_yaml.string(), bad_yaml.string() + ":");
}

TEST_CASE("bad input: unknown key, with a suggestion") {
  const Outcome o = run_npusim("config show ascend910b --set core.cube.latncy_cycles=3");
  CHECK(o.status == 2);
  CHECK(o.out.find("did you mean") != std::string::npos);
}

TEST_CASE("bad input: negative or zero sizes") {
  expect_bad_input("config show ascend910b --set hbm.bandwidth_gbps=-5", "--set hbm.bandwidth_gbps=-5:");
  expect_bad_input("chip run --chip ascend910b --kernel \"gemm m=64 n=64 k=64\" --set sustained_freq_mhz=2000",
                   "--set sustained_freq_mhz=2000: invalid value for 'sustained_freq_mhz': 2000 (expected at most freq_mhz");
  expect_bad_input(
      "chip run --chip nvidia-a100 --kernel \"gemm m=64 n=64 k=64\" --set hbm.stream_efficiency=1.1",
      "--set hbm.stream_efficiency=1.1: invalid value for 'hbm.stream_efficiency': 1.1");
  // The chip model derives its HBM rate from the DRAM preset, which cannot map an interleave
  // wider than one of its rows.
  expect_bad_input(
      "chip run --chip nvidia-a100 --kernel \"gemm m=64 n=64 k=64\" --set hbm.interleave_bytes=4096",
      "nvidia-a100.yaml: hbm.interleave_bytes 4096 does not fit the DRAM", false);
  const fs::path t = temp_file("zero.trace", "npusim-trace 1\ncore aiv 0\nMTE2 src=GM:0x0 dst=UB:0x0 bytes=0\n");
  expect_bad_input("chip run --chip ascend910b --trace " + t.string(), t.string() + ":3:");
  expect_bad_input("chip run --chip ascend910b --kernel \"gemm m=0 n=16 k=16\"", "kernel gemm");
}

TEST_CASE("bad input: trace syntax error, flag id out of range, buffer overflow, wrong core") {
  const fs::path syntax = temp_file("syntax.trace", "npusim-trace 1\ncore aic 0\nMMAD m=16 k=16 n=16 dtype=fp61 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n");
  expect_bad_input("chip run --chip ascend910b --trace " + syntax.string(), syntax.string() + ":3:");
  const fs::path flag = temp_file("flag.trace", "npusim-trace 1\ncore aic 0\nSET_FLAG src=MTE2 dst=CUBE id=9\n");
  expect_bad_input("chip run --chip ascend910b --trace " + flag.string(), flag.string() + ":3:");
  const fs::path overflow = temp_file("overflow.trace", "npusim-trace 1\ncore aic 0\nMTE2 src=GM:0x0 dst=L1:0x7f000 bytes=8192\n");
  expect_bad_input("chip run --chip ascend910b --trace " + overflow.string(), overflow.string() + ":3:");
  const fs::path wrong = temp_file("wrong.trace", "npusim-trace 1\ncore aiv 0\n" + kMmad);
  expect_bad_input("chip run --chip ascend910b --trace " + wrong.string(), wrong.string() + ":3:");
  const fs::path coupled = temp_file("coupled.trace", "npusim-trace 1\ncore aic 0\n" + kMmad);
  expect_bad_input("chip run --chip ascend910 --trace " + coupled.string(), coupled.string() + ":2:");
}

TEST_CASE("bad input: a deadlocking trace names the waiting line") {
  const fs::path t = temp_file("dead.trace", "npusim-trace 1\ncore aic 0\nWAIT_FLAG src=MTE1 dst=CUBE id=0\n" + kMmad);
  expect_bad_input("chip run --chip ascend910b --trace " + t.string(), t.string() + ":3:");
}

TEST_CASE("bad input: unknown generator key and unknown option") {
  const Outcome o = run_npusim("chip run --chip ascend910b --kernel \"gemm m=16 n=16 kk=16\"");
  CHECK(o.status == 2);
  CHECK(o.out.find("did you mean") != std::string::npos);
  CHECK(run_npusim("chip run --chipp ascend910b").status == 2);
}

TEST_CASE("kernel check reports a race with exit status 1 and passes a synchronised trace") {
  const std::string load = "MTE2 src=GM:0x0 dst=L0A:0x0 bytes=512\nMTE2 src=GM:0x0 dst=L0B:0x0 bytes=512\n";
  const fs::path racy = temp_file("racy.trace", "npusim-trace 1\ncore aic 0\n" + load + kMmad);
  const Outcome bad = run_npusim("kernel check --chip ascend910b " + racy.string());
  CHECK(bad.status == 1);
  CHECK(bad.out.find("race") != std::string::npos);
  const fs::path ok = temp_file("ok.trace", "npusim-trace 1\ncore aic 0\n" + load +
                                "SET_FLAG src=MTE2 dst=CUBE id=0\nWAIT_FLAG src=MTE2 dst=CUBE id=0\n" + kMmad);
  CHECK(run_npusim("kernel check --chip ascend910b " + ok.string()).status == 0);
}

TEST_CASE("kernel gen writes a trace that chip run replays") {
  const fs::path out = temp_file("gen.trace", "");
  const Outcome gen = run_npusim("kernel gen softmax --chip ascend910b --rows 64 --cols 1024 -o " + out.string());
  INFO(gen.out);
  REQUIRE(gen.status == 0);
  const Outcome run = run_npusim("chip run --chip ascend910b --trace " + out.string());
  INFO(run.out);
  CHECK(run.status == 0);
}

TEST_CASE("regress reports each moved metric with old and new value and exits 1") {
  const fs::path dir = temp_file("unused", "").parent_path() / "golden";
  fs::remove_all(dir);
  fs::create_directories(dir / "case");
  std::ofstream(dir / "case" / "case.yaml") << "chip: ascend910b\nkernel: gemm m=256 n=256 k=256\n";
  REQUIRE(run_npusim("regress " + dir.string() + " --update").status == 0);
  CHECK(run_npusim("regress " + dir.string()).status == 0);
  // Same expectations, but the model now runs with a slower cube pipeline.
  std::ofstream(dir / "case" / "case.yaml")
      << "chip: ascend910b\nkernel: gemm m=256 n=256 k=256\nset: [core.cube.latency_cycles=40]\n";
  const Outcome moved = run_npusim("regress " + dir.string());
  INFO(moved.out);
  CHECK(moved.status == 1);
  CHECK(moved.out.find("cycles") != std::string::npos);
  CHECK(moved.out.find("->") != std::string::npos);
  CHECK(moved.out.find("%)") != std::string::npos);
}

TEST_CASE("the same inputs give byte-identical JSON results") {
  const fs::path a = temp_file("a.json", ""), b = temp_file("b.json", "");
  const std::string run = "chip run --quiet --chip ascend910b --kernel \"attention seq=256 heads=2\" --json ";
  REQUIRE(run_npusim(run + a.string()).status == 0);
  REQUIRE(run_npusim(run + b.string()).status == 0);
  std::ifstream fa(a), fb(b);
  const std::string ta((std::istreambuf_iterator<char>(fa)), {}), tb((std::istreambuf_iterator<char>(fb)), {});
  CHECK(!ta.empty());
  CHECK(ta == tb);
}

TEST_CASE("the timeline is Chrome trace JSON with a track per pipe lane and a slice per instruction") {
  const fs::path tl = temp_file("tl.json", "");
  const fs::path trace = temp_file("tl.trace", "npusim-trace 1\ncore aic 0\n" + kMmad + kMmad);
  REQUIRE(run_npusim("chip run -q --chip ascend910b --trace " + trace.string() + " --timeline " + tl.string()).status == 0);
  std::ifstream in(tl);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::set<std::string> lanes;
  int cube_slices = 0;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") lanes.insert(e.at("args").at("name").get<std::string>());
    if (e.at("ph") == "X" && e.at("name") == "MMAD") ++cube_slices;
  }
  for (const char* lane : {"SCALAR", "MTE1", "MTE2", "MTE3", "CUBE", "VECTOR", "FIXP", "FLOWCTRL"})
    CHECK(lanes.count(lane) == 1);
  CHECK(cube_slices == 2);
}
