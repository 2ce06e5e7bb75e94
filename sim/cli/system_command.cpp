// `npusim system run|list|show`: collectives on a multi-NPU server (SystemC system model).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "models/system/algorithm.h"
#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/config/system_loader.h"
#include "sim/report/chip_report.h"
#include "sim/system/system_runner.h"

namespace npusim {
namespace {

struct SystemRunArgs {
  std::string system;
  std::string collective;
  std::string algorithm = "auto";
  std::string bytes;
  std::string dtype = "fp32";
  std::string chunk_bytes;
  uint32_t root = 0;
  std::vector<std::string> overrides;
  std::string json;
  bool quiet = false;
};

Collective collective_of(const std::string& name) {
  if (const auto c = parse_collective(name)) return *c;
  throw InputError("unknown collective '" + name + "'" + did_you_mean(name, collective_names()) +
                   " (expected one of: " + join(collective_names()) + ")");
}

std::string busbw_rule(Collective c) {
  switch (c) {
    case Collective::allreduce:
      return "busbw = algbw x 2(n-1)/n";
    case Collective::broadcast:
      return "busbw = algbw";
    default:
      return "busbw = algbw x (n-1)/n";
  }
}

nlohmann::json result_json(const SystemRunArgs& a, const SystemConfig& s,
                           const std::vector<SystemRunResult>& rows) {
  std::string algorithm = rows.empty() ? a.algorithm : rows.front().algorithm;
  for (const auto& r : rows)
    if (r.algorithm != algorithm) algorithm = a.algorithm;
  nlohmann::json j = {{"system", s.name},
                      {"collective", a.collective},
                      {"algorithm", algorithm},
                      {"requested_algorithm", a.algorithm},
                      {"npus", s.npus},
                      {"dtype", a.dtype},
                      {"chunk_bytes", rows.empty() ? s.chunk_bytes : rows.front().chunk_bytes},
                      {"rows", nlohmann::json::array()}};
  for (const auto& r : rows)
    j["rows"].push_back({{"bytes", r.bytes},
                         {"time_s", r.time_s},
                         {"algbw_gbps", r.algbw_gbps},
                         {"busbw_gbps", r.busbw_gbps},
                         {"algorithm", r.algorithm},
                         {"max_link_busy_fraction", r.max_link_busy_fraction},
                         {"max_hbm_busy_fraction", r.max_hbm_busy_fraction},
                         {"transfers", r.transfers},
                         {"packets", r.packets},
                         {"events", r.events}});
  return j;
}

int system_run(const SystemRunArgs& a) {
  // Check every option before the (slower) system load and model build.
  const Collective collective = collective_of(a.collective);
  const std::vector<uint64_t> sizes = parse_byte_sizes(a.bytes);
  SystemRunOptions options;
  const auto dtype = parse_dtype(a.dtype);
  if (!dtype)
    throw InputError("unknown --dtype '" + a.dtype + "'" + did_you_mean(a.dtype, dtype_names()) +
                     " (expected one of: " + join(dtype_names()) + ")");
  options.dtype = *dtype;
  if (!a.chunk_bytes.empty()) {
    const auto chunk = parse_byte_size(a.chunk_bytes);
    if (!chunk)
      throw InputError("--chunk-bytes '" + a.chunk_bytes +
                       "': not a size (expected e.g. 512K, 4M; K/M/G are powers of 1024)");
    options.chunk_bytes = *chunk;
  }
  options.root = a.root;

  const SystemConfig system = load_system(a.system, a.overrides);
  SystemSimulator simulator(system);
  for (uint64_t bytes : sizes) simulator.check(collective, a.algorithm, bytes, options);
  if (!a.quiet) {
    std::cout << simulator.describe();
    std::cout << fmt::format("{} {}, {}; time from the start to the last byte landed\n",
                             a.collective, a.dtype, busbw_rule(collective));
    if (a.algorithm == "auto")
      std::cout << fmt::format(
          "algorithm auto: the fastest of the supported ones on the first {} "
          "chunks of each size\n",
          SystemSimulator::kAutoProbeChunks);
    std::cout << fmt::format("{:>14} {:>10} {:>9} {:>13} {:>11} {:>11}\n", "bytes", "size",
                             "algorithm", "time_us", "algbw_GB/s", "busbw_GB/s");
    std::cout.flush();
  }
  std::vector<SystemRunResult> rows;
  for (uint64_t bytes : sizes) {
    rows.push_back(simulator.run(collective, a.algorithm, bytes, options));
    const SystemRunResult& r = rows.back();
    if (!a.quiet) {
      std::cout << fmt::format("{:>14} {:>10} {:>9} {:>13.2f} {:>11.2f} {:>11.2f}\n", r.bytes,
                               format_bytes(r.bytes), r.algorithm, r.time_s * 1e6, r.algbw_gbps,
                               r.busbw_gbps);
      std::cout.flush();
    }
    // Rewritten after every size, so a long sweep leaves its results behind as it goes.
    if (!a.json.empty()) write_file_atomically(a.json, result_json(a, system, rows).dump(2) + "\n");
  }
  return kExitOk;
}

}  // namespace

void add_system_command(CLI::App& app, CommandAction& action) {
  CLI::App* system = app.add_subcommand(
      "system", "Collectives on a multi-NPU server: chips, links, topology, DMA engines (SystemC)");
  system->require_subcommand(1);
  system->footer(
      "Examples:\n"
      "  npusim system list\n"
      "  npusim system show atlas800t-a2\n"
      "  npusim system run --system atlas800t-a2 --collective allreduce --bytes 1K..8G");

  CLI::App* list = system->add_subcommand("list", "List the system presets in configs/systems");
  list->footer("Example:\n  npusim system list");
  list->callback([&action] {
    action = [] {
      for (const auto& name : system_preset_names()) {
        std::string description;
        try {
          description = load_system(name).description;
        } catch (const InputError& e) {
          description = std::string("(invalid: ") + e.what() + ")";
        }
        std::cout << fmt::format("{:<16} {}\n", name, description);
      }
      return kExitOk;
    };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_overrides = std::make_shared<std::vector<std::string>>();
  CLI::App* show = system->add_subcommand(
      "show", "Describe a system: NPUs, topology, link rates after coding and headers, DMA");
  show->add_option("name", *show_name, "System preset (npusim system list) or system YAML file")
      ->required();
  show->add_option("--set", *show_overrides,
                   "Override a key, e.g. --set link_types.hccs.lane_gbps=28 or "
                   "--set chip.hbm.bandwidth_gbps=3200 (repeatable)");
  show->footer("Example:\n  npusim system show atlas800t-a2 --set npus=4");
  show->callback([&action, show_name, show_overrides] {
    action = [show_name, show_overrides] {
      std::cout << describe_system(load_system(*show_name, *show_overrides));
      return kExitOk;
    };
  });

  auto args = std::make_shared<SystemRunArgs>();
  std::string algorithms = "auto";
  for (const auto& a : npusim::algorithms())
    algorithms += fmt::format("\n  {:<9} {}", a->name(), a->summary());
  CLI::App* run = system->add_subcommand(
      "run",
      "Run a collective on a system, one size or a range of sizes, and print time, algbw and\n"
      "busbw per size (nccl-tests / hccl_test conventions).");
  run->add_option("--system", args->system, "System preset (npusim system list) or system YAML")
      ->required();
  run->add_option("--collective", args->collective,
                  "allreduce, allgather, reducescatter, alltoall or broadcast")
      ->required();
  run->add_option(
         "--algorithm", args->algorithm,
         "auto picks the one whose busiest link, HBM or critical path is least:\n" + algorithms)
      ->capture_default_str();
  run->add_option("--bytes", args->bytes,
                  "SIZE or START..END[:FACTOR] (factor 2 by default); K/M/G are powers of 1024,\n"
                  "e.g. 1K..8G or 1M..1G:4. All-reduce/broadcast: the buffer; all-gather: the\n"
                  "gathered output; reduce-scatter: the input; all-to-all: each NPU's send buffer")
      ->required();
  run->add_option("--dtype", args->dtype, "Element type (chunks split on its boundaries)")
      ->capture_default_str();
  run->add_option("--chunk-bytes", args->chunk_bytes,
                  "Pipelining chunk, e.g. 1M (default: the system's collective.chunk_kib)");
  run->add_option("--root", args->root, "Broadcast source NPU")->capture_default_str();
  run->add_option("--set", args->overrides,
                  "Override a system key, e.g. --set npus=4, --set link_types.hccs.lane_gbps=28,\n"
                  "or a key of its chip, e.g. --set chip.hbm.bandwidth_gbps=3200 (repeatable)");
  run->add_option("--json", args->json,
                  "Write {system, collective, algorithm, npus, rows: [{bytes, time_s, algbw_gbps,\n"
                  "busbw_gbps, ...}]} (rewritten after every size)");
  run->add_flag("-q,--quiet", args->quiet, "Do not print the table");
  run->footer(
      "Examples:\n"
      "  npusim system run --system atlas800t-a2 --collective allreduce --bytes 1K..1G\n"
      "  npusim system run --system atlas800t-a2 --collective allreduce --algorithm ring "
      "--bytes 1G\n"
      "  npusim system run --system dgx-a100 --collective alltoall --bytes 1M..1G:4 --json "
      "a2a.json");
  run->callback([&action, args] { action = [args] { return system_run(*args); }; });
}

}  // namespace npusim
