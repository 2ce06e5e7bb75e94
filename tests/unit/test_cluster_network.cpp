// Cluster network graph (topologies, routes, latencies, build errors) and the max-min fair
// flow network (sharing, bottlenecks, weights as copies, timing, speed). Expected values are
// worked out by hand from link rates read off the graph.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "sim/base/error.h"
#include "sim/cluster/flow_network.h"
#include "sim/cluster/network_graph.h"
#include "sim/config/cluster_loader.h"

using namespace npusim;

namespace {

TimePs ns(double value) { return seconds_to_ps(value * 1e-9); }

/// Time to push `bytes` at `rate` bytes/s, rounded up to the ps as the flow network does.
TimePs transfer_ps(double bytes, double rate) {
  return static_cast<TimePs>(std::ceil(bytes / rate * 1e12));
}

std::vector<WeightedLink> uses_of(const NetworkGraph& g, uint32_t src, uint32_t dst) {
  std::vector<WeightedLink> uses;
  for (uint32_t l : g.route(src, dst)) uses.push_back({l, 1});
  return uses;
}

bool all_tier(const NetworkGraph& g, const std::vector<uint32_t>& route, LinkTier tier) {
  for (uint32_t l : route)
    if (g.link(l).tier != tier) return false;
  return true;
}

/// Starts one flow per entry at time 0 and returns each one's arrival time.
std::vector<TimePs> run_flows(const NetworkGraph& g, const std::vector<std::vector<WeightedLink>>& uses,
                              uint64_t bytes) {
  EventQueue events;
  FlowNetwork net(g, events);
  std::vector<TimePs> done(uses.size(), kNever);
  for (size_t i = 0; i < uses.size(); ++i)
    net.start(uses[i], bytes, 0, [&, i] { done[i] = events.now(); });
  events.run();
  return done;
}

}  // namespace

TEST_CASE("atlas A2 node is a full mesh of HCCS links and routes stay inside the node") {
  const ClusterConfig c = load_cluster("atlas-a2-cluster");
  const NetworkGraph g = build_cluster_network(c, 16);
  REQUIRE(g.npus() == 16);
  REQUIRE(g.npus_per_node() == 8);
  const auto r = g.route(1, 6);
  REQUIRE(r.size() == 1);
  const NetLink& link = g.link(r[0]);
  CHECK(link.from == 1);
  CHECK(link.to == 6);
  CHECK(link.tier == LinkTier::scale_up);
  CHECK(link.npu_attached);
  const LinkTypeConfig& hccs = c.node.link("hccs");
  CHECK(link.bytes_per_s == Approx(hccs.payload_bytes_per_s(1)));
  CHECK(g.path_latency(1, 6) == ns(hccs.latency_ns()));
  CHECK(g.tier_between(1, 6) == LinkTier::scale_up);
  // Every ordered pair inside a node has its own link.
  for (uint32_t a = 8; a < 16; ++a)
    for (uint32_t b = 8; b < 16; ++b)
      if (a != b) {
        const auto rr = g.route(a, b);
        REQUIRE(rr.size() == 1);
        CHECK(g.link(rr[0]).from == a);
        CHECK(g.link(rr[0]).to == b);
      }
}

TEST_CASE("routes across nodes use NIC links into a 2-tier Clos with cable and switch latency") {
  const ClusterConfig c = load_cluster("atlas-a2-cluster");
  const NetworkGraph g = build_cluster_network(c, 64);
  // 0 and 8: different nodes, same leaf (32 NPUs per leaf).
  const auto same_leaf = g.route(0, 8);
  REQUIRE(same_leaf.size() == 2);
  CHECK(all_tier(g, same_leaf, LinkTier::scale_out));
  CHECK(g.link(same_leaf[0]).from == 0);
  CHECK(g.link(same_leaf[0]).bytes_per_s == Approx(200e9 / 8));
  CHECK(g.path_latency(0, 8) == ns(210) + ns(600) + ns(210));
  // 0 and 40: different leaves, through the spine: 4 cables, 3 switches.
  const auto cross = g.route(0, 40);
  REQUIRE(cross.size() == 4);
  CHECK(all_tier(g, cross, LinkTier::scale_out));
  CHECK(g.link(cross[0]).npu_attached);
  CHECK_FALSE(g.link(cross[1]).npu_attached);
  CHECK_FALSE(g.link(cross[2]).npu_attached);
  CHECK(g.link(cross[3]).to == 40);
  CHECK(g.link(cross[1]).bytes_per_s == Approx(32 * 200e9 / 8));  // 32 NICs, 1:1
  CHECK(g.path_latency(0, 40) == 2 * (ns(210) + ns(600)) + ns(210) + ns(600) + ns(210));
  CHECK(g.tier_between(0, 40) == LinkTier::scale_out);
  CHECK(g.scale_up_domain() == 8);
}

