#include "sim/sweep/slurm.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>

#include "sim/sweep/runner.h"

namespace fs = std::filesystem;

namespace npusim::sweep {
namespace {

void durable_write(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot write ({})", tmp, std::strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw InputError(fmt::format("{}: cannot write ({})", tmp, std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("{}: cannot rename into place ({})", path, ec.message()));
}

std::string batch_file(const std::string& dir, int number) {
  return (fs::path(dir) / "slurm" / fmt::format("batch-{}.json", number)).string();
}

}  // namespace

std::vector<std::vector<std::string>> chunk_ids(const std::vector<std::string>& ids, size_t chunk) {
  std::vector<std::vector<std::string>> out;
  const size_t size = std::max<size_t>(1, chunk);
  for (size_t i = 0; i < ids.size(); i += size)
    out.emplace_back(ids.begin() + static_cast<long>(i), ids.begin() + static_cast<long>(std::min(ids.size(), i + size)));
  return out;
}

int next_batch_number(const std::string& dir) {
  int n = 1;
  while (fs::exists(batch_file(dir, n))) ++n;
  return n;
}

void write_batch(const std::string& dir, const SlurmBatch& batch) {
  fs::create_directories(fs::path(dir) / "slurm");
  const nlohmann::json j = {{"batch", batch.number}, {"job_id", batch.job_id}, {"tasks", batch.tasks}};
  durable_write(batch_file(dir, batch.number), j.dump(1) + "\n");
}

std::vector<SlurmBatch> read_batches(const std::string& dir) {
  std::vector<SlurmBatch> out;
  for (int n = 1; fs::exists(batch_file(dir, n)); ++n) {
    std::ifstream in(batch_file(dir, n));
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("tasks") || !j["tasks"].is_array())
      throw InputError(batch_file(dir, n) + ": not a valid batch file");
    SlurmBatch b;
    b.number = n;
    b.job_id = j.value("job_id", "");
    b.tasks = j["tasks"].get<std::vector<std::vector<std::string>>>();
    out.push_back(std::move(b));
  }
  return out;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%") ==
                           std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string sbatch_script(const std::string& dir, const SlurmBatch& batch, const SlurmOptions& o,
                          const std::string& executable, const std::string& workdir,
                          const std::vector<std::string>& worker_args) {
  const std::string abs_dir = fs::absolute(dir).string();
  std::string s = "#!/bin/sh\n";
  s += fmt::format("# npusim sweep {}: batch {} ({} array task(s)); written by npusim, submitted with sbatch\n",
                   abs_dir, batch.number, batch.tasks.size());
  s += fmt::format("#SBATCH --job-name=npusim-sweep\n");
  s += fmt::format("#SBATCH --array=0-{}{}\n", batch.tasks.size() - 1,
                   o.max_running > 0 ? fmt::format("%{}", o.max_running) : "");
  s += fmt::format("#SBATCH --output={}/slurm/batch-{}-task-%a.log\n", abs_dir, batch.number);
  s += fmt::format("#SBATCH --chdir={}\n", workdir);
  s += "#SBATCH --ntasks=1\n";
  s += fmt::format("#SBATCH --cpus-per-task={}\n", std::max(1u, o.cpus));
  if (!o.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", o.partition);
  if (!o.account.empty()) s += fmt::format("#SBATCH --account={}\n", o.account);
  if (!o.time.empty()) s += fmt::format("#SBATCH --time={}\n", o.time);
  s += fmt::format("exec {} sweep worker {} --batch {} --task \"$SLURM_ARRAY_TASK_ID\" -j {}", shell_quote(executable),
                   shell_quote(abs_dir), batch.number, std::max(1u, o.cpus));
  for (const auto& a : worker_args) s += " " + shell_quote(a);
  return s + "\n";
}

void write_point_record(const std::string& pdir, const nlohmann::json& record) {
  durable_write((fs::path(pdir) / "record.json").string(), record.dump() + "\n");
}

CollectSummary collect_records(const std::string& dir, ResultsStore& store) {
  CollectSummary summary;
  std::set<std::pair<std::string, std::string>> have;  // (id, finished)
  for (const auto& r : store.records()) have.emplace(r.value("id", ""), r.value("finished", ""));
  std::set<std::string> done_ids;
  for (const auto& r : store.records()) done_ids.insert(r.value("id", ""));
  for (const SlurmBatch& b : read_batches(dir)) {
    for (size_t t = 0; t < b.tasks.size(); ++t) {
      size_t missing = 0;
      for (const std::string& id : b.tasks[t]) {
        std::ifstream in(fs::path(point_dir(dir, id)) / "record.json");
        const auto record = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
        if (!record.is_object() || record.value("id", "") != id) {
          if (!done_ids.count(id)) ++missing;
          continue;
        }
        if (have.emplace(id, record.value("finished", "")).second) {
          store.append(record);
          done_ids.insert(id);
          ++summary.added;
        }
      }
      if (missing > 0) {
        summary.missing += missing;
        summary.missing_tasks.push_back(fmt::format("batch {} task {} (job {}_{}): {} point(s) without a result",
                                                    b.number, t, b.job_id.empty() ? "?" : b.job_id, t, missing));
      }
    }
  }
  return summary;
}

}  // namespace npusim::sweep
