// `npusim sweep`: run a sweep spec (docs/sweeps.md) on the local machine or through Slurm,
// and `npusim sweep status|collect DIR` on a sweep folder. The spec, results store, runner
// and Slurm files live in sim/sweep; this file connects them to processes and the terminal.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/cli/subprocess.h"
#include "sim/report/chip_report.h"
#include "sim/sweep/results.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/slurm.h"
#include "sim/sweep/spec.h"

namespace fs = std::filesystem;

namespace npusim {
namespace {

using sweep::Point;

struct SweepArgs {
  std::string spec;
  std::string out;
  unsigned jobs = 0;
  bool resume = false;
  bool retry_failed = false;
  double timeout_s = 0;
  double memory_limit_mb = 0;
  std::string backend = "local";
  sweep::SlurmOptions slurm;
  bool no_wait = false;
  double poll_s = 5;
  bool quiet = false;
  bool list = false;
  std::string npusim;  // the executable the points run (default: this one)
};

struct WorkerArgs {
  std::string dir;
  int batch = 0;
  size_t task = 0;
  unsigned jobs = 1;
  double timeout_s = 0;
  double memory_limit_mb = 0;
};

/// Point processes through fork/exec (sim/cli/subprocess.h).
class ForkLauncher final : public sweep::ProcessLauncher {
 public:
  explicit ForkLauncher(double memory_limit_mb)
      : memory_limit_bytes_(static_cast<uint64_t>(memory_limit_mb * 1024 * 1024)) {}
  long start(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path) override {
    SpawnOptions o;
    o.stdout_path = stdout_path;
    o.stderr_path = stderr_path;
    o.memory_limit_bytes = memory_limit_bytes_;
    o.die_with_parent = true;  // a killed runner leaves no orphan point behind
    return spawn_process(argv, o);
  }
  std::optional<std::pair<long, int>> wait(double timeout_s) override {
    int status = 0;
    const pid_t pid = wait_any_process_for(status, timeout_s);
    if (pid <= 0) return std::nullopt;
    return std::make_pair(static_cast<long>(pid), status);
  }
  void kill(long id) override { ::kill(static_cast<pid_t>(id), SIGKILL); }

