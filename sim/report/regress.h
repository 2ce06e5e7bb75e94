#pragma once
// Golden-result comparison: flatten a result JSON into named metrics and compare them with
// the expected values under explicit per-metric tolerances.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace npusim {

/// Numeric leaves of the result JSON that golden cases compare, by dotted name
/// ("cycles", "pipes.CUBE", "bytes.hbm_read", "energy_breakdown_j.l2", ...). Per-core
/// detail is left out: totals already move when any core moves.
[[nodiscard]] std::map<std::string, double> golden_metrics(const nlohmann::json& result);

/// Relative tolerance of a metric: the case's own, else 0 for counts (cycles, bytes.*,
/// instructions) and 1e-9 for derived floating-point values.
[[nodiscard]] double default_tolerance(const std::string& metric);

struct MetricChange {
  std::string metric;
  double expected = 0;
  double actual = 0;
  bool missing = false;  ///< metric present on only one side
  [[nodiscard]] double relative() const;
};

/// Metrics whose relative change exceeds their tolerance, or that appear or disappear.
[[nodiscard]] std::vector<MetricChange> compare_metrics(
    const std::map<std::string, double>& expected, const std::map<std::string, double>& actual,
    const std::map<std::string, double>& tolerances);

}  // namespace npusim
