#pragma once
// The results of a sweep folder (docs/sweeps.md):
//   DIR/sweep.json        the points of the last run (ids, variables, arguments)
//   DIR/results.jsonl     one JSON record per finished point (the record of truth)
//   DIR/results.csv       the same as a table: id, status, exit_code, wall_s, error,
//                         one column per variable, one per output metric
//   DIR/points/ID/        result.json, stdout.txt, stderr.txt of each point
// Records are appended whole: one write() of one full line to a file opened with O_APPEND,
// then fsync. A power loss can still tear the last line; the loader ignores a torn last line
// and the store cuts it off before appending again, so no row is ever broken.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/sweep/spec.h"

namespace npusim::sweep {

/// Numeric, boolean and string leaves of a result JSON by dotted name ("cycles",
/// "bytes.hbm_read"); arrays (per-core, per-rank detail) are left out.
[[nodiscard]] nlohmann::json flatten_metrics(const nlohmann::json& result);

/// How one point ended.
struct PointOutcome {
  std::string status = "ok";  ///< ok, failed or timeout
  int exit_code = 0;
  double wall_s = 0;
  std::string error;          ///< one line; empty when ok
  nlohmann::json metrics = nlohmann::json::object();
};

/// The record of a finished point (one line of results.jsonl).
[[nodiscard]] nlohmann::json make_record(const Point& point, const PointOutcome& outcome);

/// Appends `line` (without its '\n') as one write of a whole line, then fsyncs.
void append_line(const std::string& path, const std::string& line);

/// Complete lines of a file; a last line without '\n' (torn by a crash) is left out and, with
/// `repair`, cut off the file. A missing file has no lines.
[[nodiscard]] std::vector<std::string> read_complete_lines(const std::string& path, bool repair);

/// Records of results.jsonl in file order; a line that is not a JSON object is skipped.
[[nodiscard]] std::vector<nlohmann::json> load_records(const std::string& dir, bool repair = false);

/// The last record of each point id.
[[nodiscard]] std::map<std::string, nlohmann::json> latest_records(const std::vector<nlohmann::json>& records);

/// One CSV field (quoted when it holds a comma, quote or newline; newlines become spaces).
[[nodiscard]] std::string csv_field(const std::string& text);

/// The sweep.json manifest.
[[nodiscard]] nlohmann::json make_manifest(const SweepSpec& spec);
void write_manifest(const std::string& dir, const nlohmann::json& manifest);
/// Reads DIR/sweep.json; InputError if DIR is not a sweep folder.
[[nodiscard]] nlohmann::json read_manifest(const std::string& dir);

/// Appends records to DIR/results.jsonl and DIR/results.csv. Opening it cuts torn last lines
/// and rebuilds results.csv from results.jsonl if the two disagree (a crash between the two
/// appends). The CSV header is written with the first record that has metrics: until then its
/// columns are unknown, and records without metrics wait in results.jsonl.
class ResultsStore {
 public:
  ResultsStore(std::string dir, std::vector<std::string> var_names);

  /// Every record so far, in order.
  [[nodiscard]] const std::vector<nlohmann::json>& records() const { return records_; }
  void append(const nlohmann::json& record);

 private:
  [[nodiscard]] std::string csv_row(const nlohmann::json& record) const;
  void choose_columns();
  void rebuild_csv();

  std::string dir_;
  std::vector<std::string> var_names_;
  std::vector<nlohmann::json> records_;
  std::vector<std::string> metric_columns_;
  bool csv_started_ = false;
};

/// Holds an exclusive lock on DIR/.lock while alive; InputError if another process holds it.
class DirLock {
 public:
  explicit DirLock(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

/// Wall-clock time now as "2026-11-22T04:05:06.123Z".
[[nodiscard]] std::string utc_now();

}  // namespace npusim::sweep
