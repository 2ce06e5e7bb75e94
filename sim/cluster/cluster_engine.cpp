#include "sim/cluster/cluster_engine.h"

#include <algorithm>
#include <map>

#include "sim/base/error.h"

namespace npusim {

namespace {

constexpr int kStreams = 3;

/// What every rank of a stage shares: stream order and reverse dependencies.
struct StageIndex {
  std::array<std::vector<uint32_t>, kStreams> stream_ops;
  std::vector<std::vector<uint32_t>> dependents;
};

StageIndex index_stage(const StageProgram& program) {
  StageIndex index;
  index.dependents.resize(program.ops.size());
  for (uint32_t i = 0; i < program.ops.size(); ++i) {
    const GraphOp& op = program.ops[i];
    if (op.stream != kNoStream) index.stream_ops[op.stream].push_back(i);
    for (uint32_t d : op.deps) index.dependents[d].push_back(i);
  }
  return index;
}

struct RankState {
  uint32_t npu = 0;
  RankCoord coord;
  const StageProgram* program = nullptr;
  const StageIndex* index = nullptr;
  std::vector<uint32_t> waiting;  ///< unfinished deps per op
  std::vector<TimePs> start, end;
  std::vector<bool> done;
  std::array<uint32_t, kStreams> head{};
  std::array<bool, kStreams> busy{};
  /// Collectives issued per GroupKind (matching the members of a group in full mode).
  std::array<uint32_t, kGroupKinds> group_sequence{};
  double compute_energy_j = 0;
  std::vector<OpRecord> records;
};

class Engine {
 public:
  Engine(const TrainingGraph& graph, const ParallelConfig& par, const NetworkGraph& net,
         const std::vector<OpCost>& costs, const EngineOptions& options)
      : graph_(graph), par_(par), layout_(par), net_(net), costs_(costs), options_(options),
        flows_(net, events_), collectives_(net, flows_, events_) {
    for (const StageProgram& p : graph.stages) stage_index_.push_back(index_stage(p));
    rank_of_npu_.assign(layout_.npus(), -1);
    for (uint32_t npu = 0; npu < layout_.npus(); ++npu) {
      const RankCoord c = layout_.coord(npu);
      if (!options.full && (c.tp != 0 || c.cp != 0 || c.dp != 0)) continue;
      rank_of_npu_[npu] = static_cast<int32_t>(ranks_.size());
      RankState r;
      r.npu = npu;
      r.coord = c;
      r.program = &graph.stages[c.stage];
      r.index = &stage_index_[c.stage];
      const size_t n = r.program->ops.size();
      r.waiting.resize(n);
      for (size_t i = 0; i < n; ++i) r.waiting[i] = static_cast<uint32_t>(r.program->ops[i].deps.size());
      r.start.assign(n, 0);
      r.end.assign(n, 0);
      r.done.assign(n, false);
      ranks_.push_back(std::move(r));
    }
  }

  EngineResult run() {
    for (uint32_t r = 0; r < ranks_.size(); ++r) try_start_all(r);
    events_.run();
    EngineResult result;
    for (const RankState& r : ranks_)
      for (size_t i = 0; i < r.done.size(); ++i) {
        if (!r.done[i])
          throw InternalError("training step deadlocked: rank " + std::to_string(r.npu) + " op " +
                              graph_.labels[r.program->ops[i].label] + " never ran");
        result.step_ps = std::max(result.step_ps, r.end[i]);
      }
    for (RankState& r : ranks_) result.ranks.push_back(summarise(r, result.step_ps));
    for (const RankRun& r : result.ranks) result.breakdown += r.breakdown;
    result.breakdown *= 1.0 / static_cast<double>(result.ranks.size());
    result.events = events_.events_run();
    result.collectives = collectives_.started();
    result.algorithms = collectives_.algorithms();
    result.flows = flows_.stats();
    return result;
  }

 private:
  void try_start_all(uint32_t r) {
    for (int s = 0; s < kStreams; ++s) try_start(r, s);
  }

