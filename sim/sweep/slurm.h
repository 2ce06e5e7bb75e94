#pragma once
// The Slurm backend's files (docs/sweeps.md): each submission ("batch") of a sweep folder
// splits the points still to run into chunks, one chunk per task of a Slurm job array. Each
// task runs `npusim sweep worker DIR --batch B --task T`, which runs its points one after the
// other and leaves each point's record in DIR/points/ID/record.json. Only the submitting side
// (`npusim sweep ... --backend slurm` when it waits, or `npusim sweep collect DIR`) appends
// records to results.jsonl/results.csv, so the results look exactly like a local run's.

#include <string>
#include <vector>

#include "sim/sweep/results.h"

namespace npusim::sweep {

struct SlurmOptions {
  std::string partition;  ///< empty: the cluster's default
  std::string account;    ///< empty: the user's default
  std::string time;       ///< per array task, Slurm syntax (e.g. 1:00:00); empty: the default
  size_t chunk = 10;      ///< points per array task
  unsigned cpus = 1;      ///< CPUs per task (the worker runs that many points at once)
  unsigned max_running = 0;  ///< at most this many tasks at once (%N of --array); 0 = no limit
};

/// One submission of a sweep folder (DIR/slurm/batch-N.json).
struct SlurmBatch {
  int number = 0;
  std::string job_id;                            ///< empty until sbatch answered
  std::vector<std::vector<std::string>> tasks;   ///< point ids per array task
};

/// Splits ids into chunks of `chunk` (the last may be shorter).
[[nodiscard]] std::vector<std::vector<std::string>> chunk_ids(const std::vector<std::string>& ids, size_t chunk);

/// The next free batch number in DIR.
[[nodiscard]] int next_batch_number(const std::string& dir);
void write_batch(const std::string& dir, const SlurmBatch& batch);
[[nodiscard]] std::vector<SlurmBatch> read_batches(const std::string& dir);

/// The sbatch script of a batch. `worker_args` are appended to the worker command
/// (--timeout-s, --memory-limit-mb).
[[nodiscard]] std::string sbatch_script(const std::string& dir, const SlurmBatch& batch, const SlurmOptions& options,
                                        const std::string& executable, const std::string& workdir,
                                        const std::vector<std::string>& worker_args);

/// Writes a point's record for `collect` (temporary file, fsync, rename).
void write_point_record(const std::string& point_dir, const nlohmann::json& record);

struct CollectSummary {
  size_t added = 0;     ///< records appended to the results now
  size_t missing = 0;   ///< points of the batches with no record at all
  /// "batch B task T (job J_T): K point(s) without a result" for each task with missing points.
  std::vector<std::string> missing_tasks;
};

/// Appends every point record of the batches that the results do not hold yet.
[[nodiscard]] CollectSummary collect_records(const std::string& dir, ResultsStore& store);

/// Shell-quotes one word for a script.
[[nodiscard]] std::string shell_quote(const std::string& word);

}  // namespace npusim::sweep
