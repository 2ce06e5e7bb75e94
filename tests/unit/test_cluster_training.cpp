// The cluster level's training engine: pipeline schedules against the bubble formula,
// symmetric vs full simulation, ZeRO vs plain data parallelism, bad parallelism.
#include <algorithm>

#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/cluster/cluster_engine.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/pipeline_schedule.h"
#include "sim/cluster/rank_layout.h"
#include "sim/cluster/training_graph.h"
#include "sim/cluster/training_memory.h"
#include "sim/cluster/training_run.h"
#include "sim/config/cluster_loader.h"
#include "cluster_test_models.h"

using namespace npusim;
using npusim::test::small_gpt;
using npusim::test::small_moe;

namespace {



/// Every forward layer op costs `x`, backward ops 2x, everything else nothing.
std::vector<OpCost> layer_only_costs(const TrainingGraph& g, TimePs x) {
  std::vector<OpCost> costs(g.costs.size());
  for (const StageProgram& stage : g.stages)
    for (const GraphOp& op : stage.ops) {
      if (op.type != OpType::compute) continue;
      const std::string& label = g.labels[op.label];
      const bool layer = label.find(" L") != std::string::npos;
      if (!layer) continue;
      costs[op.cost].time_ps = op.compute == ComputeKind::backward ? 2 * x : x;
    }
  return costs;
}

EngineResult ideal_step(const ModelSpec& m, const ParallelConfig& par, TimePs x) {
  const TrainingGraph g = build_training_graph(m, par);
  const NetworkGraph net = build_ideal_network(static_cast<uint32_t>(par.npus()), 8);
  return run_training_step(g, par, net, layer_only_costs(g, x), {});
}

TrainResult roofline_run(const std::string& cluster_name, const ParallelConfig& par, bool full,
                         const ModelSpec& m = small_gpt()) {
  const ClusterConfig cluster = load_cluster(cluster_name);
  KernelCostOptions cost_options;
  cost_options.simulate = false;  // roofline: the engine is under test here, not the chip
  KernelCostCache costs(npu_chip(cluster), cost_options);
  TrainOptions options;
  options.par = par;
  options.engine.full = full;
  return simulate_training(m, cluster, options, costs);
}

}  // namespace

TEST_CASE("1F1B and GPipe steps take (m + p - 1) passes and the bubble is (p-1)/(m+p-1)") {
  for (const auto schedule : {PipelineSchedule::one_f_one_b, PipelineSchedule::gpipe}) {
    ParallelConfig par;
    par.pp = 4;
    par.schedule = schedule;
    par.global_batch = 8;  // m = 8 micro-batches
    const TimePs x = 1'000'000;  // 1 us per forward layer op
    const EngineResult r = ideal_step(small_gpt(8), par, x);
    // 2 layers per stage, 2 ops per layer: forward 4x, backward 8x per micro-batch.
    const TimePs pass = 12 * x;
    CHECK(r.step_ps == (8 + 4 - 1) * pass);
    const double bubble = r.breakdown.bubble_s / ps_to_seconds(r.step_ps);
    CHECK(bubble == Approx(3.0 / 11.0).epsilon(1e-9));
    CHECK(r.breakdown.total_s() == Approx(ps_to_seconds(r.step_ps)).epsilon(1e-9));
  }
}

TEST_CASE("interleaved 1F1B shrinks the bubble by the number of virtual stages") {
  ParallelConfig par;
  par.pp = 4;
  par.global_batch = 8;
  const TimePs x = 1'000'000;
  const EngineResult plain = ideal_step(small_gpt(16), par, x);
  par.schedule = PipelineSchedule::interleaved;
  par.vpp = 2;
  const EngineResult interleaved = ideal_step(small_gpt(16), par, x);
  // Narayanan et al. SC'21: bubble (p-1)/(m v) of the ideal time instead of (p-1)/m.
  const double ideal = 8.0 * 24 * ps_to_seconds(x);  // m passes of 4 layers x (2 + 4) x
  CHECK(ps_to_seconds(plain.step_ps) == Approx(ideal * (1 + 3.0 / 8)).epsilon(1e-9));
  CHECK(ps_to_seconds(interleaved.step_ps) == Approx(ideal * (1 + 3.0 / 16)).epsilon(1e-9));
}