  void try_start(uint32_t r, int stream) {
    RankState& rank = ranks_[r];
    const auto& queue = rank.index->stream_ops[stream];
    if (rank.busy[stream] || rank.head[stream] >= queue.size()) return;
    const uint32_t op = queue[rank.head[stream]];
    if (rank.waiting[op] > 0) return;
    rank.busy[stream] = true;
    rank.start[op] = events_.now();
    start_op(r, op);
  }

  void start_op(uint32_t r, uint32_t index) {
    RankState& rank = ranks_[r];
    const GraphOp& op = rank.program->ops[index];
    switch (op.type) {
      case OpType::compute: {
        const OpCost& cost = costs_[op.cost];
        rank.compute_energy_j += cost.energy_j;
        events_.after(cost.time_ps, [this, r, index] { complete(r, index); });
        break;
      }
      case OpType::collective:
        start_collective(r, index);
        break;
      case OpType::send:
        start_send(r, index);
        break;
      case OpType::recv:
        throw InternalError("a receive was scheduled on a stream");
    }
  }

  void start_collective(uint32_t r, uint32_t index) {
    RankState& rank = ranks_[r];
    const GraphOp& op = rank.program->ops[index];
    CollectiveCall call;
    call.kind = op.collective;
    call.npus = layout_.group(op.group, rank.coord);
    call.bytes = op.bytes;
    call.algo = options_.algorithm;
    if (!options_.full) {
      launch(call, copies(op.group, rank.coord, call.npus), {{r, index}});
      return;
    }
    // Full mode: the collective starts when its last member arrives.
    const auto kind = static_cast<size_t>(op.group);
    const uint64_t group = layout_.group_id(op.group, rank.coord) * kGroupKinds + kind;
    const uint64_t key = group * (1ULL << 32) + rank.group_sequence[kind]++;
    auto& pending = pending_[key];
    pending.emplace_back(r, index);
    if (pending.size() < call.npus.size()) return;
    auto members = std::move(pending);
    pending_.erase(key);
    launch(call, {}, std::move(members));
  }

  void start_send(uint32_t r, uint32_t index) {
    RankState& rank = ranks_[r];
    const GraphOp& op = rank.program->ops[index];
    RankCoord peer = rank.coord;
    peer.stage = op.peer_stage;
    const uint32_t dst = layout_.npu(peer);
    const int32_t peer_rank = rank_of_npu_[dst];
    if (peer_rank < 0) throw InternalError("pipeline peer is not simulated");
    CollectiveCall call;
    call.kind = CollectiveKind::send_recv;
    call.npus = {rank.npu, dst};
    call.bytes = op.bytes;
    std::vector<std::vector<uint32_t>> pairs;
    if (!options_.full && !net_.same_node(rank.npu, dst)) pairs = send_copies(rank.coord, peer);
    ranks_[peer_rank].start[op.peer_op] = events_.now();
    launch(call, pairs, {{r, index}, {static_cast<uint32_t>(peer_rank), op.peer_op}});
  }

  void launch(const CollectiveCall& call, const std::vector<std::vector<uint32_t>>& copies,
              std::vector<std::pair<uint32_t, uint32_t>> waiters) {
    collectives_.run(call, copies, [this, waiters = std::move(waiters)] {
      for (const auto& [r, op] : waiters) complete(r, op);
    });
  }

  /// Sibling groups loading the fabric in symmetric mode (none if the group stays in a node:
  /// a node's links are private to its NPUs, so the copies' traffic never meets ours).
  const std::vector<std::vector<uint32_t>>& copies(GroupKind kind, const RankCoord& c,
                                                   const std::vector<uint32_t>& members) {
    static const std::vector<std::vector<uint32_t>> none;
    if (in_one_node(members, net_.npus_per_node())) return none;
    const uint64_t key = uint64_t{c.stage} * kGroupKinds + static_cast<uint64_t>(kind);
    auto it = sibling_cache_.find(key);
    if (it == sibling_cache_.end())
      it = sibling_cache_.emplace(key, layout_.sibling_groups(kind, c)).first;
    return it->second;
  }

  /// The same transfer between the other ranks of the two stages.
  const std::vector<std::vector<uint32_t>>& send_copies(const RankCoord& from, const RankCoord& to) {
    const uint64_t key = (uint64_t{from.stage} * par_.pp + to.stage) * 4 + 3 + (1ULL << 40);
    auto it = sibling_cache_.find(key);
    if (it != sibling_cache_.end()) return it->second;
    return sibling_cache_.emplace(key, layout_.sibling_transfers(from, to)).first->second;
  }

