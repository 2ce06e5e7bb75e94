#include "sim/report/train_report.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "sim/base/units.h"

namespace npusim {
namespace {

/// Breakdown entries in a fixed order: (key, seconds).
std::vector<std::pair<std::string, double>> breakdown_items(const StepBreakdown& b) {
  std::vector<std::pair<std::string, double>> items = {
      {"forward", b.forward_s}, {"backward", b.backward_s}, {"recompute", b.recompute_s},
      {"optimizer", b.optimizer_s}};
  for (int k = 0; k < kCommKinds; ++k)
    items.emplace_back(fmt::format("comm_{}", to_string(static_cast<CommKind>(k))),
                       b.exposed_comm_s[k]);
  items.emplace_back("bubble", b.bubble_s);
  items.emplace_back("idle", b.idle_s);
  return items;
}

}  // namespace

void write_train_summary(std::ostream& out, const TrainResult& r) {
  const ParallelConfig& p = r.par;
  out << fmt::format("train      {} on {} ({} NPUs of {})\n", r.model, r.cluster, r.npus, r.chip);
  out << fmt::format(
      "parallel   tp {} x pp {} x dp {} x cp {} (ep {}), {}{}, micro-batch {}, global batch {} "
      "({} micro-batches), ZeRO-{}, recompute {}{}\n",
      p.tp, p.pp, p.dp, p.cp, p.ep, to_string(p.schedule),
      p.vpp > 1 ? fmt::format(" vpp {}", p.vpp) : "", p.micro_batch, p.global_batch,
      p.micro_batches(), p.zero_stage, to_string(p.recompute), p.sp ? ", sp" : "");
  out << fmt::format("step       {}   {:.4g} tokens/s   {:.1f} TFLOP/s per NPU   MFU {:.1f}%   HFU {:.1f}%\n",
                     format_duration(r.step_time_s), r.tokens_per_s, r.tflops_per_npu, 100 * r.mfu,
                     100 * r.hfu);
  std::string parts;
  for (const auto& [name, s] : breakdown_items(r.engine.breakdown)) {
    if (s <= 0) continue;
    parts += fmt::format("{}{} {} ({:.1f}%)", parts.empty() ? "" : ", ", name, format_duration(s),
                         100 * s / r.step_time_s);
  }
  out << "breakdown  " << parts << "  (mean over ranks)\n";
  const MemoryBreakdown& m = r.memory;
  out << fmt::format(
      "memory     weights {} + gradients {} + optimizer {} + activations {} + buffers {} = {} "
      "of {} per NPU (stage {}): {}\n",
      format_gib(static_cast<double>(m.weights)), format_gib(static_cast<double>(m.gradients)),
      format_gib(static_cast<double>(m.optimizer)), format_gib(static_cast<double>(m.activations)),
      format_gib(static_cast<double>(m.buffers)), format_gib(static_cast<double>(m.total)),
      format_gib(static_cast<double>(m.capacity)), m.stage, m.fits ? "fits" : "DOES NOT FIT (out of memory)");
  out << fmt::format("energy     {} per step ({:.0f} W per NPU incl. host share, PUE applied), "
                     "{:.4g} J/token\n",
                     format_energy(r.energy_per_step_j), r.power_per_npu_w, r.joules_per_token);
  const TimeToTrain& t = r.time_to_train;
  out << fmt::format("to train   {:.4g} tokens = {:.4g} steps: {} failure-free; expected {} "
                     "(checkpoint every {}, {:.1f} failures), {:.4g} kWh\n",
                     r.tokens, r.steps, format_duration(t.compute_s), format_duration(t.expected_s),
                     format_duration(t.checkpoint_interval_s), t.expected_failures, r.energy_to_train_kwh);
  const KernelCostStats& c = r.cost_stats;
  out << fmt::format("pricing    {} kernel specs: {} simulated on the chip model, {} from the "
                     "disk cache, {} roofline{}\n",
                     c.simulated + c.disk_hits + c.roofline, c.simulated, c.disk_hits, c.roofline,
                     c.roofline > 0 ? " (listed in --json roofline_kernels)" : "");
  out << fmt::format("simulated  {} of {} ranks ({}), {} events, {} collectives in {:.2f} s wall\n",
                     r.engine.ranks.size(), r.npus,
                     r.engine.ranks.size() == r.npus ? "full" : "symmetric; --full for every rank",
                     r.engine.events, r.engine.collectives, r.wall_s);
}

nlohmann::json train_result_json(const TrainResult& r) {
  const ParallelConfig& p = r.par;
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& [name, s] : breakdown_items(r.engine.breakdown)) breakdown[name + "_s"] = s;
  const MemoryBreakdown& m = r.memory;
  const TimeToTrain& t = r.time_to_train;
  nlohmann::json roofline = nlohmann::json::array();
  for (const auto& [spec, why] : r.roofline_kernels) roofline.push_back({{"spec", spec}, {"reason", why}});
  nlohmann::json ranks = nlohmann::json::array();
  for (const RankRun& rank : r.engine.ranks) {
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [name, s] : breakdown_items(rank.breakdown)) b[name + "_s"] = s;
    ranks.push_back({{"npu", rank.npu}, {"stage", rank.stage}, {"breakdown", b}});
  }
  auto finite = [](double v) -> nlohmann::json { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {
      {"model", r.model},
      {"cluster", r.cluster},
      {"chip", r.chip},
      {"npus", r.npus},
      {"parallelism",
       {{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}, {"cp", p.cp}, {"ep", p.ep}, {"vpp", p.vpp},
        {"sp", p.sp}, {"zero_stage", p.zero_stage}, {"recompute", to_string(p.recompute)},
        {"schedule", to_string(p.schedule)}, {"micro_batch", p.micro_batch},
        {"global_batch", p.global_batch}, {"micro_batches", p.micro_batches()},
        {"overlap_grad_reduce", p.overlap_grad_reduce}, {"overlap_tp_comm", p.overlap_tp_comm},
        {"attention", p.flash_attention ? "flash" : "unfused"},
        {"moe_imbalance", p.moe_imbalance}}},
      {"step_time_s", r.step_time_s},
      {"tokens_per_step", r.tokens_per_step},
      {"tokens_per_s", r.tokens_per_s},
      {"tflops_per_npu", r.tflops_per_npu},
      {"peak_tflops_per_npu", r.peak_flops_per_npu / 1e12},
      {"model_flops_per_step", r.model_flops_per_step},
      {"hardware_flops_per_step", r.hardware_flops_per_step},
      {"mfu", r.mfu},
      {"hfu", r.hfu},
      {"breakdown", breakdown},
      {"memory_per_npu_bytes", m.total},
      {"fits_memory", m.fits},
      {"memory",
       {{"weights_bytes", m.weights}, {"gradients_bytes", m.gradients},
        {"optimizer_bytes", m.optimizer}, {"activations_bytes", m.activations},
        {"buffers_bytes", m.buffers}, {"total_bytes", m.total}, {"capacity_bytes", m.capacity},
        {"stage", m.stage}}},
      {"tokens", r.tokens},
      {"steps", r.steps},
      {"time_to_train_s", finite(t.expected_s)},
      {"time_to_train",
       {{"compute_s", t.compute_s}, {"expected_s", finite(t.expected_s)},
        {"checkpoint_write_s", t.checkpoint_write_s}, {"checkpoint_interval_s", finite(t.checkpoint_interval_s)},
        {"young_daly_interval_s", finite(t.young_daly_interval_s)}, {"job_mtbf_s", finite(t.job_mtbf_s)},
        {"expected_failures", finite(t.expected_failures)}, {"checkpoint_overhead_s", t.checkpoint_overhead_s},
        {"lost_work_s", finite(t.lost_work_s)}, {"restart_overhead_s", finite(t.restart_overhead_s)}}},
      {"power_per_npu_w", r.power_per_npu_w},
      {"energy_per_step_j", r.energy_per_step_j},
      {"energy_to_train_kwh", finite(r.energy_to_train_kwh)},
      {"joules_per_token", finite(r.joules_per_token)},
      {"cost_cache",
       {{"lookups", r.cost_stats.lookups}, {"memory_hits", r.cost_stats.memory_hits},
        {"disk_hits", r.cost_stats.disk_hits}, {"simulated", r.cost_stats.simulated},
        {"roofline", r.cost_stats.roofline}, {"chip_runs", r.cost_stats.chip_runs},
        {"simulate_wall_s", r.cost_stats.simulate_wall_s}}},
      {"roofline_kernels", roofline},
      {"simulation",
       {{"mode", r.engine.ranks.size() == r.npus ? "full" : "symmetric"},
        {"ranks_simulated", r.engine.ranks.size()}, {"events", r.engine.events},
        {"collectives", r.engine.collectives}, {"flows", r.engine.flows.flows},
        {"wall_s", r.wall_s}}},
      {"ranks", ranks},
  };
}