 private:
  uint64_t memory_limit_bytes_;
};

void check_limits(double timeout_s, double memory_limit_mb) {
  if (timeout_s < 0) throw InputError("--timeout-s: must be >= 0 (0 = no time-out)");
  if (memory_limit_mb < 0) throw InputError("--memory-limit-mb: must be >= 0 (0 = no limit)");
}

std::vector<std::string> limit_args(double timeout_s, double memory_limit_mb) {
  std::vector<std::string> out;
  if (timeout_s > 0) out.insert(out.end(), {"--timeout-s", fmt::format("{}", timeout_s)});
  if (memory_limit_mb > 0) out.insert(out.end(), {"--memory-limit-mb", fmt::format("{}", memory_limit_mb)});
  return out;
}

/// The points of a manifest, in order.
std::vector<Point> manifest_points(const nlohmann::json& m) {
  const auto names = m["var_names"].get<std::vector<std::string>>();
  std::vector<Point> points;
  for (const auto& j : m["points"]) {
    Point p;
    p.id = j.value("id", "");
    p.args = j.value("args", std::vector<std::string>{});
    const auto vars = j.value("vars", nlohmann::json::object());
    for (const auto& n : names)
      if (vars.contains(n)) p.vars.emplace_back(n, vars[n].get<std::string>());
    points.push_back(std::move(p));
  }
  return points;
}

/// Counts of the latest record of each manifest point.
struct Tally {
  size_t ok = 0, failed = 0, timeout = 0, not_run = 0;
  double wall_s = 0;
  std::vector<std::pair<const Point*, nlohmann::json>> failures;
};

Tally tally(const std::vector<Point>& points, const std::map<std::string, nlohmann::json>& latest) {
  Tally t;
  for (const Point& p : points) {
    const auto it = latest.find(p.id);
    if (it == latest.end()) {
      ++t.not_run;
      continue;
    }
    const std::string status = it->second.value("status", "");
    t.wall_s += it->second.value("wall_s", 0.0);
    if (status == "ok") {
      ++t.ok;
      continue;
    }
    (status == "timeout" ? t.timeout : t.failed) += 1;
    t.failures.emplace_back(&p, it->second);
  }
  return t;
}

std::string vars_text(const Point& p) {
  std::vector<std::string> parts;
  for (const auto& [n, v] : p.vars) parts.push_back(n + "=" + v);
  return join(parts, " ");
}

void print_tally(std::ostream& out, const Tally& t, size_t total, size_t show_failures) {
  out << fmt::format("  {} ok, {} failed, {} timed out, {} not run yet (of {})\n", t.ok, t.failed, t.timeout,
                     t.not_run, total);
  size_t shown = 0;
  for (const auto& [p, r] : t.failures) {
    if (shown++ == show_failures) {
      out << fmt::format("  ... and {} more (DIR/results.csv, column status)\n", t.failures.size() - show_failures);
      break;
    }
    out << fmt::format("  {} {} {}: {}\n", r.value("status", ""), p->id, vars_text(*p), r.value("error", ""));
  }
}

/// Points still to run: no record yet, or (with `retry_failed`) a latest record that failed.
std::vector<Point> pending_points(const std::vector<Point>& points, const std::map<std::string, nlohmann::json>& latest,
                                  bool retry_failed) {
  std::vector<Point> out;
  for (const Point& p : points) {
    const auto it = latest.find(p.id);
    if (it == latest.end() || (retry_failed && it->second.value("status", "") != "ok")) out.push_back(p);
  }
  return out;
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

/// Submits a batch with sbatch; returns the job id.
std::string submit_batch(const std::string& dir, sweep::SlurmBatch& batch, const SweepArgs& a,
                         const std::string& executable) {
  const std::string script_path = (fs::path(dir) / "slurm" / fmt::format("batch-{}.sh", batch.number)).string();
  sweep::write_batch(dir, batch);  // before sbatch: the tasks may start at once
  write_file_atomically(script_path, sweep::sbatch_script(dir, batch, a.slurm, executable, fs::current_path().string(),
                                                          limit_args(a.timeout_s, a.memory_limit_mb)));
  std::string output;
  const int status = run_and_capture({"sbatch", "--parsable", script_path}, output);
  if (status != 0)
    throw InputError(fmt::format("--backend slurm: sbatch {} failed ({}): {}", script_path,
                                 status == 127 ? "sbatch not found" : fmt::format("exit status {}", status),
                                 output.substr(0, output.find('\n'))));
  const std::string job = output.substr(0, output.find_first_of(";\n"));
  batch.job_id = job;
  sweep::write_batch(dir, batch);
  return job;
}

/// Waits until Slurm no longer lists the job, reporting finished points as they appear.
void wait_for_job(const std::string& dir, const std::string& job, const sweep::SlurmBatch& batch, double poll_s,
                  bool quiet) {
  size_t total = 0;
  for (const auto& t : batch.tasks) total += t.size();
  size_t last_done = SIZE_MAX;
  int errors = 0;
  for (;;) {
    std::string output;
    const int status = run_and_capture({"squeue", "--noheader", "--jobs", job, "--format", "%i"}, output);
    if (status == 0 && output.find_first_not_of(" \n") == std::string::npos) break;
    if (status != 0 && (output.find("Invalid job id") != std::string::npos || ++errors >= 5)) break;
    if (status == 0) errors = 0;
    size_t done = 0;
    for (const auto& t : batch.tasks)
      for (const auto& id : t)
        if (fs::exists(fs::path(sweep::point_dir(dir, id)) / "record.json")) ++done;
    if (!quiet && done != last_done) {
      std::cerr << fmt::format("slurm job {}: {}/{} points finished\n", job, done, total) << std::flush;
      last_done = done;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(poll_s));
  }
}

int finish_status(const std::vector<Point>& points, const std::string& dir, std::ostream& out) {
  const Tally t = tally(points, sweep::latest_records(sweep::load_records(dir)));
  print_tally(out, t, points.size(), 10);
  out << fmt::format("results: {}/results.csv and {}/results.jsonl\n", dir, dir);
  return (t.failed + t.timeout + t.not_run) > 0 ? kExitRegression : kExitOk;
}

int sweep_run(const SweepArgs& a) {
  if (a.spec.empty()) throw InputError("sweep: give a sweep spec (e.g. configs/sweeps/smoke.yaml), or status/collect DIR");
  const sweep::SweepSpec spec = sweep::load_sweep_spec(a.spec);
  check_limits(a.timeout_s, a.memory_limit_mb);
  if (a.backend != "local" && a.backend != "slurm")
    throw InputError("--backend '" + a.backend + "'" + did_you_mean(a.backend, {"local", "slurm"}) +
                     " (expected local or slurm)");
  if (a.poll_s <= 0) throw InputError("--poll-s: must be > 0");
  if (a.slurm.chunk == 0) throw InputError("--chunk: must be >= 1");
  if (a.list) {
    for (const Point& p : spec.points) {
      std::cout << p.id << "  npusim";
      for (const auto& arg : p.args) std::cout << " " << sweep::shell_quote(arg);
      std::cout << "\n";
    }
    std::cout << fmt::format("{} point(s); {} dropped by constraints, {} duplicate(s)\n", spec.points.size(),
                             spec.dropped, spec.duplicates);
    return kExitOk;
  }
  if (a.out.empty()) throw InputError("--out: required (the folder for results, e.g. --out sweeps/smoke)");
  if (spec.points.empty()) throw InputError(a.spec + ": the sweep has no points (constraints dropped them all?)");
  const std::string executable = a.npusim.empty() ? self_executable() : fs::absolute(a.npusim).string();

  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (ec) throw InputError(fmt::format("--out {}: cannot create the folder ({})", a.out, ec.message()));
  const sweep::DirLock lock(a.out);
  if (!a.resume && (fs::exists(fs::path(a.out) / "sweep.json") || fs::exists(fs::path(a.out) / "results.jsonl")))
    throw InputError(fmt::format("--out {}: already holds a sweep (add --resume to continue it, or choose another "
                                 "folder)",
                                 a.out));
  sweep::write_manifest(a.out, sweep::make_manifest(spec));
  fs::copy_file(a.spec, fs::path(a.out) / "spec.yaml", fs::copy_options::overwrite_existing, ec);

  sweep::ResultsStore store(a.out, spec.var_names);
  if (a.backend == "slurm") {
    const auto collected = sweep::collect_records(a.out, store);
    if (collected.added > 0 && !a.quiet)
      std::cerr << fmt::format("collected {} finished point(s) of earlier Slurm jobs\n", collected.added);
  }
  const std::vector<Point> pending =
      pending_points(spec.points, sweep::latest_records(store.records()), a.retry_failed);
  const unsigned jobs = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!a.quiet)
    std::cerr << fmt::format("sweep {}: {} point(s), {} already done, {} to run{}\n", spec.name, spec.points.size(),
                             spec.points.size() - pending.size(), pending.size(),
                             a.backend == "local" ? fmt::format(" with -j {}", jobs) : " through Slurm");

  if (a.backend == "local") {
    sweep::RunOptions options;
    options.executable = executable;
    options.jobs = jobs;
    options.timeout_s = a.timeout_s;
    options.memory_limit_mb = a.memory_limit_mb;
    ForkLauncher launcher(a.memory_limit_mb);
    sweep::Progress progress(std::cerr, pending.size(), stderr_is_terminal(), a.quiet);
    sweep::run_points(pending, a.out, launcher, options, progress,
                      [&store](const nlohmann::json& record) { store.append(record); });
    progress.done();
    return finish_status(spec.points, a.out, std::cout);
  }

  if (pending.empty()) return finish_status(spec.points, a.out, std::cout);
  // Points of a job still in the queue have no record yet: submitting them again would run
  // them twice.
  for (const auto& b : sweep::read_batches(a.out)) {
    if (b.job_id.empty()) continue;
    std::string output;
    if (run_and_capture({"squeue", "--noheader", "--jobs", b.job_id, "--format", "%i"}, output) == 0 &&
        output.find_first_not_of(" \n") != std::string::npos)
      throw InputError(fmt::format("--out {}: Slurm job {} (batch {}) is still queued or running; wait for it "
                                   "(npusim sweep status {}) or scancel it before submitting again",
                                   a.out, b.job_id, b.number, a.out));
  }
  std::vector<std::string> ids;
  for (const Point& p : pending) {
    ids.push_back(p.id);
    // A record left from an earlier attempt must not count as this batch's result.
    fs::remove(fs::path(sweep::point_dir(a.out, p.id)) / "record.json", ec);
  }
  sweep::SlurmBatch batch;
  batch.number = sweep::next_batch_number(a.out);
  batch.tasks = sweep::chunk_ids(ids, a.slurm.chunk);
  const std::string job = submit_batch(a.out, batch, a, executable);
  std::cout << fmt::format("submitted Slurm job {}: {} array task(s) of up to {} point(s) (batch {})\n", job,
                           batch.tasks.size(), a.slurm.chunk, batch.number);
  if (a.no_wait) {
    std::cout << fmt::format("collect the results with: npusim sweep collect {}\n", a.out);
    return kExitOk;
  }
  wait_for_job(a.out, job, batch, a.poll_s, a.quiet);
  const auto collected = sweep::collect_records(a.out, store);
  std::cout << fmt::format("collected {} point(s)\n", collected.added);
  for (const auto& m : collected.missing_tasks) std::cout << "  " << m << "\n";
  if (!collected.missing_tasks.empty())
    std::cout << "resubmit the missing points with the same command and --resume\n";
  return finish_status(spec.points, a.out, std::cout);
}

int sweep_status(const std::string& dir) {
  const nlohmann::json m = sweep::read_manifest(dir);
  const std::vector<Point> points = manifest_points(m);
  const auto records = sweep::load_records(dir);
  const Tally t = tally(points, sweep::latest_records(records));
  std::cout << fmt::format("sweep {} ({}), {}: {} point(s), command `npusim {}`\n", m.value("name", "?"),
                           m.value("spec", "?"), m.value("version", "?"), points.size(),
                           join(m.value("command", std::vector<std::string>{}), " "));
  print_tally(std::cout, t, points.size(), 20);
  if (t.ok + t.failed + t.timeout > 0)
    std::cout << fmt::format("  wall time of the points: {:.2f} s in all, {:.3f} s on average\n", t.wall_s,
                             t.wall_s / static_cast<double>(t.ok + t.failed + t.timeout));
  std::cout << fmt::format("  {} record(s) in results.jsonl\n", records.size());
  const auto batches = sweep::read_batches(dir);
  for (const auto& b : batches) {
    size_t points_in = 0, uncollected = 0;
    std::map<std::string, bool> recorded;
    for (const auto& r : records) recorded[r.value("id", "") + "|" + r.value("finished", "")] = true;
    for (const auto& task : b.tasks)
      for (const auto& id : task) {
        ++points_in;
        std::ifstream in(fs::path(sweep::point_dir(dir, id)) / "record.json");
        const auto r = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
        if (r.is_object() && !recorded.count(r.value("id", "") + "|" + r.value("finished", ""))) ++uncollected;
      }
    std::cout << fmt::format("  slurm batch {}: job {}, {} task(s), {} point(s), {} finished but not collected{}\n",
                             b.number, b.job_id.empty() ? "?" : b.job_id, b.tasks.size(), points_in, uncollected,
                             uncollected ? fmt::format(" (npusim sweep collect {})", dir) : "");
  }
  return kExitOk;
}

int sweep_collect(const std::string& dir) {
  const nlohmann::json m = sweep::read_manifest(dir);
  const sweep::DirLock lock(dir);
  sweep::ResultsStore store(dir, m["var_names"].get<std::vector<std::string>>());
  const auto collected = sweep::collect_records(dir, store);
  std::cout << fmt::format("collected {} point(s)\n", collected.added);
  for (const auto& line : collected.missing_tasks) std::cout << "  " << line << "\n";
  if (!collected.missing_tasks.empty())
    std::cout << "resubmit the missing points: run the same sweep command again with --resume\n";
  return finish_status(manifest_points(m), dir, std::cout);
}

int sweep_worker(const WorkerArgs& a) {
  check_limits(a.timeout_s, a.memory_limit_mb);
  const nlohmann::json m = sweep::read_manifest(a.dir);
  const auto batches = sweep::read_batches(a.dir);
  if (a.batch < 1 || static_cast<size_t>(a.batch) > batches.size())
    throw InputError(fmt::format("--batch {}: {} has {} batch(es)", a.batch, a.dir, batches.size()));
  const auto& batch = batches[static_cast<size_t>(a.batch - 1)];
  if (a.task >= batch.tasks.size())
    throw InputError(fmt::format("--task {}: batch {} has {} task(s)", a.task, a.batch, batch.tasks.size()));
  std::map<std::string, Point> by_id;
  for (Point& p : manifest_points(m)) by_id[p.id] = std::move(p);
  std::vector<Point> points;
  for (const auto& id : batch.tasks[a.task]) {
    const auto it = by_id.find(id);
    if (it == by_id.end()) throw InputError(fmt::format("{}: point {} is not in sweep.json", a.dir, id));
    points.push_back(it->second);
  }
  sweep::RunOptions options;
  options.executable = self_executable();
  options.jobs = std::max(1u, a.jobs);
  options.timeout_s = a.timeout_s;
  options.memory_limit_mb = a.memory_limit_mb;
  ForkLauncher launcher(a.memory_limit_mb);
  sweep::Progress progress(std::cerr, points.size(), false, false);
  const std::string dir = a.dir;
  sweep::run_points(points, dir, launcher, options, progress, [&dir](const nlohmann::json& record) {
    sweep::write_point_record(sweep::point_dir(dir, record["id"].get<std::string>()), record);
  });
  progress.done();
  return kExitOk;
}

}  // namespace

void add_sweep_command(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a sweep spec (docs/sweeps.md): every point of its grid / zip / range / random axes,\n"
      "each in its own npusim process, results appended to DIR/results.csv and DIR/results.jsonl\n"
      "as points finish. Exit status 1 if any point failed or timed out.");
  cmd->add_option("spec", a->spec, "Sweep spec (YAML), e.g. configs/sweeps/smoke.yaml");
  cmd->add_option("-o,--out", a->out, "Folder for the results (created if missing)");
  cmd->add_option("-j,--jobs", a->jobs, "Points run at once (default: number of cores)");
  cmd->add_flag("--resume", a->resume, "Continue the sweep in --out: skip points that already have a record");
  cmd->add_flag("--retry-failed", a->retry_failed, "With --resume: run failed and timed-out points again");
  cmd->add_option("--timeout-s", a->timeout_s, "Kill a point after this many seconds (0 = never)");
  cmd->add_option("--memory-limit-mb", a->memory_limit_mb,
                  "Address-space limit of each point process in MiB (0 = none)");
  cmd->add_option("--backend", a->backend, "local (process pool) or slurm (job array)")->capture_default_str();
  cmd->add_option("--chunk", a->slurm.chunk, "slurm: points per array task")->capture_default_str();
  cmd->add_option("--partition", a->slurm.partition, "slurm: partition (default: the cluster's)");
  cmd->add_option("--account", a->slurm.account, "slurm: account to charge");
  cmd->add_option("--time", a->slurm.time, "slurm: time limit per array task (e.g. 1:00:00)");
  cmd->add_option("--cpus-per-task", a->slurm.cpus, "slurm: CPUs per task; its points run that many at once")
      ->capture_default_str();
  cmd->add_option("--max-running", a->slurm.max_running, "slurm: at most this many tasks at once (0 = no limit)");
  cmd->add_flag("--no-wait", a->no_wait, "slurm: return after submitting (then: npusim sweep collect DIR)");
  cmd->add_option("--poll-s", a->poll_s, "slurm: seconds between checks of the job")->capture_default_str();
  cmd->add_option("--npusim", a->npusim, "npusim executable the points run (default: this one)");
  cmd->add_flag("--list", a->list, "Print each point's id and command line, run nothing");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  cmd->footer(
      "Examples:\n"
      "  npusim sweep configs/sweeps/smoke.yaml -j 2 --out sweeps/smoke\n"
      "  npusim sweep configs/sweeps/smoke.yaml -j 2 --out sweeps/smoke --resume\n"
      "  npusim sweep configs/sweeps/chip-gemm-attention.yaml --backend slurm --partition cpu --chunk 20 --out sweeps/chip\n"
      "  npusim sweep status sweeps/smoke\n"
      "  scripts/plot_sweep.py sweeps/smoke --x m --y time_s\n");

