#include "sim/workload/graph_format.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cluster/training_graph.h"
#include "sim/report/chip_report.h"

namespace npusim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* category_name(const ReplayNode& n) {
  if (n.category == kUncategorised) return "";
  if (n.kind == ReplayKind::compute) return to_string(static_cast<ComputeKind>(n.category));
  if (n.category < kCommKinds) return to_string(static_cast<CommKind>(n.category));
  return "";
}

std::optional<ReplayKind> kind_of(const std::string& s) {
  for (int k = 0; k < kReplayKinds; ++k)
    if (s == to_string(static_cast<ReplayKind>(k))) return static_cast<ReplayKind>(k);
  return std::nullopt;
}

std::optional<CollectiveKind> collective_of(const std::string& s) {
  for (auto k : {CollectiveKind::all_reduce, CollectiveKind::all_gather, CollectiveKind::reduce_scatter,
                 CollectiveKind::all_to_all, CollectiveKind::broadcast})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

std::optional<uint8_t> category_of(ReplayKind kind, const std::string& s) {
  if (kind == ReplayKind::compute) {
    for (auto k : {ComputeKind::forward, ComputeKind::backward, ComputeKind::recompute, ComputeKind::optimizer})
      if (s == to_string(k)) return static_cast<uint8_t>(k);
  } else {
    for (int k = 0; k < kCommKinds; ++k)
      if (s == to_string(static_cast<CommKind>(k))) return static_cast<uint8_t>(k);
  }
  return std::nullopt;
}

json node_json(const ReplayNode& n, const ReplayGraph& g, const ReplayRank& rank) {
  json j = {{"id", n.id}, {"type", to_string(n.kind)}};
  if (n.label != kNoIndex) j["name"] = g.labels[n.label];
  if (n.stream != kNoReplayStream) j["stream"] = n.stream;
  if (n.host) j["host"] = true;
  if (const char* c = category_name(n); *c) j["category"] = c;
  switch (n.kind) {
    case ReplayKind::compute:
    case ReplayKind::mem_load:
    case ReplayKind::mem_store:
    case ReplayKind::marker:
      j["duration_ps"] = n.duration_ps;
      if (n.energy_j > 0) j["energy_j"] = n.energy_j;
      if (n.kernels != kNoIndex) j["kernels"] = n.kernels;
      if (n.flops > 0) j["flops"] = n.flops;
      if (n.io_bytes > 0) j["io_bytes"] = n.io_bytes;
      if (n.bytes > 0) j["bytes"] = n.bytes;
      break;
    case ReplayKind::collective:
      j["kind"] = to_string(n.collective);
      j["bytes"] = n.bytes;
      j["group"] = n.group;
      if (n.channel) j["channel"] = n.channel;
      if (n.algorithm != CollectiveAlgo::automatic) j["algorithm"] = to_string(n.algorithm);
      if (n.copies != kNoIndex) j["copies"] = n.copies;
      break;
    case ReplayKind::send:
    case ReplayKind::recv:
      j["peer"] = n.peer;
      j["tag"] = n.tag;
      j["bytes"] = n.bytes;
      if (n.copies != kNoIndex) j["copies"] = n.copies;
      break;
  }
  json deps = json::array();
  for (uint32_t d : n.deps) deps.push_back(rank.nodes[d].id);
  j["deps"] = deps;
  return j;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(p.string() + ": cannot open the file");
  std::ostringstream t;
  t << in.rdbuf();
  return t.str();
}

}  // namespace

void write_workload_graph(const ReplayGraph& g, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir + ": cannot create the folder: " + ec.message());
  json kernels = json::array();
  for (const KernelList& list : g.kernels) {
    json l = json::array();
    for (const KernelUse& k : list) l.push_back({{"spec", k.spec}, {"count", k.count}});
    kernels.push_back(l);
  }
  json ranks = json::array();
  for (const ReplayRank& r : g.ranks) {
    json streams = json::array();
    for (const ReplayStream& s : r.streams) streams.push_back({{"name", s.name}, {"host", s.host}});
    const std::string file = fmt::format("rank{}.jsonl", r.npu);
    ranks.push_back({{"npu", r.npu}, {"file", file}, {"streams", streams}});
    std::string text;
    for (const ReplayNode& n : r.nodes) text += node_json(n, g, r).dump() + "\n";
    write_file_atomically((fs::path(dir) / file).string(), text);
  }
  const json manifest = {{"format", kWorkloadGraphFormat}, {"version", kWorkloadGraphVersion},
                         {"npus", g.npus},  {"groups", g.groups},
                         {"copy_sets", g.copy_sets}, {"kernels", kernels}, {"ranks", ranks}};
  write_file_atomically((fs::path(dir) / "graph.json").string(), manifest.dump(1) + "\n");
}

