#include "sim/cluster/training_graph.h"

#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/int_math.h"
#include "sim/cluster/pipeline_schedule.h"
#include "sim/cluster/training_memory.h"
#include "sim/config/model_math.h"

namespace npusim {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

[[noreturn]] void bad(const std::string& what) { throw InputError("parallelism: " + what); }

/// Index of an op kind's kernels in the graph's cost table.
struct CostIds {
  uint32_t attention_forward, attention_backward, attention_core, mlp_forward, mlp_backward,
      moe_forward, moe_backward, embedding_forward, embedding_backward, head_forward,
      head_backward, net_forward, net_backward;
};

CostIds add_costs(TrainingGraph& g, StepKernels k) {
  auto add = [&g](KernelList& list) {
    g.costs.push_back(std::move(list));
    return static_cast<uint32_t>(g.costs.size() - 1);
  };
  CostIds ids{};
  ids.attention_forward = add(k.attention_forward);
  ids.attention_backward = add(k.attention_backward);
  ids.attention_core = add(k.attention_core);
  ids.mlp_forward = add(k.mlp_forward);
  ids.mlp_backward = add(k.mlp_backward);
  ids.moe_forward = add(k.moe_forward);
  ids.moe_backward = add(k.moe_backward);
  ids.embedding_forward = add(k.embedding_forward);
  ids.embedding_backward = add(k.embedding_backward);
  ids.head_forward = add(k.head_forward);
  ids.head_backward = add(k.head_backward);
  ids.net_forward = add(k.net_forward);
  ids.net_backward = add(k.net_backward);
  return ids;
}

/// Message key of a pipeline transfer: direction, micro-batch and receiving model chunk.
uint64_t transfer_tag(bool forward, uint32_t micro_batch, uint32_t to_chunk, uint32_t chunks) {
  return (uint64_t{micro_batch} * chunks + to_chunk) * 2 + (forward ? 1 : 0);
}

/// Parameters one rank of `stage` holds (after TP / EP splitting, before ZeRO sharding),
/// and how many of them are routed experts.
struct StageParameters {
  uint64_t total = 0;
  uint64_t experts = 0;
};

StageParameters count_stage_parameters(const ModelSpec& m, const ParallelConfig& par,
                                       uint32_t stage) {
  if (m.kind == ModelKind::ops) return {parameter_count(m).total, 0};
  const NpuParameters p = npu_parameters(m, par);
  const uint32_t chunks = par.pp * par.vpp;
  const uint32_t per_chunk = m.layers / chunks;
  StageParameters n;
  for (uint32_t c = 0; c < par.vpp; ++c) {
    const uint32_t chunk = c * par.pp + stage;
    for (uint32_t l = chunk * per_chunk; l < (chunk + 1) * per_chunk; ++l) {
      n.total += p.layer(m, l);
      n.experts += p.layer_experts(m, l);
    }
    if (chunk == 0) n.total += p.embedding;
    if (chunk + 1 == chunks) n.total += p.head;
  }
  return n;
}

/// Message key of the tied word-embedding gradient sent to `to_stage` (above every
/// pipeline transfer's key).
uint64_t embedding_grad_tag(uint32_t to_stage) { return (uint64_t{1} << 62) + to_stage; }

/// Builds the program of one stage.
class StageBuilder {
 public:
  StageBuilder(TrainingGraph& g, const ModelSpec& m, const ParallelConfig& par, const CostIds& ids,
               uint32_t stage)
      : g_(g), m_(m), par_(par), ids_(ids), stage_(stage), ops_(g.stages[stage].ops),
        params_(npu_parameters(m, par)), bytes_(training_dtype_bytes(m)) {}

  /// recv tag -> op index, for matching sends afterwards.
  std::map<uint64_t, uint32_t> recvs;
  /// send op index -> (peer stage, tag).
  std::vector<std::tuple<uint32_t, uint32_t, uint64_t>> sends;

