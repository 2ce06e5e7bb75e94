#include "sim/sched/job_trace.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/sched/sched_random.h"

namespace npusim::sched {
namespace {

/// One CSV line split into fields; double quotes protect commas ("" is a quote).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  for (auto& f : out) {  // trim spaces
    const auto b = f.find_first_not_of(" \t");
    const auto e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? std::string() : f.substr(b, e - b + 1);
  }
  return out;
}

/// A CSV file as header + rows, each row with its line number.
struct Table {
  std::string path;
  std::vector<std::string> header;
  uint32_t header_line = 0;
  std::map<std::string, size_t> column;
  struct Row {
    uint32_t line = 0;
    std::vector<std::string> fields;
  };
  std::vector<Row> rows;

  [[nodiscard]] bool has(const std::string& name) const { return column.contains(name); }
  void require(const std::vector<std::string>& names, const std::string& format) const {
    for (const auto& n : names)
      if (!has(n))
        throw InputError(SourcePos{path, header_line, 0},
                         fmt::format("{} trace header lacks column '{}' (expected columns: {})",
                                     format, n, join(names)));
  }
  /// Field of a row by column name ("" if the column is absent).
  [[nodiscard]] const std::string& get(const Row& r, const std::string& name) const {
    static const std::string empty;
    const auto it = column.find(name);
    return it == column.end() ? empty : r.fields[it->second];
  }
};

Table read_table(const std::string& path, const std::string& text) {
  Table t;
  t.path = path;
  std::istringstream in(text);
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto fields = split_csv(line);
    if (t.header.empty()) {
      t.header = fields;
      t.header_line = n;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].empty())
          throw InputError(SourcePos{path, n, 0}, fmt::format("empty column name in header (column {})", i + 1));
        if (!t.column.emplace(fields[i], i).second)
          throw InputError(SourcePos{path, n, 0}, "column '" + fields[i] + "' appears twice in the header");
      }
      continue;
    }
    if (fields.size() != t.header.size())
      throw InputError(SourcePos{path, n, 0},
                       fmt::format("{} fields, expected {} as in the header (line {})", fields.size(),
                                   t.header.size(), t.header_line));
    t.rows.push_back({n, std::move(fields)});
  }
  if (t.header.empty()) throw InputError(path + ": empty job trace (expected a CSV header line)");
  return t;
}

[[noreturn]] void fail_at(const std::string& path, uint32_t line, const std::string& message) {
  throw InputError(SourcePos{path, line, 0}, message);
}

double number_field(const Table& t, const Table::Row& r, const std::string& col, bool positive) {
  const std::string& s = t.get(r, col);
  const auto v = parse_double(s);
  if (!v || *v < 0 || (positive && *v <= 0) || !std::isfinite(*v))
    fail_at(t.path, r.line,
            fmt::format("{} '{}' (expected a {} number)", col, s, positive ? "positive" : "non-negative"));
  return *v;
}

uint64_t integer_field(const Table& t, const Table::Row& r, const std::string& col, uint64_t min,
                       uint64_t fallback) {
  const std::string& s = t.get(r, col);
  if (s.empty()) return fallback;
  const auto v = parse_u64(s);
  if (!v || *v < min)
    fail_at(t.path, r.line, fmt::format("{} '{}' (expected an integer >= {})", col, s, min));
  return *v;
}

/// NPUs as tenths: fractions below 1 in steps of 0.1, whole numbers from 1 up.
uint32_t npus_to_tenths(double npus, const std::string& path, uint32_t line, const std::string& text) {
  if (!(npus > 0) || npus > 1e6)
    fail_at(path, line, "npus '" + text + "' (expected a positive number of NPUs, at most 1e6)");
  const double tenths = npus * kTenthsPerNpu;
  const double rounded = std::round(tenths);
  if (std::abs(tenths - rounded) > 1e-6)
    fail_at(path, line, "npus '" + text + "' (expected a multiple of 0.1)");
  if (npus > 1 && std::abs(npus - std::round(npus)) > 1e-9)
    fail_at(path, line, "npus '" + text + "' (fractions are only allowed below 1 NPU)");
  return static_cast<uint32_t>(rounded);
}

/// Seconds since 1970 of "YYYY-MM-DD HH:MM:SS" (no time zone), or a plain number.
std::optional<double> parse_time(const std::string& s) {
  if (auto v = parse_double(s)) return v;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6 &&
      std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
    return std::nullopt;
  // Days from civil (Howard Hinnant's public-domain algorithm, re-derived).
  y -= mo <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const double days = era * 146097.0 + doe - 719468.0;
  return days * 86400.0 + h * 3600.0 + mi * 60.0 + se;
}

