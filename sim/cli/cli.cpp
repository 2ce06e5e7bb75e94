#include "sim/cli/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "sim/base/error.h"

namespace npusim {

CollectiveAlgo collective_algo_option(const std::string& text) {
  if (const auto algo = parse_collective_algo(text)) return *algo;
  throw InputError("--algorithm '" + text + "' (expected auto, ring, tree, hd, hierarchical or direct)");
}

int run_cli(int argc, char** argv) {
  CLI::App app{
      "npusim: a cycle-approximate simulator of Ascend-class NPUs and their clusters.\n"
      "Describe a chip in YAML (configs/chips), write or generate a kernel trace, replay it on\n"
      "the SystemC chip model, and read cycles, utilisation, traffic, energy and a timeline;\n"
      "simulate training on a cluster, replay Chakra traces, sweep configs, schedule a fleet.",
      "npusim"};
  app.set_version_flag("--version", "npusim 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  npusim config list\n"
      "  npusim kernel gen gemm --chip ascend910b --m 1024 --n 1024 --k 1024 -o gemm.trace\n"
      "  npusim chip run --chip ascend910b --trace gemm.trace --json out.json\n"
      "  npusim chip run --chip ascend910b --kernel \"attention batch=1 heads=8 seq=1024 "
      "head_dim=128\"\n"
      "  npusim train --cluster atlas-a2-cluster --model gpt3-175b --tp 8 --pp 16 --dp 64 "
      "--global-batch 1536\n"
      "  npusim replay --cluster atlas-a2-cluster --chakra trace.0.et --ranks 8\n"
      "  npusim sweep configs/sweeps/smoke.yaml -j 2 --out sweeps/smoke\n"
      "  npusim sched --cluster hetero-small --jobs workloads/jobs/mixed-models.csv --compare fifo,las\n"
      "  npusim regress tests/golden\n"
      "Run `npusim SUBCOMMAND --help` for the options of each.");

  CommandAction action;
  add_config_commands(app, action);
  add_kernel_commands(app, action);
  add_chip_commands(app, action);
  add_regress_command(app, action);
  add_mem_command(app, action);
  add_system_command(app, action);
  add_model_command(app, action);
  add_cluster_command(app, action);
  add_train_command(app, action);
  add_replay_command(app, action);
  add_sched_command(app, action);
  add_sweep_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  try {
    return action ? action() : kExitOk;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  } catch (const InternalError& e) {
    std::cerr << e.what() << "\n";
    return kExitInternal;
  } catch (const std::bad_alloc&) {
    std::cerr << "internal error: out of memory\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace npusim