  auto status_dir = std::make_shared<std::string>();
  CLI::App* status = cmd->add_subcommand("status", "Summarise a sweep folder: points ok, failed, not run yet");
  status->add_option("dir", *status_dir, "Sweep folder (--out of the sweep)")->required();
  status->callback([&action, status_dir] { action = [status_dir] { return sweep_status(*status_dir); }; });

  auto collect_dir = std::make_shared<std::string>();
  CLI::App* collect = cmd->add_subcommand(
      "collect", "Merge the results of a sweep's Slurm jobs into DIR/results.csv and DIR/results.jsonl");
  collect->add_option("dir", *collect_dir, "Sweep folder (--out of the sweep)")->required();
  collect->callback([&action, collect_dir] { action = [collect_dir] { return sweep_collect(*collect_dir); }; });

  auto w = std::make_shared<WorkerArgs>();
  CLI::App* worker = cmd->add_subcommand("worker", "One Slurm array task of a sweep (run by the job script)");
  worker->group("");  // internal: not listed in --help
  worker->add_option("dir", w->dir, "Sweep folder")->required();
  worker->add_option("--batch", w->batch, "Batch number")->required();
  worker->add_option("--task", w->task, "Array task index")->required();
  worker->add_option("-j,--jobs", w->jobs, "Points at once");
  worker->add_option("--timeout-s", w->timeout_s, "Per-point time-out");
  worker->add_option("--memory-limit-mb", w->memory_limit_mb, "Per-point memory limit");
  worker->callback([&action, w] { action = [w] { return sweep_worker(*w); }; });

  cmd->callback([&action, a, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // status / collect / worker set the action
    action = [a] { return sweep_run(*a); };
  });
}

}  // namespace npusim
