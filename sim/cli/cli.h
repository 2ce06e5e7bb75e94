#pragma once
// The `npusim` command line: subcommands, help texts and the mapping of errors to exit
// statuses (0 ok, 1 regression/race found, 2 bad input, 3 internal error).

#include <functional>
#include <string>
#include <vector>

#include "sim/cluster/collective.h"

namespace CLI {
class App;
}

namespace npusim {

/// Parses the command line, runs the chosen subcommand and returns the exit status.
int run_cli(int argc, char** argv);

/// What a subcommand does once the command line is parsed; returns the exit status.
using CommandAction = std::function<int()>;

/// The value of an `--algorithm` option (parse_collective_algo), InputError if unknown.
[[nodiscard]] CollectiveAlgo collective_algo_option(const std::string& text);

// Each subcommand family registers itself on the app and stores its action in `action`.
void add_config_commands(CLI::App& app, CommandAction& action);
void add_kernel_commands(CLI::App& app, CommandAction& action);
void add_chip_commands(CLI::App& app, CommandAction& action);
void add_regress_command(CLI::App& app, CommandAction& action);
void add_mem_command(CLI::App& app, CommandAction& action);
void add_system_command(CLI::App& app, CommandAction& action);
void add_model_command(CLI::App& app, CommandAction& action);
void add_cluster_command(CLI::App& app, CommandAction& action);
void add_train_command(CLI::App& app, CommandAction& action);
void add_replay_command(CLI::App& app, CommandAction& action);
void add_sched_command(CLI::App& app, CommandAction& action);
void add_sweep_command(CLI::App& app, CommandAction& action);

}  // namespace npusim
