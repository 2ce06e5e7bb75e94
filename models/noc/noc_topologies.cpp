// The shipped on-chip topologies: an ideal crossbar, a 2-D mesh with XY routing, and a
// bidirectional ring with shortest-direction routing.
#include <algorithm>
#include <cstdlib>

#include "models/noc/noc_topology.h"
#include "sim/base/error.h"

namespace npusim {
namespace {

/// Every pair one hop apart, no shared links: latency only (the chip model's first NoC).
class Crossbar final : public NocTopology {
public:
  explicit Crossbar(const NocGeometry& g) : latency_ps_(g.hop_latency_ps) {}
  uint32_t nodes() const override { return 1; }
  uint32_t hops(uint32_t, uint32_t) const override { return 1; }
  double traverse(double, double depart_ps, uint32_t, uint32_t, uint64_t) override {
    return depart_ps + latency_ps_;
  }
  void reset() override {}
  double link_busy_fraction(double) const override { return 0; }

private:
  double latency_ps_;
};

/// Shared machinery of topologies made of directed links, each a bandwidth server.
class LinkNetwork : public NocTopology {
public:
  explicit LinkNetwork(const NocGeometry& g, size_t link_count)
      : hop_latency_ps_(g.hop_latency_ps),
        ps_per_byte_(1.0 / g.link_bytes_per_ps),
        links_(link_count, BandwidthServer(g.link_bytes_per_ps)) {}

  double traverse(double now_ps, double depart_ps, uint32_t from, uint32_t to,
                  uint64_t bytes) override {
    route_.clear();
    route(from, to, route_);
    // Cut-through: the head reaches the next link one hop latency after it starts crossing
    // this one; each link is booked for the whole message from when it can start sending.
    // (Downstream congestion does not hold upstream links: buffers are assumed deep enough.)
    const double duration = double(bytes) * ps_per_byte_;
    double head = depart_ps;
    double tail = depart_ps;
    for (size_t link : route_) {
      tail = links_[link].serve(now_ps, head, bytes);
      head = tail - duration + hop_latency_ps_;
    }
    return route_.empty() ? depart_ps : tail + hop_latency_ps_;
  }

  void reset() override {
    for (auto& link : links_) link.reset();
  }

  double link_busy_fraction(double elapsed_ps) const override {
    if (elapsed_ps <= 0 || links_.empty()) return 0;
    double busy = 0;
    for (const auto& link : links_) busy += link.busy_ps();
    return busy / (elapsed_ps * double(links_.size()));
  }

protected:
  /// Appends the directed links from `from` to `to`.
  virtual void route(uint32_t from, uint32_t to, std::vector<size_t>& links) const = 0;

private:
  double hop_latency_ps_;
  double ps_per_byte_;
  std::vector<BandwidthServer> links_;
  std::vector<size_t> route_;  ///< scratch, reused to avoid an allocation per request
};

/// cols x rows mesh, XY routing. Link index: node * 4 + direction (E, W, N, S).
class Mesh final : public LinkNetwork {
public:
  explicit Mesh(const NocGeometry& g)
      : LinkNetwork(g, size_t(g.cols) * g.rows * 4), cols_(g.cols), rows_(g.rows) {}
  uint32_t nodes() const override { return cols_ * rows_; }
  uint32_t hops(uint32_t from, uint32_t to) const override {
    return uint32_t(std::abs(int(from % cols_) - int(to % cols_)) +
                    std::abs(int(from / cols_) - int(to / cols_)));
  }

protected:
  void route(uint32_t from, uint32_t to, std::vector<size_t>& links) const override {
    uint32_t x = from % cols_, y = from / cols_;
    const uint32_t tx = to % cols_, ty = to / cols_;
    while (x != tx) {  // X first
      const bool east = tx > x;
      links.push_back(size_t(y * cols_ + x) * 4 + (east ? 0 : 1));
      x = east ? x + 1 : x - 1;
    }
    while (y != ty) {  // then Y
      const bool north = ty > y;
      links.push_back(size_t(y * cols_ + x) * 4 + (north ? 2 : 3));
      y = north ? y + 1 : y - 1;
    }
  }

private:
  uint32_t cols_, rows_;
};

/// Bidirectional ring of `cols` nodes, shortest direction (clockwise on a tie).
/// Link index: node * 2 + direction (clockwise, counter-clockwise).
class Ring final : public LinkNetwork {
public:
  explicit Ring(const NocGeometry& g) : LinkNetwork(g, size_t(g.cols) * 2), n_(g.cols) {}
  uint32_t nodes() const override { return n_; }
  uint32_t hops(uint32_t from, uint32_t to) const override {
    const uint32_t cw = (to + n_ - from) % n_;
    return std::min(cw, n_ - cw);
  }

protected:
  void route(uint32_t from, uint32_t to, std::vector<size_t>& links) const override {
    const uint32_t cw = (to + n_ - from) % n_;
    const bool clockwise = cw <= n_ - cw;
    for (uint32_t node = from; node != to; node = clockwise ? (node + 1) % n_ : (node + n_ - 1) % n_)
      links.push_back(size_t(node) * 2 + (clockwise ? 0 : 1));
  }

private:
  uint32_t n_;
};

}  // namespace

std::unique_ptr<NocTopology> make_noc_topology(const NocGeometry& g) {
  if (g.topology == "crossbar") return std::make_unique<Crossbar>(g);
  if (g.topology == "mesh") return std::make_unique<Mesh>(g);
  if (g.topology == "ring") return std::make_unique<Ring>(g);
  throw InternalError("unknown NoC topology '" + g.topology + "' (the loader checks names)");
}

NocGeometry noc_geometry(const ChipConfig& chip) {
  NocGeometry g;
  g.topology = chip.noc.topology;
  g.cols = chip.noc.mesh_cols;
  g.rows = chip.noc.mesh_rows;
  g.link_bytes_per_ps = chip.noc.link_bytes_per_cycle / chip.cycle_ps();
  g.hop_latency_ps = chip.noc.topology == "crossbar" ? 0.0 : chip.noc.hop_latency_cycles * chip.cycle_ps();
  return g;
}

std::vector<std::string> noc_topology_names() { return {"crossbar", "mesh", "ring"}; }

}  // namespace npusim