  void complete(uint32_t r, uint32_t index) {
    RankState& rank = ranks_[r];
    const GraphOp& op = rank.program->ops[index];
    rank.end[index] = events_.now();
    rank.done[index] = true;
    if (options_.keep_records) rank.records.push_back({index, rank.start[index], rank.end[index]});
    if (op.stream != kNoStream) {
      rank.busy[op.stream] = false;
      ++rank.head[op.stream];
    }
    for (uint32_t d : rank.index->dependents[index]) --rank.waiting[d];
    try_start_all(r);
  }

  /// Attributes every moment of the compute stream to a category (StepBreakdown).
  RankRun summarise(RankState& rank, TimePs step_ps) const {
    RankRun run;
    run.npu = rank.npu;
    run.stage = rank.coord.stage;
    run.compute_energy_j = rank.compute_energy_j;
    StepBreakdown& b = run.breakdown;
    const auto& ops = rank.program->ops;
    TimePs cursor = 0;
    for (uint32_t i : rank.index->stream_ops[kComputeStream]) {
      const GraphOp& op = ops[i];
      if (rank.start[i] > cursor) attribute_gap(rank, op, cursor, rank.start[i], b);
      const double d = ps_to_seconds(rank.end[i] - rank.start[i]);
      if (op.type == OpType::compute) {
        run.compute_busy_s += d;
        b.add_compute(op.compute, d);
      } else {
        b.exposed_comm_s[static_cast<size_t>(op.comm)] += d;
      }
      cursor = std::max(cursor, rank.end[i]);
    }
    // After its last op a pipeline stage waits for the others to drain: the flush bubble.
    (par_.pp > 1 ? b.bubble_s : b.idle_s) += ps_to_seconds(step_ps - cursor);
    run.records = std::move(rank.records);
    return run;
  }

  /// A gap before `op` is charged to the dependency that ended last: a pipeline receive
  /// (bubble until its transfer started, pp communication after), or a collective on another
  /// stream (its kind), else idle.
  void attribute_gap(const RankState& rank, const GraphOp& op, TimePs from, TimePs to,
                     StepBreakdown& b) const {
    const GraphOp* blocker = nullptr;
    uint32_t blocker_index = 0;
    for (uint32_t d : op.deps)
      if (!blocker || rank.end[d] > rank.end[blocker_index]) {
        blocker = &rank.program->ops[d];
        blocker_index = d;
      }
    using WaitedFor = StepBreakdown::WaitedFor;
    if (!blocker || rank.end[blocker_index] < to) {
      b.add_wait(WaitedFor::nothing, 0, from, to);
      return;
    }
    const WaitedFor what = blocker->type == OpType::recv         ? WaitedFor::receive
                           : blocker->type == OpType::collective ? WaitedFor::communication
                                                                 : WaitedFor::nothing;
    b.add_wait(what, static_cast<size_t>(blocker->comm), from, to, rank.start[blocker_index]);
  }

  const TrainingGraph& graph_;
  const ParallelConfig& par_;
  RankLayout layout_;
  const NetworkGraph& net_;
  const std::vector<OpCost>& costs_;
  EngineOptions options_;
  EventQueue events_;
  FlowNetwork flows_;
  CollectiveRunner collectives_;
  std::vector<StageIndex> stage_index_;
  std::vector<RankState> ranks_;
  std::vector<int32_t> rank_of_npu_;
  std::map<uint64_t, std::vector<std::pair<uint32_t, uint32_t>>> pending_;
  std::map<uint64_t, std::vector<std::vector<uint32_t>>> sibling_cache_;
};

}  // namespace

EngineResult run_training_step(const TrainingGraph& graph, const ParallelConfig& par,
                               const NetworkGraph& net, const std::vector<OpCost>& costs,
                               const EngineOptions& options) {
  if (net.npus() < par.npus())
    throw InternalError("network smaller than the job");
  Engine engine(graph, par, net, costs, options);
  return engine.run();
}

}  // namespace npusim
