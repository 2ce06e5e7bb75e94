// `npusim kernel gen KIND ...` and `npusim kernel check FILE`: write and lint kernel traces.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "sim/base/error.h"
#include "sim/cli/cli.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"
#include "sim/report/chip_report.h"
#include "sim/trace/race_check.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_validate.h"
#include "sim/trace/trace_writer.h"

namespace npusim {
namespace {

struct ChipOptions {
  std::string chip = "ascend910b";
  std::vector<std::string> overrides;
};

void add_chip_options(CLI::App* cmd, ChipOptions& o) {
  cmd->add_option("--chip", o.chip, "Chip preset or YAML file the trace is for")
      ->capture_default_str();
  cmd->add_option("--set", o.overrides, "Override a chip key, e.g. --set core.buffers_kib.l1=1024");
}

void add_gen_command(CLI::App* gen, const KernelGenerator& generator, CommandAction& action) {
  const std::string kind(generator.kind());
  CLI::App* cmd = gen->add_subcommand(kind, std::string(generator.summary()));
  auto chip = std::make_shared<ChipOptions>();
  auto output = std::make_shared<std::string>();
  auto values = std::make_shared<std::map<std::string, std::string>>();
  add_chip_options(cmd, *chip);
  cmd->add_option("-o,--output", *output, "Trace file to write (default: stdout)");
  std::string example = "npusim kernel gen " + kind + " --chip ascend910b";
  for (const GeneratorParam& p : generator.params()) {
    std::string help = p.help;
    if (!p.default_value.empty()) help += " [default: " + p.default_value + "]";
    CLI::Option* opt = cmd->add_option("--" + p.name, (*values)[p.name], help);
    if (p.default_value.empty()) {
      opt->required();
      example += " --" + p.name + " ...";
    }
  }
  cmd->footer("Example:\n  " + example + " -o " + kind + ".trace");
  cmd->callback([&action, &generator, chip, output, values] {
    action = [&generator, chip, output, values] {
      std::map<std::string, std::string> args;
      for (const auto& [key, value] : *values)
        if (!value.empty()) args[key] = value;
      const ChipConfig config = load_chip(chip->chip, chip->overrides);
      const KernelTrace trace = generate_kernel(generator.kind(), args, config);
      validate_trace(trace, config);  // a generator bug must not produce a silent bad file
      std::ostringstream text;
      write_trace(trace, text);
      if (output->empty()) {
        std::cout << text.str();
      } else {
        write_file_atomically(*output, text.str());
        std::cerr << fmt::format("wrote {} ({} instructions on {} cores)\n", *output,
                                 trace.instruction_count(), trace.cores.size());
      }
      return kExitOk;
    };
  });
}

}  // namespace

void add_kernel_commands(CLI::App& app, CommandAction& action) {
  CLI::App* kernel = app.add_subcommand("kernel", "Generate or check kernel traces");
  kernel->require_subcommand(1);

  CLI::App* gen = kernel->add_subcommand(
      "gen", "Write a kernel trace following Ascend C practice (tiling, double buffering)");
  gen->require_subcommand(1);
  gen->footer(
      "Run `npusim kernel gen KIND --help` for each kind's parameters.\n"
      "Example:\n  npusim kernel gen gemm --chip ascend910b --m 4096 --n 4096 --k 4096 -o gemm.trace");
  for (const KernelGenerator* generator : kernel_generators())
    add_gen_command(gen, *generator, action);

  auto chip = std::make_shared<ChipOptions>();
  auto file = std::make_shared<std::string>();
  CLI::App* check = kernel->add_subcommand(
      "check",
      "Validate a trace against a chip and report read-after-write races between pipes that\n"
      "no flag or barrier orders. Exit status 1 if a race is found.");
  check->add_option("trace", *file, "Kernel trace file")->required();
  add_chip_options(check, *chip);
  check->footer("Example:\n  npusim kernel check workloads/kernels/example_split_matmul.trace --chip ascend910b");
  check->callback([&action, chip, file] {
    action = [chip, file] {
      const ChipConfig config = load_chip(chip->chip, chip->overrides);
      const KernelTrace trace = read_trace_file(*file);
      validate_trace(trace, config);
      const auto races = find_races(trace, config);
      for (const Race& race : races) std::cout << format_race(race, trace) << "\n";
      std::cout << fmt::format("{}: {} instructions, {} race(s)\n", *file,
                               trace.instruction_count(), races.size());
      return races.empty() ? kExitOk : kExitRegression;
    };
  });
}

}  // namespace npusim
