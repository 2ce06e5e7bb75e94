// Chakra ET reader and writer (chakra.h). Framing is done here (varint32 length prefixes);
// each message is parsed with the classes protoc generates from chakra_et.proto.

#include "sim/workload/chakra.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "chakra_et.pb.h"
#include "sim/base/error.h"
#include "sim/report/chip_report.h"

namespace npusim {
namespace {

namespace pb = ChakraProtoMsg;
namespace fs = std::filesystem;

// Streams every Chakra rank has; host threads follow, one per recorded tid.
constexpr uint32_t kComputeStreamIndex = 0;
constexpr uint32_t kCommStreamIndex = 1;
constexpr uint32_t kMemoryStreamIndex = 2;

/// Reads a varint32 at `pos`; false if the bytes end first or it is longer than 5 bytes.
bool read_varint32(std::string_view bytes, size_t& pos, uint32_t& value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos >= bytes.size()) return false;
    const auto b = static_cast<uint8_t>(bytes[pos++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80u) == 0) {
      if (v > 0xffffffffu) return false;
      value = static_cast<uint32_t>(v);
      return true;
    }
  }
  return false;
}

void append_varint32(std::string& out, uint32_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

const pb::AttributeProto* find_attr(const pb::Node& node, std::string_view name) {
  for (const pb::AttributeProto& a : node.attr())
    if (a.name() == name) return &a;
  return nullptr;
}

/// An integer attribute of any integer (or bool) type; nullopt if absent or not integral.
std::optional<int64_t> attr_int(const pb::AttributeProto* a) {
  if (!a) return std::nullopt;
  switch (a->value_case()) {
    case pb::AttributeProto::kInt32Val: return a->int32_val();
    case pb::AttributeProto::kInt64Val: return a->int64_val();
    case pb::AttributeProto::kUint32Val: return a->uint32_val();
    case pb::AttributeProto::kUint64Val: return static_cast<int64_t>(a->uint64_val());
    case pb::AttributeProto::kSint32Val: return a->sint32_val();
    case pb::AttributeProto::kSint64Val: return a->sint64_val();
    case pb::AttributeProto::kFixed32Val: return a->fixed32_val();
    case pb::AttributeProto::kFixed64Val: return static_cast<int64_t>(a->fixed64_val());
    case pb::AttributeProto::kSfixed32Val: return a->sfixed32_val();
    case pb::AttributeProto::kSfixed64Val: return a->sfixed64_val();
    case pb::AttributeProto::kBoolVal: return a->bool_val() ? 1 : 0;
    default: return std::nullopt;
  }
}

std::optional<double> attr_double(const pb::AttributeProto* a) {
  if (!a) return std::nullopt;
  if (a->value_case() == pb::AttributeProto::kDoubleVal) return a->double_val();
  if (a->value_case() == pb::AttributeProto::kFloatVal) return a->float_val();
  if (auto i = attr_int(a)) return static_cast<double>(*i);
  return std::nullopt;
}

std::vector<int64_t> attr_int_list(const pb::AttributeProto* a) {
  std::vector<int64_t> out;
  if (!a) return out;
  switch (a->value_case()) {
    case pb::AttributeProto::kInt32List: out.assign(a->int32_list().values().begin(), a->int32_list().values().end()); break;
    case pb::AttributeProto::kInt64List: out.assign(a->int64_list().values().begin(), a->int64_list().values().end()); break;
    case pb::AttributeProto::kUint32List: out.assign(a->uint32_list().values().begin(), a->uint32_list().values().end()); break;
    case pb::AttributeProto::kUint64List:
      for (uint64_t v : a->uint64_list().values()) out.push_back(static_cast<int64_t>(v));
      break;
    default: break;
  }
  return out;
}

/// Bytes of the tensors in a PyTorch ET value list: every `[id, storage, offset, numel,
/// elem_bytes, 'device']` tuple adds numel x elem_bytes.
double tensor_bytes(const std::string& values) {
  double total = 0;
  size_t i = 0;
  while ((i = values.find('[', i)) != std::string::npos) {
    ++i;
    int64_t nums[5];
    size_t p = i;
    int k = 0;
    for (; k < 5; ++k) {
      while (p < values.size() && values[p] == ' ') ++p;
      size_t q = p;
      while (q < values.size() && std::isdigit(static_cast<unsigned char>(values[q]))) ++q;
      if (q == p || q - p > 15) break;
      nums[k] = std::stoll(values.substr(p, q - p));
      p = q;
      while (p < values.size() && values[p] == ' ') ++p;
      if (p >= values.size() || values[p] != ',') break;
      ++p;
    }
    if (k == 5) {
      while (p < values.size() && values[p] == ' ') ++p;
      if (p < values.size() && (values[p] == '\'' || values[p] == '"'))
        total += static_cast<double>(nums[3]) * static_cast<double>(nums[4]);
    }
  }
  return total;
}

std::optional<CollectiveKind> collective_of(int64_t comm_type) {
  switch (comm_type) {
    case pb::ALL_REDUCE: return CollectiveKind::all_reduce;
    case pb::REDUCE: return CollectiveKind::broadcast;  // one buffer to one root: a broadcast's volume
    case pb::ALL_GATHER: return CollectiveKind::all_gather;
    case pb::GATHER: return CollectiveKind::all_gather;
    case pb::SCATTER: return CollectiveKind::reduce_scatter;
    case pb::BROADCAST: return CollectiveKind::broadcast;
    case pb::ALL_TO_ALL: return CollectiveKind::all_to_all;
    case pb::REDUCE_SCATTER:
    case pb::REDUCE_SCATTER_BLOCK: return CollectiveKind::reduce_scatter;
    case pb::BARRIER: return CollectiveKind::all_reduce;  // with 0 bytes: latency only
    default: return std::nullopt;
  }
}

int64_t comm_type_of(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::all_reduce: return pb::ALL_REDUCE;
    case CollectiveKind::all_gather: return pb::ALL_GATHER;
    case CollectiveKind::reduce_scatter: return pb::REDUCE_SCATTER;
    case CollectiveKind::all_to_all: return pb::ALL_TO_ALL;
    case CollectiveKind::broadcast: return pb::BROADCAST;
    case CollectiveKind::send_recv: return pb::ALL_REDUCE;
  }
  return pb::ALL_REDUCE;
}