TEST_CASE("every stage's schedule runs each micro-batch forward then backward exactly once") {
  for (const auto schedule : {PipelineSchedule::gpipe, PipelineSchedule::one_f_one_b,
                              PipelineSchedule::interleaved}) {
    const uint32_t vpp = schedule == PipelineSchedule::interleaved ? 3 : 1;
    for (uint32_t stage = 0; stage < 4; ++stage) {
      const auto steps = stage_schedule(schedule, stage, 4, 8, vpp);
      REQUIRE(steps.size() == 2 * 8 * vpp);
      std::vector<int> state(8 * vpp, 0);
      for (const PassStep& s : steps) {
        int& st = state[s.micro_batch * vpp + s.chunk];
        CHECK(st == (s.forward ? 0 : 1));
        st = s.forward ? 1 : 2;
      }
    }
  }
}

TEST_CASE("symmetric and full simulation agree within 0.5 percent") {
  ParallelConfig par;
  par.tp = 8;
  par.pp = 2;
  par.dp = 4;
  par.global_batch = 16;
  const TrainResult sym = roofline_run("atlas-a2-cluster", par, false);
  const TrainResult full = roofline_run("atlas-a2-cluster", par, true);
  CHECK(sym.engine.ranks.size() == 2);
  CHECK(full.engine.ranks.size() == 64);
  CHECK(sym.step_time_s == Approx(full.step_time_s).epsilon(0.005));
  CHECK(sym.engine.breakdown.exposed_comm_s[static_cast<int>(CommKind::dp)] ==
        Approx(full.engine.breakdown.exposed_comm_s[static_cast<int>(CommKind::dp)]).margin(1e-4));
}

TEST_CASE("ZeRO-3 computes what plain DP computes but holds less and sends more") {
  ParallelConfig par;
  par.dp = 16;
  par.global_batch = 32;
  const TrainResult dp = roofline_run("atlas-a2-cluster", par, false);
  par.zero_stage = 3;
  const TrainResult zero3 = roofline_run("atlas-a2-cluster", par, false);
  CHECK(zero3.engine.breakdown.compute_s() == Approx(dp.engine.breakdown.compute_s()).epsilon(1e-12));
  CHECK(zero3.memory.total < dp.memory.total);
  CHECK(zero3.engine.flows.bytes > dp.engine.flows.bytes);
  // Each rank updates only its shard of the weights; the rest of the step can only lose time
  // to the extra gathers. (The whole step may still be shorter: a memory-bound optimizer over
  // all weights can cost more than the gathers expose.)
  const double dp_optimizer = dp.engine.breakdown.optimizer_s;
  const double zero3_optimizer = zero3.engine.breakdown.optimizer_s;
  CHECK(zero3_optimizer < dp_optimizer);
  CHECK(zero3.step_time_s - zero3_optimizer >= dp.step_time_s - dp_optimizer);
}

TEST_CASE("overlapping the gradient reduction never makes a step slower") {
  ParallelConfig par;
  par.tp = 8;
  par.dp = 4;
  par.global_batch = 8;
  const TrainResult overlapped = roofline_run("atlas900-pod", par, false);
  par.overlap_grad_reduce = false;
  const TrainResult serial = roofline_run("atlas900-pod", par, false);
  CHECK(overlapped.step_time_s < serial.step_time_s);
  CHECK(serial.engine.breakdown.exposed_comm_s[static_cast<int>(CommKind::dp)] >
        overlapped.engine.breakdown.exposed_comm_s[static_cast<int>(CommKind::dp)]);
}

TEST_CASE("the same run twice gives identical results") {
  ParallelConfig par;
  par.tp = 4;
  par.pp = 2;
  par.dp = 2;
  par.global_batch = 8;
  const TrainResult a = roofline_run("dgx-a100", par, true);
  const TrainResult b = roofline_run("dgx-a100", par, true);
  CHECK(a.engine.step_ps == b.engine.step_ps);
  CHECK(a.engine.events == b.engine.events);
}