  void build() {
    const uint32_t m = g_.micro_batches;
    std::vector<uint32_t> backward_seen(par_.vpp, 0);
    std::vector<uint32_t> grad_ops;  // DP reductions the optimizer waits for
    for (const PassStep& step : stage_schedule(par_.schedule, stage_, par_.pp, m, par_.vpp)) {
      const uint32_t chunk = step.chunk * par_.pp + stage_;  // model chunk index
      if (step.forward) {
        forward_pass(step.micro_batch, chunk);
      } else {
        const bool last = ++backward_seen[step.chunk] == m;
        backward_pass(step.micro_batch, chunk, last, grad_ops);
      }
    }
    finish_step(grad_ops);
  }

 private:
  [[nodiscard]] uint32_t chunks() const { return par_.pp * par_.vpp; }
  [[nodiscard]] uint32_t group_size(GroupKind group) const {
    switch (group) {
      case GroupKind::tp: return par_.tp;
      case GroupKind::cp: return par_.cp;
      case GroupKind::ep: return par_.ep;
      case GroupKind::dp: return par_.dp * par_.cp;
      case GroupKind::edp: return par_.dp * par_.cp / par_.ep;
    }
    return 1;
  }
  [[nodiscard]] uint32_t layers_per_chunk() const { return m_.layers / chunks(); }
  [[nodiscard]] bool transformer() const { return m_.kind != ModelKind::ops; }
  [[nodiscard]] uint64_t activation_bytes() const {
    return rank_tokens(m_, par_) * m_.hidden * bytes_;
  }

  uint32_t label(std::string text) {
    g_.labels.push_back(std::move(text));
    return static_cast<uint32_t>(g_.labels.size() - 1);
  }

  uint32_t push(GraphOp op) {
    if (op.type == OpType::compute) {
      // With TP overlap a collective runs beside the next compute op and the one after waits.
      op.deps.insert(op.deps.end(), tp_wait_next_.begin(), tp_wait_next_.end());
      tp_wait_next_ = std::move(tp_beside_);
      tp_beside_.clear();
      if (waiting_recv_ != kNone) op.deps.push_back(waiting_recv_);
      waiting_recv_ = kNone;
    }
    ops_.push_back(std::move(op));
    const auto index = static_cast<uint32_t>(ops_.size() - 1);
    if (ops_.back().type == OpType::compute) last_compute_ = index;
    return index;
  }

  uint32_t compute(ComputeKind kind, uint32_t cost, std::string name) {
    GraphOp op;
    op.type = OpType::compute;
    op.compute = kind;
    op.cost = cost;
    op.label = label(std::move(name));
    return push(std::move(op));
  }

  /// A collective of `kind` over `group`; skipped for a group of one.
  void collective(CommKind comm, CollectiveKind kind, GroupKind group, uint64_t bytes,
                  const std::string& name) {
    const uint32_t size = group_size(group);
    if (size <= 1 || bytes == 0) return;
    GraphOp op;
    op.type = OpType::collective;
    op.comm = comm;
    op.collective = kind;
    op.group = group;
    op.bytes = bytes;
    op.label = label(name);
    if (comm == CommKind::tp && par_.overlap_tp_comm) {
      op.stream = kTpStream;
      if (last_compute_ != kNone) op.deps.push_back(last_compute_);
      tp_beside_.push_back(push(std::move(op)));
      return;
    }
    push(std::move(op));
  }

  /// TP collective at the end of a block: all-reduce, or reduce-scatter with SP.
  void tp_out(const std::string& name) {
    collective(CommKind::tp, par_.sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce,
               GroupKind::tp, activation_bytes(), name);
  }
  /// With SP, a block starts by gathering the sequence shards.
  void tp_in(const std::string& name) {
    if (par_.sp)
      collective(CommKind::tp, CollectiveKind::all_gather, GroupKind::tp, activation_bytes(), name);
  }

