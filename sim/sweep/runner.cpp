#include "sim/sweep/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

namespace fs = std::filesystem;

namespace npusim::sweep {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string last_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  if (last.size() > 300) last = last.substr(0, 300) + "...";
  return last;
}

std::string clock_text(double s) {
  const auto t = static_cast<long long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

}  // namespace

std::string point_dir(const std::string& dir, const std::string& id) {
  return (fs::path(dir) / "points" / id).string();
}

PointOutcome read_outcome(const std::string& pdir, int exit_status, bool timed_out, double wall_s,
                          const RunOptions& options) {
  PointOutcome o;
  o.exit_code = exit_status;
  o.wall_s = wall_s;
  const std::string stderr_line = last_line_of((fs::path(pdir) / "stderr.txt").string());
  if (timed_out) {
    o.status = "timeout";
    o.error = fmt::format("timed out after {:g} s (--timeout-s)", options.timeout_s);
    return o;
  }
  if (exit_status != 0) {
    o.status = "failed";
    if (exit_status == 127)
      o.error = "could not start " + options.executable;
    else if (!stderr_line.empty())
      o.error = stderr_line;
    else if (exit_status > 128)
      o.error = fmt::format("killed by signal {}", exit_status - 128);
    else
      o.error = fmt::format("exited with status {}", exit_status);
    if (options.memory_limit_mb > 0 && exit_status != 2)  // 2: bad input, not memory
      o.error += fmt::format(" (memory limit {:g} MiB)", options.memory_limit_mb);
    return o;
  }
  std::ifstream in(fs::path(pdir) / "result.json");
  const auto result = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!in.is_open() || !result.is_object()) {
    o.status = "failed";
    o.error = "exited 0 but wrote no readable result.json";
    return o;
  }
  o.metrics = flatten_metrics(result);
  return o;
}

RunTotals run_points(const std::vector<Point>& points, const std::string& dir, ProcessLauncher& launcher,
                     const RunOptions& options, Progress& progress,
                     const std::function<void(const nlohmann::json& record)>& on_done) {
  struct Running {
    const Point* point;
    Clock::time_point start;
    bool killed = false;
  };
  std::map<long, Running> running;
  RunTotals totals;
  size_t next = 0;
  const unsigned jobs = std::max(1u, options.jobs);
  while (next < points.size() || !running.empty()) {
    while (next < points.size() && running.size() < jobs) {
      const Point& p = points[next++];
      const std::string pdir = point_dir(dir, p.id);
      fs::create_directories(pdir);
      std::error_code ec;
      fs::remove(fs::path(pdir) / "result.json", ec);  // never read a stale result
      std::vector<std::string> argv = {options.executable};
      argv.insert(argv.end(), p.args.begin(), p.args.end());
      argv.insert(argv.end(), {"--json", (fs::path(pdir) / "result.json").string()});
      const long id = launcher.start(argv, (fs::path(pdir) / "stdout.txt").string(),
                                     (fs::path(pdir) / "stderr.txt").string());
      running[id] = Running{&p, Clock::now()};
      progress.started();
    }
    // Wait until a point ends, the next time-out is due or the bar needs redrawing.
    double wait_s = 0.1;
    if (options.timeout_s > 0)
      for (const auto& [id, r] : running)
        if (!r.killed) wait_s = std::min(wait_s, std::max(0.0, options.timeout_s - seconds_since(r.start)));
    const auto ended = launcher.wait(wait_s);
    if (ended) {
      const auto it = running.find(ended->first);
      if (it != running.end()) {
        const Running r = it->second;
        running.erase(it);
        const PointOutcome outcome = read_outcome(point_dir(dir, r.point->id), ended->second, r.killed,
                                                  seconds_since(r.start), options);
        const nlohmann::json record = make_record(*r.point, outcome);
        (outcome.status == "ok" ? totals.ok : totals.failed) += 1;
        on_done(record);
        progress.finished(*r.point, record);
      }
    }
    if (options.timeout_s > 0)
      for (auto& [id, r] : running)
        if (!r.killed && seconds_since(r.start) >= options.timeout_s) {
          launcher.kill(id);
          r.killed = true;
        }
    progress.tick();
  }
  return totals;
}

Progress::Progress(std::ostream& out, size_t to_run, bool terminal, bool quiet)
    : out_(out), to_run_(to_run), terminal_(terminal), quiet_(quiet), start_(Clock::now()) {}

void Progress::started() { ++running_; }

void Progress::finished(const Point& point, const nlohmann::json& record) {
  --running_;
  const bool ok = record["status"] == "ok";
  (ok ? ok_ : failed_) += 1;
  if (quiet_) return;
  std::vector<std::string> vars;
  for (const auto& [name, value] : point.vars) vars.push_back(name + "=" + value);
  std::ostringstream vars_text;
  for (size_t i = 0; i < vars.size(); ++i) vars_text << (i ? " " : "") << vars[i];
  const std::string line =
      ok ? fmt::format("[{}/{}] ok     {} {} ({:.2f} s)", ok_ + failed_, to_run_, point.id, vars_text.str(),
                       record["wall_s"].get<double>())
         : fmt::format("[{}/{}] {:<6} {} {}: {}", ok_ + failed_, to_run_, record["status"].get<std::string>(),
                       point.id, vars_text.str(), record["error"].get<std::string>());
  if (terminal_) {
    // Failures stay on screen above the bar; successes only move the bar.
    if (!ok) out_ << "\r\033[K" << line << "\n";
    draw();
  } else {
    out_ << line << "\n" << std::flush;
  }
}

void Progress::tick() {
  if (!terminal_ || quiet_) return;
  if (std::chrono::duration<double>(Clock::now() - last_draw_).count() >= 0.1) draw();
}

void Progress::draw() {
  last_draw_ = Clock::now();
  const size_t finished = ok_ + failed_;
  const double elapsed = seconds_since(start_);
  const std::string eta =
      finished > 0 ? clock_text(elapsed / static_cast<double>(finished) * static_cast<double>(to_run_ - finished)) : "?";
  constexpr size_t kWidth = 30;
  const size_t filled = to_run_ > 0 ? finished * kWidth / to_run_ : kWidth;
  out_ << "\r\033[K[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
       << fmt::format("{}/{} done, {} failed, {} running, ETA {}", finished, to_run_, failed_, running_, eta)
       << std::flush;
}

void Progress::done() {
  if (quiet_) return;
  if (terminal_) out_ << "\r\033[K";
  out_ << fmt::format("{} point(s) run in {}: {} ok, {} failed\n", ok_ + failed_, clock_text(seconds_since(start_)),
                      ok_, failed_)
       << std::flush;
}

}  // namespace npusim::sweep