double time_field(const Table& t, const Table::Row& r, const std::string& col) {
  const std::string& s = t.get(r, col);
  const auto v = parse_time(s);
  if (!v || *v < 0)
    fail_at(t.path, r.line, fmt::format("{} '{}' (expected seconds or YYYY-MM-DD HH:MM:SS)", col, s));
  return *v;
}

// ---- npusim's own format ----------------------------------------------------------------

const std::vector<std::string> kNpusimColumns = {"id", "submit_s", "user", "npus", "model",
                                                 "tp", "pp", "micro_batch", "iterations",
                                                 "duration_s", "priority", "chip", "label"};

std::vector<Job> read_npusim(const Table& t) {
  for (const auto& h : t.header)
    if (std::find(kNpusimColumns.begin(), kNpusimColumns.end(), h) == kNpusimColumns.end())
      fail_at(t.path, t.header_line,
              "unknown column '" + h + "'" + did_you_mean(h, kNpusimColumns) +
                  " (expected some of: " + join(kNpusimColumns) + ")");
  t.require({"id", "submit_s", "npus"}, "npusim");
  if (!t.has("duration_s") && !t.has("model"))
    fail_at(t.path, t.header_line, "npusim trace needs a duration_s or a model column");
  std::vector<Job> jobs;
  for (const auto& r : t.rows) {
    Job j;
    j.line = r.line;
    j.id = t.get(r, "id");
    if (j.id.empty()) fail_at(t.path, r.line, "empty id (expected a job name)");
    j.submit_s = number_field(t, r, "submit_s", false);
    if (!t.get(r, "user").empty()) j.user = t.get(r, "user");
    const std::string& npus = t.get(r, "npus");
    const auto n = parse_double(npus);
    if (!n) fail_at(t.path, r.line, "npus '" + npus + "' (expected a number)");
    j.tenths = npus_to_tenths(*n, t.path, r.line, npus);
    j.model = t.get(r, "model");
    j.chip = t.get(r, "chip");
    j.label = t.get(r, "label");
    const std::string& prio = t.get(r, "priority");
    if (!prio.empty()) {
      const auto p = parse_double(prio);
      if (!p || *p != std::floor(*p) || std::abs(*p) > 1e6)
        fail_at(t.path, r.line, "priority '" + prio + "' (expected an integer)");
      j.priority = static_cast<int>(*p);
    }
    if (!j.model.empty()) {
      if (!t.get(r, "duration_s").empty())
        fail_at(t.path, r.line, "both model and duration_s given (expected one of them)");
      j.tp = static_cast<uint32_t>(integer_field(t, r, "tp", 1, 1));
      j.pp = static_cast<uint32_t>(integer_field(t, r, "pp", 1, 1));
      j.micro_batch = static_cast<uint32_t>(integer_field(t, r, "micro_batch", 1, 1));
      j.iterations = integer_field(t, r, "iterations", 1, 0);
      if (j.iterations == 0) fail_at(t.path, r.line, "model job without iterations (expected iterations >= 1)");
      if (j.fractional() || j.whole_npus() % (j.tp * j.pp) != 0)
        fail_at(t.path, r.line,
                fmt::format("npus {} is not a multiple of tp x pp = {} (model jobs use whole NPUs, dp = npus / (tp x pp))",
                            npus, j.tp * j.pp));
    } else {
      for (const char* col : {"tp", "pp", "micro_batch", "iterations"})
        if (!t.get(r, col).empty())
          fail_at(t.path, r.line, std::string(col) + " given without a model (expected a model column value)");
      if (t.get(r, "duration_s").empty())
        fail_at(t.path, r.line, "neither model nor duration_s given (expected one of them)");
      j.duration_s = number_field(t, r, "duration_s", true);
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

// ---- importers ---------------------------------------------------------------------------

/// Whole GPUs as virtual-NPU tenths (capped so the product cannot overflow).
uint32_t whole_gpu_tenths(uint64_t gpus) {
  return static_cast<uint32_t>(std::min<uint64_t>(gpus, 1'000'000)) * kTenthsPerNpu;
}

/// The job of a row with a GPU count and a run time in seconds (the Helios and Tiresias
/// layouts); none, counted in `skipped`, for a row without GPUs or without run time.
std::optional<Job> gpu_duration_job(const Table& t, const Table::Row& r, const std::string& gpu_col,
                                    uint64_t& skipped) {
  const uint64_t gpus = integer_field(t, r, gpu_col, 0, 0);
  const double duration = number_field(t, r, "duration", false);
  if (gpus == 0 || duration <= 0) {
    ++skipped;
    return std::nullopt;
  }
  Job j;
  j.line = r.line;
  j.id = t.get(r, "job_id");
  j.tenths = whole_gpu_tenths(gpus);
  j.duration_s = duration;
  return j;
}

/// Helios (Hu et al., SC'21) cluster_log.csv: job_id, user, gpu_num, submit_time, duration (s),
/// state; jobs without GPUs or with no run time are skipped.
std::vector<Job> read_helios(const Table& t, uint64_t& skipped) {
  t.require({"job_id", "user", "gpu_num", "submit_time", "duration"}, "Helios cluster_log");
  std::vector<Job> jobs;
  for (const auto& r : t.rows) {
    std::optional<Job> j = gpu_duration_job(t, r, "gpu_num", skipped);
    if (!j) continue;
    j->user = t.get(r, "user").empty() ? "default" : t.get(r, "user");
    j->submit_s = time_field(t, r, "submit_time");
    j->label = t.get(r, "state");
    jobs.push_back(std::move(*j));
  }
  return jobs;
}

/// Alibaba cluster-trace-gpu-v2023 pod list (openb_pod_list_*.csv): name, num_gpu, gpu_milli
/// (thousandths of one GPU), creation_time, scheduled_time, deletion_time (s). Pods without
/// GPUs, never scheduled or never deleted are skipped.
std::vector<Job> read_alibaba(const Table& t, uint64_t& skipped) {
  t.require({"name", "num_gpu", "gpu_milli", "creation_time", "scheduled_time", "deletion_time"},
            "Alibaba pod list");
  std::vector<Job> jobs;
  for (const auto& r : t.rows) {
    const uint64_t gpus = integer_field(t, r, "num_gpu", 0, 0);
    const uint64_t milli = integer_field(t, r, "gpu_milli", 0, 0);
    if (milli > 1000) fail_at(t.path, r.line, fmt::format("gpu_milli {} (expected 0..1000)", milli));
    if (gpus == 0 || milli == 0 || t.get(r, "scheduled_time").empty() ||
        t.get(r, "deletion_time").empty()) {
      ++skipped;
      continue;
    }
    const double created = time_field(t, r, "creation_time");
    const double scheduled = time_field(t, r, "scheduled_time");
    const double deleted = time_field(t, r, "deletion_time");
    if (deleted <= scheduled || scheduled < created) {
      if (deleted < scheduled || scheduled < created)
        fail_at(t.path, r.line, "times out of order (expected creation_time <= scheduled_time <= deletion_time)");
      ++skipped;
      continue;
    }
    Job j;
    j.line = r.line;
    j.id = t.get(r, "name");
    j.submit_s = created;
    // gpu_milli is the share of each GPU: a fraction only for one-GPU pods (rounded up to
    // the 0.1 virtual-NPU grain); multi-GPU pods take whole GPUs.
    j.tenths = gpus == 1 && milli < 1000
                   ? static_cast<uint32_t>(std::max<uint64_t>(1, (milli + 99) / 100))
                   : whole_gpu_tenths(gpus);
    j.duration_s = deleted - scheduled;
    if (t.has("qos") && !t.get(r, "qos").empty()) j.user = t.get(r, "qos");
    if (t.has("gpu_spec")) j.label = t.get(r, "gpu_spec");
    jobs.push_back(std::move(j));
  }
  return jobs;
}

/// Tiresias (Gu et al., NSDI'19) simulator traces:
/// job_id,num_gpu,submit_time,iterations,model_name,duration,interval (times in s).
std::vector<Job> read_tiresias(const Table& t, uint64_t& skipped) {
  t.require({"job_id", "num_gpu", "submit_time", "duration"}, "Tiresias");
  std::vector<Job> jobs;
  for (const auto& r : t.rows) {
    std::optional<Job> j = gpu_duration_job(t, r, "num_gpu", skipped);
    if (!j) continue;
    j->submit_s = number_field(t, r, "submit_time", false);
    j->label = t.get(r, "model_name");
    jobs.push_back(std::move(*j));
  }
  return jobs;
}

/// Line (1-based) of the first occurrence of `needle` at or after `from`; 0 if absent.
uint32_t line_of(const std::string& text, const std::string& needle, size_t& from) {
  const size_t at = text.find(needle, from);
  if (at == std::string::npos) return 0;
  from = at + needle.size();
  return static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1);
}

/// Microsoft Philly (Jeon et al., ATC'19) cluster_job_log: a JSON array of jobs with jobid,
/// user, vc, submitted_time, status and attempts [{start_time, end_time, detail: [{ip, gpus}]}].
/// GPUs = those of the last attempt; run time = the sum of the attempts' run times. Jobs that
/// never ran (no attempt with both times, or no GPUs) are skipped.
std::vector<Job> read_philly(const std::string& path, const std::string& text, uint64_t& skipped) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t at = std::min<size_t>(e.byte, text.size());
    const auto line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1);
    fail_at(path, line, "malformed JSON (expected Philly's cluster_job_log: an array of jobs)");
  }
  if (!doc.is_array()) fail_at(path, 1, "expected a JSON array of jobs (Philly cluster_job_log)");
  std::vector<Job> jobs;
  size_t cursor = 0;
  for (const auto& rec : doc) {
    const uint32_t line = line_of(text, "\"jobid\"", cursor);
    auto str = [&](const char* key) -> std::string {
      if (!rec.is_object() || !rec.contains(key) || !rec[key].is_string())
        fail_at(path, line, std::string("job lacks string field '") + key + "' (expected Philly job fields)");
      return rec[key].get<std::string>();
    };
    Job j;
    j.line = line;
    j.id = str("jobid");
    j.user = str("user");
    const auto submitted = parse_time(str("submitted_time"));
    if (!submitted) fail_at(path, line, "submitted_time of " + j.id + " (expected YYYY-MM-DD HH:MM:SS)");
    j.submit_s = *submitted;
    if (rec.contains("vc") && rec["vc"].is_string()) j.label = rec["vc"].get<std::string>();
    if (!rec.contains("attempts") || !rec["attempts"].is_array())
      fail_at(path, line, "job " + j.id + " lacks an attempts array");
    double run = 0;
    uint64_t gpus = 0;
    for (const auto& a : rec["attempts"]) {
      if (!a.is_object()) fail_at(path, line, "attempt of " + j.id + " is not an object");
      const auto ts = [&](const char* key) -> std::optional<double> {
        if (!a.contains(key) || !a[key].is_string()) return std::nullopt;
        return parse_time(a[key].get<std::string>());
      };
      const auto start = ts("start_time");
      const auto end = ts("end_time");
      if (start && end && *end > *start) run += *end - *start;
      uint64_t g = 0;
      if (a.contains("detail") && a["detail"].is_array())
        for (const auto& d : a["detail"])
          if (d.is_object() && d.contains("gpus") && d["gpus"].is_array()) g += d["gpus"].size();
      if (g > 0) gpus = g;
    }
    if (run <= 0 || gpus == 0) {
      ++skipped;
      continue;
    }
    j.tenths = whole_gpu_tenths(gpus);
    j.duration_s = run;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::string detect_format(const std::string& path, const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') return "philly";
  if (path.size() > 5 && path.substr(path.size() - 5) == ".json") return "philly";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto cols = split_csv(line);
    const auto has = [&](const char* c) { return std::find(cols.begin(), cols.end(), c) != cols.end(); };
    if (has("gpu_milli")) return "alibaba";
    if (has("num_gpu") && has("submit_time")) return "tiresias";
    if (has("gpu_num")) return "helios";
    if (has("npus") || has("submit_s")) return "npusim";
    throw InputError(SourcePos{path, 0, 0},
                     "cannot tell the trace format from the header '" + line +
                         "' (expected npusim, Helios, Alibaba or Tiresias columns; or --format)");
  }
  throw InputError(path + ": empty job trace (expected a CSV header line)");
}

}  // namespace

