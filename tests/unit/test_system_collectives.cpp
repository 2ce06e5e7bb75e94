// Collectives: every algorithm's schedule computes the right result with sufficient
// dependencies (checked symbolically, no timing), and the timed runs follow the textbook
// formulas: ring all-reduce at 2(n-1)/n x bytes / link bandwidth, busbw never above what an
// NPU's links can carry, full-mesh direct faster than a ring on a full mesh, the PCIe-bridged
// Atlas 800 (910) slower than an all-HCCS 8-mesh, halving-doubling only for power-of-two n.
#include <bit>
#include <map>
#include <set>

#include "models/system/algorithm.h"
#include "models/system/topology.h"
#include "sim/base/error.h"
#include "sim/config/system_loader.h"
#include "sim/system/system_runner.h"
#include "system_fixtures.h"

using namespace npusim;
using npusim::testing::in_child;
using npusim::testing::TempDir;
using npusim::testing::tiny_system_yaml;

namespace {

/// Contributions (a bit per NPU) to each piece each NPU holds.
using Holdings = std::vector<std::map<uint32_t, uint64_t>>;

/// Executes a one-chunk schedule on symbolic data and checks that (a) every transfer sends
/// data its source has and a reduce never adds a contribution twice, (b) its dependencies
/// order it after every earlier write of a piece it sends into its source, and before every
/// later write into its source of a piece it sends; returns the final holdings.
Holdings execute(const Schedule& s, Collective c, uint32_t root) {
  const uint32_t n = s.npus;
  Holdings h(n);
  for (uint32_t r = 0; r < n; ++r)
    for (uint32_t q = 0; q < n; ++q) {
      if (c == Collective::allreduce || c == Collective::reducescatter) h[r][q] = 1ull << r;
      if (c == Collective::allgather && q == r) h[r][q] = 1ull << r;
      if (c == Collective::alltoall) h[r][r * n + q] = 1ull << r;
      if (c == Collective::broadcast && r == root) h[r][q] = 1ull << r;
    }
  // Ancestors of every transfer (transitive dependencies) as bit sets.
  const size_t count = s.transfers.size();
  std::vector<std::vector<bool>> anc(count, std::vector<bool>(count, false));
  for (size_t t = 0; t < count; ++t)
    for (uint32_t d : s.transfers[t].deps) {
      anc[t][d] = true;
      for (size_t a = 0; a < count; ++a)
        if (anc[d][a]) anc[t][a] = true;
    }
  for (size_t t = 0; t < count; ++t) {
    const Transfer& x = s.transfers[t];
    for (size_t u = 0; u < count; ++u) {
      const Transfer& y = s.transfers[u];
      if (u == t || y.dst != x.src) continue;
      bool shares = false;
      for (uint32_t q : y.pieces)
        for (uint32_t p : x.pieces) shares = shares || p == q;
      if (!shares) continue;
      INFO("transfer " << t << " reads what transfer " << u << " writes");
      if (u < t)
        CHECK(anc[t][u]);
      else
        CHECK(anc[u][t]);
    }
    for (uint32_t q : x.pieces) {
      INFO("transfer " << t << " piece " << q);
      REQUIRE(h[x.src].contains(q));
      if (x.reduce) {
        REQUIRE(h[x.dst].contains(q));
        CHECK((h[x.dst][q] & h[x.src][q]) == 0);
        h[x.dst][q] |= h[x.src][q];
      } else {
        h[x.dst][q] = h[x.src][q];
      }
    }
  }
  return h;
}

/// The collective's result is in place: checks the final holdings.
void check_result(const Holdings& h, Collective c, uint32_t n, uint32_t root) {
  const uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
  switch (c) {
    case Collective::allreduce:
      for (uint32_t r = 0; r < n; ++r)
        for (uint32_t q = 0; q < n; ++q) CHECK(h[r].at(q) == all);
      break;
    case Collective::reducescatter: {
      std::set<uint32_t> owned;  // each piece fully reduced on exactly one NPU, one per NPU
      for (uint32_t r = 0; r < n; ++r) {
        int full = 0;
        for (uint32_t q = 0; q < n; ++q)
          if (h[r].at(q) == all) {
            ++full;
            owned.insert(q);
          }
        CHECK(full == 1);
      }
      CHECK(owned.size() == n);
      break;
    }
    case Collective::allgather:
      for (uint32_t r = 0; r < n; ++r)
        for (uint32_t q = 0; q < n; ++q) CHECK(h[r].at(q) == 1ull << q);
      break;
    case Collective::alltoall:
      for (uint32_t d = 0; d < n; ++d)
        for (uint32_t o = 0; o < n; ++o) CHECK(h[d].at(o * n + d) == 1ull << o);
      break;
    case Collective::broadcast:
      for (uint32_t r = 0; r < n; ++r)
        for (uint32_t q = 0; q < n; ++q) CHECK(h[r].at(q) == 1ull << root);
      break;
  }
}

/// Builds and runs `collective` on a system in a child; returns {time_s, busbw_gbps, egress
/// payload bytes/s of NPU 0}.
std::vector<double> run_in_child(const SystemConfig& s, Collective c, const std::string& algorithm,
                                 uint64_t bytes) {
  return in_child([&] {
    SystemSimulator sim(s);
    const SystemRunResult r = sim.run(c, algorithm, bytes);
    return std::vector<double>{r.time_s, r.busbw_gbps};
  });
}

/// Payload rate out of NPU 0 over all its links.
double egress(const SystemConfig& s) {
  const auto topology = make_topology(s);
  double total = 0;
  for (const LinkSpec& l : topology->links())
    if (l.from == 0) total += s.link(l.type).payload_bytes_per_s(l.count);
  return total;
}

}  // namespace