  void cp_exchange(bool forward, const std::string& name) {
    // Ring attention: every rank needs K and V of the whole sequence (gradients back).
    const uint64_t kv = 2 * uint64_t{m_.seq_len} * par_.micro_batch * m_.head_dim() *
                        std::max<uint32_t>(m_.kv_heads / par_.tp, 1) * bytes_;
    collective(CommKind::cp, forward ? CollectiveKind::all_gather : CollectiveKind::reduce_scatter,
               GroupKind::cp, kv, name);
  }

  void ep_exchange(const std::string& name) {
    const auto bytes = static_cast<uint64_t>(std::ceil(static_cast<double>(
        rank_tokens(m_, par_) * m_.top_k * m_.hidden * bytes_) * par_.moe_imbalance));
    collective(CommKind::ep, CollectiveKind::all_to_all, GroupKind::ep, bytes, name);
  }

  void zero3_gather(uint32_t layer, const std::string& name) {
    if (par_.zero_stage < 3) return;
    const uint64_t experts = params_.layer_experts(m_, layer);
    collective(CommKind::dp, CollectiveKind::all_gather, GroupKind::dp,
               (params_.layer(m_, layer) - experts) * bytes_, name);
    collective(CommKind::dp, CollectiveKind::all_gather, GroupKind::edp, experts * bytes_,
               name + " experts");
  }

  void receive(bool forward, uint32_t micro_batch, uint32_t chunk) {
    const char* what = forward ? "act" : "grad";
    receive_tagged(CommKind::pp, transfer_tag(forward, micro_batch, chunk, chunks()),
                   fmt::format("recv {} mb{}", what, micro_batch));
    // Scatter-gather (SC'21 sec. 4.1): each TP rank received a 1/tp slice; the slices are
    // all-gathered over the TP group's fast links before the stage uses them.
    if (par_.tp > 1) {
      const uint32_t received = waiting_recv_;
      collective(CommKind::pp, CollectiveKind::all_gather, GroupKind::tp, activation_bytes(),
                 fmt::format("gather {} mb{}", what, micro_batch));
      ops_.back().deps.push_back(received);
    }
  }

  void receive_tagged(CommKind comm, uint64_t tag, std::string name) {
    GraphOp op;
    op.type = OpType::recv;
    op.stream = kNoStream;
    op.comm = comm;
    op.label = label(std::move(name));
    const uint32_t index = push(std::move(op));
    recvs[tag] = index;
    waiting_recv_ = index;
  }

  void send(bool forward, uint32_t micro_batch, uint32_t to_chunk) {
    // Scatter-gather optimisation (Narayanan et al. SC'21 sec. 4.1): each TP rank sends its
    // 1/tp slice; the receiving stage all-gathers them (receive()).
    send_tagged(CommKind::pp, activation_bytes() / par_.tp, to_chunk % par_.pp,
                transfer_tag(forward, micro_batch, to_chunk, chunks()),
                fmt::format("send {} mb{}", forward ? "act" : "grad", micro_batch));
  }

  void send_tagged(CommKind comm, uint64_t bytes, uint32_t to_stage, uint64_t tag,
                   std::string name) {
    GraphOp op;
    op.type = OpType::send;
    op.comm = comm;
    op.bytes = bytes;
    op.peer_stage = to_stage;
    op.label = label(std::move(name));
    const uint32_t index = push(std::move(op));
    sends.emplace_back(index, to_stage, tag);
  }

  /// With tied embeddings and pp > 1 the last stage holds a copy of the word embedding for
  /// the output layer; after the backward pass the two copies' gradients are all-reduced
  /// between the first and the last stage (Megatron-LM `_allreduce_word_embedding_grads`),
  /// an exchange of the rank's vocabulary slice in each direction.
  void tied_embedding_sync() {
    if (!m_.tied_embeddings || par_.pp == 1 || !transformer()) return;
    const uint32_t last = par_.pp - 1;
    if (stage_ != 0 && stage_ != last) return;
    const uint32_t peer = stage_ == 0 ? last : 0;
    const uint64_t bytes = ceil_div(m_.vocab, par_.tp) * m_.hidden * bytes_;
    send_tagged(CommKind::dp, bytes, peer, embedding_grad_tag(peer), "send embedding grads");
    receive_tagged(CommKind::dp, embedding_grad_tag(stage_), "recv embedding grads");
  }

