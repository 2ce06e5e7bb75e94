#pragma once
// Output forms of a training run: the human summary, the JSON result (--json; keys in
// docs/results.md), one CSV row (--csv) and the Chrome/Perfetto timeline (--timeline).

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/cluster/training_graph.h"
#include "sim/cluster/training_run.h"

namespace npusim {

void write_train_summary(std::ostream& out, const TrainResult& result);

[[nodiscard]] nlohmann::json train_result_json(const TrainResult& result);

/// Column names and the values of one run, in the same order (flat: plottable as is).
[[nodiscard]] std::string train_csv_header();
[[nodiscard]] std::string train_csv_row(const TrainResult& result);

/// Chrome trace-event JSON: one process per simulated rank, one track per stream (compute,
/// TP communication beside compute, DP gradient reduction, pipeline receives).
void write_train_timeline(std::ostream& out, const TrainResult& result);

}  // namespace npusim
