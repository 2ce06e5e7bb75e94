// `npusim sweep` end to end: bad specs, the smoke sweep, failing points, time-outs, memory
// limits, status, and the kill-and-resume guarantee (every point exactly once, no broken row).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli_harness.h"

using namespace npusim::test;
namespace fs = std::filesystem;

namespace {

const std::string kSmoke = std::string(NPUSIM_SOURCE_DIR) + "/configs/sweeps/smoke.yaml";
constexpr size_t kSmokePoints = 24;

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// Fields of a CSV line (RFC 4180 quoting).
size_t csv_fields(const std::string& line) {
  size_t fields = 1;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) ++fields;
  }
  return fields;
}

/// Checks the two result files of DIR: every line whole, every id exactly once; returns the
/// records by id.
std::map<std::string, nlohmann::json> check_results(const fs::path& dir, size_t points) {
  const std::string jsonl = read_file(dir / "results.jsonl");
  REQUIRE(!jsonl.empty());
  CHECK(jsonl.back() == '\n');
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& line : lines_of(dir / "results.jsonl")) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(by_id.count(j["id"].get<std::string>()) == 0);
    by_id[j["id"].get<std::string>()] = j;
  }
  CHECK(by_id.size() == points);
  const auto csv = lines_of(dir / "results.csv");
  REQUIRE(csv.size() == points + 1);
  std::set<std::string> csv_ids;
  for (size_t i = 1; i < csv.size(); ++i) {
    CHECK(csv_fields(csv[i]) == csv_fields(csv[0]));
    csv_ids.insert(csv[i].substr(0, csv[i].find(',')));
  }
  CHECK(csv_ids.size() == points);
  for (const auto& id : csv_ids) CHECK(by_id.count(id) == 1);
  return by_id;
}

std::string fmt_points_done(size_t done) {
  return std::to_string(done) + " already done, " + std::to_string(kSmokePoints - done) + " to run";
}

fs::path fresh(const std::string& name) {
  const fs::path p = temp_path(name);
  fs::remove_all(p);
  return p;
}

}  // namespace

TEST_CASE("sweep: a bad spec is one path:line: message and exit 2", "[sweep][cli]") {
  const auto spec = temp_file("bad.yaml", "command: chip run\naxes:\n  - {name: m, valuse: [1]}\n");
  expect_bad_input("sweep " + spec.string() + " --out " + fresh("bad-out").string(),
                   spec.string() + ":3: axis: unknown key 'valuse' (did you mean 'values'?)");
  expect_bad_input("sweep " + temp_path("missing.yaml").string() + " --out x", temp_path("missing.yaml").string() +
                                                                                   ": cannot open the sweep spec");
  expect_bad_input("sweep " + kSmoke, "--out: required");
  expect_bad_input("sweep " + kSmoke + " --out " + fresh("b2").string() + " --backend lsf",
                   "--backend 'lsf' (expected local or slurm)");
  expect_bad_input("sweep " + kSmoke + " --out " + fresh("b3").string() + " --timeout-s -1", "--timeout-s: must be >= 0");
  expect_bad_input("sweep status " + fresh("nothing").string(), "", false);
}

TEST_CASE("sweep: --list prints every point with its id and command line", "[sweep][cli]") {
  const Outcome o = run_npusim("sweep " + kSmoke + " --list");
  INFO(o.out);
  CHECK(o.status == 0);
  CHECK(o.out.find("24 point(s); 3 dropped by constraints, 0 duplicate(s)") != std::string::npos);
  CHECK(o.out.find("npusim chip run --chip ascend910b --kernel 'gemm m=64 n=64 k=64 dtype=fp16' --set "
                   "hbm.bandwidth_gbps=800") != std::string::npos);
}