/// npusim_copies: groups of the same size k, flattened as [k, members of copy 1, ...]: the
/// symmetric copies whose traffic loads the fabric (written by npusim for symmetric runs).
uint32_t copy_set(const pb::Node& node, ReplayGraph& graph, const std::string& source) {
  const auto flat = attr_int_list(find_attr(node, "npusim_copies"));
  if (flat.empty()) return kNoIndex;
  const int64_t k = flat[0];
  if (k <= 0 || (static_cast<int64_t>(flat.size()) - 1) % k != 0)
    throw InputError(fmt::format("{}: node {}: malformed npusim_copies (expected [k, k members, "
                                 "k members, ...])", source, node.id()));
  std::vector<uint32_t> ids;
  for (size_t i = 1; i < flat.size(); i += static_cast<size_t>(k)) {
    std::vector<uint32_t> members;
    for (size_t j = i; j < i + static_cast<size_t>(k); ++j) {
      if (flat[j] < 0 || flat[j] > 0xfffffff)
        throw InputError(fmt::format("{}: node {}: npusim_copies member {} out of range", source,
                                     node.id(), flat[j]));
      members.push_back(static_cast<uint32_t>(flat[j]));
    }
    ids.push_back(graph.group_index(members));
  }
  for (size_t c = 0; c < graph.copy_sets.size(); ++c)
    if (graph.copy_sets[c] == ids) return static_cast<uint32_t>(c);
  graph.copy_sets.push_back(std::move(ids));
  return static_cast<uint32_t>(graph.copy_sets.size() - 1);
}

