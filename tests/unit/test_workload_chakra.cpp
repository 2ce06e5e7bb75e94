// Chakra ET import/export and replay (docs/workload-format.md): the real feeder trace (counts,
// every node executed, ideal replay = critical path of recorded COMP durations computed here
// independently), collective microbenchmarks from our writer against alpha-beta formulas,
// round trips from `npusim train` graphs, and every bad-input error.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "chakra_et.pb.h"
#include "sim/base/error.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/training_run.h"
#include "sim/config/cluster_loader.h"
#include "sim/config/model_loader.h"
#include "sim/workload/chakra.h"
#include "sim/workload/graph_format.h"
#include "sim/workload/replay_run.h"
#include "sim/workload/train_export.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("npusim-workload-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream t;
  t << in.rdbuf();
  return t.str();
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put(std::string& out, const google::protobuf::MessageLite& m) {
  const std::string body = m.SerializeAsString();
  put_varint(out, body.size());
  out += body;
}

/// A Chakra file from nodes given as (id, type, duration_us, data_deps).
std::string chakra_file(const std::vector<std::tuple<uint64_t, int, uint64_t, std::vector<uint64_t>>>& nodes,
                        int64_t meta_rank = -1) {
  std::string out;
  ChakraProtoMsg::GlobalMetadata meta;
  meta.set_version("0.0.4");
  if (meta_rank >= 0) {
    auto* a = meta.add_attr();
    a->set_name("rank");
    a->set_int64_val(meta_rank);
  }
  put(out, meta);
  for (const auto& [id, type, dur, deps] : nodes) {
    ChakraProtoMsg::Node n;
    n.set_id(id);
    n.set_name("n" + std::to_string(id));
    n.set_type(static_cast<ChakraProtoMsg::NodeType>(type));
    n.set_duration_micros(dur);
    for (uint64_t d : deps) n.add_data_deps(d);
    put(out, n);
  }
  return out;
}

fs::path write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

/// The 8/16-NPU "ideal switch": one non-blocking switch, 400 GB/s per NPU and direction,
/// 936.25 ns NPU-to-NPU latency (dgx-a100 with its node fabric overridden).
ClusterConfig ideal_switch() {
  return load_cluster("dgx-a100", {"node.npus=16", "node.link_types.nvlink3.lanes=1",
                                   "node.link_types.nvlink3.lane_gbps=3200",
                                   "node.link_types.nvlink3.flit_header_bytes=0",
                                   "node.link_types.nvlink3.protocol_efficiency=1",
                                   "node.link_types.nvlink3.ring_fill_kib=0",
                                   "node.link_types.nvlink3.serdes_ns=0",
                                   "node.link_types.nvlink3.wire_ns=0",
                                   "node.topology.bridge.links_per_npu=1",
                                   "node.topology.bridge.latency_ns=936.25"});
}

ReplayResult replay(ReplayGraph g, const ClusterConfig& cluster, bool ideal = false,
                    bool unlimited = false) {
  ReplaySetup setup;
  setup.ideal_network = ideal;
  setup.engine.no_resource_limits = unlimited;
  return replay_workload(std::move(g), {}, cluster, setup, nullptr);
}

}  // namespace

TEST_CASE("the feeder trace: every node read and counted by type, ctrl_deps oddities warned") {
  const ChakraTrace t = read_chakra(NPUSIM_CHAKRA_FEEDER_TRACE);
  CHECK(t.stats.nodes == 3664);
  CHECK(t.stats.nodes_by_type.at("COMP") == 3643);
  CHECK(t.stats.nodes_by_type.at("COMM_COLL") == 21);
  CHECK(t.stats.cpu_ops == 2448);
  CHECK(t.graph.npus == 1);
  REQUIRE(t.graph.ranks.size() == 1);
  CHECK(t.graph.ranks[0].nodes.size() == 3664);
  CHECK(t.stats.ctrl_self_refs + t.stats.ctrl_missing + t.stats.ctrl_cycle_nodes > 0);
  REQUIRE(t.stats.warnings.size() == 1);
  CHECK(t.stats.warnings[0].find("ctrl_deps") != std::string::npos);
  // Host-side c10d calls carry no size: markers; the 7 NCCL kernels are the collectives.
  CHECK(t.stats.host_collective_calls == 14);
}