const std::vector<std::string>& job_trace_formats() {
  static const std::vector<std::string> f = {"npusim", "philly", "helios", "alibaba", "tiresias"};
  return f;
}

JobTrace read_job_trace(const std::string& path, const std::string& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open job trace (no such file or not readable)");
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  JobTrace trace;
  trace.path = path;
  if (format != "auto" &&
      std::find(job_trace_formats().begin(), job_trace_formats().end(), format) == job_trace_formats().end())
    throw InputError("--format '" + format + "'" + did_you_mean(format, job_trace_formats()) +
                     " (expected auto, " + join(job_trace_formats()) + ")");
  trace.format = format == "auto" ? detect_format(path, text) : format;
  if (trace.format == "philly") {
    trace.jobs = read_philly(path, text, trace.skipped);
  } else {
    const Table t = read_table(path, text);
    if (trace.format == "npusim") trace.jobs = read_npusim(t);
    else if (trace.format == "helios") trace.jobs = read_helios(t, trace.skipped);
    else if (trace.format == "alibaba") trace.jobs = read_alibaba(t, trace.skipped);
    else trace.jobs = read_tiresias(t, trace.skipped);
  }
  std::set<std::string> ids;
  for (const Job& j : trace.jobs)
    if (!ids.insert(j.id).second) fail_at(path, j.line, "job id '" + j.id + "' appears twice (expected unique ids)");
  if (trace.jobs.empty()) throw InputError(path + ": no runnable jobs in the trace (expected at least one)");
  std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                   [](const Job& a, const Job& b) { return a.submit_s < b.submit_s; });
  const double t0 = trace.jobs.front().submit_s;
  for (Job& j : trace.jobs) j.submit_s -= t0;
  return trace;
}

