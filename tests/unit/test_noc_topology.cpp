// On-chip topologies: hop counts, exact traversal times, and contention on shared links.
#include <catch2/catch.hpp>

#include "models/noc/noc_topology.h"

using namespace npusim;

namespace {
NocGeometry geometry(const std::string& name, uint32_t cols, uint32_t rows) {
  NocGeometry g;
  g.topology = name;
  g.cols = cols;
  g.rows = rows;
  g.link_bytes_per_ps = 0.128;  // 128 B/ns
  g.hop_latency_ps = 1000;      // 1 ns per hop
  return g;
}
}  // namespace

TEST_CASE("mesh XY routing: hops are the Manhattan distance") {
  auto mesh = make_noc_topology(geometry("mesh", 4, 6));
  CHECK(mesh->nodes() == 24);
  CHECK(mesh->hops(0, 0) == 0);
  CHECK(mesh->hops(0, 3) == 3);
  CHECK(mesh->hops(0, 23) == 3 + 5);
  CHECK(mesh->hops(5, 18) == 1 + 3);
}

TEST_CASE("an uncontended mesh transfer takes serialisation plus one hop latency per link") {
  auto mesh = make_noc_topology(geometry("mesh", 4, 6));
  // 4096 B at 128 B/ns = 32 ns to serialise; cut-through over 3 links adds 3 hop latencies.
  CHECK(mesh->traverse(0, 0, 0, 3, 4096) == Approx(32'000 + 3 * 1000));
  CHECK(mesh->traverse(0, 0, 7, 7, 4096) == Approx(0));
}

TEST_CASE("two flows sharing a mesh link are slower than two disjoint flows") {
  auto mesh = make_noc_topology(geometry("mesh", 4, 6));
  // 0->3 and 1->2 share the eastbound link 1->2.
  const double a = mesh->traverse(0, 0, 0, 3, 4096);
  const double shared = mesh->traverse(0, 0, 1, 2, 4096);
  mesh->reset();
  const double b = mesh->traverse(0, 0, 0, 3, 4096);
  const double disjoint = mesh->traverse(0, 0, 4, 5, 4096);  // row 1: no common link
  CHECK(a == Approx(b));
  CHECK(disjoint == Approx(32'000 + 1000));
  CHECK(shared > disjoint + 30'000);
}

TEST_CASE("ring takes the shorter direction") {
  auto ring = make_noc_topology(geometry("ring", 8, 1));
  CHECK(ring->hops(0, 3) == 3);
  CHECK(ring->hops(0, 6) == 2);
  CHECK(ring->traverse(0, 0, 0, 6, 128) == Approx(1000 + 2 * 1000));
}

TEST_CASE("crossbar: fixed latency and no contention") {
  auto xbar = make_noc_topology(geometry("crossbar", 1, 1));
  CHECK(xbar->traverse(0, 500, 0, 0, 4096) == Approx(1500));
  CHECK(xbar->traverse(0, 500, 0, 0, 4096) == Approx(1500));
  CHECK(xbar->link_busy_fraction(1e6) == 0);
}
