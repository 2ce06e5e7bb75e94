// The replay engine (replay_engine.h): nodes become ready when their dependencies are done,
// wait for their stream, run, and release their dependents. Communication goes through the
// same CollectiveRunner and FlowNetwork as `npusim train`, so contention is modelled.

#include "sim/cluster/replay_engine.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/base/error.h"

namespace npusim {

const char* to_string(ReplayKind kind) {
  switch (kind) {
    case ReplayKind::compute: return "compute";
    case ReplayKind::mem_load: return "mem_load";
    case ReplayKind::mem_store: return "mem_store";
    case ReplayKind::send: return "send";
    case ReplayKind::recv: return "recv";
    case ReplayKind::collective: return "collective";
    case ReplayKind::marker: return "marker";
  }
  return "?";
}

uint32_t ReplayGraph::group_index(const std::vector<uint32_t>& members) {
  const auto [it, fresh] = group_ids.emplace(members, static_cast<uint32_t>(groups.size()));
  if (fresh) groups.push_back(members);
  return it->second;
}

uint32_t ReplayGraph::label_index(std::string text) {
  labels.push_back(std::move(text));
  return static_cast<uint32_t>(labels.size() - 1);
}

uint32_t node_on_dependency_cycle(const ReplayRank& rank) {
  // Kahn's algorithm; nodes it cannot order depend, directly or not, on a cycle.
  const auto n = static_cast<uint32_t>(rank.nodes.size());
  std::vector<uint32_t> indegree(n, 0);
  std::vector<std::vector<uint32_t>> out(n);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t d : rank.nodes[i].deps) {
      out[d].push_back(i);
      ++indegree[i];
    }
  std::vector<uint32_t> queue;
  for (uint32_t i = 0; i < n; ++i)
    if (indegree[i] == 0) queue.push_back(i);
  for (size_t q = 0; q < queue.size(); ++q)
    for (uint32_t j : out[queue[q]])
      if (--indegree[j] == 0) queue.push_back(j);
  if (queue.size() == n) return kNoIndex;
  uint32_t on_cycle = 0;
  while (indegree[on_cycle] == 0) ++on_cycle;
  // Walk back along unresolved dependencies until a node repeats: it is on a cycle.
  std::vector<uint8_t> seen(n, 0);
  while (!seen[on_cycle]) {
    seen[on_cycle] = 1;
    for (uint32_t d : rank.nodes[on_cycle].deps)
      if (indegree[d] > 0) {
        on_cycle = d;
        break;
      }
  }
  return on_cycle;
}

uint64_t ReplayGraph::node_count() const {
  uint64_t n = 0;
  for (const ReplayRank& r : ranks) n += r.nodes.size();
  return n;
}

namespace {

using MinHeap = std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>>;

struct StreamState {
  bool busy = false;
  MinHeap ready;
};

struct RankState {
  std::vector<uint32_t> waiting;
  std::vector<uint32_t> dep_offset, dependents;  ///< CSR of reverse dependencies
  std::vector<TimePs> start, end;
  std::vector<uint8_t> done, arrived, deps_done;
  std::vector<StreamState> streams;
  std::unordered_map<uint64_t, uint32_t> group_sequence;  ///< (group, channel) -> issued
  std::vector<OpRecord> records;
};

class Replayer {
 public:
  Replayer(const ReplayGraph& graph, const NetworkGraph& net, const ReplayOptions& options)
      : graph_(graph), net_(net), options_(options), flows_(net, events_),
        collectives_(net, flows_, events_) {
    rank_of_npu_.assign(std::max(graph.npus, net.npus()), -1);
    for (uint32_t r = 0; r < graph.ranks.size(); ++r) {
      const uint32_t npu = graph.ranks[r].npu;
      if (npu >= rank_of_npu_.size())
        throw InternalError(fmt::format("replayed NPU {} outside a network of {}", npu, net.npus()));
      rank_of_npu_[npu] = static_cast<int32_t>(r);
    }
    for (const auto& set : graph.copy_sets) {
      std::vector<std::vector<uint32_t>> members;
      for (uint32_t g : set) members.push_back(graph.groups.at(g));
      copy_members_.push_back(std::move(members));
    }
    present_.resize(graph.groups.size());
    for (size_t g = 0; g < graph.groups.size(); ++g)
      for (uint32_t m : graph.groups[g])
        if (m < rank_of_npu_.size() && rank_of_npu_[m] >= 0) ++present_[g];
    states_.resize(graph.ranks.size());
    for (uint32_t r = 0; r < graph.ranks.size(); ++r) init_rank(r);
  }