TEST_CASE("oversubscription divides the leaf uplink") {
  const NetworkGraph g = build_cluster_network(
      load_cluster("atlas-a2-cluster", {"scale_out.oversubscription=2"}), 64);
  const auto cross = g.route(0, 40);
  CHECK(g.link(cross[1]).bytes_per_s == Approx(16 * 200e9 / 8));
}

TEST_CASE("atlas 900 node: HCCS meshes of 4 joined by a PCIe bridge switch") {
  const ClusterConfig c = load_cluster("atlas900-pod");
  const NetworkGraph g = build_cluster_network(c, 8);
  REQUIRE(g.route(0, 3).size() == 1);
  const auto bridge = g.route(1, 6);
  REQUIRE(bridge.size() == 2);
  CHECK(all_tier(g, bridge, LinkTier::scale_up));
  CHECK(g.link(bridge[0]).bytes_per_s == Approx(c.node.link("pcie").payload_bytes_per_s(1)));
  CHECK(g.path_latency(1, 6) ==
        2 * ns(c.node.link("pcie").latency_ns()) + ns(c.node.topology.bridge.latency_ns));
}

TEST_CASE("DGX A100: NVSwitch in the node, rails and a 3-tier fat tree across nodes") {
  const ClusterConfig c = load_cluster("dgx-a100");
  const NetworkGraph g = build_cluster_network(c, 32);
  const auto in_node = g.route(2, 5);
  REQUIRE(in_node.size() == 2);
  CHECK(all_tier(g, in_node, LinkTier::scale_up));
  // Same rail (local rank 0 of nodes 0 and 1): one leaf.
  CHECK(g.route(0, 8).size() == 2);
  // Different rails: leaf, pod, core, pod, leaf.
  const auto cross_rail = g.route(0, 9);
  CHECK(cross_rail.size() == 6);
  CHECK(all_tier(g, cross_rail, LinkTier::scale_out));
}

TEST_CASE("CloudMatrix 384: supernode switch inside a supernode, RDMA Clos between them") {
  const ClusterConfig c = load_cluster("cloudmatrix384");
  const NetworkGraph g = build_cluster_network(c, 1536);
  CHECK(g.scale_up_domain() == 768);
  const auto sn = g.route(3, 700);
  REQUIRE(sn.size() == 2);
  CHECK(all_tier(g, sn, LinkTier::supernode));
  CHECK(g.link(sn[0]).bytes_per_s == Approx(3136e9 / 8));
  CHECK(g.tier_between(3, 700) == LinkTier::supernode);
  const auto out = g.route(3, 768 + 3);
  CHECK(out.size() >= 2);
  CHECK(all_tier(g, out, LinkTier::scale_out));
  CHECK(g.tier_between(3, 771) == LinkTier::scale_out);
  // Inside a node: die pair over SIO, else the node's UB switches.
  CHECK(g.route(0, 1).size() == 1);
  CHECK(all_tier(g, g.route(0, 5), LinkTier::scale_up));
}

TEST_CASE("bad network sizes are input errors") {
  const ClusterConfig c = load_cluster("atlas-a2-cluster");
  CHECK_THROWS_AS(build_cluster_network(c, 12), InputError);
  CHECK_THROWS_AS(build_cluster_network(c, 0), InputError);
  CHECK_THROWS_AS(build_cluster_network(c, 16384 + 8), InputError);
  CHECK_THROWS_WITH(build_cluster_network(c, 12), Catch::Contains("multiple of 8"));
  CHECK_THROWS_WITH(build_cluster_network(c, 16392), Catch::Contains("max_npus"));
  CHECK_NOTHROW(build_cluster_network(c, 4));  // one partial node
  CHECK_THROWS_AS(build_ideal_network(8, 0), InputError);
}

