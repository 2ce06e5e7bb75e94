// `npusim system run`: collectives on a multi-NPU server (placeholder until the system model lands).
#include <CLI/CLI.hpp>

#include "sim/base/error.h"
#include "sim/cli/cli.h"

namespace npusim {

void add_system_command(CLI::App& app, CommandAction& action) {
  CLI::App* system = app.add_subcommand("system", "Collectives on a multi-NPU server (not yet available)");
  system->footer("Example:\n  npusim system run --system atlas800t-a2 --collective allreduce --bytes 1K..8G");
  system->callback([&action] {
    action = [] {
      throw InputError("npusim system: not implemented yet (memory/interconnect issue in progress)");
      return kExitOk;
    };
  });
}

}  // namespace npusim