  ReplayRun run() {
    for (uint32_t r = 0; r < states_.size(); ++r) {
      const auto& nodes = graph_.ranks[r].nodes;
      for (uint32_t n = 0; n < nodes.size(); ++n)
        if (states_[r].waiting[n] == 0) make_ready(r, n);
      try_streams(r);
    }
    events_.run();
    ReplayRun result;
    for (uint32_t r = 0; r < states_.size(); ++r) {
      const RankState& s = states_[r];
      const ReplayRank& rank = graph_.ranks[r];
      for (uint32_t n = 0; n < rank.nodes.size(); ++n)
        if (!s.done[n])
          throw InputError(fmt::format(
              "{}: node {}: never ran ({}): a collective member, the other side of a transfer "
              "or a dependency never reached it",
              rank.source, rank.nodes[n].id, to_string(rank.nodes[n].kind)));
    }
    for (uint32_t r = 0; r < states_.size(); ++r) {
      TimePs end = 0;
      for (TimePs t : states_[r].end) end = std::max(end, t);
      result.step_ps = std::max(result.step_ps, end);
    }
    for (uint32_t r = 0; r < states_.size(); ++r) result.ranks.push_back(summarise(r, result.step_ps));
    for (const ReplayRankRun& rr : result.ranks) result.breakdown += rr.breakdown;
    if (!result.ranks.empty()) result.breakdown *= 1.0 / static_cast<double>(result.ranks.size());
    result.nodes_run = nodes_run_;
    result.nodes_by_kind = nodes_by_kind_;
    result.events = events_.events_run();
    result.collectives = collectives_.started();
    result.algorithms = collectives_.algorithms();
    result.flows = flows_.stats();
    return result;
  }

 private:
  void init_rank(uint32_t r) {
    const ReplayRank& rank = graph_.ranks[r];
    RankState& s = states_[r];
    const auto n = static_cast<uint32_t>(rank.nodes.size());
    s.waiting.resize(n);
    s.dep_offset.assign(n + 1, 0);
    for (uint32_t i = 0; i < n; ++i) {
      const ReplayNode& node = rank.nodes[i];
      s.waiting[i] = static_cast<uint32_t>(node.deps.size());
      for (uint32_t d : node.deps) {
        if (d >= n) throw InternalError(fmt::format("{}: dependency index out of range", rank.source));
        ++s.dep_offset[d + 1];
      }
      if (node.stream != kNoReplayStream && node.stream >= rank.streams.size())
        throw InternalError(fmt::format("{}: stream index out of range", rank.source));
    }
    for (uint32_t i = 0; i < n; ++i) s.dep_offset[i + 1] += s.dep_offset[i];
    s.dependents.resize(s.dep_offset[n]);
    std::vector<uint32_t> fill(s.dep_offset.begin(), s.dep_offset.end() - 1);
    for (uint32_t i = 0; i < n; ++i)
      for (uint32_t d : rank.nodes[i].deps) s.dependents[fill[d]++] = i;
    s.start.assign(n, 0);
    s.end.assign(n, 0);
    s.done.assign(n, 0);
    s.arrived.assign(n, 0);
    s.deps_done.assign(n, 0);
    s.streams.resize(rank.streams.size());
    // Receives wait for the matching send: (src, dst, tag) -> receives in file order.
    for (uint32_t i = 0; i < n; ++i) {
      const ReplayNode& node = rank.nodes[i];
      if (node.kind == ReplayKind::recv && replayed(node.peer))
        recvs_[{node.peer, rank.npu, node.tag}].push_back(i);
    }
  }

  [[nodiscard]] bool replayed(uint32_t npu) const {
    return npu < rank_of_npu_.size() && rank_of_npu_[npu] >= 0;
  }