TEST_CASE("every algorithm computes every collective with sufficient dependencies") {
  for (const auto& a : algorithms())
    for (uint32_t n : {2u, 3u, 4u, 5u, 8u, 16u})
      for (const std::string& name : collective_names()) {
        const Collective c = *parse_collective(name);
        if (!a->unsupported(c, n).empty()) continue;
        for (uint32_t root : {0u, n - 1}) {
          if (root != 0 && c != Collective::broadcast) continue;
          INFO(a->name() << " " << name << " on " << n << " NPUs, root " << root);
          CollectiveSpec spec{c, n, 4ull * n * 8, 4, 1ull << 20, root};
          const Schedule s = build_schedule(*a, spec);
          check_result(execute(s, c, root), c, n, root);
        }
      }
}

TEST_CASE("halving-doubling runs on power-of-two counts and is rejected on others") {
  const CollectiveAlgorithm& hd = *find_algorithm("hd");
  for (uint32_t n : {2u, 4u, 8u, 16u, 32u}) CHECK(hd.unsupported(Collective::allreduce, n).empty());
  for (uint32_t n : {3u, 5u, 6u, 12u}) {
    const std::string why = hd.unsupported(Collective::allreduce, n);
    CHECK(why.find("power-of-two") != std::string::npos);
  }
  // On a 6-NPU system the runner refuses hd with a one-line InputError (no fallback)...
  SystemConfig six = load_system("atlas800t-a2", {"npus=6"});
  const auto outcome = in_child([&] {
    SystemSimulator sim(six);
    try {
      (void)sim.run(Collective::allreduce, "hd", 1 << 20);
    } catch (const InputError& e) {
      const std::string m = e.what();
      const bool good = m.find("power-of-two") != std::string::npos &&
                        m.find("ring") != std::string::npos && m.find('\n') == std::string::npos;
      // ... and auto still finds an algorithm for the same system.
      const SystemRunResult r = sim.run(Collective::allreduce, "auto", 1 << 20);
      return std::vector<double>{good ? 1.0 : 0.0, r.algorithm != "hd" ? 1.0 : 0.0};
    }
    return std::vector<double>{0, 0};
  });
  REQUIRE(outcome.size() == 2);
  CHECK(outcome[0] == 1);
  CHECK(outcome[1] == 1);
  // On 8 NPUs, hd moves all-reduce data over log2(8) = 3 links per NPU: it lies between the
  // ring (one link) and full-mesh direct (seven).
  const SystemConfig a2 = load_system("atlas800t-a2");
  const double hd_t = run_in_child(a2, Collective::allreduce, "hd", 256 << 20).at(0);
  const double ring_t = run_in_child(a2, Collective::allreduce, "ring", 256 << 20).at(0);
  const double mesh_t = run_in_child(a2, Collective::allreduce, "fullmesh", 256 << 20).at(0);
  CHECK(mesh_t < hd_t);
  CHECK(hd_t < ring_t);
}

TEST_CASE("ring all-reduce takes 2(n-1)/n x bytes / link bandwidth for large messages") {
  TempDir dir;
  for (uint32_t n : {2u, 4u, 5u}) {
    const std::string path = dir.write("ring" + std::to_string(n) + ".yaml",
                                       tiny_system_yaml("ring" + std::to_string(n), n, 1024, 10));
    const SystemConfig s = load_system(path);
    const uint64_t bytes = 240ull << 20;  // a multiple of n x 4 for n = 2, 4, 5
    const double link = s.link("l").payload_bytes_per_s();
    const double formula = 2.0 * (n - 1) / n * double(bytes) / link;
    const double t = run_in_child(s, Collective::allreduce, "ring", bytes).at(0);
    INFO(n << " NPUs: model " << t << " s, formula " << formula << " s");
    // Above the formula only by the pipeline's fill and drain: 2(n-1) steps of one piece.
    CHECK(t >= formula);
    CHECK(t <= formula * 1.02);
  }
}

