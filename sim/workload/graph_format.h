#pragma once
// npusim's own workload-graph format (docs/workload-format.md): a folder with graph.json (the
// manifest: format, version, NPUs, groups, copy sets, kernel lists, ranks and their streams)
// and one JSON Lines file per rank (one node per line).

#include <string>

#include "sim/cluster/replay_graph.h"

namespace npusim {

inline constexpr const char* kWorkloadGraphFormat = "npusim-workload-graph";
inline constexpr int kWorkloadGraphVersion = 1;

/// Writes `graph` into `dir` (created): graph.json and rank<NPU>.jsonl.
void write_workload_graph(const ReplayGraph& graph, const std::string& dir);

/// Reads a folder written by write_workload_graph (or by hand). InputError `file:line: what`
/// for malformed JSON, unknown keys or values, missing files, duplicate node ids, deps on
/// missing nodes and dependency cycles.
[[nodiscard]] ReplayGraph read_workload_graph(const std::string& dir);

}  // namespace npusim
