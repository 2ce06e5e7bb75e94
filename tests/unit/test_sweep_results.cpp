// Sweep results: whole-line appends, torn last lines, the CSV kept in step with the JSONL,
// the runner's handling of failures and time-outs (with a fake launcher), and the Slurm
// backend's files (sim/sweep/results.h, runner.h, slurm.h).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/sweep/results.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/slurm.h"

using namespace npusim;
using namespace npusim::sweep;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("npusim-sweep-test-" + std::to_string(getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

Point point(const std::string& id, const std::string& m) {
  Point p;
  p.id = id;
  p.vars = {{"m", m}};
  p.args = {"chip", "run", "--kernel", "gemm m=" + m};
  return p;
}

nlohmann::json ok_record(const std::string& id, const std::string& m, double cycles) {
  PointOutcome o;
  o.metrics = {{"cycles", cycles}, {"chip", "ascend910b"}};
  return make_record(point(id, m), o);
}

nlohmann::json failed_record(const std::string& id, const std::string& m) {
  PointOutcome o;
  o.status = "failed";
  o.exit_code = 2;
  o.error = "bad, \"quoted\"\nsecond line";
  return make_record(point(id, m), o);
}

size_t count_lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("sweep results: metrics are the flattened scalar leaves", "[sweep][results]") {
  const auto j = nlohmann::json::parse(R"({"cycles": 5, "bytes": {"hbm_read": 64, "x": {"y": true}},
                                          "chip": "a", "cores": [{"cycles": 4}], "none": null})");
  const auto m = flatten_metrics(j);
  CHECK(m == nlohmann::json::parse(R"({"cycles": 5, "bytes.hbm_read": 64, "bytes.x.y": true, "chip": "a"})"));
}

TEST_CASE("sweep results: a torn last line is ignored and cut before the next append", "[sweep][results]") {
  const fs::path dir = fresh_dir("torn");
  const std::string jsonl = (dir / "results.jsonl").string();
  append_line(jsonl, ok_record("a1", "64", 10).dump());
  append_line(jsonl, ok_record("a2", "128", 20).dump());
  {
    std::ofstream f(jsonl, std::ios::app);
    f << R"({"id":"a3","status":"o)";  // power loss in the middle of a write
  }
  CHECK(load_records(dir.string()).size() == 2);
  CHECK(read_complete_lines(jsonl, false).size() == 2);
  ResultsStore store(dir.string(), {"m"});  // opening repairs
  CHECK(store.records().size() == 2);
  store.append(ok_record("a3", "256", 30));
  const std::string text = slurp(jsonl);
  CHECK(count_lines(text) == 3);
  CHECK(text.back() == '\n');
  CHECK(load_records(dir.string()).size() == 3);
  // The CSV was rebuilt to match (it did not exist) and got the new row.
  const std::string csv = slurp(dir / "results.csv");
  CHECK(count_lines(csv) == 4);
  CHECK(csv.rfind("id,status,exit_code,wall_s,error,m,chip,cycles\n", 0) == 0);
}

TEST_CASE("sweep results: the CSV waits for the first metrics and quotes errors", "[sweep][results]") {
  const fs::path dir = fresh_dir("csv");
  {
    ResultsStore store(dir.string(), {"m"});
    store.append(failed_record("f1", "1"));
    CHECK_FALSE(fs::exists(dir / "results.csv"));  // columns unknown yet
    store.append(ok_record("o1", "2", 7));
    store.append(failed_record("f2", "3"));
  }
  const std::string csv = slurp(dir / "results.csv");
  CHECK(count_lines(csv) == 4);
  CHECK(csv.find("f1,failed,2,0.0,\"bad, \"\"quoted\"\" second line\",1,,\n") != std::string::npos);
  CHECK(csv.find("o1,ok,0,0.0,,2,ascend910b,7.0") != std::string::npos);
  // A crash between the JSONL and the CSV append: reopening rebuilds the CSV.
  append_line((dir / "results.jsonl").string(), ok_record("o2", "4", 9).dump());
  ResultsStore again(dir.string(), {"m"});
  CHECK(count_lines(slurp(dir / "results.csv")) == 5);
  CHECK(latest_records(again.records()).size() == 4);
}

TEST_CASE("sweep results: one writer per folder", "[sweep][results]") {
  const fs::path dir = fresh_dir("lock");
  const DirLock first(dir.string());
  CHECK_THROWS_WITH(DirLock(dir.string()), Catch::Contains("another npusim sweep is writing to this folder"));
}