/// A collective whose group is named by pg_name, resolved once every rank is read.
struct PendingGroup {
  size_t rank = 0;
  uint32_t node = 0;
  std::string pg_name;
};

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// protobuf logs some parse problems to stderr; npusim reports them as one InputError line.
void silence_protobuf_log() {
  static const bool once = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)once;
}

void parse_rank(std::string_view bytes, const std::string& source, uint32_t npu, ReplayGraph& graph,
                ChakraStats& stats, std::vector<PendingGroup>& pending, uint32_t* meta_npus = nullptr,
                bool lone_file = false) {
  silence_protobuf_log();
  size_t pos = 0;
  uint32_t length = 0;
  auto message = [&](const char* what, uint64_t index) -> std::string_view {
    const size_t at = pos;
    if (!read_varint32(bytes, pos, length))
      throw InputError(fmt::format("{}: truncated file: the length prefix of {} {} at byte {} "
                                   "is cut off or malformed", source, what, index, at));
    if (length > bytes.size() - pos)
      throw InputError(fmt::format("{}: truncated file: {} {} at byte {} needs {} bytes, {} remain",
                                   source, what, index, at, length, bytes.size() - pos));
    const std::string_view m = bytes.substr(pos, length);
    pos += length;
    return m;
  };
  if (bytes.empty()) throw InputError(source + ": empty file (expected GlobalMetadata, then nodes)");
  {
    pb::GlobalMetadata meta;
    const std::string_view m = message("the GlobalMetadata message", 0);
    if (!meta.ParseFromArray(m.data(), static_cast<int>(m.size())))
      throw InputError(source + ": malformed GlobalMetadata message at byte 0");
    for (const pb::AttributeProto& a : meta.attr())
      if (a.name() == "rank" && !lone_file)
        if (auto r = attr_int(&a); r && *r != static_cast<int64_t>(npu))
          throw InputError(fmt::format("{}: rank mismatch: the metadata says rank {} but the file "
                                       "is read as rank {}", source, *r, npu));
    for (const pb::AttributeProto& a : meta.attr())
      if (a.name() == "npus" && meta_npus)
        if (auto n = attr_int(&a); n && *n > 0 && *n <= 0xffffff) *meta_npus = static_cast<uint32_t>(*n);
  }

  ReplayRank rank;
  rank.npu = npu;
  rank.source = source;
  rank.streams = {{"compute", false}, {"comm", false}, {"memory", false}};
  std::unordered_map<int64_t, uint32_t> host_stream;
  std::unordered_map<uint64_t, uint32_t> index_of;
  std::vector<std::vector<uint64_t>> data_deps, ctrl_deps;
  pb::Node node;
  for (uint64_t count = 0; pos < bytes.size(); ++count) {
    const size_t at = pos;
    const std::string_view m = message("node", count);
    node.Clear();
    if (!node.ParseFromArray(m.data(), static_cast<int>(m.size())))
      throw InputError(fmt::format("{}: malformed node message {} at byte {}", source, count, at));
    const int type = static_cast<int>(node.type());
    if (type <= 0 || type >= static_cast<int>(kChakraNodeTypes.size()))
      throw InputError(fmt::format("{}: node {}: unknown node type {} (expected METADATA_NODE, "
                                   "MEM_LOAD_NODE, MEM_STORE_NODE, COMP_NODE, COMM_SEND_NODE, "
                                   "COMM_RECV_NODE or COMM_COLL_NODE)", source, node.id(), type));
    const auto index = static_cast<uint32_t>(rank.nodes.size());
    if (!index_of.emplace(node.id(), index).second)
      throw InputError(fmt::format("{}: node {}: duplicate node id", source, node.id()));
    ++stats.nodes_by_type[kChakraNodeTypes[static_cast<size_t>(type)]];
    ++stats.nodes;

    ReplayNode r;
    r.id = node.id();
    r.label = graph.label_index(node.name());
    const auto cpu = attr_int(find_attr(node, "is_cpu_op"));
    r.host = cpu && *cpu != 0;
    if (r.host) ++stats.cpu_ops;
    const auto exact = attr_int(find_attr(node, "npusim_duration_ps"));
    r.duration_ps = exact && *exact >= 0 ? static_cast<TimePs>(*exact)
                                         : static_cast<TimePs>(node.duration_micros()) * 1'000'000;
    if (auto e = attr_double(find_attr(node, "npusim_energy_j")); e && *e > 0 && std::isfinite(*e))
      r.energy_j = *e;
    if (auto c = attr_int(find_attr(node, "npusim_category")); c && *c >= 0 && *c < 255)
      r.category = static_cast<uint8_t>(*c);
    if (auto c = attr_int(find_attr(node, "npusim_channel")); c && *c >= 0 && *c < 256)
      r.channel = static_cast<uint8_t>(*c);
    const auto size = attr_int(find_attr(node, "comm_size"));
    const auto stream = attr_int(find_attr(node, "npusim_stream"));
    auto host_thread = [&] {
      const int64_t tid = attr_int(find_attr(node, "tid")).value_or(0);
      auto [it, fresh] = host_stream.emplace(tid, static_cast<uint32_t>(rank.streams.size()));
      if (fresh) rank.streams.push_back({fmt::format("host tid {}", tid), true});
      return it->second;
    };
    switch (type) {
      case pb::METADATA_NODE:
        r.kind = ReplayKind::marker;
        r.duration_ps = 0;
        break;
      case pb::MEM_LOAD_NODE:
      case pb::MEM_STORE_NODE:
        r.kind = type == pb::MEM_LOAD_NODE ? ReplayKind::mem_load : ReplayKind::mem_store;
        r.bytes = static_cast<uint64_t>(std::max<int64_t>(0, attr_int(find_attr(node, "tensor_size")).value_or(0)));
        r.stream = kMemoryStreamIndex;
        break;
      case pb::COMP_NODE: {
        r.kind = ReplayKind::compute;
        r.stream = r.host ? host_thread() : kComputeStreamIndex;
        r.flops = std::max(0.0, attr_double(find_attr(node, "num_ops")).value_or(0));
        const auto tensor = attr_double(find_attr(node, "tensor_size"));
        r.io_bytes = tensor ? std::max(0.0, *tensor)
                            : tensor_bytes(node.inputs().values()) + tensor_bytes(node.outputs().values());
        if (!std::isfinite(r.flops)) r.flops = 0;
        if (!std::isfinite(r.io_bytes)) r.io_bytes = 0;
        break;
      }
      case pb::COMM_SEND_NODE:
      case pb::COMM_RECV_NODE: {
        const bool send = type == pb::COMM_SEND_NODE;
        r.kind = send ? ReplayKind::send : ReplayKind::recv;
        const auto peer = attr_int(find_attr(node, send ? "comm_dst" : "comm_src"));
        if (!peer || *peer < 0 || *peer > 0xfffffff)
          throw InputError(fmt::format("{}: node {}: {} without a valid {} attribute", source,
                                       node.id(), send ? "COMM_SEND_NODE" : "COMM_RECV_NODE",
                                       send ? "comm_dst" : "comm_src"));
        r.peer = static_cast<uint32_t>(*peer);
        r.tag = static_cast<uint64_t>(attr_int(find_attr(node, "comm_tag")).value_or(0));
        r.bytes = static_cast<uint64_t>(std::max<int64_t>(0, size.value_or(0)));
        r.stream = send ? kCommStreamIndex : kNoReplayStream;
        r.copies = copy_set(node, graph, source);
        break;
      }
      case pb::COMM_COLL_NODE: {
        const auto members = attr_int_list(find_attr(node, "npusim_group"));
        const pb::AttributeProto* pg = find_attr(node, "pg_name");
        if (!size && members.empty()) {
          // The host-side call of a collective (e.g. c10d::allreduce_): the device-side node
          // carries the transfer, so this one only orders its dependents.
          r.kind = ReplayKind::marker;
          r.duration_ps = 0;
          r.stream = r.host ? host_thread() : kNoReplayStream;
          ++stats.host_collective_calls;
          break;
        }
        r.kind = ReplayKind::collective;
        const int64_t comm_type = attr_int(find_attr(node, "comm_type")).value_or(pb::ALL_REDUCE);
        const auto kind = collective_of(comm_type);
        if (!kind)
          throw InputError(fmt::format("{}: node {}: unknown comm_type {} (expected 0..9, "
                                       "ALL_REDUCE .. BARRIER)", source, node.id(), comm_type));
        r.collective = *kind;
        r.bytes = comm_type == pb::BARRIER ? 0 : static_cast<uint64_t>(std::max<int64_t>(0, size.value_or(0)));
        if (const pb::AttributeProto* algo = find_attr(node, "npusim_algorithm");
            algo && algo->value_case() == pb::AttributeProto::kStringVal)
          if (auto a = parse_collective_algo(algo->string_val())) r.algorithm = *a;
        r.stream = kCommStreamIndex;
        r.copies = copy_set(node, graph, source);
        if (!members.empty()) {
          std::vector<uint32_t> list;
          for (int64_t v : members) {
            if (v < 0 || v > 0xfffffff)
              throw InputError(fmt::format("{}: node {}: npusim_group member {} out of range",
                                           source, node.id(), v));
            list.push_back(static_cast<uint32_t>(v));
          }
          r.group = graph.group_index(list);
        } else {
          pending.push_back({graph.ranks.size(), index,
                             pg && pg->value_case() == pb::AttributeProto::kStringVal ? pg->string_val() : ""});
        }
        break;
      }
      default: break;
    }
    if (stream && *stream >= 0 && *stream < 64 && r.kind != ReplayKind::recv && !r.host) {
      while (rank.streams.size() <= static_cast<size_t>(*stream))
        rank.streams.push_back({fmt::format("stream {}", rank.streams.size()), false});
      r.stream = static_cast<uint32_t>(*stream);
    }
    data_deps.emplace_back(node.data_deps().begin(), node.data_deps().end());
    ctrl_deps.emplace_back(node.ctrl_deps().begin(), node.ctrl_deps().end());
    rank.nodes.push_back(std::move(r));
  }

  // Data dependencies: every target must exist; together they must form a DAG.
  const auto n = static_cast<uint32_t>(rank.nodes.size());
  for (uint32_t i = 0; i < n; ++i) {
    auto& deps = rank.nodes[i].deps;
    for (uint64_t id : data_deps[i]) {
      auto it = index_of.find(id);
      if (it == index_of.end())
        throw InputError(fmt::format("{}: node {}: data dependency on node {}, which is not in "
                                     "the file", source, rank.nodes[i].id, id));
      deps.push_back(it->second);
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  }
  if (const uint32_t on_cycle = node_on_dependency_cycle(rank); on_cycle != kNoIndex)
    throw InputError(fmt::format("{}: node {}: data dependencies form a cycle through this node "
                                 "(expected a DAG)", source, rank.nodes[on_cycle].id));

  // Control dependencies of real traces encode op nesting and may be odd: count, do not fail.
  {
    uint64_t self = 0, missing = 0;
    std::vector<uint32_t> indegree(n, 0);
    std::vector<std::vector<uint32_t>> out(n);
    for (uint32_t i = 0; i < n; ++i)
      for (uint64_t id : ctrl_deps[i]) {
        if (id == rank.nodes[i].id) {
          ++self;
          continue;
        }
        auto it = index_of.find(id);
        if (it == index_of.end()) {
          ++missing;
          continue;
        }
        out[it->second].push_back(i);
        ++indegree[i];
      }
    std::vector<uint32_t> queue;
    for (uint32_t i = 0; i < n; ++i)
      if (indegree[i] == 0) queue.push_back(i);
    for (size_t q = 0; q < queue.size(); ++q)
      for (uint32_t j : out[queue[q]])
        if (--indegree[j] == 0) queue.push_back(j);
    const uint64_t cyclic = n - queue.size();
    stats.ctrl_self_refs += self;
    stats.ctrl_missing += missing;
    stats.ctrl_cycle_nodes += cyclic;
    if (self + missing + cyclic > 0)
      stats.warnings.push_back(fmt::format(
          "{}: ctrl_deps ignored for replay: {} self-references, {} references to nodes not in "
          "the file, {} nodes on or behind a ctrl_deps cycle", source, self, missing, cyclic));
  }
  graph.ranks.push_back(std::move(rank));
}

/// Resolves pg_name groups: the ranks whose traces use the same pg_name; no name: all ranks.
void resolve_groups(ReplayGraph& graph, const std::vector<PendingGroup>& pending) {
  std::map<std::string, std::vector<uint32_t>> named;
  for (const PendingGroup& p : pending)
    if (!p.pg_name.empty()) named[p.pg_name].push_back(graph.ranks[p.rank].npu);
  for (auto& [name, members] : named) {
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
  }
  std::vector<uint32_t> all(graph.npus);
  for (uint32_t i = 0; i < graph.npus; ++i) all[i] = i;
  for (const PendingGroup& p : pending)
    graph.ranks[p.rank].nodes[p.node].group =
        graph.group_index(p.pg_name.empty() ? all : named[p.pg_name]);
}

void check_peers(const ReplayGraph& graph) {
  for (const ReplayRank& rank : graph.ranks)
    for (const ReplayNode& node : rank.nodes) {
      if ((node.kind == ReplayKind::send || node.kind == ReplayKind::recv) &&
          (node.peer >= graph.npus || node.peer == rank.npu))
        throw InputError(fmt::format("{}: node {}: rank mismatch: {} peer rank {} {} (the replay "
                                     "has ranks 0..{}; this file is rank {})", rank.source, node.id,
                                     to_string(node.kind), node.peer,
                                     node.peer == rank.npu ? "is the rank itself" : "does not exist",
                                     graph.npus - 1, rank.npu));
      if (node.kind == ReplayKind::collective)
        for (uint32_t m : graph.groups[node.group])
          if (m >= graph.npus)
            throw InputError(fmt::format("{}: node {}: rank mismatch: group member {} does not "
                                         "exist (the replay has ranks 0..{})", rank.source, node.id,
                                         m, graph.npus - 1));
    }
}

/// Rank number of `<name>.<rank>.et`; nullopt if the name has no such number.
std::optional<uint32_t> rank_of_file(const fs::path& p) {
  static const std::regex pattern(R"(^.*\.([0-9]{1,7})\.et$)");
  std::smatch m;
  const std::string name = p.filename().string();
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  return static_cast<uint32_t>(std::stoul(m[1].str()));
}

}  // namespace