std::string job_trace_csv(const std::vector<Job>& jobs) {
  std::string out = "id,submit_s,user,npus,model,tp,pp,micro_batch,iterations,duration_s,priority,chip,label\n";
  for (const Job& j : jobs) {
    const std::string npus = j.fractional() ? fmt::format("0.{}", j.tenths) : fmt::format("{}", j.tenths / kTenthsPerNpu);
    if (j.model.empty())
      out += fmt::format("{},{:.3f},{},{},,,,,,{:.3f},{},{},{}\n", j.id, j.submit_s, j.user, npus,
                         j.duration_s, j.priority, j.chip, j.label);
    else
      out += fmt::format("{},{:.3f},{},{},{},{},{},{},{},,{},{},{}\n", j.id, j.submit_s, j.user, npus,
                         j.model, j.tp, j.pp, j.micro_batch, j.iterations, j.priority, j.chip, j.label);
  }
  return out;
}

std::vector<Job> generate_jobs(const GenOptions& o) {
  if (o.jobs == 0) throw InputError("--jobs must be at least 1");
  if (!(o.load > 0) || o.load > 100) throw InputError("--load must be in (0, 100]");
  if (o.npus == 0) throw InputError("--npus must be at least 1");
  if (o.fraction_share < 0 || o.fraction_share > 1) throw InputError("--fractional must be in [0, 1]");
  // Size mix (assumed): most jobs use one accelerator and a few use many, as in the Philly
  // (Jeon et al. ATC'19, Fig. 2) and Helios (Hu et al. SC'21, Fig. 4) job-size CDFs.
  static constexpr uint32_t kSizes[] = {1, 2, 4, 8, 16, 32, 64, 128};
  static constexpr double kWeights[] = {0.50, 0.10, 0.12, 0.15, 0.06, 0.04, 0.02, 0.01};
  Rng rng(o.seed);
  std::vector<Job> jobs(o.jobs);
  double work = 0;
  for (uint64_t i = 0; i < o.jobs; ++i) {
    Job& j = jobs[i];
    j.id = fmt::format("j{}", i);
    j.user = fmt::format("u{:02}", rng.below(20));
    double u = rng.uniform();
    uint32_t size = kSizes[7];
    for (size_t k = 0; k < 8; ++k) {
      if (u < kWeights[k]) {
        size = kSizes[k];
        break;
      }
      u -= kWeights[k];
    }
    size = std::min(size, o.max_size > 0 ? o.max_size : o.npus);
    j.tenths = size * kTenthsPerNpu;
    if (o.fraction_share > 0 && rng.uniform() < o.fraction_share)
      j.tenths = 1 + static_cast<uint32_t>(rng.below(9));
    const double d = o.median_duration_s * std::exp(o.duration_sigma * rng.normal());
    j.duration_s = std::round(std::clamp(d, 10.0, o.max_duration_s));
    work += j.npus() * j.duration_s;
  }
  // Poisson arrivals at rate lambda = load x capacity / mean work per job.
  const double rate = o.load * o.npus / (work / static_cast<double>(o.jobs));
  double t = 0;
  for (Job& j : jobs) {
    j.submit_s = std::round(t * 1000) / 1000;
    t += rng.exponential(rate);
  }
  return jobs;
}

}  // namespace npusim::sched
