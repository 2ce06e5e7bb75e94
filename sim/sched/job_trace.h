#pragma once
// Job traces for the fleet level (docs/job-trace.md): npusim's own CSV format, importers for
// the column layouts of public cluster traces (Microsoft Philly, SenseTime Helios, Alibaba
// cluster-trace-gpu-v2023, Tiresias), and a seeded synthetic generator.

#include <cstdint>
#include <string>
#include <vector>

namespace npusim::sched {

/// NPU requests are counted in tenths of an NPU (virtual NPUs at 0.1 granularity).
inline constexpr uint32_t kTenthsPerNpu = 10;

/// One job of a trace.
struct Job {
  std::string id;
  double submit_s = 0;          ///< arrival, seconds from the trace's start
  std::string user = "default"; ///< user or queue (fairness is per user)
  uint32_t tenths = kTenthsPerNpu;  ///< NPUs requested x 10; below 10 = a fraction of one NPU
  std::string model;            ///< npusim model preset/file; empty = duration-only job
  uint32_t tp = 1, pp = 1;      ///< model jobs: tensor and pipeline degree (dp = npus / tp / pp)
  uint32_t micro_batch = 1;     ///< model jobs: sequences per micro-batch
  uint64_t iterations = 0;      ///< model jobs: training steps to run
  double duration_s = 0;        ///< duration-only jobs: run time packed on the reference pool
  int priority = 0;             ///< larger = more important (policies may use it)
  std::string chip;             ///< pool (or chip) the duration was measured on; "" = first pool
  std::string label;            ///< free text (e.g. the model name of an imported trace)
  uint32_t line = 0;            ///< line of the trace file it came from (for messages)

  /// Whole NPUs the job occupies when it cannot share: the request rounded up.
  [[nodiscard]] uint32_t whole_npus() const { return (tenths + kTenthsPerNpu - 1) / kTenthsPerNpu; }
  [[nodiscard]] bool fractional() const { return tenths < kTenthsPerNpu; }
  [[nodiscard]] double npus() const { return tenths / double(kTenthsPerNpu); }
};

struct JobTrace {
  std::string path;    ///< file it was read from
  std::string format;  ///< npusim, philly, helios, alibaba or tiresias
  std::vector<Job> jobs;  ///< sorted by submit time (stable: file order breaks ties)
  uint64_t skipped = 0;   ///< records an importer left out (no GPU, never ran, ...), see docs
};

/// Trace formats read_job_trace understands.
[[nodiscard]] const std::vector<std::string>& job_trace_formats();

/// Reads a trace. `format` is one of job_trace_formats() or "auto" (from the header line,
/// or a .json file = Philly). Submit times are shifted so the first job arrives at 0.
/// Any malformed line is an InputError `path:line: what is wrong (what was expected)`.
[[nodiscard]] JobTrace read_job_trace(const std::string& path, const std::string& format = "auto");

/// npusim CSV text of jobs (header + one line per job), readable by read_job_trace.
[[nodiscard]] std::string job_trace_csv(const std::vector<Job>& jobs);

struct GenOptions {
  uint64_t jobs = 1000;
  uint64_t seed = 1;
  double load = 0.8;        ///< offered load: NPU-seconds of work per second over capacity
  uint32_t npus = 4096;     ///< capacity the load refers to
  uint32_t max_size = 0;    ///< largest job, NPUs (0 = npus)
  double median_duration_s = 1800;  ///< log-normal body of the duration distribution
  double duration_sigma = 1.6;      ///< log-normal shape (heavy tail; Philly-like spread)
  double max_duration_s = 30 * 86400.0;
  double fraction_share = 0.0;      ///< share of jobs asking for 0.1..0.9 of an NPU
};

/// Seeded synthetic trace: Poisson arrivals at the rate that gives `load`, log-normal
/// (heavy-tailed) durations, sizes 1/2/4/8/16/32/64/128 NPUs with a Philly-like mix
/// (docs/job-trace.md). Same options = same jobs.
[[nodiscard]] std::vector<Job> generate_jobs(const GenOptions& options);

}  // namespace npusim::sched
