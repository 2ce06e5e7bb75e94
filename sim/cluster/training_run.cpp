#include "sim/cluster/training_run.h"

#include <chrono>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/types.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/training_graph.h"

namespace npusim {
namespace {

/// Static power of one NPU when idle (chip model's leakage figures).
double npu_static_power_w(const ChipConfig& chip) {
  const EnergyConfig& e = chip.energy;
  return (e.static_w_per_aic * chip.cube_cores + e.static_w_per_aiv * chip.vector_cores +
          e.static_w_uncore) * chip.dies;
}

}  // namespace

double default_token_budget(const ModelSpec& model) {
  if (model.kind == ModelKind::ops) return 90.0 * 1281167.0;
  return 20.0 * static_cast<double>(parameter_count(model).total);
}

ChipConfig npu_chip(const ClusterConfig& cluster) {
  ChipConfig chip = cluster.node.chip;
  const uint32_t per_chip = cluster.node.npus_per_chip;
  if (per_chip > 1) chip.dies /= per_chip;  // each die is its own NPU (910C)
  return chip;
}

TrainResult simulate_training(const ModelSpec& model, const ClusterConfig& cluster,
                              const TrainOptions& options, KernelCostCache& costs) {
  const auto wall_start = std::chrono::steady_clock::now();
  const ParallelConfig& par = options.par;
  const ChipConfig chip = npu_chip(cluster);
  const auto parsed = parse_dtype(model.dtype);
  if (!parsed) throw InputError("model '" + model.name + "': unknown dtype '" + model.dtype + "'");
  const DType dtype = *parsed;
  if (chip.peak_flops(dtype) <= 0)
    throw InputError(fmt::format("model '{}' trains in {}, which chip '{}' has no cube support "
                                 "for; try --set model.dtype=fp16", model.name, model.dtype,
                                 chip.name));
  try {
    check_cluster_size(cluster, par.npus());
  } catch (const InputError& e) {  // say which degrees made the count
    throw InputError(fmt::format("parallelism: tp x pp x dp x cp = {} x {} x {} x {} = {} NPUs: {}",
                                 par.tp, par.pp, par.dp, par.cp, par.npus(), e.what()));
  }
  auto graph_ptr = std::make_shared<const TrainingGraph>(build_training_graph(model, par));
  const TrainingGraph& graph = *graph_ptr;

  std::vector<OpCost> op_costs;
  for (const KernelList& kernels : graph.costs) {
    double time_s = 0, energy_j = 0;
    for (const KernelUse& k : kernels) {
      const KernelCost& c = costs.price(k.spec);
      time_s += k.count * c.time_s;
      energy_j += k.count * c.energy_j;
    }
    op_costs.push_back({seconds_to_ps(time_s), energy_j});
  }

  const auto npus = static_cast<uint32_t>(par.npus());
  const NetworkGraph net = options.ideal_network
                               ? build_ideal_network(npus, cluster.npus_per_node())
                               : build_cluster_network(cluster, npus);

  TrainResult r;
  r.model = model.name;
  r.cluster = cluster.name;
  r.chip = chip.name;
  r.par = par;
  r.npus = npus;
  r.engine = run_training_step(graph, par, net, op_costs, options.engine);
  r.graph = graph_ptr;
  r.step_time_s = ps_to_seconds(r.engine.step_ps);

  const double samples = par.global_batch;
  const bool per_token = model.kind != ModelKind::ops;
  r.tokens_per_step = per_token ? samples * model.seq_len : samples;
  r.tokens_per_s = r.tokens_per_step / r.step_time_s;
  r.model_flops_per_step = training_flops_per_token(model, Recompute::none) * r.tokens_per_step;
  r.hardware_flops_per_step = training_flops_per_token(model, par.recompute) * r.tokens_per_step;
  r.peak_flops_per_npu = chip.peak_flops(dtype);
  const double npu_seconds = r.step_time_s * npus;
  r.tflops_per_npu = r.hardware_flops_per_step / npu_seconds / 1e12;
  r.mfu = r.model_flops_per_step / (npu_seconds * r.peak_flops_per_npu);
  r.hfu = r.hardware_flops_per_step / (npu_seconds * r.peak_flops_per_npu);

  ActivationOptions activations;
  activations.flash_attention = par.flash_attention;
  r.memory = memory_per_npu(model, par, chip.hbm.capacity_bytes * chip.dies, activations);

  // Energy: each NPU's kernels (dynamic + static while busy), static power while its compute
  // stream waits, and the rest of the IT equipment, times the facility PUE.
  double npu_energy = 0;
  for (const RankRun& rank : r.engine.ranks)
    npu_energy += rank.compute_energy_j +
                  npu_static_power_w(chip) * std::max(0.0, r.step_time_s - rank.compute_busy_s);
  npu_energy /= static_cast<double>(r.engine.ranks.size());
  const double other_w = cluster.facility.other_power_w_per_npu.value_or(0);
  r.power_per_npu_w = npu_energy / r.step_time_s + other_w;
  r.energy_per_step_j = r.power_per_npu_w * r.step_time_s * npus * cluster.facility.pue;

  r.tokens = options.tokens > 0 ? options.tokens : default_token_budget(model);
  r.steps = r.tokens / r.tokens_per_step;
  ReliabilityConfig rel = options.reliability;
  if (rel.nodes == 0 || rel.nodes == 1)
    rel.nodes = std::max<uint32_t>(1, npus / std::max<uint32_t>(1, cluster.npus_per_node()));
  if (rel.checkpoint_bytes <= 0) rel.checkpoint_bytes = static_cast<double>(checkpoint_bytes(model));
  if (rel.checkpoint_write_bytes_per_s <= 0) rel.checkpoint_write_bytes_per_s = kDefaultCheckpointBytesPerSPerNode * rel.nodes;
  r.time_to_train = time_to_train(r.steps * r.step_time_s, rel);
  // Lost work and restarts burn energy like training does (a first-order assumption).
  const double wall_factor = r.time_to_train.expected_s / r.time_to_train.compute_s;
  r.energy_to_train_kwh = r.energy_per_step_j * r.steps * wall_factor / 3.6e6;
  r.joules_per_token = r.energy_per_step_j * wall_factor / r.tokens_per_step;

  r.cost_stats = costs.stats();
  r.roofline_kernels = costs.roofline_specs();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

}  // namespace npusim