  void layer_forward(uint32_t layer, uint32_t mb, ComputeKind kind) {
    const std::string tag = fmt::format("mb{} L{}", mb, layer);
    const char* pass = kind == ComputeKind::recompute ? "re" : "fwd";
    tp_in(fmt::format("{} {} attn sp-gather", pass, tag));
    if (par_.cp > 1) cp_exchange(true, fmt::format("{} {} cp kv", pass, tag));
    compute(kind, ids_.attention_forward, fmt::format("{} {} attn", pass, tag));
    tp_out(fmt::format("{} {} attn tp", pass, tag));
    tp_in(fmt::format("{} {} mlp sp-gather", pass, tag));
    const bool moe = m_.is_moe_layer(layer);
    if (moe) ep_exchange(fmt::format("{} {} dispatch", pass, tag));
    compute(kind, moe ? ids_.moe_forward : ids_.mlp_forward, fmt::format("{} {} mlp", pass, tag));
    if (moe) ep_exchange(fmt::format("{} {} combine", pass, tag));
    tp_out(fmt::format("{} {} mlp tp", pass, tag));
  }

  void layer_backward(uint32_t layer, uint32_t mb) {
    const std::string tag = fmt::format("mb{} L{}", mb, layer);
    zero3_gather(layer, fmt::format("bwd {} zero3 gather", tag));
    if (par_.recompute == Recompute::full) layer_forward(layer, mb, ComputeKind::recompute);
    const bool moe = m_.is_moe_layer(layer);
    tp_in(fmt::format("bwd {} mlp sp-gather", tag));
    if (moe) ep_exchange(fmt::format("bwd {} combine", tag));
    compute(ComputeKind::backward, moe ? ids_.moe_backward : ids_.mlp_backward,
            fmt::format("bwd {} mlp", tag));
    if (moe) ep_exchange(fmt::format("bwd {} dispatch", tag));
    tp_out(fmt::format("bwd {} mlp tp", tag));
    if (par_.recompute == Recompute::selective)
      compute(ComputeKind::recompute, ids_.attention_core, fmt::format("re {} attn core", tag));
    tp_in(fmt::format("bwd {} attn sp-gather", tag));
    compute(ComputeKind::backward, ids_.attention_backward, fmt::format("bwd {} attn", tag));
    if (par_.cp > 1) cp_exchange(false, fmt::format("bwd {} cp dkv", tag));
    tp_out(fmt::format("bwd {} attn tp", tag));
  }

  void forward_pass(uint32_t mb, uint32_t chunk) {
    if (chunk > 0) receive(true, mb, chunk);
    if (!transformer()) {
      compute(ComputeKind::forward, ids_.net_forward, fmt::format("fwd mb{} net", mb));
      return;
    }
    if (chunk == 0)
      compute(ComputeKind::forward, ids_.embedding_forward, fmt::format("fwd mb{} embedding", mb));
    for (uint32_t l = chunk * layers_per_chunk(); l < (chunk + 1) * layers_per_chunk(); ++l) {
      zero3_gather(l, fmt::format("fwd mb{} L{} zero3 gather", mb, l));
      layer_forward(l, mb, ComputeKind::forward);
    }
    if (chunk + 1 == chunks()) {
      compute(ComputeKind::forward, ids_.head_forward, fmt::format("fwd mb{} head+loss", mb));
      loss_statistics(mb);
    } else {
      send(true, mb, chunk + 1);
    }
  }

