#include "sim/workload/replay_run.h"

#include <chrono>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/training_run.h"

namespace npusim {
namespace {

double npu_static_power_w(const ChipConfig& chip) {
  const EnergyConfig& e = chip.energy;
  return (e.static_w_per_aic * chip.cube_cores + e.static_w_per_aiv * chip.vector_cores +
          e.static_w_uncore) * chip.dies;
}

/// Rounds up to the next of 4 steps per octave (bounds the number of distinct kernel specs).
uint64_t quarter_octave(double v) {
  if (v <= 1) return 1;
  const double step = std::ceil(std::log2(v) * 4) / 4;
  return static_cast<uint64_t>(std::ceil(std::exp2(step)));
}

/// Kernel spec of a Chakra-style compute node: a square fp16 GEMM of its num_ops, else an
/// fp16 element-wise add over its tensor bytes; empty if neither is known.
std::string reprice_spec(const ReplayNode& node) {
  // Bounds keep the sizes representable (a 2^16-sided GEMM, 2^36 elements).
  if (node.flops > 0) {
    const double side =
        std::cbrt(static_cast<double>(quarter_octave(std::min(node.flops, 5.6e14))) / 2);
    const uint64_t k = std::max<uint64_t>(16, (static_cast<uint64_t>(side) + 15) / 16 * 16);
    return fmt::format("gemm m={} n={} k={} dtype=fp16", k, k, k);
  }
  if (node.io_bytes > 0) {
    const uint64_t elements = std::max<uint64_t>(1024, quarter_octave(std::min(node.io_bytes / 6, 6.8e10)));
    return fmt::format("elementwise op=add dtype=fp16 elements={}", (elements + 1023) / 1024 * 1024);
  }
  return "";
}

std::string duration(double s) {
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.3f} us", s * 1e6);
}

std::vector<std::pair<std::string, double>> breakdown_items(const StepBreakdown& b) {
  std::vector<std::pair<std::string, double>> items = {
      {"forward", b.forward_s}, {"backward", b.backward_s}, {"recompute", b.recompute_s},
      {"optimizer", b.optimizer_s}};
  for (int k = 0; k < kCommKinds; ++k)
    items.emplace_back(fmt::format("comm_{}", to_string(static_cast<CommKind>(k))), b.exposed_comm_s[k]);
  items.emplace_back("bubble", b.bubble_s);
  items.emplace_back("idle", b.idle_s);
  return items;
}

}  // namespace

uint32_t replay_network_npus(uint32_t npus, uint32_t per_node) {
  if (npus <= per_node || per_node == 0) return std::max<uint32_t>(npus, 1);
  return (npus + per_node - 1) / per_node * per_node;
}

ReplayResult replay_workload(ReplayGraph graph, ReplaySourceInfo source, const ClusterConfig& cluster,
                             const ReplaySetup& setup, KernelCostCache* costs) {
  const auto wall_start = std::chrono::steady_clock::now();
  const ChipConfig chip = npu_chip(cluster);
  ReplayResult r;
  r.cluster = cluster.name;
  r.chip = chip.name;
  r.npus = graph.npus;
  if (setup.reprice) {
    if (!costs) throw InternalError("re-pricing without a kernel cost cache");
    for (ReplayRank& rank : graph.ranks)
      for (ReplayNode& node : rank.nodes) {
        if (node.kind != ReplayKind::compute || node.host) continue;
        double time_s = 0, energy_j = 0;
        if (node.kernels != kNoIndex) {
          for (const KernelUse& k : graph.kernels.at(node.kernels)) {
            const KernelCost& c = costs->price(k.spec);
            time_s += k.count * c.time_s;
            energy_j += k.count * c.energy_j;
          }
        } else {
          const std::string spec = reprice_spec(node);
          if (spec.empty()) continue;
          const KernelCost& c = costs->price(spec);
          time_s = c.time_s;
          energy_j = c.energy_j;
        }
        node.duration_ps = seconds_to_ps(time_s);
        node.energy_j = energy_j;
        ++r.repriced;
      }
    r.cost_stats = costs->stats();
  }
  const uint32_t per_node = cluster.npus_per_node();
  const uint32_t net_npus = replay_network_npus(graph.npus, per_node);
  if (net_npus > cluster.max_npus)
    throw InputError(fmt::format("the workload has {} ranks, more than cluster '{}' has ({})",
                                 graph.npus, cluster.name, cluster.max_npus));
  const NetworkGraph net = setup.ideal_network ? build_ideal_network(net_npus, per_node)
                                               : build_cluster_network(cluster, net_npus);
  auto shared = std::make_shared<const ReplayGraph>(std::move(graph));
  r.run = run_replay(*shared, net, setup.engine);
  r.graph = shared;
  r.source = std::move(source);
  r.step_time_s = ps_to_seconds(r.run.step_ps);

  // Energy as `npusim train`: priced kernels' energy, static power for the rest of the step,
  // other IT power per NPU, times the PUE.
  double npu_energy = 0;
  for (const ReplayRankRun& rank : r.run.ranks)
    npu_energy += rank.compute_energy_j +
                  npu_static_power_w(chip) * std::max(0.0, r.step_time_s - rank.priced_busy_s);
  if (!r.run.ranks.empty()) npu_energy /= static_cast<double>(r.run.ranks.size());
  const double other_w = cluster.facility.other_power_w_per_npu.value_or(0);
  r.power_per_npu_w = r.step_time_s > 0 ? npu_energy / r.step_time_s + other_w : 0;
  r.energy_per_step_j = r.power_per_npu_w * r.step_time_s * r.npus * cluster.facility.pue;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

void write_replay_summary(std::ostream& out, const ReplayResult& r) {
  out << fmt::format("replay     {} ({} file{}, {} nodes) on {} ({} NPUs of {})\n", r.source.format,
                     r.source.files.size(), r.source.files.size() == 1 ? "" : "s",
                     r.graph->node_count(), r.cluster, r.npus, r.chip);
  out << fmt::format("step       {}\n", duration(r.step_time_s));
  std::string parts;
  for (const auto& [name, s] : breakdown_items(r.run.breakdown)) {
    if (s <= 0) continue;
    parts += fmt::format("{}{} {} ({:.1f}%)", parts.empty() ? "" : ", ", name, duration(s),
                         r.step_time_s > 0 ? 100 * s / r.step_time_s : 0.0);
  }
  out << "breakdown  " << (parts.empty() ? "-" : parts) << "  (NPU compute stream, mean over ranks)\n";
  out << fmt::format("energy     {:.4g} J per step ({:.0f} W per NPU incl. host share, PUE applied)\n",
                     r.energy_per_step_j, r.power_per_npu_w);
  std::string types;
  for (const auto& [type, n] : r.source.nodes_by_type)
    types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n);
  out << fmt::format("nodes      {} executed of {}: {}; {} CPU ops on host threads{}\n",
                     r.run.nodes_run, r.graph->node_count(), types, r.source.cpu_ops,
                     r.repriced > 0 ? fmt::format("; {} re-priced on {}", r.repriced, r.chip) : "");
  for (const std::string& w : r.source.warnings) out << "warning    " << w << "\n";
  out << fmt::format("simulated  {} ranks, {} events, {} collectives and transfers in {:.2f} s wall\n",
                     r.run.ranks.size(), r.run.events, r.run.collectives, r.wall_s);
}

