// Collective algorithms on the flow network: alpha-beta costs worked out by hand on a node of
// identical links, the automatic policy, symmetric copies vs full simulation, hierarchical vs
// flat ring across a Clos, parsing, and repeatability.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <vector>

#include "sim/base/error.h"
#include "sim/cluster/collective.h"
#include "sim/config/cluster_loader.h"

using namespace npusim;

namespace {

TimePs transfer_ps(double bytes, double rate) {
  return static_cast<TimePs>(std::ceil(bytes / rate * 1e12));
}

std::vector<uint32_t> range(uint32_t first, uint32_t count, uint32_t stride = 1) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < count; ++i) v.push_back(first + i * stride);
  return v;
}

struct Result {
  TimePs time = kNever;
  CollectiveAlgo algo = CollectiveAlgo::automatic;
  FlowNetworkStats stats;
};

Result run(const NetworkGraph& g, const CollectiveCall& call,
           const std::vector<std::vector<uint32_t>>& copies = {}) {
  EventQueue events;
  FlowNetwork flows(g, events);
  CollectiveRunner runner(g, flows, events);
  Result r;
  r.algo = runner.run(call, copies, [&] { r.time = events.now(); });
  events.run();
  r.stats = flows.stats();
  return r;
}

/// The 8-NPU Atlas A2 node: a full mesh of identical HCCS links (rate B, latency a).
struct Mesh {
  NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 8);
  double b = g.link(g.route(0, 1)[0]).bytes_per_s;
  TimePs a = g.path_latency(0, 1);
};

}  // namespace

TEST_CASE("ring all-reduce on identical links costs 2(n-1) a + 2(n-1)/n S / B") {
  const Mesh m;
  const uint64_t s = uint64_t{64} << 20;  // divisible by n
  for (uint32_t n : {2u, 4u, 8u}) {
    const Result r = run(m.g, {CollectiveKind::all_reduce, range(0, n), s, CollectiveAlgo::ring});
    CHECK(r.algo == CollectiveAlgo::ring);
    const double bytes = 2.0 * (n - 1) / n * static_cast<double>(s);
    CHECK(r.time == 2 * (n - 1) * m.a + transfer_ps(bytes, m.b));
    CHECK(r.stats.flows == n);
  }
}

TEST_CASE("ring all-gather and reduce-scatter cost (n-1) a + (n-1)/n S / B") {
  const Mesh m;
  const uint64_t s = uint64_t{8} << 20;
  for (auto kind : {CollectiveKind::all_gather, CollectiveKind::reduce_scatter}) {
    const Result r = run(m.g, {kind, range(0, 8), s, CollectiveAlgo::ring});
    CHECK(r.time == 7 * m.a + transfer_ps(7.0 / 8 * static_cast<double>(s), m.b));
  }
}

TEST_CASE("pipelined ring broadcast costs (n-1) a + S / B") {
  const Mesh m;
  const uint64_t s = uint64_t{8} << 20;
  const Result r = run(m.g, {CollectiveKind::broadcast, range(0, 8), s, CollectiveAlgo::ring});
  CHECK(r.time == 7 * m.a + transfer_ps(static_cast<double>(s), m.b));
}

TEST_CASE("halving-doubling all-reduce: log2 n exchanges each way of S/2 .. S/n") {
  const Mesh m;
  const uint64_t s = uint64_t{8} << 20;
  const Result r = run(m.g, {CollectiveKind::all_reduce, range(0, 8), s,
                             CollectiveAlgo::halving_doubling});
  CHECK(r.algo == CollectiveAlgo::halving_doubling);
  TimePs expected = 0;
  for (uint64_t part : {s / 2, s / 4, s / 8, s / 8, s / 4, s / 2})
    expected += m.a + transfer_ps(static_cast<double>(part), m.b);
  CHECK(r.time == expected);
  // Not a power of two: falls back to ring.
  CHECK(resolve_algorithm({CollectiveKind::all_reduce, range(0, 6), s,
                           CollectiveAlgo::halving_doubling},
                          m.g) == CollectiveAlgo::ring);
}

TEST_CASE("direct all-to-all on a full mesh: every pair at once, S/n each") {
  const Mesh m;
  const uint64_t s = uint64_t{8} << 20;
  const Result r = run(m.g, {CollectiveKind::all_to_all, range(0, 8), s});
  CHECK(r.algo == CollectiveAlgo::direct);
  CHECK(r.stats.flows == 56);
  CHECK(r.time == m.a + transfer_ps(static_cast<double>(s) / 8, m.b));
}

