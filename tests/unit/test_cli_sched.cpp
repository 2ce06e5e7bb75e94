// `npusim sched` and `npusim sched gen` through the real executable: outputs, JSON keys, the
// comparison table, and bad input (exit 2, one `path:line:` line).
#include <nlohmann/json.hpp>

#include "cli_harness.h"

using namespace npusim::test;

namespace {
std::string data(const std::string& name) { return std::string(NPUSIM_SOURCE_DIR) + "/tests/data/jobs/" + name; }
}  // namespace

TEST_CASE("sched gen writes a seeded trace that sched reads back", "[cli][sched]") {
  const auto a = temp_path("gen-a.csv"), b = temp_path("gen-b.csv");
  REQUIRE(run_npusim("sched gen --jobs 50 --seed 3 --load 0.7 --npus 64 -o " + a.string()).status == 0);
  REQUIRE(run_npusim("sched gen --jobs 50 --seed 3 --load 0.7 --npus 64 -o " + b.string()).status == 0);
  const std::string text = read_file(a);
  CHECK(text == read_file(b));
  CHECK(std::count(text.begin(), text.end(), '\n') == 52);  // comment, header, 50 jobs
  const Outcome o = run_npusim("sched --cluster atlas-a2-cluster --npus 64 --jobs " + a.string() + " --policy las");
  INFO(o.out);
  CHECK(o.status == 0);
  CHECK(o.out.find("policy las") != std::string::npos);
  CHECK(o.out.find("JCT        avg") != std::string::npos);
}

TEST_CASE("sched --json, --csv and --series", "[cli][sched]") {
  const auto json = temp_path("s.json"), csv = temp_path("s.csv"), series = temp_path("series.csv");
  const Outcome o = run_npusim("sched --cluster hetero-small --jobs " + data("five_jobs.csv") +
                               " --policy srtf --json " + json.string() + " --csv " + csv.string() + " --series " +
                               series.string() + " -q");
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.empty());
  const auto j = nlohmann::json::parse(read_file(json));
  for (const char* key : {"avg_jct_s", "median_jct_s", "p99_jct_s", "avg_queue_s", "makespan_s", "utilization",
                          "energy_j", "avg_slowdown", "fragmentation", "jain_fairness", "ftf_max", "preemptions"})
    CHECK(j.contains(key));
  CHECK(j["policy"] == "srtf");
  CHECK(j["jobs"] == 5);
  CHECK(j["energy_j"].get<double>() > 0);
  const std::string rows = read_file(csv);
  CHECK(rows.rfind("policy,id,user,npus,submit_s", 0) == 0);
  CHECK(std::count(rows.begin(), rows.end(), '\n') == 6);
  CHECK(read_file(series).rfind("policy,t_s,allocated_npus,utilization", 0) == 0);
}

TEST_CASE("sched --compare prints one table", "[cli][sched]") {
  const auto json = temp_path("cmp.json");
  const Outcome o = run_npusim("sched --cluster atlas-a2-cluster --npus 16 --jobs " + data("tiresias.csv") +
                               " --compare fifo,sjf,srtf,las,easy,pack,share,hetero --policy-arg las.thresholds=100:1000"
                               " --json " + json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  for (const char* p : {"fifo ", "sjf ", "srtf ", "las ", "easy ", "pack ", "share ", "hetero "})
    CHECK(o.out.find(std::string("\n") + p) != std::string::npos);
  CHECK(nlohmann::json::parse(read_file(json))["policies"].size() == 8);
}

TEST_CASE("sched reads every importer's sample", "[cli][sched]") {
  for (const char* f : {"philly_sample.json", "helios_cluster_log.csv", "alibaba_pod_list.csv", "tiresias.csv"}) {
    const Outcome o = run_npusim("sched --cluster atlas-a2-cluster --npus 64 --jobs " + data(f) + " --policy share");
    INFO(f << "\n" << o.out);
    CHECK(o.status == 0);
  }
}

TEST_CASE("sched bad input: exit 2 with one line", "[cli][sched]") {
  const auto bad = temp_file("bad.csv", "id,submit_s,npus,duration_s\na,0,2,10\nb,0,two,10\n");
  expect_bad_input("sched --cluster atlas-a2-cluster --npus 64 --jobs " + bad.string(), bad.string() + ":3: npus 'two'");
  const auto big = temp_file("big.csv", "id,submit_s,npus,duration_s\na,0,128,10\n");
  expect_bad_input("sched --cluster atlas-a2-cluster --npus 64 --jobs " + big.string(), big.string() + ":2: job a: needs 128 NPUs");
  expect_bad_input("sched --cluster atlas-a2-cluster --jobs " + data("tiresias.csv") + " --policy lass", "unknown policy 'lass'");
  expect_bad_input("sched --cluster atlas-a2-cluster --jobs " + data("tiresias.csv") + " --policy las --policy-arg x=1",
                   "--policy-arg x: policy las has no such argument");
  expect_bad_input("sched --cluster nowhere --jobs " + data("tiresias.csv"), "unknown fleet or cluster 'nowhere'");
  expect_bad_input("sched --cluster atlas-a2-cluster --jobs /nonexistent.csv", "/nonexistent.csv: cannot open job trace");
  expect_bad_input("sched --jobs " + data("tiresias.csv"), "--cluster is required");
  expect_bad_input("sched gen --jobs 0 --seed 1 -o " + temp_path("x.csv").string(), "--jobs must be at least 1");
}