void parse_chakra_rank(std::string_view bytes, const std::string& source, uint32_t npu,
                       ReplayGraph& graph, ChakraStats& stats) {
  std::vector<PendingGroup> pending;
  parse_rank(bytes, source, npu, graph, stats, pending);
  graph.npus = std::max(graph.npus, npu + 1);
  resolve_groups(graph, pending);
}

ChakraTrace read_chakra(const std::string& path, const ChakraReadOptions& options) {
  ChakraTrace trace;
  std::vector<std::pair<uint32_t, fs::path>> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.path().extension() != ".et") continue;
      const auto rank = rank_of_file(entry.path());
      if (!rank)
        throw InputError(entry.path().string() + ": rank mismatch: the file name has no rank "
                         "(expected <name>.<rank>.et)");
      files.emplace_back(*rank, entry.path());
    }
    if (files.empty()) throw InputError(path + ": no .et files in this folder (expected <name>.<rank>.et)");
  } else if (fs::exists(path, ec)) {
    files.emplace_back(rank_of_file(path).value_or(0), fs::path(path));
  } else {
    throw InputError(path + ": no such file or folder");
  }
  std::sort(files.begin(), files.end());
  for (size_t i = 1; i < files.size(); ++i)
    if (files[i].first == files[i - 1].first)
      throw InputError(fmt::format("{}: rank mismatch: rank {} also comes from {}",
                                   files[i].second.string(), files[i].first,
                                   files[i - 1].second.string()));
  uint32_t npus = files.back().first + 1;
  if (files.size() == 1) npus = 1;  // one file: replayed as rank 0 whatever its number
  if (options.ranks > (1u << 20))
    throw InputError(fmt::format("--ranks {}: more than {} ranks", options.ranks, 1u << 20));
  if (options.ranks > 0) {
    if (files.size() != 1 && options.ranks != npus)
      throw InputError(fmt::format("--ranks {}: rank mismatch: only a single-rank trace can be "
                                   "replayed as N symmetric ranks ({} has {} files)", options.ranks,
                                   path, files.size()));
    npus = options.ranks;
  }
  std::vector<PendingGroup> pending;
  uint32_t meta_npus = 0;
  for (const auto& [rank, file] : files) {
    trace.stats.files.push_back(file.string());
    parse_rank(read_whole(file), file.string(), files.size() == 1 ? 0 : rank, trace.graph,
               trace.stats, pending, &meta_npus, files.size() == 1);
  }
  if (meta_npus > 0 && options.ranks == 0) {
    // npusim's writer names the job's size: ranks without a file are symmetric copies.
    if (files.back().first >= meta_npus)
      throw InputError(fmt::format("{}: rank mismatch: rank {} but the metadata says {} NPUs",
                                   files.back().second.string(), files.back().first, meta_npus));
    npus = meta_npus;
  } else if (files.size() > 1 && files.size() != npus) {
    throw InputError(fmt::format("{}: rank mismatch: {} files but ranks go up to {} (expected "
                                 "ranks 0..{} without gaps)", path, files.size(), npus - 1,
                                 files.size() - 1));
  }
  trace.graph.npus = npus;
  if (files.size() == 1 && npus > 1 && meta_npus == 0) {
    // A single-rank trace on N NPUs (--ranks): copies of the one rank on NPUs 1..N-1. (An
    // npusim export names its size in the metadata; its other ranks stay symmetric copies.)
    const ReplayRank base = trace.graph.ranks[0];
    const size_t base_pending = pending.size();
    for (uint32_t npu = 1; npu < npus; ++npu) {
      ReplayRank copy = base;
      copy.npu = npu;
      copy.source = fmt::format("{} (as rank {})", base.source, npu);
      trace.graph.ranks.push_back(std::move(copy));
      for (size_t p = 0; p < base_pending; ++p)
        pending.push_back({trace.graph.ranks.size() - 1, pending[p].node, pending[p].pg_name});
    }
  }
  resolve_groups(trace.graph, pending);
  check_peers(trace.graph);
  return trace;
}