  void make_ready(uint32_t r, uint32_t n) {
    const ReplayNode& node = graph_.ranks[r].nodes[n];
    RankState& s = states_[r];
    if (node.kind == ReplayKind::recv) {
      s.deps_done[n] = 1;
      if (s.arrived[n]) {
        complete(r, n);
      } else if (!replayed(node.peer)) {
        // The sender is not replayed: it is taken to send as soon as we are ready.
        s.start[n] = events_.now();
        CollectiveCall call;
        call.kind = CollectiveKind::send_recv;
        call.npus = {node.peer, graph_.ranks[r].npu};
        call.bytes = node.bytes;
        launch(call, node.copies, {{r, n}});
      }
      return;
    }
    if (node.stream == kNoReplayStream || options_.no_resource_limits) {
      start(r, n);
      return;
    }
    s.streams[node.stream].ready.push(n);
  }

  void try_streams(uint32_t r) {
    RankState& s = states_[r];
    for (uint32_t k = 0; k < s.streams.size(); ++k) {
      StreamState& st = s.streams[k];
      if (st.busy || st.ready.empty()) continue;
      const uint32_t n = st.ready.top();
      st.ready.pop();
      st.busy = true;
      start(r, n);
    }
  }

  void start(uint32_t r, uint32_t n) {
    const ReplayNode& node = graph_.ranks[r].nodes[n];
    states_[r].start[n] = events_.now();
    switch (node.kind) {
      case ReplayKind::compute:
      case ReplayKind::mem_load:
      case ReplayKind::mem_store:
      case ReplayKind::marker:
        if (node.duration_ps > kNever - events_.now())
          throw InputError(fmt::format("{}: node {}: simulated time overflows (duration {} ps "
                                       "at {} ps)", graph_.ranks[r].source, node.id,
                                       node.duration_ps, events_.now()));
        events_.after(node.duration_ps, [this, r, n] { complete(r, n); });
        break;
      case ReplayKind::collective:
        start_collective(r, n);
        break;
      case ReplayKind::send:
        start_send(r, n);
        break;
      case ReplayKind::recv:
        throw InternalError("a receive was started on a stream");
    }
  }

  void start_collective(uint32_t r, uint32_t n) {
    const ReplayNode& node = graph_.ranks[r].nodes[n];
    const uint64_t channel_key = uint64_t{node.group} << 8 | node.channel;
    const uint32_t sequence = states_[r].group_sequence[channel_key]++;
    auto& waiters = pending_[{node.group, node.channel, sequence}];
    waiters.emplace_back(r, n);
    if (waiters.size() < present_[node.group]) return;
    auto members = std::move(waiters);
    pending_.erase({node.group, node.channel, sequence});
    CollectiveCall call;
    call.kind = node.collective;
    call.npus = graph_.groups[node.group];
    call.bytes = node.bytes;
    call.algo = node.algorithm != CollectiveAlgo::automatic ? node.algorithm : options_.algorithm;
    launch(call, node.copies, std::move(members));
  }

  void start_send(uint32_t r, uint32_t n) {
    const ReplayRank& rank = graph_.ranks[r];
    const ReplayNode& node = rank.nodes[n];
    CollectiveCall call;
    call.kind = CollectiveKind::send_recv;
    call.npus = {rank.npu, node.peer};
    call.bytes = node.bytes;
    std::vector<std::pair<uint32_t, uint32_t>> waiters = {{r, n}};
    if (replayed(node.peer)) {
      auto it = recvs_.find({rank.npu, node.peer, node.tag});
      if (it == recvs_.end() || it->second.empty())
        throw InputError(fmt::format("{}: node {}: send to NPU {} (tag {}) has no matching recv "
                                     "in that rank's trace",
                                     rank.source, node.id, node.peer, node.tag));
      const auto peer = static_cast<uint32_t>(rank_of_npu_[node.peer]);
      const uint32_t recv = it->second.front();
      it->second.pop_front();
      states_[peer].start[recv] = events_.now();
      waiters.emplace_back(peer, recv);
    }
    launch(call, node.copies, std::move(waiters));
  }