  /// The vocab-parallel cross-entropy all-reduces three fp32 values per predicted token over
  /// TP: the row maximum, the target logit and the sum of exponentials.
  void loss_statistics(uint32_t mb) {
    const uint64_t bytes = predicted_tokens(m_, par_) * 4;
    for (const char* what : {"max", "target", "sum-exp"})
      collective(CommKind::tp, CollectiveKind::all_reduce, GroupKind::tp, bytes,
                 fmt::format("fwd mb{} loss {} tp", mb, what));
  }

  void backward_pass(uint32_t mb, uint32_t chunk, bool last, std::vector<uint32_t>& grad_ops) {
    if (chunk + 1 < chunks()) receive(false, mb, chunk);
    if (!transformer()) {
      compute(ComputeKind::backward, ids_.net_backward, fmt::format("bwd mb{} net", mb));
      if (last) reduce_gradients(stage_parameters(m_, par_, stage_), 0, "grads net", grad_ops);
      return;
    }
    if (chunk + 1 == chunks()) {
      compute(ComputeKind::backward, ids_.head_backward, fmt::format("bwd mb{} head", mb));
      if (last) reduce_gradients(params_.head, 0, "grads head", grad_ops);
    }
    for (uint32_t l = (chunk + 1) * layers_per_chunk(); l-- > chunk * layers_per_chunk();) {
      layer_backward(l, mb);
      if (last)
        reduce_gradients(params_.layer(m_, l), params_.layer_experts(m_, l),
                         fmt::format("grads L{}", l), grad_ops);
    }
    if (chunk == 0) {
      compute(ComputeKind::backward, ids_.embedding_backward, fmt::format("bwd mb{} embedding", mb));
      if (last) reduce_gradients(params_.embedding, 0, "grads embedding", grad_ops);
    } else {
      send(false, mb, chunk - 1);
    }
  }

  [[nodiscard]] CollectiveKind gradient_collective() const {
    return par_.zero_stage >= 1 ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
  }

  /// Gradient reduction of `params`, of which `experts` routed-expert parameters: the dense
  /// ones over the DP group, the experts over the expert-DP group. Overlapped on the DP stream
  /// right after the last backward producing them, or collected for one blocking reduction
  /// at the end.
  void reduce_gradients(uint64_t params, uint64_t experts, const std::string& name,
                        std::vector<uint32_t>& grad_ops) {
    if (!par_.overlap_grad_reduce) {
      deferred_grad_params_ += params - experts;
      deferred_expert_params_ += experts;
      return;
    }
    for (const auto& [group, count, suffix] :
         {std::tuple{GroupKind::dp, params - experts, ""},
          std::tuple{GroupKind::edp, experts, " experts"}}) {
      if (group_size(group) <= 1 || count == 0) continue;
      GraphOp op;
      op.type = OpType::collective;
      op.stream = kDpStream;
      op.comm = CommKind::dp;
      op.group = group;
      op.collective = gradient_collective();
      op.bytes = count * bytes_;
      op.deps.push_back(last_compute_);
      op.label = label(name + suffix);
      grad_ops.push_back(push(std::move(op)));
    }
  }

  void finish_step(std::vector<uint32_t>& grad_ops) {
    collective(CommKind::dp, gradient_collective(), GroupKind::dp, deferred_grad_params_ * bytes_,
               "grads (not overlapped)");
    collective(CommKind::dp, gradient_collective(), GroupKind::edp,
               deferred_expert_params_ * bytes_, "expert grads (not overlapped)");
    tied_embedding_sync();
    grad_ops.insert(grad_ops.end(), tp_wait_next_.begin(), tp_wait_next_.end());
    grad_ops.insert(grad_ops.end(), tp_beside_.begin(), tp_beside_.end());
    const auto [params, experts] = count_stage_parameters(m_, par_, stage_);
    const uint64_t dense = params - experts;
    // ZeRO shards dense parameters over the DP group, experts over the expert-DP group.
    const uint64_t shard = par_.zero_stage >= 1 ? dense / group_size(GroupKind::dp) +
                                                      experts / group_size(GroupKind::edp)
                                                : params;
    g_.costs.push_back(optimizer_kernels(shard, static_cast<uint32_t>(bytes_)));
    const uint32_t optimizer =
        compute(ComputeKind::optimizer, static_cast<uint32_t>(g_.costs.size() - 1), "optimizer");
    for (uint32_t op : grad_ops) ops_[optimizer].deps.push_back(op);
    if (par_.zero_stage == 1 || par_.zero_stage == 2) {
      collective(CommKind::dp, CollectiveKind::all_gather, GroupKind::dp, dense * bytes_,
                 "params all-gather");
      collective(CommKind::dp, CollectiveKind::all_gather, GroupKind::edp, experts * bytes_,
                 "expert params all-gather");
    }
  }

