#pragma once
// Output forms of a chip run: the human summary (stdout), the JSON result (--json; keys in
// docs/results.md) and the Chrome/Perfetto timeline (--timeline).

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/chip/chip_result.h"

namespace npusim {

/// Short human-readable summary: cycles, time, TFLOP/s and % of peak, busy % per pipe,
/// traffic per level, energy and power.
void write_chip_summary(std::ostream& out, const ChipRunResult& result);

/// The full machine-readable result.
[[nodiscard]] nlohmann::json chip_result_json(const ChipRunResult& result);

/// Chrome trace-event JSON (opens in Perfetto / chrome://tracing): one process per core, one
/// track per pipe lane (SCALAR MTE1 MTE2 MTE3 CUBE VECTOR FIXP) plus FLOWCTRL for flag waits.
void write_chip_timeline(std::ostream& out, const ChipRunResult& result);

/// Writes `text` to `path` atomically (temporary file, then rename); InputError on failure.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace npusim