std::string chakra_rank_bytes(const ReplayGraph& graph, size_t rank_index) {
  const ReplayRank& rank = graph.ranks.at(rank_index);
  std::string out;
  auto put = [&out](const google::protobuf::MessageLite& m) {
    const std::string body = m.SerializeAsString();
    append_varint32(out, static_cast<uint32_t>(body.size()));
    out += body;
  };
  pb::GlobalMetadata meta;
  meta.set_version("0.0.4");
  auto add_meta = [&meta](const char* name) {
    pb::AttributeProto* a = meta.add_attr();
    a->set_name(name);
    return a;
  };
  add_meta("schema")->set_string_val("npusim-chakra-1");
  add_meta("rank")->set_int64_val(rank.npu);
  add_meta("npus")->set_int64_val(graph.npus);
  put(meta);
  pb::Node node;
  for (const ReplayNode& r : rank.nodes) {
    node.Clear();
    node.set_id(r.id);
    if (r.label != kNoIndex) node.set_name(graph.labels[r.label]);
    auto attr = [&node](const char* name) {
      pb::AttributeProto* a = node.add_attr();
      a->set_name(name);
      return a;
    };
    attr("is_cpu_op")->set_bool_val(r.host);
    switch (r.kind) {
      case ReplayKind::compute: node.set_type(pb::COMP_NODE); break;
      case ReplayKind::mem_load: node.set_type(pb::MEM_LOAD_NODE); break;
      case ReplayKind::mem_store: node.set_type(pb::MEM_STORE_NODE); break;
      case ReplayKind::send: node.set_type(pb::COMM_SEND_NODE); break;
      case ReplayKind::recv: node.set_type(pb::COMM_RECV_NODE); break;
      case ReplayKind::collective: node.set_type(pb::COMM_COLL_NODE); break;
      case ReplayKind::marker: node.set_type(pb::METADATA_NODE); break;
    }
    if (r.kind == ReplayKind::compute || r.kind == ReplayKind::mem_load ||
        r.kind == ReplayKind::mem_store) {
      node.set_duration_micros((r.duration_ps + 500'000) / 1'000'000);
      attr("npusim_duration_ps")->set_uint64_val(r.duration_ps);
      if (r.energy_j > 0) attr("npusim_energy_j")->set_double_val(r.energy_j);
      if (r.flops > 0) attr("num_ops")->set_int64_val(static_cast<int64_t>(std::llround(r.flops)));
      if (r.io_bytes > 0 || r.bytes > 0)
        attr("tensor_size")->set_uint64_val(r.bytes > 0 ? r.bytes : static_cast<uint64_t>(std::llround(r.io_bytes)));
    }
    if (r.category != kUncategorised) attr("npusim_category")->set_int64_val(r.category);
    if (r.kind == ReplayKind::send || r.kind == ReplayKind::recv) {
      const bool send = r.kind == ReplayKind::send;
      attr("comm_src")->set_int64_val(send ? rank.npu : r.peer);
      attr("comm_dst")->set_int64_val(send ? r.peer : rank.npu);
      attr("comm_tag")->set_int64_val(static_cast<int64_t>(r.tag));
      attr("comm_size")->set_int64_val(static_cast<int64_t>(r.bytes));
    }
    if (r.kind == ReplayKind::collective) {
      attr("comm_type")->set_int64_val(comm_type_of(r.collective));
      attr("comm_size")->set_int64_val(static_cast<int64_t>(r.bytes));
      auto* members = attr("npusim_group")->mutable_int64_list();
      for (uint32_t m : graph.groups.at(r.group)) members->add_values(m);
      attr("pg_name")->set_string_val(fmt::format("npusim_group_{}", r.group));
      if (r.channel != 0) attr("npusim_channel")->set_int64_val(r.channel);
      if (r.algorithm != CollectiveAlgo::automatic)
        attr("npusim_algorithm")->set_string_val(to_string(r.algorithm));
    }
    if (r.copies != kNoIndex) {
      auto* flat = attr("npusim_copies")->mutable_int64_list();
      const auto& set = graph.copy_sets.at(r.copies);
      flat->add_values(static_cast<int64_t>(graph.groups.at(set.front()).size()));
      for (uint32_t grp : set)
        for (uint32_t m : graph.groups.at(grp)) flat->add_values(m);
    }
    if (r.stream != kNoReplayStream && r.kind != ReplayKind::recv) {
      attr("npusim_stream")->set_int64_val(r.stream);
      attr("tid")->set_int64_val(r.stream);
    }
    for (uint32_t d : r.deps) node.add_data_deps(rank.nodes[d].id);
    put(node);
  }
  return out;
}

void write_chakra(const ReplayGraph& graph, const std::string& dir, const std::string& name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir + ": cannot create the folder: " + ec.message());
  for (size_t i = 0; i < graph.ranks.size(); ++i)
    write_file_atomically((fs::path(dir) / fmt::format("{}.{}.et", name, graph.ranks[i].npu)).string(),
                          chakra_rank_bytes(graph, i));
}

}  // namespace npusim
