#include "sim/report/regress.h"

#include <cmath>

namespace npusim {
namespace {

void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, double>& out) {
  auto visit = [&](const std::string& key, const nlohmann::json& value) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_number()) out[name] = value.get<double>();
    else if (value.is_structured()) flatten(value, name, out);
  };
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) visit(std::to_string(i), j[i]);  // rows.0.time_s
  } else {
    for (const auto& [key, value] : j.items()) visit(key, value);
  }
}

}  // namespace

std::map<std::string, double> golden_metrics(const nlohmann::json& result) {
  nlohmann::json subset = result;
  subset.erase("cores");     // per-core detail: totals move whenever a core moves
  subset.erase("freq_mhz");  // an input, not a result
  std::map<std::string, double> out;
  flatten(subset, "", out);
  return out;
}

double default_tolerance(const std::string& metric) {
  if (metric == "cycles" || metric == "instructions" || metric.rfind("bytes.", 0) == 0 ||
      metric.rfind("commands.", 0) == 0)
    return 0;
  return 1e-9;
}

double MetricChange::relative() const {
  if (expected == 0) return actual == 0 ? 0 : INFINITY;
  return (actual - expected) / std::fabs(expected);
}

std::vector<MetricChange> compare_metrics(const std::map<std::string, double>& expected,
                                          const std::map<std::string, double>& actual,
                                          const std::map<std::string, double>& tolerances) {
  std::vector<MetricChange> changes;
  for (const auto& [metric, value] : expected) {
    const auto found = actual.find(metric);
    if (found == actual.end()) {
      changes.push_back({metric, value, 0, true});
      continue;
    }
    const auto tol = tolerances.find(metric);
    const double limit = tol != tolerances.end() ? tol->second : default_tolerance(metric);
    const MetricChange change{metric, value, found->second, false};
    if (std::fabs(change.relative()) > limit) changes.push_back(change);
  }
  for (const auto& [metric, value] : actual)
    if (!expected.count(metric)) changes.push_back({metric, 0, value, true});
  return changes;
}

}  // namespace npusim