TEST_CASE("feeder trace, ideal network, no resource limits: time = critical path of COMP durations") {
  // Independent critical path: read the file with the generated classes only.
  const std::string bytes = slurp(NPUSIM_CHAKRA_FEEDER_TRACE);
  size_t pos = 0;
  auto next = [&](std::string& body) {
    uint64_t len = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<uint8_t>(bytes.at(pos++));
      len |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    body = bytes.substr(pos, len);
    pos += len;
  };
  std::string body;
  next(body);  // metadata
  std::vector<ChakraProtoMsg::Node> nodes;
  while (pos < bytes.size()) {
    next(body);
    nodes.emplace_back();
    REQUIRE(nodes.back().ParseFromString(body));
  }
  REQUIRE(nodes.size() == 3664);
  std::unordered_map<uint64_t, size_t> at;
  for (size_t i = 0; i < nodes.size(); ++i) at[nodes[i].id()] = i;
  std::vector<int64_t> finish(nodes.size(), -1);
  std::function<int64_t(size_t)> finish_of = [&](size_t i) -> int64_t {
    if (finish[i] >= 0) return finish[i];
    int64_t ready = 0;
    for (uint64_t d : nodes[i].data_deps()) ready = std::max(ready, finish_of(at.at(d)));
    const bool comp = nodes[i].type() == ChakraProtoMsg::COMP_NODE;
    return finish[i] = ready + (comp ? static_cast<int64_t>(nodes[i].duration_micros()) : 0);
  };
  int64_t critical_us = 0;
  for (size_t i = 0; i < nodes.size(); ++i) critical_us = std::max(critical_us, finish_of(i));
  REQUIRE(critical_us > 0);

  const ClusterConfig cluster = load_cluster("atlas-a2-cluster");
  ChakraTrace t = read_chakra(NPUSIM_CHAKRA_FEEDER_TRACE);
  const ReplayResult ideal = replay(t.graph, cluster, true, true);
  CHECK(ideal.run.nodes_run == 3664);
  CHECK(ideal.run.step_ps == static_cast<TimePs>(critical_us) * 1'000'000);

  // Default semantics (one NPU compute stream, one host thread per tid) can only be slower.
  const ReplayResult limited = replay(t.graph, cluster);
  CHECK(limited.run.nodes_run == 3664);
  CHECK(limited.run.step_ps >= ideal.run.step_ps);
}

TEST_CASE("a single-rank trace replays as N symmetric ranks with --ranks") {
  ChakraReadOptions options;
  options.ranks = 8;
  const ChakraTrace t = read_chakra(NPUSIM_CHAKRA_FEEDER_TRACE, options);
  REQUIRE(t.graph.ranks.size() == 8);
  const ReplayResult r = replay(t.graph, load_cluster("atlas-a2-cluster"));
  CHECK(r.run.nodes_run == 8 * 3664);
  CHECK(r.run.collectives == 7);  // the NCCL kernels, each over all 8 ranks
  const ReplayResult one = replay(read_chakra(NPUSIM_CHAKRA_FEEDER_TRACE).graph, load_cluster("atlas-a2-cluster"));
  CHECK(r.run.flows.flows > 0);  // the all-reduces now move data
  CHECK(r.run.step_ps >= one.run.step_ps);
}