TEST_CASE("sweep: the smoke sweep runs every point once and status summarises it", "[sweep][cli]") {
  const fs::path dir = fresh("smoke");
  const Outcome o = run_npusim("sweep " + kSmoke + " -j 2 --out " + dir.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("24 ok, 0 failed, 0 timed out, 0 not run yet (of 24)") != std::string::npos);
  const auto records = check_results(dir, kSmokePoints);
  for (const auto& [id, r] : records) {
    CHECK(r["status"] == "ok");
    CHECK(r["metrics"]["cycles"].get<double>() > 0);
    CHECK(fs::exists(dir / "points" / id / "result.json"));
  }
  CHECK(lines_of(dir / "results.csv")[0].rfind("id,status,exit_code,wall_s,error,m,n,hbm_gbps,k,", 0) == 0);

  const Outcome status = run_npusim("sweep status " + dir.string());
  INFO(status.out);
  CHECK(status.status == 0);
  CHECK(status.out.find("sweep smoke (") != std::string::npos);
  CHECK(status.out.find("24 ok, 0 failed, 0 timed out, 0 not run yet (of 24)") != std::string::npos);

  // The folder holds a sweep: running into it again needs --resume, which then runs nothing.
  expect_bad_input("sweep " + kSmoke + " --out " + dir.string(), "--out " + dir.string() + ": already holds a sweep");
  const Outcome again = run_npusim("sweep " + kSmoke + " --out " + dir.string() + " --resume");
  INFO(again.out);
  CHECK(again.status == 0);
  CHECK(again.out.find("24 already done, 0 to run") != std::string::npos);
  check_results(dir, kSmokePoints);
}

TEST_CASE("sweep: a failing point is recorded with its error and the others finish", "[sweep][cli]") {
  const auto spec = temp_file("failing.yaml", R"Y(command: chip run
args: [--chip, ascend910b, --kernel, "gemm m={m} n=64 k=64"]
axes:
  - {name: m, values: [64, banana, 128]}
)Y");
  const fs::path dir = fresh("failing");
  const Outcome o = run_npusim("sweep " + spec.string() + " -j 2 --out " + dir.string());
  INFO(o.out);
  CHECK(o.status == 1);
  CHECK(o.out.find("2 ok, 1 failed") != std::string::npos);
  const auto records = check_results(dir, 3);
  size_t failed = 0;
  for (const auto& [id, r] : records) {
    if (r["vars"]["m"] != "banana") {
      CHECK(r["status"] == "ok");
      continue;
    }
    ++failed;
    CHECK(r["status"] == "failed");
    CHECK(r["exit_code"] == 2);
    CHECK(r["error"].get<std::string>().find("banana") != std::string::npos);
  }
  CHECK(failed == 1);
  const Outcome status = run_npusim("sweep status " + dir.string());
  CHECK(status.out.find("2 ok, 1 failed, 0 timed out") != std::string::npos);
  CHECK(status.out.find("failed ") != std::string::npos);
}

TEST_CASE("sweep: time-outs and memory limits end a point, not the sweep", "[sweep][cli]") {
  const auto spec = temp_file("two.yaml", R"Y(command: mem run
args: [--bytes, 64K]
axes:
  - {name: pattern, option: --pattern, values: [stream, random]}
)Y");
  const auto statuses = [](const fs::path& dir) {
    std::multiset<std::string> out;
    for (const auto& line : lines_of(dir / "results.jsonl")) out.insert(nlohmann::json::parse(line)["status"]);
    return out;
  };
  const fs::path slow = fresh("timeout");
  const Outcome t = run_npusim("sweep " + spec.string() + " -j 2 --timeout-s 0.000001 --out " + slow.string());
  INFO(t.out);
  CHECK(t.status == 1);
  CHECK(statuses(slow) == std::multiset<std::string>{"timeout", "timeout"});
  CHECK(t.out.find("timed out after 1e-06 s (--timeout-s)") != std::string::npos);
  CHECK_FALSE(fs::exists(slow / "results.csv"));  // no metrics yet: the header waits

  // --resume --retry-failed runs them again; without the time-out they succeed, and the CSV
  // appears with every point.
  const Outcome r = run_npusim("sweep " + spec.string() + " -j 2 --resume --retry-failed --out " + slow.string());
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(lines_of(slow / "results.jsonl").size() == 4);
  CHECK(lines_of(slow / "results.csv").size() == 5);

  const fs::path small = fresh("memory");
  const Outcome m = run_npusim("sweep " + spec.string() + " -j 2 --memory-limit-mb 1 --out " + small.string());
  INFO(m.out);
  CHECK(m.status == 1);
  CHECK(statuses(small) == std::multiset<std::string>{"failed", "failed"});
  CHECK(m.out.find("(memory limit 1 MiB)") != std::string::npos);
}