nlohmann::json replay_result_json(const ReplayResult& r) {
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& [name, s] : breakdown_items(r.run.breakdown)) breakdown[name + "_s"] = s;
  nlohmann::json by_kind = nlohmann::json::object();
  for (int k = 0; k < kReplayKinds; ++k)
    by_kind[to_string(static_cast<ReplayKind>(k))] = r.run.nodes_by_kind[static_cast<size_t>(k)];
  nlohmann::json ranks = nlohmann::json::array();
  for (const ReplayRankRun& rank : r.run.ranks) {
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [name, s] : breakdown_items(rank.breakdown)) b[name + "_s"] = s;
    ranks.push_back({{"npu", rank.npu}, {"end_s", ps_to_seconds(rank.end_ps)},
                     {"compute_busy_s", rank.compute_busy_s}, {"host_busy_s", rank.host_busy_s},
                     {"breakdown", b}});
  }
  return {
      {"format", r.source.format},
      {"files", r.source.files},
      {"cluster", r.cluster},
      {"chip", r.chip},
      {"npus", r.npus},
      {"step_time_s", r.step_time_s},
      {"breakdown", breakdown},
      {"power_per_npu_w", r.power_per_npu_w},
      {"energy_per_step_j", r.energy_per_step_j},
      {"nodes", r.graph->node_count()},
      {"nodes_executed", r.run.nodes_run},
      {"nodes_by_type", r.source.nodes_by_type},
      {"nodes_by_kind", by_kind},
      {"cpu_ops", r.source.cpu_ops},
      {"host_collective_calls", r.source.host_collective_calls},
      {"ctrl_deps", {{"self_references", r.source.ctrl_self_refs},
                     {"missing_targets", r.source.ctrl_missing},
                     {"cycle_nodes", r.source.ctrl_cycle_nodes}}},
      {"warnings", r.source.warnings},
      {"repriced_nodes", r.repriced},
      {"cost_cache", {{"lookups", r.cost_stats.lookups}, {"simulated", r.cost_stats.simulated},
                      {"disk_hits", r.cost_stats.disk_hits}, {"roofline", r.cost_stats.roofline}}},
      {"simulation", {{"ranks_simulated", r.run.ranks.size()}, {"events", r.run.events},
                      {"collectives", r.run.collectives}, {"flows", r.run.flows.flows},
                      {"wall_s", r.wall_s}}},
      {"ranks", ranks},
  };
}

void write_replay_timeline(std::ostream& out, const ReplayResult& r) {
  const ReplayGraph& g = *r.graph;
  nlohmann::json events = nlohmann::json::array();
  for (size_t i = 0; i < r.run.ranks.size(); ++i) {
    const ReplayRankRun& run = r.run.ranks[i];
    const ReplayRank& rank = g.ranks[i];
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", rank.npu},
                      {"args", {{"name", fmt::format("NPU {}", rank.npu)}}}});
    for (size_t s = 0; s < rank.streams.size(); ++s)
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", rank.npu}, {"tid", s},
                        {"args", {{"name", rank.streams[s].name}}}});
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", rank.npu},
                      {"tid", rank.streams.size()}, {"args", {{"name", "recv / unbounded"}}}});
    for (const OpRecord& rec : run.records) {
      const ReplayNode& node = rank.nodes[rec.op];
      const size_t tid = node.stream == kNoReplayStream ? rank.streams.size() : node.stream;
      events.push_back({{"ph", "X"},
                        {"name", node.label != kNoIndex ? g.labels[node.label] : std::string("node")},
                        {"cat", to_string(node.kind)}, {"pid", rank.npu}, {"tid", tid},
                        {"ts", static_cast<double>(rec.start) * 1e-6},
                        {"dur", static_cast<double>(rec.end - rec.start) * 1e-6},
                        {"args", {{"id", node.id}}}});
    }
  }
  out << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump() << "\n";
}

}  // namespace npusim
