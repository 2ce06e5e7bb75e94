// `npusim chip run`: replay one kernel trace (a file or a generator spec) on the chip model.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/base/error.h"
#include "sim/chip/chip_simulator.h"
#include "sim/cli/cli.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"
#include "sim/report/chip_report.h"
#include "sim/trace/race_check.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_validate.h"

namespace npusim {
namespace {

struct ChipRunArgs {
  std::string chip;
  std::vector<std::string> overrides;
  std::string trace;
  std::string kernel;
  std::string json;
  std::string timeline;
  bool check = false;
  bool quiet = false;
};

int chip_run(const ChipRunArgs& a) {
  if (a.trace.empty() == a.kernel.empty())
    throw InputError("chip run: give exactly one of --trace FILE or --kernel \"KIND key=value ...\"");
  const ChipConfig config = load_chip(a.chip, a.overrides);
  const KernelTrace trace =
      a.trace.empty() ? generate_kernel(a.kernel, config) : read_trace_file(a.trace);
  if (a.check) {
    validate_trace(trace, config);
    const auto races = find_races(trace, config);
    for (const Race& race : races) std::cerr << format_race(race, trace) << "\n";
    if (!races.empty()) {
      std::cerr << fmt::format("{} race(s) found; not simulating\n", races.size());
      return kExitRegression;
    }
  }
  ChipSimulator simulator(config);
  ChipRunOptions options;
  options.timeline = !a.timeline.empty();
  const ChipRunResult result = simulator.run(trace, options);
  if (!a.quiet) write_chip_summary(std::cout, result);
  if (!a.json.empty()) write_file_atomically(a.json, chip_result_json(result).dump(2) + "\n");
  if (!a.timeline.empty()) {
    std::ostringstream text;
    write_chip_timeline(text, result);
    write_file_atomically(a.timeline, text.str());
  }
  return kExitOk;
}

}  // namespace

void add_chip_commands(CLI::App& app, CommandAction& action) {
  CLI::App* chip = app.add_subcommand("chip", "Run kernels on the SystemC chip model");
  chip->require_subcommand(1);
  auto args = std::make_shared<ChipRunArgs>();
  args->chip = "ascend910b";
  CLI::App* run = chip->add_subcommand(
      "run",
      "Replay a kernel trace on a chip: prints cycles, time, TFLOP/s and % of cube peak, busy %\n"
      "per pipe, bytes per memory level, energy and average power.");
  run->add_option("--chip", args->chip, "Chip preset (npusim config list) or chip YAML file")
      ->capture_default_str();
  run->add_option("--set", args->overrides,
                  "Override a chip key, e.g. --set hbm.bandwidth_gbps=3200 (repeatable)");
  run->add_option("--trace", args->trace, "Kernel trace file (docs/trace-format.md)");
  run->add_option("--kernel", args->kernel,
                  "Generate the trace instead, e.g. \"gemm m=1024 n=1024 k=1024 dtype=fp16\"\n"
                  "(kinds and keys: npusim kernel gen --help)");
  run->add_option("--json", args->json, "Write the full result as JSON (docs/results.md)");
  run->add_option("--timeline", args->timeline,
                  "Write a Chrome/Perfetto trace: a track per pipe per core");
  run->add_flag("--check", args->check,
                "First report read-after-write races between unsynchronised pipes (exit 1)");
  run->add_flag("-q,--quiet", args->quiet, "Do not print the summary");
  run->footer(
      "Examples:\n"
      "  npusim chip run --chip ascend910b --kernel \"gemm m=4096 n=4096 k=4096\"\n"
      "  npusim chip run --chip ascend910 --trace my.trace --json r.json --timeline t.json\n"
      "  npusim chip run --chip ascend910b --set core.cube.latency_cycles=30 --trace my.trace");
  run->callback([&action, args] { action = [args] { return chip_run(*args); }; });
}

}  // namespace npusim