  void launch(const CollectiveCall& call, uint32_t copy_set,
              std::vector<std::pair<uint32_t, uint32_t>> waiters) {
    static const std::vector<std::vector<uint32_t>> none;
    const auto& copies = copy_set == kNoIndex ? none : copy_members_[copy_set];
    collectives_.run(call, copies, [this, waiters = std::move(waiters)] {
      for (const auto& [r, n] : waiters) arrive(r, n);
    });
  }

  void arrive(uint32_t r, uint32_t n) {
    RankState& s = states_[r];
    if (graph_.ranks[r].nodes[n].kind == ReplayKind::recv) {
      s.arrived[n] = 1;
      if (!s.deps_done[n]) return;
    }
    complete(r, n);
  }

  void complete(uint32_t r, uint32_t n) {
    RankState& s = states_[r];
    const ReplayNode& node = graph_.ranks[r].nodes[n];
    s.end[n] = events_.now();
    s.done[n] = 1;
    ++nodes_run_;
    ++nodes_by_kind_[static_cast<size_t>(node.kind)];
    if (options_.keep_records) s.records.push_back({n, s.start[n], s.end[n]});
    if (node.stream != kNoReplayStream && !options_.no_resource_limits && node.kind != ReplayKind::recv)
      s.streams[node.stream].busy = false;
    for (uint32_t i = s.dep_offset[n]; i < s.dep_offset[n + 1]; ++i) {
      const uint32_t d = s.dependents[i];
      if (--s.waiting[d] == 0) make_ready(r, d);
    }
    try_streams(r);
  }

  ReplayRankRun summarise(uint32_t r, TimePs step_ps) {
    RankState& s = states_[r];
    const ReplayRank& rank = graph_.ranks[r];
    ReplayRankRun run;
    run.npu = rank.npu;
    StepBreakdown& b = run.breakdown;
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < rank.nodes.size(); ++i) {
      const ReplayNode& node = rank.nodes[i];
      const double d = ps_to_seconds(s.end[i] - s.start[i]);
      if (node.kind == ReplayKind::compute) {
        if (node.host) {
          run.host_busy_s += d;
        } else {
          run.compute_busy_s += d;
          run.compute_energy_j += node.energy_j;
          if (node.energy_j > 0) run.priced_busy_s += d;
        }
      }
      if (node.stream == 0 && !node.host) order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t c) {
      return s.start[a] != s.start[c] ? s.start[a] < s.start[c] : a < c;
    });
    TimePs cursor = 0;
    for (uint32_t i : order) {
      const ReplayNode& node = rank.nodes[i];
      if (s.start[i] > cursor) attribute_gap(r, node, cursor, s.start[i], b);
      const TimePs from = std::max(cursor, s.start[i]);
      if (s.end[i] > from) {
        const double d = ps_to_seconds(s.end[i] - from);
        if (node.kind == ReplayKind::compute || node.kind == ReplayKind::mem_load ||
            node.kind == ReplayKind::mem_store || node.kind == ReplayKind::marker) {
          b.add_compute(node.category == kUncategorised ? ComputeKind::forward
                                                        : static_cast<ComputeKind>(node.category),
                        d);
        } else {
          b.exposed_comm_s[comm_index(node)] += d;
        }
      }
      cursor = std::max(cursor, s.end[i]);
    }
    if (step_ps > cursor) b.idle_s += ps_to_seconds(step_ps - cursor);
    run.end_ps = 0;
    for (TimePs t : s.end) run.end_ps = std::max(run.end_ps, t);
    run.records = std::move(s.records);
    return run;
  }

  static size_t comm_index(const ReplayNode& node) {
    return node.category < kCommKinds ? node.category : static_cast<size_t>(CommKind::dp);
  }

  /// A gap before `node` goes to the dependency that ended last: a receive (bubble until its
  /// transfer started, pp communication after), other communication (its kind), else idle.
  void attribute_gap(uint32_t r, const ReplayNode& node, TimePs from, TimePs to,
                     StepBreakdown& b) const {
    const RankState& s = states_[r];
    const auto& nodes = graph_.ranks[r].nodes;
    uint32_t blocker = kNoIndex;
    for (uint32_t d : node.deps)
      if (blocker == kNoIndex || s.end[d] > s.end[blocker]) blocker = d;
    using WaitedFor = StepBreakdown::WaitedFor;
    if (blocker == kNoIndex || s.end[blocker] < to) {
      b.add_wait(WaitedFor::nothing, 0, from, to);
      return;
    }
    const ReplayNode& dep = nodes[blocker];
    if (dep.kind == ReplayKind::recv) {
      // A receive waits on a pipeline transfer unless its category says otherwise.
      const size_t kind = dep.category < kCommKinds ? dep.category
                                                      : static_cast<size_t>(CommKind::pp);
      b.add_wait(WaitedFor::receive, kind, from, to, s.start[blocker]);
    } else if (dep.kind == ReplayKind::collective || dep.kind == ReplayKind::send) {
      b.add_wait(WaitedFor::communication, comm_index(dep), from, to);
    } else {
      b.add_wait(WaitedFor::nothing, 0, from, to);
    }
  }

  const ReplayGraph& graph_;
  const NetworkGraph& net_;
  ReplayOptions options_;
  EventQueue events_;
  FlowNetwork flows_;
  CollectiveRunner collectives_;
  std::vector<int32_t> rank_of_npu_;
  std::vector<std::vector<std::vector<uint32_t>>> copy_members_;
  std::vector<uint32_t> present_;
  std::vector<RankState> states_;
  std::map<std::tuple<uint32_t, uint8_t, uint32_t>, std::vector<std::pair<uint32_t, uint32_t>>> pending_;
  std::map<std::tuple<uint32_t, uint32_t, uint64_t>, std::deque<uint32_t>> recvs_;
  uint64_t nodes_run_ = 0;
  std::array<uint64_t, kReplayKinds> nodes_by_kind_{};
};

}  // namespace