std::string train_csv_header() {
  std::string h =
      "model,cluster,chip,npus,tp,pp,dp,cp,ep,vpp,sp,zero,recompute,schedule,micro_batch,"
      "global_batch,step_time_s,tokens_per_s,tflops_per_npu,mfu,hfu,memory_per_npu_bytes,"
      "fits_memory,time_to_train_s,energy_per_step_j,energy_to_train_kwh";
  for (const auto& [name, s] : breakdown_items(StepBreakdown{})) h += "," + name + "_s";
  return h + "\n";
}

std::string train_csv_row(const TrainResult& r) {
  const ParallelConfig& p = r.par;
  std::string row = fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{},{:.9g},{:.9g},{:.9g}",
      r.model, r.cluster, r.chip, r.npus, p.tp, p.pp, p.dp, p.cp, p.ep, p.vpp, p.sp ? 1 : 0,
      p.zero_stage, to_string(p.recompute), to_string(p.schedule), p.micro_batch,
      p.global_batch, r.step_time_s, r.tokens_per_s, r.tflops_per_npu, r.mfu, r.hfu,
      r.memory.total, r.memory.fits ? 1 : 0, r.time_to_train.expected_s, r.energy_per_step_j,
      r.energy_to_train_kwh);
  for (const auto& [name, s] : breakdown_items(r.engine.breakdown)) row += fmt::format(",{:.9g}", s);
  return row + "\n";
}

