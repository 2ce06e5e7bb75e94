#pragma once
// Running sweep points: each point is its own npusim process (SystemC builds one chip per
// process, and a crash, time-out or memory blow-up of one point must not stop the others).
// The runner keeps up to `jobs` processes going, kills those past the time-out, turns each
// exit into a record (sim/sweep/results.h) and reports progress on stderr.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/sweep/results.h"
#include "sim/sweep/spec.h"

namespace npusim::sweep {

/// Starts and watches child processes (the CLI implements it over fork/exec).
class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  /// Starts `argv` (argv[0] is the program) with stdout and stderr written to the two files;
  /// returns an id for wait() and kill().
  virtual long start(const std::vector<std::string>& argv, const std::string& stdout_path,
                     const std::string& stderr_path) = 0;
  /// Waits at most `timeout_s` for a started process to end: its id and exit status
  /// (128 + signal number if a signal ended it), or nullopt if none ended in time.
  virtual std::optional<std::pair<long, int>> wait(double timeout_s) = 0;
  /// Kills a started process; wait() still reports its end.
  virtual void kill(long id) = 0;
};

struct RunOptions {
  std::string executable;     ///< the npusim binary the points run
  unsigned jobs = 1;          ///< processes at once
  double timeout_s = 0;       ///< per point; 0 = none
  double memory_limit_mb = 0; ///< per point (enforced by the launcher); 0 = none
};

/// Progress on a stream: a redrawn bar on a terminal, one plain line per point otherwise.
class Progress {
 public:
  Progress(std::ostream& out, size_t to_run, bool terminal, bool quiet);
  void started();
  void finished(const Point& point, const nlohmann::json& record);
  /// Redraws the bar (at most ten times a second).
  void tick();
  /// Final line: counts and wall time.
  void done();

 private:
  void draw();
  std::ostream& out_;
  size_t to_run_;
  bool terminal_, quiet_;
  size_t ok_ = 0, failed_ = 0, running_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

/// Totals of one run.
struct RunTotals {
  size_t ok = 0;
  size_t failed = 0;  ///< failed or timed out
};

/// Directory of a point's files: DIR/points/ID.
[[nodiscard]] std::string point_dir(const std::string& dir, const std::string& id);

/// The outcome of a finished point process from its exit status and its files.
[[nodiscard]] PointOutcome read_outcome(const std::string& point_dir, int exit_status, bool timed_out,
                                        double wall_s, const RunOptions& options);

/// Runs `points` (each in DIR/points/ID) and calls `on_done` with each record as it finishes.
RunTotals run_points(const std::vector<Point>& points, const std::string& dir, ProcessLauncher& launcher,
                     const RunOptions& options, Progress& progress,
                     const std::function<void(const nlohmann::json& record)>& on_done);

}  // namespace npusim::sweep