TEST_CASE("send_recv is one flow and a group of one is free") {
  const Mesh m;
  const Result r = run(m.g, {CollectiveKind::send_recv, {2, 5}, 1000000});
  CHECK(r.algo == CollectiveAlgo::direct);
  CHECK(r.time == m.a + transfer_ps(1e6, m.b));
  const Result one = run(m.g, {CollectiveKind::all_reduce, {3}, 1 << 30});
  CHECK(one.time == 0);
  CHECK(one.stats.flows == 0);
  CHECK_THROWS_AS(run(m.g, {CollectiveKind::send_recv, {1, 2, 3}, 10}), InputError);
  CHECK_THROWS_AS(run(m.g, {CollectiveKind::all_reduce, {1, 99}, 10}), InputError);
}

TEST_CASE("double binary tree: both trees' edges both ways, half the data each") {
  const Mesh m;
  const CollectiveCall call{CollectiveKind::all_reduce, range(0, 8), 1 << 20,
                            CollectiveAlgo::double_binary_tree};
  const auto phases = expand_collective(call, CollectiveAlgo::double_binary_tree, m.g);
  REQUIRE(phases.size() == 1);
  CHECK(phases[0].flows.size() == 2 * 2 * 7);  // 2 trees x 7 edges x up and down
  CHECK(phases[0].latency_steps == 2 * 3);     // height 3 for 8 members
  for (const FlowSpec& f : phases[0].flows) CHECK(f.bytes == (1 << 19));
  // Tree does not apply to all-gather: ring instead.
  CHECK(resolve_algorithm({CollectiveKind::all_gather, range(0, 8), 1, CollectiveAlgo::double_binary_tree},
                          m.g) == CollectiveAlgo::ring);
}

TEST_CASE("automatic policy") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 64);
  const auto pick = [&](CollectiveKind kind, std::vector<uint32_t> npus, uint64_t bytes) {
    return resolve_algorithm({kind, std::move(npus), bytes}, g);
  };
  // Inside a full-mesh node: all peers at once; inside a node of meshes + bridge: ring.
  CHECK(pick(CollectiveKind::all_reduce, range(0, 8), 1 << 30) == CollectiveAlgo::direct);
  const NetworkGraph pod = build_cluster_network(load_cluster("atlas900-pod"), 16);
  CHECK(resolve_algorithm({CollectiveKind::all_reduce, range(0, 8), 1 << 30}, pod) ==
        CollectiveAlgo::ring);
  CHECK(resolve_algorithm({CollectiveKind::all_reduce, range(0, 16), 1 << 30}, pod) ==
        CollectiveAlgo::hierarchical);
  CHECK(pick(CollectiveKind::all_reduce, range(0, 64), 1 << 30) == CollectiveAlgo::hierarchical);
  CHECK(pick(CollectiveKind::all_gather, range(0, 64), 1 << 30) == CollectiveAlgo::hierarchical);
  // One member per node (a DP group across nodes): tree when small, ring when large.
  CHECK(pick(CollectiveKind::all_reduce, range(0, 8, 8), 1 << 16) ==
        CollectiveAlgo::double_binary_tree);
  CHECK(pick(CollectiveKind::all_reduce, range(0, 8, 8), 1 << 24) == CollectiveAlgo::ring);
  CHECK(pick(CollectiveKind::all_gather, range(0, 8, 8), 1 << 16) == CollectiveAlgo::ring);
  CHECK(pick(CollectiveKind::all_to_all, range(0, 64), 1 << 20) == CollectiveAlgo::direct);
  CHECK(pick(CollectiveKind::send_recv, {0, 63}, 1 << 20) == CollectiveAlgo::direct);
  // Uneven members per node: no hierarchy.
  std::vector<uint32_t> uneven = range(0, 8);
  uneven.push_back(8);
  CHECK(pick(CollectiveKind::all_reduce, uneven, 1 << 30) == CollectiveAlgo::ring);
}

