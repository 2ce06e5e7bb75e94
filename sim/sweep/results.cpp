#include "sim/sweep/results.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/base/text.h"

namespace fs = std::filesystem;

namespace npusim::sweep {
namespace {

void flatten_into(const nlohmann::json& j, const std::string& prefix, nlohmann::json& out) {
  for (const auto& [key, value] : j.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) flatten_into(value, name, out);
    else if (value.is_number() || value.is_boolean() || value.is_string()) out[name] = value;
  }
}

const std::vector<std::string> kFixedColumns = {"id", "status", "exit_code", "wall_s", "error"};

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: cannot write ({})", path, std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
}

/// Writes a whole file durably: temporary file, fsync, rename.
void replace_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot write ({})", tmp, std::strerror(errno)));
  write_all(fd, text, tmp);
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("{}: cannot rename into place ({})", path, ec.message()));
}

}  // namespace

nlohmann::json flatten_metrics(const nlohmann::json& result) {
  nlohmann::json out = nlohmann::json::object();
  if (result.is_object()) flatten_into(result, "", out);
  return out;
}

nlohmann::json make_record(const Point& point, const PointOutcome& o) {
  nlohmann::json r;
  r["id"] = point.id;
  r["status"] = o.status;
  r["exit_code"] = o.exit_code;
  r["wall_s"] = std::round(o.wall_s * 1e6) / 1e6;
  r["error"] = one_line(o.error);
  r["finished"] = utc_now();
  nlohmann::json vars = nlohmann::json::object();
  for (const auto& [name, value] : point.vars) vars[name] = value;
  r["vars"] = vars;
  r["metrics"] = o.metrics;
  r["args"] = point.args;
  return r;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms);
}

void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot open for appending ({})", path, std::strerror(errno)));
  const std::string text = line + "\n";
  // One write() per line: with O_APPEND the kernel places it whole at the end of the file.
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  if (n != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    throw InputError(fmt::format("{}: cannot append ({})", path,
                                 n < 0 ? std::strerror(write_errno) : "short write"));
  }
  ::fsync(fd);
  ::close(fd);
}

std::vector<std::string> read_complete_lines(const std::string& path, bool repair) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  std::ostringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  size_t start = 0;
  for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(s.substr(start, nl - start));
  if (start < s.size() && repair) {
    // A torn last line: cut it so the next append starts on a fresh line.
    if (::truncate(path.c_str(), static_cast<off_t>(start)) != 0)
      throw InputError(fmt::format("{}: cannot cut a torn last line ({})", path, std::strerror(errno)));
  }
  return lines;
}

std::vector<nlohmann::json> load_records(const std::string& dir, bool repair) {
  std::vector<nlohmann::json> records;
  for (const std::string& line : read_complete_lines((fs::path(dir) / "results.jsonl").string(), repair)) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) records.push_back(std::move(j));
  }
  return records;
}

std::map<std::string, nlohmann::json> latest_records(const std::vector<nlohmann::json>& records) {
  std::map<std::string, nlohmann::json> latest;
  for (const auto& r : records) latest[r["id"].get<std::string>()] = r;
  return latest;
}

std::string csv_field(const std::string& text) {
  const std::string t = one_line(text);
  if (t.find_first_of(",\"") == std::string::npos) return t;
  std::string out = "\"";
  for (char c : t) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

nlohmann::json make_manifest(const SweepSpec& spec) {
  nlohmann::json m;
  m["spec"] = fs::absolute(spec.path).string();
  m["name"] = spec.name;
  m["command"] = spec.command;
  m["version"] = npusim_version();
  m["var_names"] = spec.var_names;
  m["dropped"] = spec.dropped;
  nlohmann::json points = nlohmann::json::array();
  for (const Point& p : spec.points) {
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [name, value] : p.vars) vars[name] = value;
    points.push_back({{"id", p.id}, {"vars", vars}, {"args", p.args}});
  }
  m["points"] = points;
  return m;
}

void write_manifest(const std::string& dir, const nlohmann::json& manifest) {
  replace_file((fs::path(dir) / "sweep.json").string(), manifest.dump(1) + "\n");
}

