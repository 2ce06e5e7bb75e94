// `npusim cluster list|show`: training cluster presets (configs/clusters), the input of the
// cluster level: a node type (system preset), the scale-out network and facility data.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "sim/base/error.h"
#include "sim/cli/cli.h"
#include "sim/config/cluster_loader.h"

namespace npusim {
namespace {

std::string gbytes(double bytes_per_s) {
  return fmt::format("{:.1f} GB/s", bytes_per_s / 1e9);
}

/// A few numbers derived from the resolved config, as YAML comments under it.
std::string derived_summary(const ClusterConfig& c) {
  std::string out = "# Derived:\n";
  const auto line = [&out](const std::string& key, const std::string& value) {
    out += fmt::format("#   {:<34} {}\n", key, value);
  };
  const double hbm_per_npu = double(c.node.chip.hbm.capacity_bytes) * c.node.chip.dies /
                             c.node.npus_per_chip / double(1 << 30);
  line("node", fmt::format("{}: {} NPUs of {}, {:g} GiB HBM per NPU", c.node.name, c.node.npus,
                           c.node.chip.name, hbm_per_npu));
  line("nodes at max_npus", fmt::format("{} x {} NPUs = {}", c.nodes_at_max(), c.npus_per_node(),
                                        c.max_npus));
  if (c.supernode) {
    line("supernodes at max_npus", fmt::format("{} x {} NPUs", c.scale_out_domains_at_max(),
                                               c.supernode->npus));
    line("supernode bandwidth per NPU", gbytes(c.supernode_bytes_per_s_per_npu()) +
                                            " per direction");
  }
  line("scale-out bandwidth per NPU",
       fmt::format("{} per direction ({:g} Gb/s)", gbytes(c.nic_bytes_per_s_per_npu()),
                   c.scale_out.nic_gbps_per_npu));
  line("bisection bandwidth per NPU",
       fmt::format("{} per direction (after oversubscription {:g})",
                   gbytes(c.bisection_bytes_per_s_per_npu()), c.scale_out.oversubscription));
  line("bisection bandwidth at max_npus",
       fmt::format("{:.2f} TB/s per direction", c.bisection_bytes_per_s() / 1e12));
  line("facility PUE", fmt::format("{:g}", c.facility.pue));
  return out;
}

}  // namespace

void add_cluster_command(CLI::App& app, CommandAction& action) {
  CLI::App* cluster = app.add_subcommand(
      "cluster",
      "Training cluster presets: node type (a system), scale-out network, facility (PUE)");
  cluster->require_subcommand(1);
  cluster->footer(
      "Examples:\n"
      "  npusim cluster list\n"
      "  npusim cluster show atlas-a2-cluster --set scale_out.oversubscription=2");

  CLI::App* list = cluster->add_subcommand("list", "List the cluster presets in configs/clusters");
  list->footer("Example:\n  npusim cluster list");
  list->callback([&action] {
    action = [] {
      for (const auto& name : cluster_preset_names()) {
        std::string description;
        try {
          description = load_cluster(name).description;
        } catch (const InputError& e) {
          description = std::string("(invalid: ") + e.what() + ")";
        }
        std::cout << fmt::format("{:<18} {}\n", name, description);
      }
      return kExitOk;
    };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_overrides = std::make_shared<std::vector<std::string>>();
  CLI::App* show = cluster->add_subcommand(
      "show",
      "Print a cluster's resolved YAML (base: and --set applied, each value with its origin)\n"
      "and derived numbers: nodes at max size, per-NPU scale-out and bisection bandwidth");
  show->add_option("name", *show_name, "Cluster preset (npusim cluster list) or cluster YAML file")
      ->required();
  show->add_option("--set", *show_overrides,
                   "Override a key, e.g. --set scale_out.oversubscription=2, or a key of the\n"
                   "node's system, e.g. --set node.chip.hbm.capacity_gib=40 (repeatable)");
  show->footer(
      "Examples:\n"
      "  npusim cluster show atlas-a2-cluster --set scale_out.oversubscription=2\n"
      "  npusim cluster show cloudmatrix384 --set supernode.gbps_per_npu=1600");
  show->callback([&action, show_name, show_overrides] {
    action = [show_name, show_overrides] {
      const ClusterConfig c = load_cluster(*show_name, *show_overrides);
      std::cout << resolved_cluster_yaml(*show_name, *show_overrides) << derived_summary(c);
      return kExitOk;
    };
  });
}

}  // namespace npusim