TEST_CASE("busbw never exceeds what an NPU's links can carry") {
  for (const char* system : {"atlas800t-a2", "atlas800-910", "dgx-a100"}) {
    const SystemConfig s = load_system(system);
    const double bound_gbps = egress(s) * 1e-9;
    const auto busbw = in_child([&] {
      SystemSimulator sim(s);
      std::vector<double> out;
      for (const std::string& c : collective_names())
        for (const char* a : {"ring", "fullmesh", "hd"})
          for (uint64_t bytes : {1ull << 20, 64ull << 20})
            out.push_back(sim.run(*parse_collective(c), a, bytes).busbw_gbps);
      return out;
    });
    REQUIRE(busbw.size() == 5 * 3 * 2);
    for (double b : busbw) {
      INFO(system << ": busbw " << b << " GB/s, bound " << bound_gbps << " GB/s");
      CHECK(b > 0);
      CHECK(b <= bound_gbps);
    }
  }
}

TEST_CASE("full-mesh direct beats the ring on a full mesh for large messages") {
  const SystemConfig a2 = load_system("atlas800t-a2");
  const auto t = in_child([&] {
    SystemSimulator sim(a2);
    return std::vector<double>{sim.run(Collective::allreduce, "fullmesh", 512 << 20).time_s,
                               sim.run(Collective::allreduce, "ring", 512 << 20).time_s,
                               sim.run(Collective::allgather, "fullmesh", 512 << 20).time_s,
                               sim.run(Collective::allgather, "ring", 512 << 20).time_s};
  });
  REQUIRE(t.size() == 4);
  // Seven links against one: at least 5x faster with HBM and pipelining in the way.
  CHECK(t[0] * 5 < t[1]);
  CHECK(t[2] * 5 < t[3]);
  // auto picks full mesh here.
  const auto chosen = in_child([&] {
    SystemSimulator sim(a2);
    return std::vector<double>{
        sim.choose_algorithm(Collective::allreduce, 1 << 30, {}) == "fullmesh" ? 1.0 : 0.0};
  });
  CHECK(chosen == std::vector<double>{1.0});
}

TEST_CASE("the PCIe-bridged Atlas 800 (910) is slower than an all-HCCS 8-mesh") {
  const SystemConfig bridged = load_system("atlas800-910");
  SystemConfig meshed = bridged;  // the same chips and links, all 8 joined by HCCS
  meshed.topology.kind = "full_mesh";
  const uint64_t bytes = 256ull << 20;
  for (const char* a : {"auto", "fullmesh", "ring"}) {
    const double t_bridged = run_in_child(bridged, Collective::allreduce, a, bytes).at(0);
    const double t_meshed = run_in_child(meshed, Collective::allreduce, a, bytes).at(0);
    INFO(a << ": bridged " << t_bridged << " s, 8-mesh " << t_meshed << " s");
    CHECK(t_bridged > t_meshed);
  }
}

TEST_CASE("many sizes reuse one elaborated system and repeat exactly") {
  const SystemConfig a2 = load_system("atlas800t-a2");
  const auto t = in_child([&] {
    SystemSimulator sim(a2);
    std::vector<double> out;
    for (int i = 0; i < 2; ++i)
      for (uint64_t bytes : {1024ull, 1ull << 20, 16ull << 20})
        out.push_back(sim.run(Collective::allreduce, "auto", bytes).time_s);
    return out;
  });
  REQUIRE(t.size() == 6);
  for (size_t i = 0; i < 3; ++i) CHECK(t[i] == Approx(t[i + 3]).epsilon(1e-12));
  CHECK(t[0] < t[1]);
  CHECK(t[1] < t[2]);
}

TEST_CASE("the runner rejects sizes that are not whole elements and unknown algorithms") {
  const SystemConfig a2 = load_system("atlas800t-a2");
  const auto v = in_child([&] {
    SystemSimulator sim(a2);
    std::vector<double> out;
    for (const auto& [algorithm, bytes] :
         std::vector<std::pair<std::string, uint64_t>>{{"ring", 1001}, {"rnig", 1024}}) {
      try {
        (void)sim.run(Collective::allreduce, algorithm, bytes);
        out.push_back(0);
      } catch (const InputError& e) {
        const std::string m = e.what();
        out.push_back(m.find("fp32") != std::string::npos ||
                              m.find("did you mean 'ring'") != std::string::npos
                          ? 1
                          : 0);
      }
    }
    return out;
  });
  CHECK(v == std::vector<double>{1, 1});
}
