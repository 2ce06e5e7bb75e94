// `npusim train`: simulate one training step of a model on a cluster and report step time,
// throughput, MFU, memory, energy and time-to-train (docs/training.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/cluster/parallel_search.h"
#include "sim/cluster/training_run.h"
#include "sim/config/cluster_loader.h"
#include "sim/config/model_loader.h"
#include "sim/report/chip_report.h"
#include "sim/report/search_report.h"
#include "sim/report/train_report.h"
#include "sim/workload/chakra.h"
#include "sim/workload/graph_format.h"
#include "sim/workload/train_export.h"

namespace npusim {
namespace {

struct TrainArgs {
  std::string cluster, model;
  std::vector<std::string> overrides;
  ParallelConfig par;
  uint32_t global_batch = 0;
  std::string recompute = "none";
  std::string schedule = "1f1b";
  std::string algorithm = "auto";
  std::string attention = "flash";
  bool no_overlap_grad = false;
  bool full = false;
  bool ideal_network = false;
  bool roofline = false;
  double tokens = 0;
  double mtbf_hours = 6300;
  double restart_s = 600;
  double checkpoint_interval_s = 0;
  double checkpoint_gbps_per_node = 2;
  std::string cost_cache = "default";
  std::string json, csv, timeline;
  std::string emit_graph, emit_chakra;  ///< write the graph that ran (docs/workload-format.md)
  bool quiet = false;
  // --search
  bool search = false;
  uint64_t search_npus = 0;
  std::string objective = "time";
  size_t top = 5;
  FixedDimensions fixed;  ///< dimensions given on the command line, kept fixed
};

Recompute recompute_of(const std::string& text) {
  if (const auto r = parse_recompute(text)) return *r;
  throw InputError("--recompute '" + text + "'" + did_you_mean(text, {"none", "selective", "full"}) +
                   " (expected none, selective or full)");
}

PipelineSchedule schedule_of(const std::string& text) {
  if (text == "gpipe") return PipelineSchedule::gpipe;
  if (text == "1f1b") return PipelineSchedule::one_f_one_b;
  if (text == "1f1b-interleaved" || text == "interleaved") return PipelineSchedule::interleaved;
  throw InputError("--schedule '" + text + "'" +
                   did_you_mean(text, {"gpipe", "1f1b", "1f1b-interleaved"}) +
                   " (expected gpipe, 1f1b or 1f1b-interleaved)");
}

void write_csv(const std::string& path, const std::vector<const TrainResult*>& rows) {
  // Append a row to an existing table with the same columns; otherwise start one.
  std::string existing;
  if (std::ifstream in(path); in) {
    std::ostringstream text;
    text << in.rdbuf();
    existing = text.str();
  }
  if (existing.rfind(train_csv_header(), 0) != 0) existing = train_csv_header();
  for (const TrainResult* r : rows) existing += train_csv_row(*r);
  write_file_atomically(path, existing);
}

int search_run(const TrainArgs& a, const ModelSpec& model, const ClusterConfig& cluster,
               const TrainOptions& options, KernelCostCache& costs) {
  SearchObjective objective;
  if (a.objective == "time") objective = SearchObjective::time;
  else if (a.objective == "energy") objective = SearchObjective::energy;
  else throw InputError("--objective '" + a.objective + "' (expected time or energy)");
  const SearchSpace space = default_search_space(model, cluster, a.search_npus, options.par, a.fixed);
  const auto progress = [&a](size_t i, size_t n, const ParallelConfig& p) {
    if (!a.quiet)
      std::cerr << fmt::format("search [{}/{}] tp {} pp {} dp {} mb {} recompute {}\n", i + 1, n,
                               p.tp, p.pp, p.dp, p.micro_batch, to_string(p.recompute));
  };
  const auto candidates = search_parallelism(model, cluster, options, space, objective, costs, progress);
  if (!a.quiet) write_search_summary(std::cout, candidates, objective, a.top);
  if (!a.json.empty()) write_file_atomically(a.json, search_json(candidates, objective).dump(2) + "\n");
  if (!a.csv.empty()) {
    std::vector<const TrainResult*> rows;
    for (const SearchCandidate& c : candidates)
      if (c.result) rows.push_back(&*c.result);
    write_csv(a.csv, rows);
  }
  return kExitOk;
}

int train_run(TrainArgs& a) {
  TrainOptions options;
  options.par = a.par;
  options.par.recompute = recompute_of(a.recompute);
  options.par.schedule = schedule_of(a.schedule);
  options.par.overlap_grad_reduce = !a.no_overlap_grad;
  if (a.attention != "flash" && a.attention != "unfused")
    throw InputError("--attention '" + a.attention + "' (expected flash or unfused)");
  options.par.flash_attention = a.attention == "flash";
  options.engine.algorithm = collective_algo_option(a.algorithm);
  options.engine.full = a.full;
  options.engine.keep_records = !a.timeline.empty();
  options.ideal_network = a.ideal_network;
  if (a.tokens < 0) throw InputError("--tokens must be positive");
  options.tokens = a.tokens;
  if (a.mtbf_hours < 0 || a.restart_s < 0 || a.checkpoint_interval_s < 0 ||
      a.checkpoint_gbps_per_node <= 0)
    throw InputError("--mtbf-hours, --restart-s and --ckpt-interval-s must be >= 0 and "
                     "--ckpt-write-gbps > 0");

  std::vector<std::string> model_sets, cluster_sets;
  for (const std::string& s : a.overrides)
    (s.rfind("model.", 0) == 0 ? model_sets : cluster_sets).push_back(s);
  const ModelSpec model = load_model(a.model, model_sets);
  const ClusterConfig cluster = load_cluster(a.cluster, cluster_sets);
  if (a.search && a.global_batch == 0)
    throw InputError("--search needs --global-batch: the batch is what every split must train");
  if (a.search && a.search_npus == 0)
    throw InputError("--search needs --npus N: the NPUs to split into tp x pp x dp");
  if (a.search && !a.timeline.empty())
    throw InputError("--timeline is for one run; run the chosen configuration without --search");
  options.par.global_batch =
      a.global_batch > 0 ? a.global_batch : options.par.micro_batch * options.par.dp * options.par.pp;

  const uint64_t npus = a.search ? a.search_npus : options.par.npus();
  const uint32_t nodes = static_cast<uint32_t>(std::max<uint64_t>(1, npus / cluster.npus_per_node()));
  options.reliability.nodes = nodes;
  options.reliability.node_mtbf_hours = a.mtbf_hours;
  options.reliability.restart_s = a.restart_s;
  options.reliability.checkpoint_interval_s = a.checkpoint_interval_s;
  options.reliability.checkpoint_write_bytes_per_s = a.checkpoint_gbps_per_node * 1e9 * nodes;

  KernelCostOptions cost_options;
  cost_options.simulate = !a.roofline;
  cost_options.disk_dir = cost_cache_folder(a.cost_cache);
  KernelCostCache costs(npu_chip(cluster), cost_options);

  if (a.search) return search_run(a, model, cluster, options, costs);
  const TrainResult result = simulate_training(model, cluster, options, costs);
  if (!a.quiet) write_train_summary(std::cout, result);
  if (!a.json.empty()) write_file_atomically(a.json, train_result_json(result).dump(2) + "\n");
  if (!a.csv.empty()) write_csv(a.csv, {&result});
  if (!a.timeline.empty()) {
    std::ostringstream text;
    write_train_timeline(text, result);
    write_file_atomically(a.timeline, text.str());
  }
  if (!a.emit_graph.empty() || !a.emit_chakra.empty()) {
    const ReplayGraph graph =
        export_training_graph(result, cluster.npus_per_node(), options.engine.algorithm, costs);
    if (!a.emit_graph.empty()) write_workload_graph(graph, a.emit_graph);
    if (!a.emit_chakra.empty()) write_chakra(graph, a.emit_chakra, result.model);
  }
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* train = app.add_subcommand(
      "train",
      "Simulate one training step of a model on a cluster: step time and where it goes,\n"
      "tokens/s, TFLOP/s per NPU, MFU/HFU, memory per NPU with an out-of-memory verdict,\n"
      "energy, and the expected time to train a token budget with checkpoints and failures.\n"
      "Compute is priced by the chip model (kernel cost cache), communication by collective\n"
      "algorithms on a flow-level model of the cluster network (docs/training.md).");
  train->add_option("--cluster", a->cluster, "Cluster preset (npusim cluster list) or YAML file")
      ->required();
  train->add_option("--model", a->model, "Model preset (npusim model list) or YAML file")->required();
  train->add_option("--set", a->overrides,
                    "Override a key: model.KEY=VALUE for the model (e.g. model.layers=48), any\n"
                    "other key for the cluster (e.g. scale_out.oversubscription=2); repeatable");
  train->add_option("--tp", a->par.tp, "Tensor-parallel degree")->capture_default_str();
  train->add_option("--pp", a->par.pp, "Pipeline stages")->capture_default_str();
  train->add_option("--dp", a->par.dp, "Data-parallel replicas")->capture_default_str();
  train->add_option("--cp", a->par.cp, "Context-parallel degree (sequence split, ring attention)")
      ->capture_default_str();
  train->add_option("--ep", a->par.ep, "Expert-parallel degree (MoE; divides dp x cp)")
      ->capture_default_str();
  train->add_option("--vpp", a->par.vpp, "Virtual stages per rank (with --schedule 1f1b-interleaved)")
      ->capture_default_str();
  train->add_flag("--sp", a->par.sp, "Sequence parallelism inside the TP group");
  train->add_option("--zero", a->par.zero_stage, "ZeRO stage: 0, 1 (optimizer), 2 (+gradients), 3 (+weights)")
      ->capture_default_str();
  train->add_option("--recompute", a->recompute, "Activation recompute: none, selective or full")
      ->capture_default_str();
  train->add_option("--schedule", a->schedule, "Pipeline schedule: gpipe, 1f1b or 1f1b-interleaved")
      ->capture_default_str();
  train->add_option("--micro-batch", a->par.micro_batch, "Sequences per micro-batch")
      ->capture_default_str();
  train->add_option("--global-batch", a->global_batch,
                    "Sequences per step over all replicas (default micro-batch x dp x pp)");
  train->add_option("--attention", a->attention,
                    "Attention kernel: flash (fused) or unfused (Megatron-LM before FlashAttention:\n"
                    "score matrix stored, softmax and dropout over it)")
      ->capture_default_str();
  train->add_option("--moe-imbalance", a->par.moe_imbalance,
                    "MoE routing: tokens the busiest expert rank gets / a balanced router's\n"
                    "(1 = balanced, up to experts / top_k); sets expert compute, all-to-all\n"
                    "volume and expert activations")
      ->capture_default_str();
  train->add_flag("--no-overlap-grad", a->no_overlap_grad,
                  "Reduce DP gradients after the backward pass instead of during it");
  train->add_flag("--overlap-tp", a->par.overlap_tp_comm,
                  "Overlap TP collectives with the next compute op (idealised)");
  train->add_option("--algorithm", a->algorithm,
                    "Collective algorithm: auto (size/topology policy), ring, tree, hd,\n"
                    "hierarchical or direct")
      ->capture_default_str();
  train->add_option("--tokens", a->tokens,
                    "Training budget in tokens (samples for ResNet-style nets), e.g. 300e9;\n"
                    "default 20 tokens per parameter (Chinchilla), 90 ImageNet epochs for nets");
  train->add_option("--mtbf-hours", a->mtbf_hours,
                    "Mean time between failures of one node, hours (0 = no failures); default\n"
                    "from Llama 3's 419 interruptions in 54 days on 2048 nodes")
      ->capture_default_str();
  train->add_option("--restart-s", a->restart_s, "Time to detect, reschedule and reload after a failure")
      ->capture_default_str();
  train->add_option("--ckpt-interval-s", a->checkpoint_interval_s,
                    "Seconds of training between checkpoints (0 = Young/Daly optimum)")
      ->capture_default_str();
  train->add_option("--ckpt-write-gbps", a->checkpoint_gbps_per_node,
                    "Checkpoint write bandwidth per node, GB/s (assumed default)")
      ->capture_default_str();
  train->add_flag("--full", a->full, "Simulate every rank (default: one per pipeline stage)");
  train->add_flag("--ideal-network", a->ideal_network, "Communication is free (bounds and tests)");
  train->add_flag("--roofline", a->roofline,
                  "Price every kernel by the roofline instead of the chip model (fast, flagged)");
  train->add_option("--cost-cache", a->cost_cache,
                    "Kernel cost cache directory, or none (default: $NPUSIM_COST_CACHE or\n"
                    "~/.cache/npusim/costs)")
      ->capture_default_str();
  train->add_option("--json", a->json, "Write the full result as JSON (keys in docs/results.md)");
  train->add_option("--csv", a->csv, "Append one CSV row (header written if the file is new)");
  train->add_option("--timeline", a->timeline, "Write a Chrome/Perfetto trace of the step");
  train->add_option("--emit-graph", a->emit_graph,
                    "Write the graph that ran as an npusim workload graph into this folder\n"
                    "(replay with `npusim replay --graph DIR`)");
  train->add_option("--emit-chakra", a->emit_chakra,
                    "Write the graph that ran as Chakra ET files <model>.<rank>.et into this folder");
  train->add_flag("-q,--quiet", a->quiet, "No summary on stdout");
  train->add_flag("--search", a->search,
                  "Search tp x pp x dp x micro-batch x recompute on --npus NPUs for the best\n"
                  "configurations and say why the others fail; --tp, --pp, --micro-batch or\n"
                  "--recompute given on the command line stay fixed");
  train->add_option("--npus", a->search_npus, "NPUs to split (with --search)");
  train->add_option("--objective", a->objective, "What --search minimises: time (step) or energy (per step)")
      ->capture_default_str();
  train->add_option("--top", a->top, "Configurations --search lists")->capture_default_str();
  train->footer(
      "Examples:\n"
      "  npusim train --cluster atlas-a2-cluster --model gpt3-175b --tp 8 --pp 16 --dp 64 \\\n"
      "      --micro-batch 1 --global-batch 1536 --recompute selective --sp --tokens 300e9\n"
      "  npusim train --cluster dgx-a100 --model llama2-7b --tp 2 --dp 4 --global-batch 64 --json r.json\n"
      "  npusim train --cluster atlas900-pod --model resnet50 --micro-batch 256 --set model.dtype=fp16\n"
      "  npusim train --cluster atlas-a2-cluster --model gpt3-175b --search --npus 1024 \\\n"
      "      --global-batch 1536 --sp --roofline");
  train->callback([&action, a, train] {
    a->fixed = {train->count("--tp") > 0, train->count("--pp") > 0,
                train->count("--micro-batch") > 0, train->count("--recompute") > 0};
    action = [a] { return train_run(*a); };
  });
}

}  // namespace npusim
