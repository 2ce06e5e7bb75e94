// `npusim mem run`: drive one die's DRAM system (the chip's hbm.dram preset) alone with
// synthetic traffic and report bandwidth, row hits, latency and energy.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/mem/mem_run.h"
#include "sim/report/chip_report.h"

namespace npusim {
namespace {

/// Options as typed, parsed here so every mistake is one InputError line.
struct MemRunArgs {
  std::string chip = "ascend910b";
  std::vector<std::string> overrides;
  std::string pattern = "stream";
  std::string bytes;
  std::string read_ratio = "1";
  std::string stride;
  std::string request_bytes = "64";
  std::string seed = "1";
  std::string outstanding = "0";
  std::string json;
  bool quiet = false;
};

uint64_t size_option(const std::string& flag, const std::string& text) {
  const auto value = parse_size(text);
  if (!value)
    throw InputError(flag + " " + text +
                     ": not a size (expected a whole number of bytes with an optional K, M or G "
                     "suffix, powers of 1024, e.g. 256M)");
  return *value;
}

uint32_t small_option(const std::string& flag, const std::string& text) {
  const uint64_t value = size_option(flag, text);
  if (value > UINT32_MAX)
    throw InputError(flag + " " + text + ": too large (expected at most 4G - 1)");
  return static_cast<uint32_t>(value);
}

int mem_run(const MemRunArgs& a) {
  MemRunOptions o;
  o.chip = a.chip;
  o.overrides = a.overrides;
  o.pattern = a.pattern;
  if (a.bytes.empty()) throw InputError("--bytes is required (expected a size, e.g. 256M)");
  o.bytes = size_option("--bytes", a.bytes);
  const auto ratio = parse_double(a.read_ratio);
  if (!ratio)
    throw InputError("--read-ratio " + a.read_ratio +
                     ": not a number (expected a fraction from 0 to 1)");
  o.read_ratio = *ratio;
  if (!a.stride.empty()) o.stride = size_option("--stride", a.stride);
  o.request_bytes = small_option("--request-bytes", a.request_bytes);
  const auto seed = parse_u64(a.seed);
  if (!seed)
    throw InputError("--seed " + a.seed + ": not a seed (expected a whole number >= 0)");
  o.seed = *seed;
  o.max_outstanding = small_option("--outstanding", a.outstanding);
  const MemRunResult result = run_mem(o);
  if (!a.quiet) write_mem_summary(std::cout, result);
  if (!a.json.empty()) write_file_atomically(a.json, mem_result_json(result).dump(2) + "\n");
  return kExitOk;
}

}  // namespace

void add_mem_command(CLI::App& app, CommandAction& action) {
  CLI::App* mem = app.add_subcommand("mem", "Drive a chip's DRAM system alone (HBM controller "
                                            "and DRAM timing model)");
  mem->require_subcommand(1);
  mem->footer("Example:\n  npusim mem run --chip ascend910b --pattern stream --bytes 256M");
  auto args = std::make_shared<MemRunArgs>();
  CLI::App* run = mem->add_subcommand(
      "run",
      "Send synthetic traffic to one die's DRAM (the chip's hbm.dram preset, hbm.channels\n"
      "channels) and print achieved vs peak bandwidth, row-buffer hit rate, average and p99\n"
      "latency, and energy per bit. Requests enter as soon as their channel's controller has\n"
      "room, so the memory is kept saturated. Model and presets: docs/memory.md.");
  run->add_option("--chip", args->chip, "Chip preset (npusim config list) or chip YAML file")
      ->capture_default_str();
  run->add_option("--pattern", args->pattern,
                  "stream (sequential), random (uniform, request-aligned) or strided")
      ->capture_default_str();
  run->add_option("--bytes", args->bytes, "Bytes to move; K/M/G suffixes are powers of 1024")
      ->required();
  run->add_option("--read-ratio", args->read_ratio,
                  "Fraction of requests that read (0 = all writes, 1 = all reads)")
      ->capture_default_str();
  run->add_option("--stride", args->stride,
                  "strided: bytes from one request's start to the next (e.g. 4K)");
  run->add_option("--request-bytes", args->request_bytes,
                  "Bytes per request, a multiple of the DRAM burst (32 B on the HBM presets)")
      ->capture_default_str();
  run->add_option("--seed", args->seed, "Seed of the random addresses and read/write choices")
      ->capture_default_str();
  run->add_option("--outstanding", args->outstanding,
                  "Most bursts per channel queued or in flight; 0 = only the controller's\n"
                  "queues limit them (enough to saturate)")
      ->capture_default_str();
  run->add_option("--set", args->overrides,
                  "Override a chip key (hbm.channels=16, hbm.dram=hbm3) or, prefixed dram., a\n"
                  "key of the DRAM preset (dram.controller.page_policy=closed,\n"
                  "dram.timing_ns.faw=20, dram.controller.refresh=off); repeatable");
  run->add_option("--json", args->json, "Write the full result as JSON (docs/memory.md)");
  run->add_flag("-q,--quiet", args->quiet, "Do not print the summary");
  run->footer(
      "Examples:\n"
      "  npusim mem run --chip ascend910b --pattern stream --bytes 256M\n"
      "  npusim mem run --chip ascend910b --pattern random --bytes 64M --read-ratio 0.7 --json r.json\n"
      "  npusim mem run --chip ascend910 --pattern strided --stride 8K --bytes 16M\n"
      "  npusim mem run --chip nvidia-h100 --pattern random --bytes 64M --set "
      "dram.controller.page_policy=closed");
  run->callback([&action, args] { action = [args] { return mem_run(*args); }; });
}

}  // namespace npusim
