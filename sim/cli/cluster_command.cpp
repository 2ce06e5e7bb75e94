// `npusim cluster list|show` (placeholder until the cluster level's inputs land).
#include <CLI/CLI.hpp>

#include "sim/base/error.h"
#include "sim/cli/cli.h"

namespace npusim {

void add_cluster_command(CLI::App& app, CommandAction& action) {
  CLI::App* cmd = app.add_subcommand("cluster", "Training cluster presets (not yet available)");
  cmd->footer("Example:\n  npusim cluster list");
  cmd->callback([&action] {
    action = [] {
      throw InputError("npusim cluster: not implemented yet (cluster-level issue in progress)");
      return kExitOk;
    };
  });
}

}  // namespace npusim