TEST_CASE("impossible parallelism names the constraint that fails") {
  const ModelSpec m = small_gpt(8);
  ParallelConfig par;
  par.global_batch = 8;
  par.tp = 3;
  CHECK_THROWS_WITH(check_parallelism(m, par), Catch::Contains("heads (16) not divisible by tp (3)"));
  par.tp = 1;
  par.pp = 3;
  CHECK_THROWS_WITH(check_parallelism(m, par), Catch::Contains("layers (8) not divisible by pp x vpp"));
  par.pp = 8;
  par.global_batch = 4;
  CHECK_THROWS_WITH(check_parallelism(m, par), Catch::Contains("at least as many micro-batches as stages"));
  par.pp = 2;
  par.global_batch = 7;
  par.dp = 2;
  CHECK_THROWS_WITH(check_parallelism(m, par), Catch::Contains("--global-batch 7"));
  par.global_batch = 8;
  par.ep = 2;
  CHECK_THROWS_WITH(check_parallelism(m, par), Catch::Contains("needs an MoE model"));
  par.ep = 1;
  par.dp = 4096;
  par.global_batch = 4096;
  CHECK_THROWS_AS(roofline_run("atlas900-pod", par, false), InputError);
}

TEST_CASE("a model that does not fit is a verdict, not an error") {
  ParallelConfig par;
  par.global_batch = 1;
  ModelSpec big = small_gpt(8);
  big.hidden = 16384;
  big.heads = 128;
  big.kv_heads = 128;
  big.ffn_hidden = 65536;
  const TrainResult r = roofline_run("atlas-a2-cluster", par, false, big);
  CHECK_FALSE(r.memory.fits);
  CHECK(r.step_time_s > 0);
}

TEST_CASE("expert gradients are reduced over the ranks that hold the same experts") {
  ParallelConfig par;
  par.dp = 4;
  par.ep = 2;
  par.global_batch = 4;
  const RankLayout layout(par);
  RankCoord c;
  c.dp = 1;
  CHECK(layout.group(GroupKind::ep, c) == std::vector<uint32_t>{0, 1});
  CHECK(layout.group(GroupKind::edp, c) == std::vector<uint32_t>{1, 3});
  CHECK(layout.group(GroupKind::dp, c) == std::vector<uint32_t>{0, 1, 2, 3});

  const ModelSpec m = small_moe();
  const NpuParameters p = npu_parameters(m, par);
  REQUIRE(p.moe_layer_experts > 0);
  const TrainingGraph g = build_training_graph(m, par);
  int expert_reductions = 0;
  for (const GraphOp& op : g.stages[0].ops) {
    if (op.type != OpType::collective || op.comm != CommKind::dp) continue;
    const std::string& label = g.labels[op.label];
    if (label == "grads L3 experts") {
      CHECK(op.group == GroupKind::edp);
      CHECK(op.bytes == p.moe_layer_experts * 2);
      ++expert_reductions;
    }
    if (label == "grads L3") {
      CHECK(op.group == GroupKind::dp);
      CHECK(op.bytes == (p.moe_layer - p.moe_layer_experts) * 2);
    }
    if (label == "grads L0") CHECK(op.bytes == p.dense_layer * 2);  // a dense layer: no experts
  }
  CHECK(expert_reductions == 1);

  // ep = dp: every rank holds experts no other rank holds, so there is nothing to reduce.
  par.ep = 4;
  const TrainingGraph own = build_training_graph(m, par);
  for (const GraphOp& op : own.stages[0].ops)
    CHECK_FALSE((op.type == OpType::collective && op.group == GroupKind::edp));
}

TEST_CASE("with expert parallelism symmetric and full simulation agree within 0.5 percent") {
  ParallelConfig par;
  par.tp = 2;
  par.dp = 8;
  par.ep = 4;
  par.global_batch = 16;
  const TrainResult sym = roofline_run("atlas-a2-cluster", par, false, small_moe());
  const TrainResult full = roofline_run("atlas-a2-cluster", par, true, small_moe());
  CHECK(full.engine.ranks.size() == 16);
  CHECK(sym.step_time_s == Approx(full.step_time_s).epsilon(0.005));
}