TEST_CASE("the 16384-NPU network builds quickly and routes structurally") {
  const auto t0 = std::chrono::steady_clock::now();
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 16384);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "build 16384-NPU atlas-a2-cluster: " << g.link_count() << " links in " << s
            << " s\n";
  CHECK(s < 5);
  CHECK(g.route(0, 16383).size() == 4);
  CHECK(g.route(16383, 16376).size() == 1);
}

TEST_CASE("ideal network: no links, flows and routes are free") {
  const NetworkGraph g = build_ideal_network(16, 8);
  CHECK(g.route(0, 15).empty());
  CHECK(g.path_latency(0, 15) == 0);
  EventQueue events;
  FlowNetwork net(g, events);
  TimePs at = kNever;
  net.start(uses_of(g, 0, 15), 1 << 30, 0, [&] { at = events.now(); });
  events.run();
  CHECK(at == 0);
}

TEST_CASE("one flow takes bytes / rate rounded up to the ps, plus its latency") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 8);
  EventQueue events;
  FlowNetwork net(g, events);
  TimePs at = kNever;
  const uint64_t bytes = 123456789;
  net.start(uses_of(g, 0, 1), bytes, 777, [&] { at = events.now(); });
  events.run();
  const double rate = g.link(g.route(0, 1)[0]).bytes_per_s;
  CHECK(at == transfer_ps(static_cast<double>(bytes), rate) + 777);
  CHECK(net.stats().flows == 1);
  CHECK(net.stats().bytes == bytes);
  CHECK(net.stats().link_bytes[g.route(0, 1)[0]] == Approx(static_cast<double>(bytes)));
  CHECK(net.active_flows() == 0);
}

TEST_CASE("two flows sharing one link get half each") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 8);
  const double rate = g.link(g.route(0, 1)[0]).bytes_per_s;
  const uint64_t bytes = 1 << 26;
  const auto done = run_flows(g, {uses_of(g, 0, 1), uses_of(g, 0, 1)}, bytes);
  CHECK(done[0] == transfer_ps(static_cast<double>(bytes), rate / 2));
  CHECK(done[1] == done[0]);
}

TEST_CASE("max-min with a bottleneck: the classic four-flow example") {
  // Links X and Y of equal capacity C. f1 uses X; f2 uses X and Y; f3, f4 use Y.
  // Y is the bottleneck: f2 = f3 = f4 = C/3; then f1 takes what X has left: 2C/3.
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 8);
  const uint32_t x = g.route(0, 1)[0];
  const uint32_t y = g.route(2, 3)[0];
  const double c = g.link(x).bytes_per_s;
  REQUIRE(g.link(y).bytes_per_s == c);
  const uint64_t bytes = 1 << 24;
  const auto done = run_flows(g, {{{x, 1}}, {{x, 1}, {y, 1}}, {{y, 1}}, {{y, 1}}}, bytes);
  CHECK(done[0] == transfer_ps(static_cast<double>(bytes), 2 * c / 3));
  // f1 leaving X frees capacity that f2 cannot use (Y still limits it).
  const TimePs third = transfer_ps(static_cast<double>(bytes), c / 3);
  for (int i = 1; i < 4; ++i) CHECK(std::llabs(static_cast<long long>(done[i] - third)) <= 1);
}

TEST_CASE("max-min with unequal links: the freed share goes to the survivors") {
  // X = NIC (25 GB/s), Y = HCCS (faster). f1: X; f2: X+Y; f3: Y.
  // X bottleneck: f1 = f2 = X/2; f3 = Y - X/2 finishes first; nothing changes for f1, f2.
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 16);
  const uint32_t x = g.route(0, 8)[0];  // NIC up of NPU 0
  const uint32_t y = g.route(1, 2)[0];
  const double cx = g.link(x).bytes_per_s;
  const double cy = g.link(y).bytes_per_s;
  REQUIRE(cy - cx / 2 > cx / 2);
  const uint64_t bytes = 1 << 24;
  const auto done = run_flows(g, {{{x, 1}}, {{x, 1}, {y, 1}}, {{y, 1}}}, bytes);
  CHECK(done[2] == transfer_ps(static_cast<double>(bytes), cy - cx / 2));
  // Progress is settled at f3's (rounded-up) finish, so f1 and f2 may land 1 ps late.
  const TimePs half = transfer_ps(static_cast<double>(bytes), cx / 2);
  CHECK(done[0] >= half);
  CHECK(done[0] <= half + 1);
  CHECK(done[1] == done[0]);
}