TEST_CASE("parse collective algorithm names") {
  CHECK(parse_collective_algo("auto") == CollectiveAlgo::automatic);
  CHECK(parse_collective_algo("ring") == CollectiveAlgo::ring);
  CHECK(parse_collective_algo("tree") == CollectiveAlgo::double_binary_tree);
  CHECK(parse_collective_algo("double_binary_tree") == CollectiveAlgo::double_binary_tree);
  CHECK(parse_collective_algo("hd") == CollectiveAlgo::halving_doubling);
  CHECK(parse_collective_algo("halving_doubling") == CollectiveAlgo::halving_doubling);
  CHECK(parse_collective_algo("hierarchical") == CollectiveAlgo::hierarchical);
  CHECK(parse_collective_algo("direct") == CollectiveAlgo::direct);
  CHECK_FALSE(parse_collective_algo("rign").has_value());
  CHECK_FALSE(parse_collective_algo("").has_value());
  for (auto algo : {CollectiveAlgo::automatic, CollectiveAlgo::ring,
                    CollectiveAlgo::double_binary_tree, CollectiveAlgo::halving_doubling,
                    CollectiveAlgo::hierarchical, CollectiveAlgo::direct})
    CHECK(parse_collective_algo(to_string(algo)) == algo);
  CHECK(std::string(to_string(CollectiveKind::reduce_scatter)) == "reduce_scatter");
}

TEST_CASE("hierarchical all-reduce beats a flat ring across nodes of a Clos for large buffers") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 64);
  const uint64_t s = uint64_t{256} << 20;
  const Result ring = run(g, {CollectiveKind::all_reduce, range(0, 64), s, CollectiveAlgo::ring});
  const Result hier =
      run(g, {CollectiveKind::all_reduce, range(0, 64), s, CollectiveAlgo::hierarchical});
  CHECK(hier.algo == CollectiveAlgo::hierarchical);
  CHECK(hier.time * 3 < ring.time);
  // By hand: direct reduce-scatter and all-gather in the mesh (S/8 per link each), ring
  // all-reduce of S/8 over the 8 nodes' NICs (2 x 7/8 x S/8 at 25 GB/s), plus latencies.
  const Mesh m;
  const double nic = 200e9 / 8;
  const double by_hand = 2 * static_cast<double>(s) / 8 / m.b * 1e12 +
                         2.0 * 7 / 8 * static_cast<double>(s) / 8 / nic * 1e12 +
                         2.0 * static_cast<double>(m.a) +
                         14.0 * static_cast<double>(g.path_latency(0, 40));  // via the spine
  CHECK(static_cast<double>(hier.time) == Approx(by_hand).epsilon(1e-6));
  // The flat ring is NIC-bound: at least 2(n-1)/n S over 25 GB/s.
  CHECK(static_cast<double>(ring.time) >= 2.0 * 63 / 64 * static_cast<double>(s) / 25e9 * 1e12);
}

TEST_CASE("symmetric copies load the fabric like the copies simulated in full") {
  // 4:1 oversubscribed leaves; DP-style groups {i, 32 + i}: every pair crosses the spine.
  const NetworkGraph g = build_cluster_network(
      load_cluster("atlas-a2-cluster", {"scale_out.oversubscription=4"}), 64);
  const uint64_t s = uint64_t{64} << 20;
  // Full: 16 groups simulated, each its own all-reduce.
  TimePs full_time = 0;
  {
    EventQueue events;
    FlowNetwork flows(g, events);
    CollectiveRunner runner(g, flows, events);
    for (uint32_t i = 0; i < 16; ++i)
      runner.run({CollectiveKind::all_reduce, {i, 32 + i}, s, CollectiveAlgo::ring}, {},
                 [&] { full_time = std::max(full_time, events.now()); });
    events.run();
  }
  std::vector<std::vector<uint32_t>> copies;
  for (uint32_t i = 1; i < 16; ++i) copies.push_back({i, 32 + i});
  const Result sym = run(g, {CollectiveKind::all_reduce, {0, 32}, s, CollectiveAlgo::ring}, copies);
  CHECK(sym.time == full_time);
  // Without the copies the one group sees an idle spine and is faster.
  const Result alone = run(g, {CollectiveKind::all_reduce, {0, 32}, s, CollectiveAlgo::ring});
  CHECK(alone.time < sym.time);
  // Copies of a different size are an engine bug.
  CHECK_THROWS_AS(run(g, {CollectiveKind::all_reduce, {0, 32}, s}, {{1, 2, 3}}), InternalError);
}

TEST_CASE("collectives on the ideal network take no time") {
  const NetworkGraph g = build_ideal_network(64, 8);
  for (auto algo : {CollectiveAlgo::automatic, CollectiveAlgo::ring, CollectiveAlgo::hierarchical,
                    CollectiveAlgo::double_binary_tree})
    CHECK(run(g, {CollectiveKind::all_reduce, range(0, 64), 1 << 30, algo}).time == 0);
}

