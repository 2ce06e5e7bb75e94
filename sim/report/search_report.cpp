#include "sim/report/search_report.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "sim/base/units.h"
#include "sim/report/train_report.h"

namespace npusim {
namespace {

std::string split(const ParallelConfig& p) {
  return fmt::format("tp {} pp {} dp {} mb {} recompute {}", p.tp, p.pp, p.dp, p.micro_batch,
                     to_string(p.recompute));
}

const char* why_heading(SearchCandidate::Status s) {
  switch (s) {
    case SearchCandidate::Status::invalid: return "fail a parallelism constraint";
    case SearchCandidate::Status::oom: return "do not fit in memory";
    case SearchCandidate::Status::dominated: return "skipped: less recompute fits the same split";
    case SearchCandidate::Status::failed: return "were refused by the simulation";
    case SearchCandidate::Status::ok: break;
  }
  return "";
}

/// The reason with every run of digits (and decimal point) replaced by '#': its kind.
std::string without_numbers(const std::string& reason) {
  std::string kind;
  for (char ch : reason) {
    const bool digit = std::isdigit(static_cast<unsigned char>(ch)) || ch == '.';
    if (!digit) kind += ch;
    else if (kind.empty() || kind.back() != '#') kind += '#';
  }
  return kind;
}

}  // namespace

void write_search_summary(std::ostream& out, const std::vector<SearchCandidate>& candidates,
                          SearchObjective objective, size_t top) {
  size_t feasible = 0;
  for (const SearchCandidate& c : candidates) feasible += c.result.has_value();
  const bool by_time = objective == SearchObjective::time;
  out << fmt::format("search     {} configurations, {} feasible, best by {}\n", candidates.size(),
                     feasible, by_time ? "step time" : "energy per step");
  if (feasible > 0) {
    const TrainResult& best = *candidates.front().result;
    out << fmt::format("           {} on {} ({} NPUs of {}), global batch {}\n", best.model,
                       best.cluster, best.npus, best.chip, best.par.global_batch);
    out << fmt::format("{:>4} {:>4} {:>4} {:>4} {:>3} {:<10} {:>12} {:>12} {:>6} {:>10} {:>12}\n",
                       "rank", "tp", "pp", "dp", "mb", "recompute", "step", "tokens/s", "MFU",
                       "memory", "energy/step");
    for (size_t i = 0; i < std::min(top, feasible); ++i) {
      const TrainResult& r = *candidates[i].result;
      const ParallelConfig& p = r.par;
      out << fmt::format("{:>4} {:>4} {:>4} {:>4} {:>3} {:<10} {:>12} {:>12.4g} {:>5.1f}% {:>10} {:>12}\n",
                         i + 1, p.tp, p.pp, p.dp, p.micro_batch, to_string(p.recompute),
                         format_duration(r.step_time_s), r.tokens_per_s, 100 * r.mfu,
                         format_gib(static_cast<double>(r.memory.total)),
                         format_energy(r.energy_per_step_j));
    }
  } else {
    out << "           no configuration is feasible\n";
  }
  // Why the others fail: per status, per kind of reason (its text without the numbers), how
  // many and a few examples of different splits.
  std::map<SearchCandidate::Status, std::vector<const SearchCandidate*>> failing;
  for (const SearchCandidate& c : candidates)
    if (!c.result) failing[c.status].push_back(&c);
  for (const auto& [status, list] : failing) {
    out << fmt::format("{} {}:\n", list.size(), why_heading(status));
    std::map<std::string, std::vector<const SearchCandidate*>> kinds;
    std::vector<std::string> order;
    for (const SearchCandidate* c : list) {
      const std::string kind = without_numbers(c->reason);
      if (kinds[kind].empty()) order.push_back(kind);
      kinds[kind].push_back(c);
    }
    for (const std::string& kind : order) {
      const auto& group = kinds[kind];
      std::vector<const SearchCandidate*> shown;
      for (const SearchCandidate* c : group) {
        const bool seen = std::any_of(shown.begin(), shown.end(), [c](const SearchCandidate* s) {
          return s->par.tp == c->par.tp && s->par.pp == c->par.pp && s->par.micro_batch == c->par.micro_batch;
        });
        if (!seen && shown.size() < 2) shown.push_back(c);
      }
      for (const SearchCandidate* c : shown) out << fmt::format("  {}: {}\n", split(c->par), c->reason);
      if (group.size() > shown.size())
        out << fmt::format("  ... {} more like these (--json lists all)\n", group.size() - shown.size());
    }
  }
}

nlohmann::json search_json(const std::vector<SearchCandidate>& candidates, SearchObjective objective) {
  nlohmann::json list = nlohmann::json::array();
  for (const SearchCandidate& c : candidates) {
    const ParallelConfig& p = c.par;
    nlohmann::json j = {{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}, {"micro_batch", p.micro_batch},
                        {"recompute", to_string(p.recompute)}, {"status", to_string(c.status)},
                        {"reason", c.reason}};
    if (c.result) j["result"] = train_result_json(*c.result);
    list.push_back(std::move(j));
  }
  return {{"objective", objective == SearchObjective::time ? "time" : "energy"},
          {"candidates", std::move(list)}};
}

}  // namespace npusim
