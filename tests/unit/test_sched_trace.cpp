// Job traces: npusim's CSV format, the importers on their sample files, bad input with
// path:line messages, and the synthetic generator.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "sim/base/error.h"
#include "sim/sched/job_trace.h"

using namespace npusim;
using namespace npusim::sched;

namespace {

std::string data(const std::string& name) { return std::string(NPUSIM_SOURCE_DIR) + "/tests/data/jobs/" + name; }

std::string temp_trace(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "npusim-sched-trace";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace

TEST_CASE("npusim trace: duration and model jobs", "[sched][trace]") {
  const JobTrace t = read_job_trace(data("model_jobs.csv"));
  CHECK(t.format == "npusim");
  REQUIRE(t.jobs.size() == 3);
  CHECK(t.jobs[0].model == "bert-large");
  CHECK(t.jobs[0].iterations == 1000);
  CHECK(t.jobs[0].micro_batch == 8);
  CHECK(t.jobs[1].tp == 8);
  CHECK(t.jobs[1].whole_npus() == 16);
  CHECK(t.jobs[2].model.empty());
  CHECK(t.jobs[2].duration_s == 600);
  CHECK(t.jobs[2].line == 5);
}

TEST_CASE("Philly cluster_job_log importer", "[sched][trace]") {
  const JobTrace t = read_job_trace(data("philly_sample.json"));
  CHECK(t.format == "philly");
  REQUIRE(t.jobs.size() == 2);
  CHECK(t.skipped == 1);  // the job without attempts
  CHECK(t.jobs[0].id == "application_1506638472019_10238");
  CHECK(t.jobs[0].submit_s == 0);
  CHECK(t.jobs[0].whole_npus() == 4);
  CHECK(t.jobs[0].duration_s == 3600);
  CHECK(t.jobs[1].submit_s == 363);         // 05:50:00 - 05:43:57
  CHECK(t.jobs[1].duration_s == 300 + 600);  // both attempts
  CHECK(t.jobs[1].whole_npus() == 4);        // the last attempt's GPUs
  CHECK(t.jobs[1].line == 6);
}

TEST_CASE("Helios cluster_log importer", "[sched][trace]") {
  const JobTrace t = read_job_trace(data("helios_cluster_log.csv"));
  CHECK(t.format == "helios");
  REQUIRE(t.jobs.size() == 2);
  CHECK(t.skipped == 2);  // a CPU job and one that never ran
  CHECK(t.jobs[0].whole_npus() == 8);
  CHECK(t.jobs[0].duration_s == 3600);
  CHECK(t.jobs[1].submit_s == 120);
  CHECK(t.jobs[1].user == "u1");
}

TEST_CASE("Alibaba cluster-trace-gpu-v2023 pod list importer: gpu_milli fractions", "[sched][trace]") {
  const JobTrace t = read_job_trace(data("alibaba_pod_list.csv"));
  CHECK(t.format == "alibaba");
  REQUIRE(t.jobs.size() == 3);
  CHECK(t.skipped == 2);  // a CPU pod and a pod never scheduled
  CHECK(t.jobs[0].tenths == 10);
  CHECK(t.jobs[0].duration_s == 11990);
  CHECK(t.jobs[1].tenths == 5);  // 460 milli rounds up to 0.5
  CHECK(t.jobs[1].fractional());
  CHECK(t.jobs[2].whole_npus() == 8);
  CHECK(t.jobs[2].duration_s == 8950);
}

TEST_CASE("Tiresias trace importer", "[sched][trace]") {
  const JobTrace t = read_job_trace(data("tiresias.csv"));
  CHECK(t.format == "tiresias");
  REQUIRE(t.jobs.size() == 3);
  CHECK(t.jobs[2].whole_npus() == 8);
  CHECK(t.jobs[2].duration_s == 7200);
  CHECK(t.jobs[1].label == "resnet50");
}

TEST_CASE("bad traces end with path:line and what was expected", "[sched][trace]") {
  const std::string head = "id,submit_s,npus,duration_s\n";
  const auto err = [&](const std::string& body) {
    const std::string p = temp_trace("bad.csv", head + body);
    try {
      (void)read_job_trace(p);
    } catch (const InputError& e) {
      return std::string(e.what()).substr(p.size());
    }
    return std::string("no error");
  };
  CHECK_THAT(err("a,0,2,10\nb,x,2,10\n"), Catch::StartsWith(":3: submit_s 'x'"));
  CHECK_THAT(err("a,0,0.25,10\n"), Catch::StartsWith(":2: npus '0.25' (expected a multiple of 0.1)"));
  CHECK_THAT(err("a,0,1.5,10\n"), Catch::StartsWith(":2: npus '1.5' (fractions are only allowed below 1 NPU)"));
  CHECK_THAT(err("a,0,2\n"), Catch::StartsWith(":2: 3 fields, expected 4"));
  CHECK_THAT(err("a,0,2,10\na,1,2,10\n"), Catch::StartsWith(":3: job id 'a' appears twice"));
  CHECK_THAT(err("a,0,2,-1\n"), Catch::StartsWith(":2: duration_s '-1'"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("c.csv", "job,when,size\n")), Catch::Contains("cannot tell the trace format"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("s.csv", "id,submit,npus,duration_s\n")), Catch::Contains("did you mean 'submit_s'"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("d.csv", "id,submit_s,npus,duraton_s\n"), "npusim"),
                    Catch::Contains("did you mean 'duration_s'"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("m.csv", "id,submit_s,npus,model,tp,iterations\nm,0,6,bert-large,4,10\n")),
                    Catch::Contains(":2: npus 6 is not a multiple of tp x pp = 4"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("p.json", "[{\"jobid\": \"x\"}]")), Catch::Contains("p.json:1: job lacks string field 'user'"));
  CHECK_THROWS_WITH(read_job_trace(temp_trace("q.json", "[{\"jobid\": \n")), Catch::Contains("q.json:2: malformed JSON"));
  CHECK_THROWS_WITH(read_job_trace("/nonexistent/trace.csv"), Catch::Contains("cannot open job trace"));
  CHECK_THROWS_WITH(read_job_trace(data("tiresias.csv"), "tiresia"), Catch::Contains("did you mean 'tiresias'"));
}

TEST_CASE("generator: seeded, Poisson arrivals at the asked load, heavy tail", "[sched][trace]") {
  GenOptions g;
  g.jobs = 20000;
  g.seed = 5;
  g.load = 0.5;
  g.npus = 1024;
  const std::vector<Job> a = generate_jobs(g);
  CHECK(job_trace_csv(a) == job_trace_csv(generate_jobs(g)));
  g.seed = 6;
  CHECK(job_trace_csv(a) != job_trace_csv(generate_jobs(g)));
  double work = 0, longest = 0;
  std::vector<double> d;
  for (const Job& j : a) {
    work += j.npus() * j.duration_s;
    longest = std::max(longest, j.duration_s);
    d.push_back(j.duration_s);
  }
  const double span = a.back().submit_s;
  CHECK(work / (span * 1024) == Approx(0.5).epsilon(0.05));
  std::sort(d.begin(), d.end());
  const double mean = work > 0 ? std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size()) : 0;
  CHECK(d[d.size() / 2] == Approx(1800).epsilon(0.05));  // the median
  CHECK(mean > 2 * d[d.size() / 2]);                      // heavy tail: mean well above median
  // Round trip through the CSV format.
  const std::string p = temp_trace("gen.csv", job_trace_csv(std::vector<Job>(a.begin(), a.begin() + 100)));
  const JobTrace back = read_job_trace(p);
  REQUIRE(back.jobs.size() == 100);
  CHECK(back.jobs[99].duration_s == a[99].duration_s);
}