TEST_CASE("every kind and algorithm runs on every preset and repeats exactly") {
  for (const char* preset : {"atlas900-pod", "atlas-a2-cluster", "cloudmatrix384", "dgx-a100"}) {
    const ClusterConfig c = load_cluster(preset);
    const uint32_t n = c.npus_per_node() * 4;
    const NetworkGraph g = build_cluster_network(c, n);
    for (auto kind : {CollectiveKind::all_reduce, CollectiveKind::all_gather,
                      CollectiveKind::reduce_scatter, CollectiveKind::all_to_all,
                      CollectiveKind::broadcast})
      for (auto algo : {CollectiveAlgo::automatic, CollectiveAlgo::ring,
                        CollectiveAlgo::double_binary_tree, CollectiveAlgo::halving_doubling,
                        CollectiveAlgo::hierarchical, CollectiveAlgo::direct}) {
        const CollectiveCall call{kind, range(0, n), uint64_t{3} << 20, algo};
        const Result a = run(g, call);
        const Result b = run(g, call);
        INFO(preset << " " << to_string(kind) << " " << to_string(algo));
        CHECK(a.time > 0);
        CHECK(a.time != kNever);
        CHECK(a.time == b.time);
        CHECK(a.stats.link_bytes == b.stats.link_bytes);
      }
  }
}

TEST_CASE("a 512-NPU all-to-all (261632 flows) runs in reasonable time") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 512);
  const auto t0 = std::chrono::steady_clock::now();
  const Result r = run(g, {CollectiveKind::all_to_all, range(0, 512), uint64_t{512} << 20});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "all-to-all 512 NPUs: " << r.stats.flows << " flows, " << r.stats.reratings
            << " reratings in " << s << " s\n";
  CHECK(r.stats.flows == 512 * 511);
  CHECK(s < 20);
}

TEST_CASE("a ring with a pipeline fill pays min(fill, S/n) more per step inside a node only") {
  const uint64_t fill = uint64_t{2} << 20;
  const NetworkGraph g = build_cluster_network(
      load_cluster("atlas-a2-cluster", {"node.link_types.hccs.ring_fill_kib=2048"}), 16);
  const double b = g.link(g.route(0, 1)[0]).bytes_per_s;
  const TimePs a = g.path_latency(0, 1);
  CHECK(g.node_ring_fill_bytes() == fill);
  for (const uint64_t s : {uint64_t{8} << 20, uint64_t{256} << 20}) {  // S/n below, above fill
    const uint64_t piece = s / 8;
    const double step = static_cast<double>(piece + std::min(fill, piece));
    const Result ar = run(g, {CollectiveKind::all_reduce, range(0, 8), s, CollectiveAlgo::ring});
    CHECK(ar.time == 14 * a + transfer_ps(14 * step, b));
    const Result ag = run(g, {CollectiveKind::all_gather, range(0, 8), s, CollectiveAlgo::ring});
    CHECK(ag.time == 7 * a + transfer_ps(7 * step, b));
  }
  // Across nodes (not where the fill was measured) the ring streams as before.
  const NetworkGraph plain = build_cluster_network(load_cluster("atlas-a2-cluster"), 16);
  const CollectiveCall across{CollectiveKind::all_reduce, range(0, 2, 8), uint64_t{64} << 20,
                              CollectiveAlgo::ring};
  CHECK(run(g, across).time == run(plain, across).time);
}

// nccl-tests all_reduce_perf, 8 x A100-SXM4-80GB on NVSwitch, one process per GPU (mpirun -np
// 8, as Megatron-LM runs), busbw in GB/s; raw output in a nccl-tests how-to on GitHub (host
// "thanos", NCCL from nvidia-nccl-cu12); docs/cluster-network.md, "Pipeline fill of rings".
TEST_CASE("dgx-a100 8-GPU all-reduce follows NCCL's measured busbw from 32 MiB to 4 GiB") {
  const NetworkGraph g = build_cluster_network(load_cluster("dgx-a100"), 8);
  const std::vector<std::pair<uint64_t, double>> measured = {
      {32, 155.5}, {64, 190.7}, {128, 198.8}, {256, 211.8},
      {512, 221.1}, {1024, 227.9}, {2048, 230.7}, {4096, 232.8}};
  for (const auto& [mib, busbw] : measured) {
    const uint64_t s = mib << 20;
    const Result r = run(g, {CollectiveKind::all_reduce, range(0, 8), s});
    const double seconds = static_cast<double>(r.time) * 1e-12;
    const double model = 2.0 * 7 / 8 * static_cast<double>(s) / seconds / 1e9;
    INFO(mib << " MiB: model " << model << " GB/s, measured " << busbw);
    CHECK(std::abs(model - busbw) / busbw < 0.05);
  }
}
