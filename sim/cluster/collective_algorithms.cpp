// Collective algorithms as phases of flows, and the automatic policy (docs/cluster-network.md).
// Pipelined algorithms are one phase: every flow carries all its steps' bytes at once and pays
// the path latency once per step (alpha-beta: steps x alpha + bytes / beta).

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "sim/base/error.h"
#include "sim/cluster/collective.h"
#include "sim/cluster/rank_layout.h"

namespace npusim {

const char* to_string(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::all_reduce: return "all_reduce";
    case CollectiveKind::all_gather: return "all_gather";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
    case CollectiveKind::all_to_all: return "all_to_all";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::send_recv: return "send_recv";
  }
  return "?";
}

const char* to_string(CollectiveAlgo algo) {
  switch (algo) {
    case CollectiveAlgo::automatic: return "auto";
    case CollectiveAlgo::ring: return "ring";
    case CollectiveAlgo::double_binary_tree: return "double_binary_tree";
    case CollectiveAlgo::halving_doubling: return "halving_doubling";
    case CollectiveAlgo::hierarchical: return "hierarchical";
    case CollectiveAlgo::direct: return "direct";
  }
  return "?";
}

std::optional<CollectiveAlgo> parse_collective_algo(const std::string& text) {
  static const std::map<std::string, CollectiveAlgo> names = {
      {"auto", CollectiveAlgo::automatic},
      {"automatic", CollectiveAlgo::automatic},
      {"ring", CollectiveAlgo::ring},
      {"tree", CollectiveAlgo::double_binary_tree},
      {"double_binary_tree", CollectiveAlgo::double_binary_tree},
      {"hd", CollectiveAlgo::halving_doubling},
      {"halving_doubling", CollectiveAlgo::halving_doubling},
      {"hierarchical", CollectiveAlgo::hierarchical},
      {"direct", CollectiveAlgo::direct},
  };
  const auto found = names.find(text);
  if (found == names.end()) return std::nullopt;
  return found->second;
}