TEST_CASE("a flow of weight k loads a shared link like k real copies") {
  // Leaf uplink of an oversubscribed Clos (4:1): 16 NPUs of leaf 0 send to leaf 1 at once.
  const NetworkGraph g = build_cluster_network(
      load_cluster("atlas-a2-cluster", {"scale_out.oversubscription=4"}), 64);
  const uint32_t k = 16;
  const uint64_t bytes = 1 << 26;
  std::vector<std::vector<WeightedLink>> full;
  for (uint32_t i = 0; i < k; ++i) full.push_back(uses_of(g, i, 32 + i));
  const auto full_done = run_flows(g, full, bytes);

  std::vector<WeightedLink> one;
  for (uint32_t l : g.route(0, 32)) one.push_back({l, g.link(l).npu_attached ? 1u : k});
  const auto sym_done = run_flows(g, {one}, bytes);
  for (TimePs t : full_done) CHECK(t == sym_done[0]);
  // 16 x 25 GB/s over an 8 x 25 GB/s uplink: half the NIC rate each.
  CHECK(sym_done[0] == transfer_ps(static_cast<double>(bytes), 200e9 / 8 / 2));
}

TEST_CASE("oversubscription 2 halves cross-leaf throughput when every NPU sends across") {
  const auto finish = [](const std::string& os) {
    const NetworkGraph g = build_cluster_network(
        load_cluster("atlas-a2-cluster", {"scale_out.oversubscription=" + os}), 64);
    std::vector<std::vector<WeightedLink>> flows;
    for (uint32_t i = 0; i < 64; ++i) flows.push_back(uses_of(g, i, (i + 32) % 64));
    TimePs last = 0;
    for (TimePs t : run_flows(g, flows, uint64_t{1} << 28)) last = std::max(last, t);
    return static_cast<double>(last);
  };
  CHECK(finish("2") / finish("1") == Approx(2.0).epsilon(1e-6));
}

TEST_CASE("flows started at one timestamp are rated once and finish deterministically") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 64);
  const auto trace = [&] {
    EventQueue events;
    FlowNetwork net(g, events);
    std::vector<std::pair<uint32_t, TimePs>> order;
    uint32_t id = 0;
    for (uint32_t i = 0; i < 64; ++i)
      for (uint32_t j : {1u, 9u, 33u}) {
        const uint32_t me = id++;
        net.start(uses_of(g, i, (i + j) % 64), (uint64_t{1} << 20) * (1 + (i * j) % 7), 100,
                  [&, me] { order.emplace_back(me, events.now()); });
      }
    events.run();
    return std::make_pair(order, net.stats().reratings);
  };
  const auto a = trace();
  const auto b = trace();
  CHECK(a.first == b.first);
  CHECK(a.first.size() == 64 * 3);
  // One rating for the 192 starts, then at most one per distinct completion time.
  CHECK(a.second <= 1 + 7 * 3 * 64);
  CHECK(a.second == b.second);
}

TEST_CASE("2000 concurrent flows of different sizes finish well under a second") {
  const NetworkGraph g = build_cluster_network(load_cluster("atlas-a2-cluster"), 512);
  EventQueue events;
  FlowNetwork net(g, events);
  uint64_t state = 12345;
  const auto next = [&] {  // LCG: deterministic pseudo-random pairs and sizes
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  uint32_t finished = 0;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t src = next() % 512;
    uint32_t dst = next() % 512;
    if (dst == src) dst = (dst + 1) % 512;
    net.start(uses_of(g, src, dst), 1000000 + next() % 100000000, 0, [&] { ++finished; });
  }
  const auto t0 = std::chrono::steady_clock::now();
  events.run();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "2000 concurrent flows: " << net.stats().reratings << " reratings in " << s
            << " s\n";
  CHECK(finished == 2000);
  CHECK(s < 5);  // about 0.1 s in a release build; generous for sanitizer builds
}