TEST_CASE("microbenchmarks from our writer replay to the alpha-beta formulas on an ideal switch") {
  const ClusterConfig cluster = ideal_switch();
  const double alpha = 936.25e-9, beta = 1.0 / 400e9;
  const uint64_t bytes = 1 << 20;
  {
    const NetworkGraph net = build_cluster_network(cluster, 8);
    const auto route = net.route(0, 1);
    REQUIRE(route.size() == 2);
    CHECK(net.link(route[0]).bytes_per_s == Approx(400e9));
    CHECK(net.path_latency(0, 1) == 936'250);
  }
  for (uint32_t n : {4u, 8u, 16u})
    for (CollectiveKind kind : {CollectiveKind::all_reduce, CollectiveKind::all_gather,
                                CollectiveKind::reduce_scatter, CollectiveKind::all_to_all}) {
      ReplayGraph g;
      g.npus = n;
      std::vector<uint32_t> all(n);
      for (uint32_t i = 0; i < n; ++i) all[i] = i;
      const uint32_t group = g.group_index(all);
      for (uint32_t npu = 0; npu < n; ++npu) {
        ReplayRank r;
        r.npu = npu;
        r.streams = {{"compute", false}, {"comm", false}};
        ReplayNode c;
        c.kind = ReplayKind::collective;
        c.collective = kind;
        c.bytes = bytes;
        c.group = group;
        c.stream = 1;
        c.id = 7;
        r.nodes.push_back(c);
        g.ranks.push_back(std::move(r));
      }
      const fs::path dir = temp_dir(fmt::format("micro-{}-{}", to_string(kind), n));
      write_chakra(g, dir.string(), "micro");
      const ChakraTrace t = read_chakra(dir.string());
      REQUIRE(t.graph.ranks.size() == n);
      const double s = static_cast<double>(bytes), k = n;
      double expected = 0;
      switch (kind) {
        case CollectiveKind::all_reduce: expected = 2 * (k - 1) * (alpha + s / k * beta); break;
        case CollectiveKind::all_gather:
        case CollectiveKind::reduce_scatter: expected = (k - 1) * (alpha + s / k * beta); break;
        case CollectiveKind::all_to_all: expected = alpha + (k - 1) * s / k * beta; break;
        default: break;
      }
      const ReplayResult r = replay(t.graph, cluster);
      INFO(to_string(kind) << " on " << n << " NPUs");
      CHECK(r.run.collectives == 1);
      CHECK(r.step_time_s == Approx(expected).epsilon(1e-6));
    }
}

namespace {

TrainResult small_gpt(const ParallelConfig& par, KernelCostCache& costs, bool full) {
  const ModelSpec model = load_model("gpt3-175b", {"model.layers=4", "model.hidden=1024",
                                                   "model.heads=16", "model.kv_heads=16",
                                                   "model.ffn_hidden=4096", "model.seq_len=512"});
  TrainOptions options;
  options.par = par;
  options.engine.full = full;
  return simulate_training(model, load_cluster("atlas-a2-cluster"), options, costs);
}

}  // namespace

TEST_CASE("round trip: a GPT step emitted as Chakra and as an npusim graph replays to its step time") {
  const ClusterConfig cluster = load_cluster("atlas-a2-cluster");
  KernelCostOptions cost_options;
  cost_options.simulate = false;  // roofline: fast, and pricing is not what this test checks
  KernelCostCache costs(npu_chip(cluster), cost_options);
  struct Case {
    uint32_t tp, pp, dp;
    bool full;
  };
  for (const Case c : {Case{2, 2, 2, false}, Case{2, 2, 2, true}, Case{8, 2, 2, false}, Case{4, 2, 4, true}}) {
    ParallelConfig par;
    par.tp = c.tp;
    par.pp = c.pp;
    par.dp = c.dp;
    par.micro_batch = 1;
    par.global_batch = 4 * c.dp;
    const TrainResult train = small_gpt(par, costs, c.full);
    const ReplayGraph graph = export_training_graph(train, cluster.npus_per_node(), CollectiveAlgo::automatic, costs);
    INFO("tp " << c.tp << " pp " << c.pp << " dp " << c.dp << (c.full ? " full" : " symmetric"));
    CHECK(graph.ranks.size() == train.engine.ranks.size());

    const fs::path chakra_dir = temp_dir("roundtrip-chakra");
    write_chakra(graph, chakra_dir.string(), "gpt");
    const ChakraTrace back = read_chakra(chakra_dir.string(), {});
    const fs::path graph_dir = temp_dir("roundtrip-graph");
    write_workload_graph(graph, graph_dir.string());
    const ReplayResult own = replay(read_workload_graph(graph_dir.string()), cluster);
    CHECK(own.run.step_ps == train.engine.step_ps);
    CHECK(own.energy_per_step_j == Approx(train.energy_per_step_j).epsilon(1e-9));
    // Symmetric runs write only the simulated ranks; the others are symmetric copies.
    CHECK(back.graph.npus == train.npus);
    const ReplayResult chakra = replay(back.graph, cluster);
    CHECK(chakra.run.step_ps == train.engine.step_ps);
  }
}

namespace {

constexpr int kComp = ChakraProtoMsg::COMP_NODE;

/// read_chakra(path) fails with an InputError containing every one of `parts`.
void expect_error(const fs::path& path, const std::vector<std::string>& parts, ChakraReadOptions options = {}) {
  try {
    (void)read_chakra(path.string(), options);
    FAIL("no error for " << path);
  } catch (const InputError& e) {
    const std::string what = e.what();
    INFO(what);
    for (const std::string& part : parts) CHECK(what.find(part) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("bad Chakra input: clear errors naming the file and the node") {
  const fs::path dir = temp_dir("bad");
  const std::string good = chakra_file({{1, kComp, 5, {}}, {2, kComp, 7, {1}}, {3, kComp, 1, {2}}});
  SECTION("a good file reads") {
    const auto t = read_chakra(write_bytes(dir / "ok.0.et", good).string());
    CHECK(t.graph.ranks[0].nodes.size() == 3);
  }
  SECTION("truncated inside a node") {
    const auto p = write_bytes(dir / "cut.0.et", good.substr(0, good.size() - 3));
    expect_error(p, {p.string() + ": truncated file", "node 2"});
  }
  SECTION("truncated inside a length prefix") {
    const auto p = write_bytes(dir / "cut2.0.et", good + std::string("\xff", 1));
    expect_error(p, {p.string() + ": truncated file", "length prefix"});
  }
  SECTION("empty file") {
    const auto p = write_bytes(dir / "empty.0.et", "");
    expect_error(p, {p.string() + ": empty file"});
  }
  SECTION("unknown node type") {
    const auto p = write_bytes(dir / "type.0.et", chakra_file({{1, kComp, 5, {}}, {9, 42, 1, {1}}}));
    expect_error(p, {p.string() + ": node 9: unknown node type 42"});
  }
  SECTION("INVALID_NODE is unknown too") {
    const auto p = write_bytes(dir / "invalid.0.et", chakra_file({{4, 0, 5, {}}}));
    expect_error(p, {p.string() + ": node 4: unknown node type 0"});
  }
  SECTION("data dependency on a missing node") {
    const auto p = write_bytes(dir / "missing.0.et", chakra_file({{1, kComp, 5, {}}, {2, kComp, 5, {77}}}));
    expect_error(p, {p.string() + ": node 2: data dependency on node 77, which is not in the file"});
  }
  SECTION("data-dependency cycle") {
    const auto p = write_bytes(dir / "cycle.0.et",
                               chakra_file({{1, kComp, 5, {}}, {2, kComp, 5, {3}}, {3, kComp, 5, {2}}}));
    expect_error(p, {p.string() + ": node ", "data dependencies form a cycle"});
  }
  SECTION("data dependency on itself") {
    const auto p = write_bytes(dir / "self.0.et", chakra_file({{5, kComp, 5, {5}}}));
    expect_error(p, {p.string() + ": node 5: data dependencies form a cycle"});
  }
  SECTION("duplicate node id") {
    const auto p = write_bytes(dir / "dup.0.et", chakra_file({{1, kComp, 5, {}}, {1, kComp, 5, {}}}));
    expect_error(p, {p.string() + ": node 1: duplicate node id"});
  }
  SECTION("malformed node message") {
    std::string bad = chakra_file({});
    bad += std::string("\x03\x0a\x05\x41", 4);  // a 3-byte message: string field cut short
    const auto p = write_bytes(dir / "garbled.0.et", bad);
    expect_error(p, {p.string() + ": malformed node message 0"});
  }
  SECTION("rank mismatch: metadata rank against the file name") {
    const fs::path folder = dir / "ranks";
    fs::create_directories(folder);
    write_bytes(folder / "t.0.et", chakra_file({{1, kComp, 5, {}}}, 0));
    const auto p = write_bytes(folder / "t.1.et", chakra_file({{1, kComp, 5, {}}}, 3));
    expect_error(folder, {p.string() + ": rank mismatch: the metadata says rank 3"});
  }
  SECTION("rank mismatch: gaps in the ranks of a folder") {
    const fs::path folder = dir / "gaps";
    fs::create_directories(folder);
    write_bytes(folder / "t.0.et", chakra_file({{1, kComp, 5, {}}}));
    write_bytes(folder / "t.2.et", chakra_file({{1, kComp, 5, {}}}));
    expect_error(folder, {"rank mismatch", "without gaps"});
  }
  SECTION("rank mismatch: a send to a rank that does not exist") {
    ChakraProtoMsg::GlobalMetadata meta;
    std::string bytes;
    put(bytes, meta);
    ChakraProtoMsg::Node n;
    n.set_id(8);
    n.set_type(ChakraProtoMsg::COMM_SEND_NODE);
    auto* a = n.add_attr();
    a->set_name("comm_dst");
    a->set_int64_val(5);
    put(bytes, n);
    const auto p = write_bytes(dir / "peer.0.et", bytes);
    expect_error(p, {p.string() + ": node 8: rank mismatch: send peer rank 5 does not exist"});
  }
  SECTION("--ranks on a multi-rank folder") {
    const fs::path folder = dir / "multi";
    fs::create_directories(folder);
    write_bytes(folder / "t.0.et", good);
    write_bytes(folder / "t.1.et", good);
    ChakraReadOptions options;
    options.ranks = 4;
    expect_error(folder, {"--ranks 4: rank mismatch"}, options);
  }
  SECTION("a file that is not there") {
    expect_error(dir / "nothing.et", {"no such file or folder"});
  }
}

TEST_CASE("bad npusim graphs: file:line errors") {
  const fs::path dir = temp_dir("badgraph");
  auto manifest = [&](const std::string& extra = "") {
    std::ofstream(dir / "graph.json")
        << R"({"format": "npusim-workload-graph", "version": 1, "npus": 2, "groups": [[0, 1]],)"
        << R"( "ranks": [{"npu": 0, "file": "rank0.jsonl", "streams": [{"name": "compute"}]}])" << extra << "}";
  };
  auto rank = [&](const std::string& text) { std::ofstream(dir / "rank0.jsonl") << text; };
  auto expect = [&](const std::string& part) {
    try {
      (void)read_workload_graph(dir.string());
      FAIL("no error");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(part) != std::string::npos);
    }
  };
  manifest();
  rank("{\"id\": 1, \"type\": \"compute\", \"stream\": 0, \"duration_ps\": 5}\n"
       "{\"id\": 2, \"type\": \"collective\", \"kind\": \"all_reduce\", \"bytes\": 64, \"group\": 0, \"deps\": [1]}\n");
  CHECK(read_workload_graph(dir.string()).ranks[0].nodes.size() == 2);
  rank("{\"id\": 1, \"type\": \"compute\", \"stream\": 0, \"op\": \"gemm\", \"shape\": [256, 512, 128], \"dtype\": \"bf16\", \"duration_ps\": 9}\n");
  {
    const ReplayGraph g = read_workload_graph(dir.string());
    REQUIRE(g.ranks[0].nodes[0].kernels != kNoIndex);
    CHECK(g.kernels[g.ranks[0].nodes[0].kernels][0].spec == "gemm m=256 n=512 k=128 dtype=bf16");
  }
  rank("{\"id\": 1, \"type\": \"compute\", \"op\": \"conv\", \"shape\": [3]}\n");
  expect("rank0.jsonl:1: node 1: op 'conv'");
  rank("{\"id\": 1, \"type\": \"gemm\"}\n");
  expect("rank0.jsonl:1: node 1: unknown type 'gemm'");
  rank("{\"id\": 1, \"type\": \"compute\"}\n{\"id\": 2, \"type\": \"compute\", \"deps\": [9]}\n");
  expect("rank0.jsonl:2: node 2: dependency on node 9, which is not in the file");
  rank("{\"id\": 1, \"type\": \"compute\", \"deps\": [2]}\n{\"id\": 2, \"type\": \"compute\", \"deps\": [1]}\n");
  expect("dependencies form a cycle");
  rank("{\"id\": 1, \"type\": \"compute\"\n");
  expect("rank0.jsonl:1: not valid JSON");
  rank("{\"id\": 1, \"type\": \"send\", \"peer\": 7}\n");
  expect("rank0.jsonl:1: node 1: rank mismatch: peer 7");
  std::ofstream(dir / "graph.json") << R"({"format": "npusim-workload-graph", "version": 9, "npus": 1, "ranks": []})";
  expect("graph.json: version 9");
}

TEST_CASE("re-pricing (--reprice): trace kernels priced on the chip through the kernel cost cache") {
  const ClusterConfig cluster = load_cluster("atlas-a2-cluster");
  KernelCostOptions cost_options;
  cost_options.simulate = false;  // roofline: the same cost path, fast
  KernelCostCache costs(npu_chip(cluster), cost_options);
  ReplaySetup setup;
  setup.reprice = true;
  const ChakraTrace t = read_chakra(NPUSIM_CHAKRA_FEEDER_TRACE);
  const ReplayResult r = replay_workload(t.graph, {}, cluster, setup, &costs);
  // Every NPU kernel of the trace (1,216 non-CPU nodes less the 7 NCCL kernels) has tensor
  // sizes; CPU ops keep their recorded durations.
  CHECK(r.repriced == 1209);
  CHECK(r.cost_stats.lookups >= 1209);
  CHECK(r.run.nodes_run == 3664);
  CHECK(r.run.step_ps != replay(t.graph, cluster).run.step_ps);
  // Deterministic: the same run again gives the same time.
  CHECK(replay_workload(t.graph, {}, cluster, setup, &costs).run.step_ps == r.run.step_ps);

  // A node with num_ops becomes a GEMM of that work; with neither it keeps its duration.
  ReplayGraph g;
  g.npus = 1;
  ReplayRank rank;
  rank.streams = {{"compute", false}};
  ReplayNode gemm;
  gemm.kind = ReplayKind::compute;
  gemm.stream = 0;
  gemm.flops = 2.0 * 1024 * 1024 * 1024;
  gemm.duration_ps = 1;
  ReplayNode unknown = gemm;
  unknown.id = 1;
  unknown.flops = 0;
  unknown.duration_ps = 5'000'000;
  unknown.deps = {0};
  rank.nodes = {gemm, unknown};
  g.ranks.push_back(rank);
  const ReplayResult priced = replay_workload(g, {}, cluster, setup, &costs);
  CHECK(priced.repriced == 1);
  const KernelCost& c = costs.price("gemm m=1024 n=1024 k=1024 dtype=fp16");
  CHECK(priced.run.step_ps == seconds_to_ps(c.time_s) + 5'000'000);
}

TEST_CASE("an emitted train graph re-priced from its kernel lists keeps the train step time") {
  const ClusterConfig cluster = load_cluster("atlas-a2-cluster");
  KernelCostOptions cost_options;
  cost_options.simulate = false;
  KernelCostCache costs(npu_chip(cluster), cost_options);
  ParallelConfig par;
  par.tp = 2;
  par.pp = 2;
  par.dp = 2;
  par.global_batch = 8;
  const TrainResult train = small_gpt(par, costs, false);
  ReplayGraph graph = export_training_graph(train, cluster.npus_per_node(), CollectiveAlgo::automatic, costs);
  for (ReplayRank& rank : graph.ranks)
    for (ReplayNode& node : rank.nodes) node.duration_ps = 0;  // forget the priced durations
  ReplaySetup setup;
  setup.reprice = true;
  const ReplayResult r = replay_workload(graph, {}, cluster, setup, &costs);
  CHECK(r.run.step_ps == train.engine.step_ps);
}

TEST_CASE("the engine rejects graphs it cannot run, naming the node") {
  ReplayGraph g;
  g.npus = 2;
  ReplayRank rank;
  rank.source = "x.et";
  rank.streams = {{"compute", false}};
  ReplayNode coll;
  coll.kind = ReplayKind::collective;
  coll.id = 12;
  coll.group = g.group_index({1});
  rank.nodes.push_back(coll);
  g.ranks.push_back(rank);
  CHECK_THROWS_WITH(validate_replay_graph(g), Catch::Contains("x.et: node 12: rank mismatch: rank 0 is not a member"));
  g.ranks[0].nodes[0].group = g.group_index({0, 0});
  CHECK_THROWS_WITH(validate_replay_graph(g), Catch::Contains("x.et: node 12: rank mismatch: collective group lists an NPU twice"));
  // A collective whose other member never reaches it: the replay names the node.
  g.ranks[0].nodes[0].group = g.group_index({0, 1});
  ReplayRank other;
  other.npu = 1;
  other.source = "x.1.et";
  g.ranks.push_back(other);
  const NetworkGraph net = build_ideal_network(2, 8);
  CHECK_THROWS_WITH(run_replay(g, net, {}), Catch::Contains("x.et: node 12: never ran"));

  // Durations that overflow simulated time are bad input, not an internal error.
  ReplayGraph huge;
  huge.npus = 1;
  ReplayRank chain;
  chain.source = "huge.et";
  chain.streams = {{"compute", false}};
  ReplayNode a;
  a.stream = 0;
  a.duration_ps = kNever / 2 + 1;
  ReplayNode b = a;
  b.id = 1;
  b.deps = {0};
  chain.nodes = {a, b};
  huge.ranks.push_back(chain);
  CHECK_THROWS_WITH(run_replay(huge, build_ideal_network(1, 8), {}),
                    Catch::Contains("huge.et: node 1: simulated time overflows"));
}