namespace {

using Members = std::vector<uint32_t>;

/// ceil(bytes * num / den): a share of the buffer, never rounded down to nothing.
uint64_t share(uint64_t bytes, uint64_t num, uint64_t den) {
  // Split so that bytes * num cannot overflow: den and num are small (about n).
  return bytes / den * num + (bytes % den * num + den - 1) / den;
}

bool power_of_two(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

/// Members grouped by scale-up domain (node or supernode), in order of first appearance.
std::vector<Members> domains_of(const Members& npus, const NetworkGraph& net) {
  std::vector<Members> groups;
  std::map<uint32_t, size_t> index;
  for (uint32_t npu : npus) {
    const uint32_t domain = npu / net.scale_up_domain();
    const auto [it, fresh] = index.emplace(domain, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(npu);
  }
  return groups;
}

/// Hierarchical needs >= 2 domains with the same number (>= 2) of members each.
bool hierarchical_applies(const Members& npus, const NetworkGraph& net) {
  const auto groups = domains_of(npus, net);
  if (groups.size() < 2 || groups[0].size() < 2) return false;
  return std::all_of(groups.begin(), groups.end(),
                     [&](const Members& g) { return g.size() == groups[0].size(); });
}

bool algo_applies(CollectiveAlgo algo, const CollectiveCall& call, const NetworkGraph& net) {
  const auto k = call.kind;
  switch (algo) {
    case CollectiveAlgo::ring:
    case CollectiveAlgo::direct: return true;
    case CollectiveAlgo::double_binary_tree:
      return k == CollectiveKind::all_reduce || k == CollectiveKind::broadcast;
    case CollectiveAlgo::halving_doubling: return power_of_two(call.npus.size());
    case CollectiveAlgo::hierarchical:
      return k != CollectiveKind::all_to_all && hierarchical_applies(call.npus, net);
    case CollectiveAlgo::automatic: return false;
  }
  return false;
}

// ---- ring --------------------------------------------------------------------------------

void ring_flows(const Members& m, uint64_t bytes, Phase& phase) {
  if (m.size() < 2) return;
  for (size_t i = 0; i < m.size(); ++i) phase.flows.push_back({m[i], m[(i + 1) % m.size()], bytes});
}

void chain_flows(const Members& m, uint64_t bytes, Phase& phase) {
  for (size_t i = 0; i + 1 < m.size(); ++i) phase.flows.push_back({m[i], m[i + 1], bytes});
}

/// One pipelined ring (or chain, for broadcast) phase of `kind` over `m`. With `fill` > 0
/// each step of a reduce-scatter / all-gather ring also moves min(fill, S/n) bytes' worth of
/// time: the collective library's chunk pipeline filling (NetworkGraph::node_ring_fill_bytes).
Phase ring_phase(CollectiveKind kind, const Members& m, uint64_t bytes, uint64_t fill = 0) {
  const uint64_t n = m.size();
  const uint64_t step_fill = std::min(fill, share(bytes, 1, n));
  Phase p;
  switch (kind) {
    case CollectiveKind::all_reduce:  // reduce-scatter + all-gather: 2(n-1) steps of S/n
      ring_flows(m, share(bytes, 2 * (n - 1), n) + 2 * (n - 1) * step_fill, p);
      p.latency_steps = static_cast<uint32_t>(2 * (n - 1));
      break;
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:  // n-1 steps of S/n
      ring_flows(m, share(bytes, n - 1, n) + (n - 1) * step_fill, p);
      p.latency_steps = static_cast<uint32_t>(n - 1);
      break;
    case CollectiveKind::all_to_all:  // store-and-forward: a block for distance d crosses d links
      ring_flows(m, share(bytes, n - 1, 2), p);
      p.latency_steps = static_cast<uint32_t>(n - 1);
      break;
    case CollectiveKind::broadcast:  // pipelined chain from rank 0
      chain_flows(m, bytes, p);
      p.latency_steps = static_cast<uint32_t>(n - 1);
      break;
    case CollectiveKind::send_recv:
      p.flows.push_back({m[0], m[1], bytes});
      break;
  }
  return p;
}

/// The ring pipeline fill that applies to members `m`: the node fabric's, if they share a node
/// (where it was measured); none across nodes.
uint64_t ring_fill(const Members& m, const NetworkGraph& net) {
  return in_one_node(m, net.npus_per_node()) ? net.node_ring_fill_bytes() : 0;
}

// ---- double binary tree ---------------------------------------------------------------------

/// In-order balanced binary tree over positions [lo, hi): the middle is the root. Appends
/// (parent, child) position pairs; returns the height in edges.
uint32_t btree(size_t lo, size_t hi, size_t parent, std::vector<std::pair<size_t, size_t>>& edges) {
  if (lo >= hi) return 0;
  const size_t mid = lo + (hi - lo) / 2;
  if (parent != SIZE_MAX) edges.emplace_back(parent, mid);
  const uint32_t below = std::max(btree(lo, mid, mid, edges), btree(mid + 1, hi, mid, edges));
  return below + (parent != SIZE_MAX ? 1 : 0);
}

/// Two trees, the second mirrored (position i -> n-1-i) so most inner nodes of one are
/// leaves of the other; each carries half the data, pipelined: reduce up, broadcast down.
std::vector<Phase> tree_phases(const CollectiveCall& call) {
  const Members& m = call.npus;
  const size_t n = m.size();
  std::vector<std::pair<size_t, size_t>> edges;
  const uint32_t height = std::max<uint32_t>(btree(0, n, SIZE_MAX, edges), 1);
  const uint64_t half = share(call.bytes, 1, 2);
  Phase p;
  const bool all_reduce = call.kind == CollectiveKind::all_reduce;
  for (int tree = 0; tree < 2; ++tree)
    for (const auto& [parent, child] : edges) {
      const uint32_t a = m[tree == 0 ? parent : n - 1 - parent];
      const uint32_t b = m[tree == 0 ? child : n - 1 - child];
      if (all_reduce) p.flows.push_back({b, a, half});
      p.flows.push_back({a, b, half});
    }
  p.latency_steps = all_reduce ? 2 * height : height;
  return {p};
}

// ---- halving-doubling -----------------------------------------------------------------------

/// Pairwise exchange with partner i XOR d, `bytes` each way.
Phase exchange_phase(const Members& m, size_t d, uint64_t bytes) {
  Phase p;
  for (size_t i = 0; i < m.size(); ++i) p.flows.push_back({m[i], m[i ^ d], bytes});
  return p;
}

std::vector<Phase> halving_doubling_phases(const CollectiveCall& call) {
  const Members& m = call.npus;
  const size_t n = m.size();
  const uint64_t s = call.bytes;
  std::vector<Phase> phases;
  const auto halving = [&] {  // reduce-scatter: distances n/2 .. 1, S/2 .. S/n
    uint64_t part = s;
    for (size_t d = n / 2; d >= 1; d /= 2) {
      part = share(part, 1, 2);
      phases.push_back(exchange_phase(m, d, part));
    }
  };
  const auto doubling = [&] {  // all-gather: distances 1 .. n/2, S/n .. S/2
    for (size_t d = 1; d < n; d *= 2) phases.push_back(exchange_phase(m, d, share(s, d, n)));
  };
  switch (call.kind) {
    case CollectiveKind::all_reduce: halving(); doubling(); break;
    case CollectiveKind::reduce_scatter: halving(); break;
    case CollectiveKind::all_gather: doubling(); break;
    case CollectiveKind::all_to_all:  // pairwise exchange: n-1 rounds with partner i XOR k
      for (size_t k = 1; k < n; ++k) phases.push_back(exchange_phase(m, k, share(s, 1, n)));
      break;
    case CollectiveKind::broadcast:  // binomial tree: round j doubles the holders
      for (size_t d = 1; d < n; d *= 2) {
        Phase p;
        for (size_t i = 0; i < d; ++i) p.flows.push_back({m[i], m[i + d], s});
        phases.push_back(std::move(p));
      }
      break;
    case CollectiveKind::send_recv: break;
  }
  return phases;
}

// ---- hierarchical ----

std::vector<Phase> direct_phases(CollectiveKind kind, const Members& m, uint64_t bytes);

/// A collective inside one scale-up domain: all pairs at once on a full-mesh node (every
/// pair has its own link, as HCCL's mesh algorithm uses), else a ring.
std::vector<Phase> inner_phases(CollectiveKind kind, const Members& m, uint64_t bytes,
                                const NetworkGraph& net) {
  if (net.node_is_full_mesh() && net.scale_up_domain() == net.npus_per_node())
    return direct_phases(kind, m, bytes);
  return {ring_phase(kind, m, bytes, ring_fill(m, net))};
}

/// Merges the same-index phases of concurrent sub-collectives into one phase each.
void merge_into(std::vector<Phase>& into, size_t at, const Phase& p) {
  if (p.flows.empty()) return;
  if (into.size() <= at) into.resize(at + 1);
  into[at].flows.insert(into[at].flows.end(), p.flows.begin(), p.flows.end());
  into[at].latency_steps = std::max(into[at].latency_steps, p.latency_steps);
}

/// Inner level: the scale-up domains; outer level: same-position members of every domain.
std::vector<Phase> hierarchical_phases(const CollectiveCall& call, const NetworkGraph& net) {
  const std::vector<Members> inner = domains_of(call.npus, net);
  const size_t k = inner[0].size();
  std::vector<Members> outer(k);
  for (const Members& g : inner)
    for (size_t j = 0; j < k; ++j) outer[j].push_back(g[j]);
  const uint64_t s = call.bytes;
  const uint64_t slice = share(s, 1, k);  // what one member owns after the inner step

  // Each step's sub-collectives run concurrently: their phases merge index by index.
  std::vector<Phase> phases;
  const auto inner_step = [&](CollectiveKind kind) {
    const size_t at = phases.size();
    for (const Members& g : inner) {
      const auto sub = inner_phases(kind, g, s, net);
      for (size_t i = 0; i < sub.size(); ++i) merge_into(phases, at + i, sub[i]);
    }
  };
  const auto outer_step = [&](const std::vector<Members>& groups, CollectiveKind kind,
                              uint64_t bytes) {
    const size_t at = phases.size();
    for (const Members& g : groups) merge_into(phases, at, ring_phase(kind, g, bytes));
  };
  switch (call.kind) {
    case CollectiveKind::all_reduce:
      inner_step(CollectiveKind::reduce_scatter);
      outer_step(outer, CollectiveKind::all_reduce, slice);
      inner_step(CollectiveKind::all_gather);
      break;
    case CollectiveKind::reduce_scatter:
      inner_step(CollectiveKind::reduce_scatter);
      outer_step(outer, CollectiveKind::reduce_scatter, slice);
      break;
    case CollectiveKind::all_gather:
      outer_step(outer, CollectiveKind::all_gather, slice);
      inner_step(CollectiveKind::all_gather);
      break;
    case CollectiveKind::broadcast:  // root's column across domains, then inside each domain
      outer_step({outer[0]}, CollectiveKind::broadcast, s);
      inner_step(CollectiveKind::broadcast);
      break;
    case CollectiveKind::all_to_all:
    case CollectiveKind::send_recv: break;
  }
  return phases;
}

// ---- direct ---------------------------------------------------------------------------------

Phase all_pairs(const Members& m, uint64_t bytes) {
  Phase p;
  for (uint32_t a : m)
    for (uint32_t b : m)
      if (a != b) p.flows.push_back({a, b, bytes});
  return p;
}

std::vector<Phase> direct_phases(CollectiveKind kind, const Members& m, uint64_t bytes) {
  const uint64_t piece = share(bytes, 1, m.size());
  switch (kind) {
    case CollectiveKind::all_to_all:
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter: return {all_pairs(m, piece)};
    case CollectiveKind::all_reduce: return {all_pairs(m, piece), all_pairs(m, piece)};
    case CollectiveKind::broadcast: {
      Phase p;
      for (size_t i = 1; i < m.size(); ++i) p.flows.push_back({m[0], m[i], bytes});
      return {p};
    }
    case CollectiveKind::send_recv: return {ring_phase(kind, m, bytes)};
  }
  return {};
}

void check_call(const CollectiveCall& call, const NetworkGraph& net) {
  for (uint32_t npu : call.npus)
    if (npu >= net.npus())
      throw InputError(std::string(to_string(call.kind)) + ": NPU " + std::to_string(npu) +
                       " is outside the " + std::to_string(net.npus()) + "-NPU network");
  if (call.kind == CollectiveKind::send_recv && call.npus.size() != 2)
    throw InputError("send_recv: needs exactly 2 NPUs {src, dst}, got " +
                     std::to_string(call.npus.size()));
}

}  // namespace

/// 1 MiB: below it an all-reduce across nodes is latency-bound, where the tree's 2 log2 n
/// steps beat the ring's 2(n-1) (NCCL's tuner switches at a similar size).
constexpr uint64_t kTreeBelowBytes = uint64_t{1} << 20;

CollectiveAlgo resolve_algorithm(const CollectiveCall& call, const NetworkGraph& net) {
  check_call(call, net);
  if (call.kind == CollectiveKind::send_recv) return CollectiveAlgo::direct;
  if (call.algo != CollectiveAlgo::automatic)
    return algo_applies(call.algo, call, net) ? call.algo : CollectiveAlgo::ring;
  if (call.kind == CollectiveKind::all_to_all) return CollectiveAlgo::direct;
  const auto& m = call.npus;
  const bool one_node = in_one_node(m, net.npus_per_node());
  if (m.size() <= 1) return CollectiveAlgo::ring;
  if (one_node) return net.node_is_full_mesh() ? CollectiveAlgo::direct : CollectiveAlgo::ring;
  if (hierarchical_applies(m, net)) return CollectiveAlgo::hierarchical;
  if (call.kind == CollectiveKind::all_reduce && call.bytes < kTreeBelowBytes)
    return CollectiveAlgo::double_binary_tree;
  return CollectiveAlgo::ring;
}

std::vector<Phase> expand_collective(const CollectiveCall& call, CollectiveAlgo algo,
                                     const NetworkGraph& net) {
  check_call(call, net);
  if (call.npus.size() <= 1) return {};
  if (algo == CollectiveAlgo::automatic)
    throw InternalError("expand_collective needs a resolved algorithm");
  if (call.kind == CollectiveKind::send_recv) return direct_phases(call.kind, call.npus, call.bytes);
  if (!algo_applies(algo, call, net)) algo = CollectiveAlgo::ring;
  switch (algo) {
    case CollectiveAlgo::ring:
      return {ring_phase(call.kind, call.npus, call.bytes, ring_fill(call.npus, net))};
    case CollectiveAlgo::double_binary_tree: return tree_phases(call);
    case CollectiveAlgo::halving_doubling: return halving_doubling_phases(call);
    case CollectiveAlgo::hierarchical: return hierarchical_phases(call, net);
    case CollectiveAlgo::direct: return direct_phases(call.kind, call.npus, call.bytes);
    case CollectiveAlgo::automatic: break;
  }
  return {};
}

}  // namespace npusim
