// `npusim replay`: replay a workload graph (npusim's own format, or Chakra execution traces)
// on a cluster: step time, breakdown, energy, node counts, timeline (docs/workload-format.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/base/error.h"
#include "sim/cli/cli.h"
#include "sim/cluster/training_run.h"
#include "sim/config/cluster_loader.h"
#include "sim/report/chip_report.h"
#include "sim/workload/chakra.h"
#include "sim/workload/graph_format.h"
#include "sim/workload/replay_run.h"

namespace npusim {
namespace {

struct ReplayArgs {
  std::string cluster, graph, chakra;
  std::vector<std::string> overrides;
  uint32_t ranks = 0;
  bool reprice = false, roofline = false, ideal_network = false, no_resource_limits = false;
  std::string algorithm = "auto";
  std::string cost_cache = "default";
  std::string json, timeline;
  bool quiet = false;
};

int replay_run(const ReplayArgs& a) {
  if (a.graph.empty() == a.chakra.empty())
    throw InputError("replay: give exactly one of --graph DIR and --chakra DIR|FILE");
  const CollectiveAlgo algorithm = collective_algo_option(a.algorithm);
  const ClusterConfig cluster = load_cluster(a.cluster, a.overrides);
  if (a.ranks > cluster.max_npus)
    throw InputError(fmt::format("the workload has {} ranks, more than cluster '{}' has ({})",
                                 a.ranks, cluster.name, cluster.max_npus));
  ReplayGraph graph;
  ReplaySourceInfo source;
  if (!a.chakra.empty()) {
    ChakraReadOptions read;
    read.ranks = a.ranks;
    ChakraTrace trace = read_chakra(a.chakra, read);
    graph = std::move(trace.graph);
    source.format = "chakra";
    source.files = trace.stats.files;
    source.nodes_by_type = trace.stats.nodes_by_type;
    source.cpu_ops = trace.stats.cpu_ops;
    source.host_collective_calls = trace.stats.host_collective_calls;
    source.ctrl_self_refs = trace.stats.ctrl_self_refs;
    source.ctrl_missing = trace.stats.ctrl_missing;
    source.ctrl_cycle_nodes = trace.stats.ctrl_cycle_nodes;
    source.warnings = trace.stats.warnings;
  } else {
    if (a.ranks > 0) throw InputError("--ranks applies to single-rank Chakra traces only");
    graph = read_workload_graph(a.graph);
    source.format = "npusim-graph";
    for (const ReplayRank& r : graph.ranks) {
      source.files.push_back(r.source);
      for (const ReplayNode& n : r.nodes) {
        ++source.nodes_by_type[to_string(n.kind)];
        if (n.host) ++source.cpu_ops;
      }
    }
  }
  ReplaySetup setup;
  setup.ideal_network = a.ideal_network;
  setup.reprice = a.reprice;
  setup.engine.no_resource_limits = a.no_resource_limits;
  setup.engine.algorithm = algorithm;
  setup.engine.keep_records = !a.timeline.empty();
  std::unique_ptr<KernelCostCache> costs;
  if (a.reprice) {
    KernelCostOptions cost_options;
    cost_options.simulate = !a.roofline;
    cost_options.disk_dir = cost_cache_folder(a.cost_cache);
    costs = std::make_unique<KernelCostCache>(npu_chip(cluster), cost_options);
  }
  const ReplayResult result = replay_workload(std::move(graph), std::move(source), cluster, setup, costs.get());
  if (!a.quiet) write_replay_summary(std::cout, result);
  if (!a.json.empty()) write_file_atomically(a.json, replay_result_json(result).dump(2) + "\n");
  if (!a.timeline.empty()) {
    std::ostringstream text;
    write_replay_timeline(text, result);
    write_file_atomically(a.timeline, text.str());
  }
  return kExitOk;
}

}  // namespace

void add_replay_command(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Replay a workload graph on a cluster: npusim's own graph format (--graph, written by\n"
      "`npusim train --emit-graph`) or Chakra execution traces (--chakra, one <name>.<rank>.et\n"
      "per rank). Compute nodes take their recorded duration (or are re-priced on the cluster's\n"
      "chip with --reprice), communication runs on the cluster network model; outputs as\n"
      "`npusim train` (docs/workload-format.md).");
  replay->add_option("--cluster", a->cluster, "Cluster preset (npusim cluster list) or YAML file")->required();
  replay->add_option("--graph", a->graph, "Folder of an npusim workload graph (graph.json + rank files)");
  replay->add_option("--chakra", a->chakra, "Chakra trace: one .et file or a folder of <name>.<rank>.et");
  replay->add_option("--set", a->overrides, "Override a cluster key (e.g. node.npus=16); repeatable");
  replay->add_option("--ranks", a->ranks, "Replay a single-rank Chakra trace as N symmetric ranks");
  replay->add_flag("--reprice", a->reprice,
                   "Re-price NPU compute nodes on the cluster's chip (kernel cost cache) from\n"
                   "their kernels, num_ops or tensor sizes instead of recorded durations");
  replay->add_flag("--roofline", a->roofline, "With --reprice: price by the roofline (fast, flagged)");
  replay->add_option("--cost-cache", a->cost_cache, "Kernel cost cache directory, or none")->capture_default_str();
  replay->add_flag("--ideal-network", a->ideal_network, "Communication is free (bounds and tests)");
  replay->add_flag("--no-resource-limits", a->no_resource_limits,
                   "No stream limits: a node starts as soon as its dependencies are done");
  replay->add_option("--algorithm", a->algorithm,
                     "Collective algorithm for nodes without a hint: auto, ring, tree, hd,\n"
                     "hierarchical or direct")->capture_default_str();
  replay->add_option("--json", a->json, "Write the full result as JSON (adds nodes_by_type)");
  replay->add_option("--timeline", a->timeline, "Write a Chrome/Perfetto trace of the replay");
  replay->add_flag("-q,--quiet", a->quiet, "No summary on stdout");
  replay->footer(
      "Examples:\n"
      "  npusim replay --cluster atlas-a2-cluster --chakra trace.0.et --ideal-network\n"
      "  npusim replay --cluster atlas-a2-cluster --chakra trace.0.et --ranks 8 --reprice --json r.json\n"
      "  npusim train --cluster atlas-a2-cluster --model llama2-7b --tp 8 --emit-graph g\n"
      "  npusim replay --cluster atlas-a2-cluster --graph g");
  replay->callback([&action, a] { action = [a] { return replay_run(*a); }; });
}

}  // namespace npusim