nlohmann::json read_manifest(const std::string& dir) {
  const fs::path file = fs::path(dir) / "sweep.json";
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: not a sweep folder (no sweep.json)", dir));
  auto m = nlohmann::json::parse(in, nullptr, false);
  if (!m.is_object() || !m.contains("points") || !m["points"].is_array() || !m.contains("var_names"))
    throw InputError(fmt::format("{}: not a valid sweep manifest", file.string()));
  return m;
}

ResultsStore::ResultsStore(std::string dir, std::vector<std::string> var_names)
    : dir_(std::move(dir)), var_names_(std::move(var_names)) {
  records_ = load_records(dir_, /*repair=*/true);
  const std::string csv = (fs::path(dir_) / "results.csv").string();
  const auto lines = read_complete_lines(csv, /*repair=*/true);
  if (!lines.empty() && lines.size() - 1 == records_.size()) {
    // Consistent: keep its columns.
    std::vector<std::string> header;
    std::stringstream ss(lines[0]);
    for (std::string col; std::getline(ss, col, ',');) header.push_back(col);
    const size_t fixed = kFixedColumns.size() + var_names_.size();
    if (header.size() >= fixed &&
        std::equal(var_names_.begin(), var_names_.end(), header.begin() + static_cast<long>(kFixedColumns.size()))) {
      metric_columns_.assign(header.begin() + static_cast<long>(fixed), header.end());
      csv_started_ = true;
      return;
    }
  }
  if (lines.empty() && records_.empty()) return;
  rebuild_csv();
}

void ResultsStore::choose_columns() {
  std::set<std::string> names;
  for (const auto& r : records_)
    if (r.contains("metrics") && r["metrics"].is_object())
      for (const auto& [k, v] : r["metrics"].items()) names.insert(k);
  metric_columns_.assign(names.begin(), names.end());
}

void ResultsStore::rebuild_csv() {
  const std::string csv = (fs::path(dir_) / "results.csv").string();
  choose_columns();
  if (metric_columns_.empty()) {
    // No record with metrics yet: the header waits for the first one.
    std::error_code ec;
    fs::remove(csv, ec);
    csv_started_ = false;
    return;
  }
  std::string text;
  std::vector<std::string> header = kFixedColumns;
  header.insert(header.end(), var_names_.begin(), var_names_.end());
  for (const auto& m : metric_columns_) {
    const bool clash = std::find(header.begin(), header.end(), m) != header.end();
    header.push_back(clash ? "out." + m : m);
  }
  text += join(header, ",") + "\n";
  for (const auto& r : records_) text += csv_row(r) + "\n";
  replace_file(csv, text);
  csv_started_ = true;
}

std::string ResultsStore::csv_row(const nlohmann::json& r) const {
  const auto text = [](const nlohmann::json& v) -> std::string {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  };
  std::vector<std::string> fields;
  for (const auto& c : kFixedColumns) fields.push_back(csv_field(r.contains(c) ? text(r[c]) : ""));
  const nlohmann::json vars = r.value("vars", nlohmann::json::object());
  for (const auto& v : var_names_) fields.push_back(csv_field(vars.contains(v) ? text(vars[v]) : ""));
  const nlohmann::json metrics = r.value("metrics", nlohmann::json::object());
  for (const auto& m : metric_columns_) {
    const std::string key = m.rfind("out.", 0) == 0 && !metrics.contains(m) ? m.substr(4) : m;
    fields.push_back(csv_field(metrics.contains(key) ? text(metrics[key]) : ""));
  }
  return join(fields, ",");
}

void ResultsStore::append(const nlohmann::json& record) {
  append_line((fs::path(dir_) / "results.jsonl").string(), record.dump());
  records_.push_back(record);
  const std::string csv = (fs::path(dir_) / "results.csv").string();
  if (csv_started_) {
    append_line(csv, csv_row(record));
  } else if (record.contains("metrics") && !record["metrics"].empty()) {
    rebuild_csv();
  }
}

DirLock::DirLock(const std::string& dir) {
  const std::string path = (fs::path(dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(fmt::format("{}: cannot create ({})", path, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw InputError(fmt::format("{}: another npusim sweep is writing to this folder", dir));
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace npusim::sweep