  TrainingGraph& g_;
  const ModelSpec& m_;
  const ParallelConfig& par_;
  const CostIds& ids_;
  uint32_t stage_;
  std::vector<GraphOp>& ops_;
  uint32_t last_compute_ = kNone;
  std::vector<uint32_t> tp_wait_next_;  ///< TP collectives the next compute op waits for
  std::vector<uint32_t> tp_beside_;     ///< TP collectives issued since the last compute op
  uint32_t waiting_recv_ = kNone;
  uint64_t deferred_grad_params_ = 0;
  uint64_t deferred_expert_params_ = 0;
  NpuParameters params_;
  uint64_t bytes_;  ///< per element of the training dtype
};

}  // namespace

const char* to_string(ComputeKind kind) {
  switch (kind) {
    case ComputeKind::forward: return "forward";
    case ComputeKind::backward: return "backward";
    case ComputeKind::recompute: return "recompute";
    case ComputeKind::optimizer: return "optimizer";
  }
  return "?";
}

const char* to_string(CommKind kind) {
  switch (kind) {
    case CommKind::tp: return "tp";
    case CommKind::cp: return "cp";
    case CommKind::ep: return "ep";
    case CommKind::dp: return "dp";
    case CommKind::pp: return "pp";
  }
  return "?";
}

const char* to_string(PipelineSchedule schedule) {
  switch (schedule) {
    case PipelineSchedule::gpipe: return "gpipe";
    case PipelineSchedule::one_f_one_b: return "1f1b";
    case PipelineSchedule::interleaved: return "1f1b-interleaved";
  }
  return "?";
}

uint64_t TrainingGraph::op_count() const {
  uint64_t n = 0;
  for (const StageProgram& s : stages) n += s.ops.size();
  return n;
}

uint64_t stage_parameters(const ModelSpec& m, const ParallelConfig& par, uint32_t stage) {
  return count_stage_parameters(m, par, stage).total;
}