void write_train_timeline(std::ostream& out, const TrainResult& r) {
  const TrainingGraph& graph = *r.graph;
  static const char* kTracks[] = {"compute", "tp comm", "dp grads", "pp recv"};
  nlohmann::json events = nlohmann::json::array();
  for (const RankRun& rank : r.engine.ranks) {
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", rank.npu},
                      {"args", {{"name", fmt::format("NPU {} (stage {})", rank.npu, rank.stage)}}}});
    for (int t = 0; t < 4; ++t)
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", rank.npu}, {"tid", t},
                        {"args", {{"name", kTracks[t]}}}});
    const auto& ops = graph.stages[rank.stage].ops;
    for (const OpRecord& rec : rank.records) {
      const GraphOp& op = ops[rec.op];
      const int tid = op.stream == kNoStream ? 3 : op.stream;
      const char* cat = op.type == OpType::compute ? to_string(op.compute) : to_string(op.comm);
      events.push_back({{"ph", "X"}, {"name", graph.labels[op.label]}, {"cat", cat},
                        {"pid", rank.npu}, {"tid", tid},
                        {"ts", static_cast<double>(rec.start) * 1e-6},
                        {"dur", static_cast<double>(rec.end - rec.start) * 1e-6}});
    }
  }
  out << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump() << "\n";
}

}  // namespace npusim