namespace {

/// Runs nothing: a point "ends" when wait() is called, with the exit status its --kernel asks
/// for (m=fail exits 2, m=hang never ends until killed), writing result.json like npusim.
class FakeLauncher final : public ProcessLauncher {
 public:
  long start(const std::vector<std::string>& argv, const std::string&, const std::string& stderr_path) override {
    const long id = next_++;
    const std::string kernel = argv[4];
    const std::string json = argv.back();
    if (kernel.find("fail") != std::string::npos) {
      std::ofstream(stderr_path) << "npusim: something\nspec.yaml:3: kernel m: not a size\n";
      ended_.push_back({id, 2});
    } else if (kernel.find("hang") == std::string::npos) {
      std::ofstream(json) << R"({"cycles": 100, "bytes": {"hbm_read": 8}})";
      ended_.push_back({id, 0});
    }
    return id;
  }
  std::optional<std::pair<long, int>> wait(double) override {
    if (ended_.empty()) return std::nullopt;
    const auto e = ended_.front();
    ended_.erase(ended_.begin());
    return e;
  }
  void kill(long id) override { ended_.push_back({id, 137}); }

 private:
  long next_ = 1;
  std::vector<std::pair<long, int>> ended_;
};

}  // namespace

TEST_CASE("sweep runner: failures and time-outs are recorded, the other points finish", "[sweep][runner]") {
  const fs::path dir = fresh_dir("runner");
  const std::vector<Point> points = {point("p1", "64"), point("p2", "fail"), point("p3", "hang"), point("p4", "128")};
  FakeLauncher launcher;
  RunOptions options;
  options.executable = "npusim";
  options.jobs = 2;
  options.timeout_s = 0.05;
  std::ostringstream log;
  Progress progress(log, points.size(), false, false);
  std::map<std::string, nlohmann::json> records;
  const RunTotals totals = run_points(points, dir.string(), launcher, options, progress,
                                      [&records](const nlohmann::json& r) { records[r["id"]] = r; });
  CHECK(totals.ok == 2);
  CHECK(totals.failed == 2);
  REQUIRE(records.size() == 4);
  CHECK(records["p1"]["status"] == "ok");
  CHECK(records["p1"]["metrics"]["bytes.hbm_read"] == 8);
  CHECK(records["p2"]["status"] == "failed");
  CHECK(records["p2"]["exit_code"] == 2);
  CHECK(records["p2"]["error"] == "spec.yaml:3: kernel m: not a size");  // the last stderr line
  CHECK(records["p3"]["status"] == "timeout");
  CHECK(records["p3"]["error"] == "timed out after 0.05 s (--timeout-s)");
  CHECK(records["p4"]["status"] == "ok");
  CHECK(log.str().find("[4/4]") != std::string::npos);
  CHECK(fs::is_directory(dir / "points" / "p1"));
}

TEST_CASE("sweep slurm: chunks, job script and collecting point records", "[sweep][slurm]") {
  CHECK(chunk_ids({"a", "b", "c", "d", "e"}, 2) ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}, {"e"}});
  CHECK(chunk_ids({"a"}, 10).size() == 1);
  CHECK(shell_quote("a b'c") == "'a b'\\''c'");
  CHECK(shell_quote("--set") == "--set");

  const fs::path dir = fresh_dir("slurm");
  SlurmBatch batch;
  batch.number = next_batch_number(dir.string());
  CHECK(batch.number == 1);
  batch.tasks = {{"p1", "p2"}, {"p3"}};
  SlurmOptions o;
  o.partition = "debug";
  o.account = "arch";
  o.time = "0:10:00";
  o.max_running = 4;
  const std::string script = sbatch_script(dir.string(), batch, o, "/opt/npusim", "/work", {"--timeout-s", "60"});
  CHECK(script.rfind("#!/bin/sh\n", 0) == 0);
  CHECK(script.find("#SBATCH --array=0-1%4\n") != std::string::npos);
  CHECK(script.find("#SBATCH --partition=debug\n") != std::string::npos);
  CHECK(script.find("#SBATCH --account=arch\n") != std::string::npos);
  CHECK(script.find("#SBATCH --time=0:10:00\n") != std::string::npos);
  CHECK(script.find("#SBATCH --chdir=/work\n") != std::string::npos);
  CHECK(script.find("exec /opt/npusim sweep worker " + fs::absolute(dir).string() +
                    " --batch 1 --task \"$SLURM_ARRAY_TASK_ID\" -j 1 --timeout-s 60\n") != std::string::npos);
  write_batch(dir.string(), batch);
  CHECK(next_batch_number(dir.string()) == 2);
  REQUIRE(read_batches(dir.string()).size() == 1);
  CHECK(read_batches(dir.string())[0].tasks == batch.tasks);

  // Task 0 finished both points, task 1 died before its point.
  for (const auto& [id, m] : {std::pair{"p1", "1"}, std::pair{"p2", "2"}}) {
    fs::create_directories(point_dir(dir.string(), id));
    write_point_record(point_dir(dir.string(), id), ok_record(id, m, 5));
  }
  ResultsStore store(dir.string(), {"m"});
  const CollectSummary first = collect_records(dir.string(), store);
  CHECK(first.added == 2);
  CHECK(first.missing == 1);
  REQUIRE(first.missing_tasks.size() == 1);
  CHECK(first.missing_tasks[0] == "batch 1 task 1 (job ?_1): 1 point(s) without a result");
  // Collecting again adds nothing twice.
  const CollectSummary second = collect_records(dir.string(), store);
  CHECK(second.added == 0);
  CHECK(load_records(dir.string()).size() == 2);
}