TEST_CASE("sweep: SIGKILL mid-way, then --resume: every point exactly once, no broken row", "[sweep][cli]") {
  const fs::path dir = fresh("killed");
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string out = dir.string();
    freopen("/dev/null", "w", stderr);
    // -j 1 leaves time to kill it mid-way even on a loaded machine.
    execl(NPUSIM_BINARY, NPUSIM_BINARY, "sweep", kSmoke.c_str(), "-j", "1", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill the runner once a few points are in.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t done = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    done = lines_of(dir / "results.jsonl").size();
    if (done >= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int raw = 0;
  waitpid(pid, &raw, 0);
  CHECK(WIFSIGNALED(raw));
  const size_t at_kill = lines_of(dir / "results.jsonl").size();
  INFO("points recorded when killed: " << at_kill);
  CHECK(at_kill >= 4);
  CHECK(at_kill < kSmokePoints);
  // Whatever was written is whole lines only.
  for (const auto& line : lines_of(dir / "results.jsonl")) CHECK(nlohmann::json::parse(line, nullptr, false).is_object());

  const Outcome o = run_npusim("sweep " + kSmoke + " -j 2 --resume --out " + dir.string());
  INFO(o.out);
  CHECK(o.status == 0);
  CHECK(o.out.find(fmt_points_done(at_kill)) != std::string::npos);
  check_results(dir, kSmokePoints);
  const Outcome status = run_npusim("sweep status " + dir.string());
  CHECK(status.out.find("24 ok, 0 failed, 0 timed out, 0 not run yet (of 24)") != std::string::npos);
}

TEST_CASE("sweep: scripts/plot_sweep.py draws PNG and SVG plots from a sweep folder", "[sweep][cli][plot]") {
  if (std::system("/usr/bin/python3 -c 'import matplotlib' > /dev/null 2>&1") != 0) {
    WARN("python3-matplotlib is not installed (scripts/setup.sh installs it): plot test skipped");
    return;
  }
  const fs::path dir = fresh("plots");
  REQUIRE(run_npusim("sweep " + kSmoke + " -j 2 -q --out " + dir.string()).status == 0);
  const std::string script = "/usr/bin/python3 " + std::string(NPUSIM_SOURCE_DIR) + "/scripts/plot_sweep.py " + dir.string();
  const auto plot = [&](const std::string& args, const std::string& name) {
    const std::string command = script + " " + args + " -o " + (dir / name).string() + " > /dev/null 2>&1";
    INFO(command);
    CHECK(std::system(command.c_str()) == 0);
    CHECK(fs::file_size(dir / (name + ".png")) > 1000);
    CHECK(fs::file_size(dir / (name + ".svg")) > 1000);
  };
  // Two of the four kinds (matplotlib takes a second to start); docs/sweeps.md shows the others.
  plot("--pareto time_s energy_j --label m n", "pareto");
  plot("--roofline --hue hbm_gbps", "roofline");
  // A wrong column is one message and exit 2.
  CHECK(WEXITSTATUS(std::system((script + " --x mm --y time_s > /dev/null 2>&1").c_str())) == 2);
}
