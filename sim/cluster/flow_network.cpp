// Max-min fair flow network (docs/cluster-network.md). Every change of the flow set at one
// timestamp is coalesced into a single update event: advance all flows to now, retire the
// finished ones, admit the new ones, re-rate by progressive filling, schedule the next
// completion. A newer update makes an older scheduled one stale (generation counter), since
// the EventQueue cannot cancel events.

#include "sim/cluster/flow_network.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "sim/base/error.h"

namespace npusim {

namespace {

/// A flow with less than this many bytes left is done (floating-point residue).
constexpr double kResidueBytes = 1e-6;

struct Flow {
  std::vector<WeightedLink> uses;
  double remaining = 0;  ///< bytes
  double rate = 0;       ///< bytes/s
  TimePs latency = 0;
  FlowNetwork::Done done;
};

}  // namespace

struct FlowNetwork::Impl {
  const NetworkGraph& graph;
  EventQueue& events;
  FlowNetworkStats stats;
  std::vector<Flow> active;   ///< rated flows, in start order
  std::vector<Flow> pending;  ///< started at this timestamp, rated at the next update
  TimePs advanced_to = 0;     ///< time the active flows' `remaining` refers to
  uint64_t generation = 0;    ///< only the update scheduled last is live
  TimePs update_at = kNever;  ///< time of the live scheduled update

  // Scratch for rerate(), sized to the link count once: per-link remaining capacity, sum of
  // unfrozen weights, and a CSR of (flow, weight) per link.
  std::vector<double> cap;
  std::vector<uint64_t> wsum;
  std::vector<uint32_t> seen;  ///< epoch stamp: link touched in this rerate
  std::vector<uint32_t> first, fill;
  std::vector<uint32_t> touched;
  std::vector<std::pair<uint32_t, uint32_t>> entries;
  std::vector<char> frozen;
  uint32_t epoch = 0;

  Impl(const NetworkGraph& g, EventQueue& e) : graph(g), events(e) {
    const uint32_t links = g.link_count();
    stats.link_bytes.assign(links, 0);
    cap.assign(links, 0);
    wsum.assign(links, 0);
    seen.assign(links, 0);
    first.assign(links, 0);
    fill.assign(links, 0);
  }

  void request_update_now() {
    if (update_at == events.now()) return;  // one update per timestamp
    schedule_update(events.now());
  }

  void schedule_update(TimePs when) {
    const uint64_t gen = ++generation;
    update_at = when;
    events.at(when, [this, gen] {
      if (gen == generation) update();
    });
  }

  void update() {
    const TimePs now = events.now();
    update_at = kNever;
    const double dt = ps_to_seconds(now - advanced_to);
    advanced_to = now;
    bool changed = !pending.empty();

    // Advance and retire, keeping start order for determinism.
    size_t kept = 0;
    for (size_t i = 0; i < active.size(); ++i) {
      Flow& f = active[i];
      f.remaining -= f.rate * dt;
      // Done when the residue is noise or would take under one picosecond.
      if (f.remaining <= kResidueBytes || f.remaining <= f.rate * 1e-12) {
        events.at(now + f.latency, std::move(f.done));
        changed = true;
        continue;
      }
      if (kept != i) active[kept] = std::move(f);
      ++kept;
    }
    active.resize(kept);
    for (Flow& f : pending) active.push_back(std::move(f));
    pending.clear();
    if (active.empty()) return;
    if (changed) rerate();

    double soonest = std::numeric_limits<double>::infinity();
    for (const Flow& f : active) soonest = std::min(soonest, f.remaining / f.rate);
    const double ps = std::ceil(soonest * 1e12);
    const TimePs delay = ps < 1 ? 1 : static_cast<TimePs>(ps);
    schedule_update(now + delay);
  }

  /// Progressive filling with weights: repeatedly take the link with the smallest fair share
  /// (remaining capacity / unfrozen weight), freeze its unfrozen flows at that share and
  /// charge them to every link they cross. A min-heap finds the link.
  void rerate() {
    ++stats.reratings;
    ++epoch;
    touched.clear();
    for (const Flow& f : active)
      for (const WeightedLink& u : f.uses) {
        if (seen[u.link] != epoch) {
          seen[u.link] = epoch;
          touched.push_back(u.link);
          cap[u.link] = graph.link(u.link).bytes_per_s;
          wsum[u.link] = 0;
          first[u.link] = 0;
        }
        wsum[u.link] += u.weight;
        ++first[u.link];  // count for now
      }
    uint32_t offset = 0;
    for (uint32_t l : touched) {
      const uint32_t count = first[l];
      first[l] = offset;
      fill[l] = offset;
      offset += count;
    }
    entries.resize(offset);
    for (uint32_t fi = 0; fi < active.size(); ++fi)
      for (const WeightedLink& u : active[fi].uses) entries[fill[u.link]++] = {fi, u.weight};

    // Shares only grow as flows freeze (a flow frozen at the current minimum leaves every
    // other link a share at least as large), so heap keys may be stale-low: on pop, recompute
    // and push back if it grew. That avoids a push per (flow, link) freeze.
    using Entry = std::pair<double, uint32_t>;  // share, link
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (uint32_t l : touched) heap.emplace(cap[l] / static_cast<double>(wsum[l]), l);
    frozen.assign(active.size(), 0);

    while (!heap.empty()) {
      const auto [key, l] = heap.top();
      heap.pop();
      if (wsum[l] == 0) continue;  // every flow on it already frozen elsewhere
      const double rate = std::max(cap[l], 0.0) / static_cast<double>(wsum[l]);
      if (rate > key * (1 + 1e-12)) {
        heap.emplace(rate, l);
        continue;
      }
      for (uint32_t e = first[l]; e < fill[l]; ++e) {
        const uint32_t fi = entries[e].first;
        if (frozen[fi]) continue;
        frozen[fi] = 1;
        Flow& f = active[fi];
        f.rate = rate;
        for (const WeightedLink& u : f.uses) {
          cap[u.link] -= rate * u.weight;
          wsum[u.link] -= u.weight;
        }
      }
    }
    for (const Flow& f : active)
      if (!(f.rate > 0)) throw InternalError("flow network gave a flow no bandwidth");
  }
};

FlowNetwork::FlowNetwork(const NetworkGraph& graph, EventQueue& events)
    : impl_(std::make_unique<Impl>(graph, events)) {}

FlowNetwork::~FlowNetwork() = default;

void FlowNetwork::start(std::vector<WeightedLink> uses, uint64_t bytes, TimePs latency_ps, Done done) {
  Impl& m = *impl_;
  ++m.stats.flows;
  m.stats.bytes += bytes;
  for (const WeightedLink& u : uses) {
    if (u.link >= m.graph.link_count() || u.weight == 0)
      throw InternalError("flow uses link " + std::to_string(u.link) + " with weight " +
                          std::to_string(u.weight));
    m.stats.link_bytes[u.link] += static_cast<double>(bytes) * u.weight;
  }
  if (uses.empty() || bytes == 0) {
    m.events.after(latency_ps, std::move(done));
    return;
  }
  Flow f;
  f.uses = std::move(uses);
  f.remaining = static_cast<double>(bytes);
  f.latency = latency_ps;
  f.done = std::move(done);
  m.pending.push_back(std::move(f));
  m.request_update_now();
}

const FlowNetworkStats& FlowNetwork::stats() const { return impl_->stats; }

uint32_t FlowNetwork::active_flows() const {
  return static_cast<uint32_t>(impl_->active.size() + impl_->pending.size());
}

}  // namespace npusim