TEST_CASE("tied embeddings: the first and last stage exchange the word embedding's gradients") {
  ModelSpec m = small_gpt(4);
  m.tied_embeddings = true;
  ParallelConfig par;
  par.tp = 2;
  par.pp = 2;
  par.dp = 2;
  par.global_batch = 4;
  auto exchanges = [](const TrainingGraph& g, uint32_t stage) {
    std::vector<uint64_t> sent;
    int received = 0;
    for (const GraphOp& op : g.stages[stage].ops) {
      const std::string& label = g.labels[op.label];
      if (label == "send embedding grads") {
        CHECK(op.peer_stage == 1 - stage);
        sent.push_back(op.bytes);
      }
      if (label == "recv embedding grads") ++received;
    }
    CHECK(received == static_cast<int>(sent.size()));
    return sent;
  };
  const TrainingGraph g = build_training_graph(m, par);
  const uint64_t slice = uint64_t{m.vocab} / par.tp * m.hidden * 2;  // fp16
  CHECK(exchanges(g, 0) == std::vector<uint64_t>{slice});
  CHECK(exchanges(g, 1) == std::vector<uint64_t>{slice});

  // Symmetric and full simulation both complete the exchange and agree.
  const TrainResult sym = roofline_run("atlas-a2-cluster", par, false, m);
  const TrainResult full = roofline_run("atlas-a2-cluster", par, true, m);
  CHECK(sym.step_time_s == Approx(full.step_time_s).epsilon(0.005));

  m.tied_embeddings = false;  // an output layer of its own: nothing to exchange
  const TrainingGraph untied = build_training_graph(m, par);
  CHECK(exchanges(untied, 0).empty());
  m.tied_embeddings = true;
  par.pp = 1;  // one stage holds the one embedding
  par.global_batch = 2;
  CHECK(exchanges(build_training_graph(m, par), 0).empty());
}

TEST_CASE("MoE routing imbalance: the busiest expert rank sets compute, all-to-all and memory") {
  ParallelConfig par;
  par.dp = 4;
  par.ep = 2;
  par.global_batch = 4;
  const ModelSpec m = small_moe();
  auto dispatch_bytes = [&m](const ParallelConfig& p) {
    const TrainingGraph g = build_training_graph(m, p);
    for (const GraphOp& op : g.stages[0].ops)
      if (op.type == OpType::collective && op.group == GroupKind::ep) return op.bytes;
    return uint64_t{0};
  };
  const uint64_t balanced_bytes = dispatch_bytes(par);
  const TrainResult balanced = roofline_run("atlas-a2-cluster", par, false, m);
  par.moe_imbalance = 1.5;
  CHECK(dispatch_bytes(par) == balanced_bytes * 3 / 2);
  const TrainResult skewed = roofline_run("atlas-a2-cluster", par, false, m);
  CHECK(skewed.step_time_s > balanced.step_time_s);
  CHECK(skewed.memory.activations > balanced.memory.activations);
  // Each local expert's GEMMs run 1.5x the balanced tokens: 1024 x 2 x 2 / 8 = 512 -> 768.
  bool found = false;
  for (const KernelUse& k : step_kernels(m, par).moe_forward)
    if (k.spec.rfind("gemm m=768 ", 0) == 0) found = true;
  CHECK(found);
}

TEST_CASE("scatter-gather: a received activation slice is all-gathered over TP before use") {
  ParallelConfig par;
  par.tp = 2;
  par.pp = 2;
  par.global_batch = 2;
  const ModelSpec m = small_gpt(4);
  const TrainingGraph g = build_training_graph(m, par);
  const auto& ops = g.stages[1].ops;
  int gathers = 0;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    if (g.labels[ops[i].label].rfind("gather act", 0) != 0) continue;
    ++gathers;
    CHECK(ops[i].type == OpType::collective);
    CHECK(ops[i].collective == CollectiveKind::all_gather);
    CHECK(ops[i].group == GroupKind::tp);
    CHECK(ops[i].comm == CommKind::pp);
    CHECK(ops[i].bytes == uint64_t{m.seq_len} * m.hidden * 2);  // the whole activation
    REQUIRE(i > 0);
    CHECK(ops[i - 1].type == OpType::recv);
    CHECK(std::find(ops[i].deps.begin(), ops[i].deps.end(), i - 1) != ops[i].deps.end());
  }
  CHECK(gathers == 2);  // one per micro-batch
  par.tp = 1;  // whole activations travel: nothing to gather
  const TrainingGraph plain = build_training_graph(m, par);
  for (const GraphOp& op : plain.stages[1].ops)
    CHECK(plain.labels[op.label].rfind("gather", 0) != 0);
}