void check_parallelism(const ModelSpec& m, const ParallelConfig& par) {
  if (par.tp == 0 || par.pp == 0 || par.dp == 0 || par.cp == 0 || par.ep == 0 || par.vpp == 0)
    bad("every degree (--tp --pp --dp --cp --ep --vpp) must be at least 1");
  if (par.micro_batch == 0) bad("--micro-batch must be at least 1");
  if (par.zero_stage > 3) bad(fmt::format("--zero {} is not a ZeRO stage (0, 1, 2 or 3)", par.zero_stage));
  const uint64_t per_step = uint64_t{par.micro_batch} * par.dp;
  if (par.global_batch % per_step != 0 || par.global_batch == 0)
    bad(fmt::format("--global-batch {} is not a positive multiple of micro-batch x dp = {} x {} = {}",
                    par.global_batch, par.micro_batch, par.dp, per_step));
  const uint32_t mbs = par.micro_batches();
  if (par.vpp > 1 && par.schedule != PipelineSchedule::interleaved)
    bad("--vpp > 1 needs --schedule 1f1b-interleaved");
  if (par.schedule == PipelineSchedule::one_f_one_b && par.pp > 1 && mbs < par.pp)
    bad(fmt::format("1F1B needs at least as many micro-batches as stages: {} micro-batches "
                    "(global batch / (micro-batch x dp)) < pp {}", mbs, par.pp));
  if (par.schedule == PipelineSchedule::interleaved && mbs % par.pp != 0)
    bad(fmt::format("interleaved 1F1B needs the micro-batches ({}) to be a multiple of pp ({})", mbs,
                    par.pp));
  if (m.kind == ModelKind::ops) {
    if (par.tp > 1 || par.pp > 1 || par.cp > 1 || par.ep > 1)
      bad(fmt::format("model '{}' is an operator list: only data parallelism (--dp) applies", m.name));
    return;
  }
  if (m.heads % par.tp != 0)
    bad(fmt::format("heads ({}) not divisible by tp ({})", m.heads, par.tp));
  if (m.kv_heads % par.tp != 0 && par.tp % m.kv_heads != 0)
    bad(fmt::format("kv_heads ({}) and tp ({}) must divide one another", m.kv_heads, par.tp));
  if (m.layers % (par.pp * par.vpp) != 0)
    bad(fmt::format("layers ({}) not divisible by pp x vpp ({} x {})", m.layers, par.pp, par.vpp));
  if (m.seq_len % par.cp != 0)
    bad(fmt::format("seq_len ({}) not divisible by cp ({})", m.seq_len, par.cp));
  if (par.sp && (uint64_t{par.micro_batch} * m.seq_len / par.cp) % par.tp != 0)
    bad(fmt::format("sequence parallelism splits the {} tokens of a micro-batch over tp ({}): not divisible",
                    uint64_t{par.micro_batch} * m.seq_len / par.cp, par.tp));
  if (m.ffn_hidden % par.tp != 0 || m.hidden % par.tp != 0)
    bad(fmt::format("hidden ({}) and ffn_hidden ({}) must be divisible by tp ({})", m.hidden,
                    m.ffn_hidden, par.tp));
  if (par.moe_imbalance != 1.0) {
    if (m.kind != ModelKind::moe)
      bad(fmt::format("--moe-imbalance needs an MoE model ('{}' is {})", m.name,
                      to_string(m.kind)));
    // Worst case: every token routes to the same top_k experts, experts / top_k x balanced.
    const double worst = static_cast<double>(m.experts) / m.top_k;
    if (!(par.moe_imbalance >= 1.0 && par.moe_imbalance <= worst))
      bad(fmt::format("--moe-imbalance {} outside [1, experts / top_k = {}]", par.moe_imbalance,
                      worst));
  }
  if (par.ep > 1) {
    if (m.kind != ModelKind::moe) bad(fmt::format("--ep {} needs an MoE model ('{}' is {})", par.ep, m.name, to_string(m.kind)));
    if (m.experts % par.ep != 0)
      bad(fmt::format("experts ({}) not divisible by ep ({})", m.experts, par.ep));
    if ((par.dp * par.cp) % par.ep != 0)
      bad(fmt::format("ep ({}) must divide dp x cp ({} x {}): experts are split over data-parallel ranks",
                      par.ep, par.dp, par.cp));
  }
}

TrainingGraph build_training_graph(const ModelSpec& model, const ParallelConfig& par) {
  check_parallelism(model, par);
  TrainingGraph g;
  g.micro_batches = par.micro_batches();
  g.stages.resize(par.pp);
  const CostIds ids = add_costs(g, step_kernels(model, par));
  std::vector<StageBuilder> builders;
  builders.reserve(par.pp);
  for (uint32_t s = 0; s < par.pp; ++s) {
    builders.emplace_back(g, model, par, ids, s);
    builders.back().build();
  }
  for (uint32_t s = 0; s < par.pp; ++s)
    for (const auto& [op, peer, tag] : builders[s].sends) {
      const auto it = builders[peer].recvs.find(tag);
      if (it == builders[peer].recvs.end()) throw InternalError("pipeline send without a receive");
      g.stages[s].ops[op].peer_op = it->second;
    }
  return g;
}

}  // namespace npusim
