#pragma once
// Chakra execution traces (docs/workload-format.md, "Chakra ET"): one file per rank,
// `<name>.<rank>.et`, a stream of varint32-length-prefixed protobuf messages — GlobalMetadata,
// then Node messages (schema: chakra_et.proto). read_chakra() turns them into a ReplayGraph;
// write_chakra() writes a ReplayGraph as such files.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cluster/replay_graph.h"

namespace npusim {

/// Chakra node types in schema order (INVALID_NODE = 0 .. COMM_COLL_NODE = 7).
inline constexpr std::array<const char*, 8> kChakraNodeTypes = {
    "INVALID", "METADATA", "MEM_LOAD", "MEM_STORE", "COMP", "COMM_SEND", "COMM_RECV", "COMM_COLL"};

struct ChakraStats {
  std::vector<std::string> files;
  std::map<std::string, uint64_t> nodes_by_type;  ///< COMP, COMM_COLL, ... over all files
  uint64_t nodes = 0;
  uint64_t cpu_ops = 0;                ///< nodes with is_cpu_op = true
  uint64_t host_collective_calls = 0;  ///< COMM_COLL without comm_size: zero-time markers
  uint64_t ctrl_self_refs = 0;         ///< ctrl_deps naming the node itself
  uint64_t ctrl_missing = 0;           ///< ctrl_deps naming nodes not in the file
  uint64_t ctrl_cycle_nodes = 0;       ///< nodes on or behind a ctrl_deps cycle
  std::vector<std::string> warnings;   ///< one line per file with ctrl_deps oddities
};

struct ChakraReadOptions {
  /// Replay a single-rank trace as this many symmetric ranks (0: as many as there are files).
  uint32_t ranks = 0;
};

struct ChakraTrace {
  ReplayGraph graph;
  ChakraStats stats;
};

/// Reads `path`: one .et file or a folder of `<name>.<rank>.et` files. InputError naming the
/// file (and node id) for an unreadable or truncated file, a malformed message, an unknown node
/// type, a duplicate node id, a data dependency on a missing node, a data-dependency cycle,
/// or ranks that do not agree (file name vs metadata, duplicate ranks, peers out of range).
[[nodiscard]] ChakraTrace read_chakra(const std::string& path, const ChakraReadOptions& options = {});

/// Parses the bytes of one rank's file into `graph` as the rank of NPU `npu` (used by
/// read_chakra and the fuzz target). Group names are resolved later by resolve_chakra_groups().
void parse_chakra_rank(std::string_view bytes, const std::string& source, uint32_t npu,
                       ReplayGraph& graph, ChakraStats& stats);

/// Writes every rank of `graph` as `dir/<name>.<npu>.et` (dir is created). Durations are
/// written in microseconds (rounded) and exactly as the npusim_duration_ps attribute.
void write_chakra(const ReplayGraph& graph, const std::string& dir, const std::string& name);

/// The bytes write_chakra() would write for rank `rank_index` (for tests and the fuzz driver).
[[nodiscard]] std::string chakra_rank_bytes(const ReplayGraph& graph, size_t rank_index);

}  // namespace npusim
