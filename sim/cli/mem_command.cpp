// `npusim mem run`: drive a chip's memory system alone (placeholder until the DRAM model lands).
#include <CLI/CLI.hpp>

#include "sim/base/error.h"
#include "sim/cli/cli.h"

namespace npusim {

void add_mem_command(CLI::App& app, CommandAction& action) {
  CLI::App* mem = app.add_subcommand("mem", "Drive a chip's memory system alone (not yet available)");
  mem->footer("Example:\n  npusim mem run --chip ascend910b --pattern stream --bytes 256M");
  mem->callback([&action] {
    action = [] {
      throw InputError("npusim mem: not implemented yet (memory/interconnect issue in progress)");
      return kExitOk;
    };
  });
}

}  // namespace npusim