ReplayGraph read_workload_graph(const std::string& dir) {
  const fs::path manifest_path = fs::path(dir) / "graph.json";
  const std::string mp = manifest_path.string();
  ReplayGraph g;
  json m;
  try {
    m = json::parse(read_text(manifest_path));
  } catch (const json::parse_error& e) {
    throw InputError(mp + ": not valid JSON (" + e.what() + ")");
  }
  try {
    if (m.value("format", "") != kWorkloadGraphFormat)
      throw InputError(fmt::format("{}: format is not \"{}\"", mp, kWorkloadGraphFormat));
    if (m.value("version", 0) != kWorkloadGraphVersion)
      throw InputError(fmt::format("{}: version {} (this npusim reads version {})", mp,
                                   m.value("version", 0), kWorkloadGraphVersion));
    g.npus = m.at("npus").get<uint32_t>();
    for (const auto& grp : m.value("groups", json::array())) {
      auto members = grp.get<std::vector<uint32_t>>();
      for (uint32_t x : members)
        if (x >= g.npus) throw InputError(fmt::format("{}: group member {} >= npus {}", mp, x, g.npus));
      g.group_index(members);
    }
    for (const auto& set : m.value("copy_sets", json::array())) {
      auto ids = set.get<std::vector<uint32_t>>();
      for (uint32_t x : ids)
        if (x >= g.groups.size()) throw InputError(fmt::format("{}: copy set names group {}, which does not exist", mp, x));
      g.copy_sets.push_back(ids);
    }
    for (const auto& list : m.value("kernels", json::array())) {
      KernelList l;
      for (const auto& k : list) l.push_back({k.at("spec").get<std::string>(), k.value("count", 1.0)});
      g.kernels.push_back(std::move(l));
    }
    for (const auto& rj : m.at("ranks")) {
      ReplayRank rank;
      rank.npu = rj.at("npu").get<uint32_t>();
      if (rank.npu >= g.npus) throw InputError(fmt::format("{}: rank mismatch: rank {} >= npus {}", mp, rank.npu, g.npus));
      if (!g.ranks.empty() && rank.npu <= g.ranks.back().npu)
        throw InputError(fmt::format("{}: ranks must be listed once each in ascending order ({})", mp, rank.npu));
      for (const auto& s : rj.at("streams")) rank.streams.push_back({s.at("name").get<std::string>(), s.value("host", false)});
      const std::string file = (fs::path(dir) / rj.at("file").get<std::string>()).string();
      rank.source = file;
      std::istringstream lines(read_text(file));
      std::string line;
      std::unordered_map<uint64_t, uint32_t> index_of;
      std::vector<std::pair<std::vector<uint64_t>, uint32_t>> deps;  // ids, line
      for (uint32_t line_no = 1; std::getline(lines, line); ++line_no) {
        if (line.empty()) continue;
        const std::string where = fmt::format("{}:{}", file, line_no);
        json j;
        try {
          j = json::parse(line);
        } catch (const json::parse_error& e) {
          throw InputError(where + ": not valid JSON (" + e.what() + ")");
        }
        try {
          ReplayNode n;
          n.id = j.at("id").get<uint64_t>();
          const std::string type = j.at("type").get<std::string>();
          const auto kind = kind_of(type);
          if (!kind) throw InputError(fmt::format("{}: node {}: unknown type '{}' (expected compute, mem_load, mem_store, send, recv, collective or marker)", where, n.id, type));
          n.kind = *kind;
          if (j.contains("name")) n.label = g.label_index(j["name"].get<std::string>());
          if (j.contains("stream")) {
            n.stream = j["stream"].get<uint32_t>();
            if (n.stream >= rank.streams.size()) throw InputError(fmt::format("{}: node {}: stream {} is not declared in graph.json", where, n.id, n.stream));
          }
          n.host = j.value("host", false);
          if (j.contains("category")) {
            const auto c = category_of(n.kind, j["category"].get<std::string>());
            if (!c) throw InputError(fmt::format("{}: node {}: unknown category '{}'", where, n.id, j["category"].get<std::string>()));
            n.category = *c;
          }
          n.duration_ps = j.value("duration_ps", uint64_t{0});
          n.energy_j = j.value("energy_j", 0.0);
          n.flops = j.value("flops", 0.0);
          n.io_bytes = j.value("io_bytes", 0.0);
          n.bytes = j.value("bytes", uint64_t{0});
          if (j.contains("op")) {
            // op + shape + dtype: a kernel the chip level can price (--reprice).
            const std::string op = j["op"].get<std::string>();
            const auto shape = j.value("shape", std::vector<uint64_t>{});
            const std::string dtype = j.value("dtype", std::string("fp16"));
            uint64_t elements = 1;
            for (uint64_t d : shape) elements *= d;
            std::string spec;
            if (op == "gemm" && shape.size() == 3)
              spec = fmt::format("gemm m={} n={} k={} dtype={}", shape[0], shape[1], shape[2], dtype);
            else if ((op == "add" || op == "mul" || op == "cast") && !shape.empty())
              spec = fmt::format("elementwise op={} dtype={} elements={}", op, dtype, elements);
            else
              throw InputError(fmt::format("{}: node {}: op '{}' with shape of {} dims (expected gemm "
                                           "with [m, n, k], or add, mul or cast with a shape)",
                                           where, n.id, op, shape.size()));
            g.kernels.push_back({{spec, 1.0}});
            n.kernels = static_cast<uint32_t>(g.kernels.size() - 1);
          }
          if (j.contains("kernels")) {
            n.kernels = j["kernels"].get<uint32_t>();
            if (n.kernels >= g.kernels.size()) throw InputError(fmt::format("{}: node {}: kernel list {} does not exist", where, n.id, n.kernels));
          }
          if (n.kind == ReplayKind::collective) {
            const auto ck = collective_of(j.at("kind").get<std::string>());
            if (!ck) throw InputError(fmt::format("{}: node {}: unknown collective kind '{}' (expected all_reduce, all_gather, reduce_scatter, all_to_all or broadcast)", where, n.id, j["kind"].get<std::string>()));
            n.collective = *ck;
            n.group = j.at("group").get<uint32_t>();
            if (n.group >= g.groups.size()) throw InputError(fmt::format("{}: node {}: group {} does not exist", where, n.id, n.group));
            n.channel = j.value("channel", uint8_t{0});
            if (j.contains("algorithm")) {
              const auto a = parse_collective_algo(j["algorithm"].get<std::string>());
              if (!a) throw InputError(fmt::format("{}: node {}: unknown algorithm hint '{}'", where, n.id, j["algorithm"].get<std::string>()));
              n.algorithm = *a;
            }
          }
          if (n.kind == ReplayKind::send || n.kind == ReplayKind::recv) {
            n.peer = j.at("peer").get<uint32_t>();
            n.tag = j.value("tag", uint64_t{0});
            if (n.peer >= g.npus || n.peer == rank.npu) throw InputError(fmt::format("{}: node {}: rank mismatch: peer {} (expected another rank below {})", where, n.id, n.peer, g.npus));
          }
          if (j.contains("copies")) {
            n.copies = j["copies"].get<uint32_t>();
            if (n.copies >= g.copy_sets.size()) throw InputError(fmt::format("{}: node {}: copy set {} does not exist", where, n.id, n.copies));
          }
          if (!index_of.emplace(n.id, static_cast<uint32_t>(rank.nodes.size())).second)
            throw InputError(fmt::format("{}: node {}: duplicate node id", where, n.id));
          std::vector<uint64_t> ids = j.value("deps", std::vector<uint64_t>{});
          const auto ctrl = j.value("ctrl_deps", std::vector<uint64_t>{});
          ids.insert(ids.end(), ctrl.begin(), ctrl.end());
          deps.emplace_back(std::move(ids), line_no);
          rank.nodes.push_back(std::move(n));
        } catch (const json::exception& e) {
          throw InputError(where + ": " + e.what());
        }
      }
      for (size_t i = 0; i < rank.nodes.size(); ++i) {
        for (uint64_t id : deps[i].first) {
          auto it = index_of.find(id);
          if (it == index_of.end())
            throw InputError(fmt::format("{}:{}: node {}: dependency on node {}, which is not in the file", file, deps[i].second, rank.nodes[i].id, id));
          rank.nodes[i].deps.push_back(it->second);
        }
      }
      if (const uint32_t on_cycle = node_on_dependency_cycle(rank); on_cycle != kNoIndex)
        throw InputError(fmt::format("{}: node {}: dependencies form a cycle through this node "
                                     "(expected a DAG)", file, rank.nodes[on_cycle].id));
      g.ranks.push_back(std::move(rank));
    }
  } catch (const json::exception& e) {
    throw InputError(mp + ": " + e.what());
  }
  return g;
}

}  // namespace npusim