void validate_replay_graph(const ReplayGraph& graph) {
  auto bad = [](const ReplayRank& rank, const ReplayNode& node, const std::string& what) {
    return InputError(fmt::format("{}: node {}: {}", rank.source, node.id, what));
  };
  for (size_t g = 0; g < graph.groups.size(); ++g) {
    std::vector<uint32_t> sorted = graph.groups[g];
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() ||
        (!sorted.empty() && sorted.back() >= graph.npus))
      for (const ReplayRank& rank : graph.ranks)
        for (const ReplayNode& node : rank.nodes)
          if (node.group == g)
            throw bad(rank, node, fmt::format("rank mismatch: collective group lists an NPU twice "
                                              "or one outside ranks 0..{}", graph.npus - 1));
  }
  for (const ReplayRank& rank : graph.ranks) {
    if (rank.npu >= graph.npus)
      throw InputError(fmt::format("{}: rank mismatch: rank {} outside 0..{}", rank.source, rank.npu,
                                   graph.npus - 1));
    for (const ReplayNode& node : rank.nodes) {
      if (node.kind == ReplayKind::collective) {
        if (node.group >= graph.groups.size()) throw bad(rank, node, "collective without a group");
        const auto& members = graph.groups[node.group];
        if (std::find(members.begin(), members.end(), rank.npu) == members.end())
          throw bad(rank, node, fmt::format("rank mismatch: rank {} is not a member of its "
                                            "collective's group", rank.npu));
      }
      if ((node.kind == ReplayKind::send || node.kind == ReplayKind::recv) &&
          (node.peer >= graph.npus || node.peer == rank.npu))
        throw bad(rank, node, fmt::format("rank mismatch: {} peer {} (expected another rank of "
                                          "0..{})", to_string(node.kind), node.peer, graph.npus - 1));
      if (node.copies != kNoIndex) {
        if (node.copies >= graph.copy_sets.size()) throw bad(rank, node, "copy set does not exist");
        const size_t size = node.kind == ReplayKind::collective ? graph.groups[node.group].size() : 2;
        for (uint32_t c : graph.copy_sets[node.copies])
          if (c >= graph.groups.size() || graph.groups[c].size() != size)
            throw bad(rank, node, "symmetric copy groups must have the size of the node's group");
      }
    }
  }
}

ReplayRun run_replay(const ReplayGraph& graph, const NetworkGraph& net, const ReplayOptions& options) {
  if (net.npus() < graph.npus) throw InternalError("network smaller than the replayed graph");
  validate_replay_graph(graph);
  Replayer replayer(graph, net, options);
  return replayer.run();
}

}  // namespace npusim
