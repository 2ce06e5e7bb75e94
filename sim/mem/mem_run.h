#pragma once
// `npusim mem run`: drive one die's DRAM system alone with synthetic traffic (stream, random,
// strided) and report bandwidth, row-buffer hits, latency and energy. The chip names its DRAM
// preset in hbm.dram; --set keys starting with `dram.` change the preset, others the chip.

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/memory/dram_stats.h"

namespace npusim {

struct MemRunOptions {
  std::string chip = "ascend910b";     ///< preset name or chip YAML path
  std::vector<std::string> overrides;  ///< --set: `dram.*` for the DRAM preset, else the chip
  std::string pattern = "stream";      ///< stream | random | strided
  uint64_t bytes = 0;                  ///< total bytes to move, > 0
  double read_ratio = 1.0;             ///< fraction of requests that read, in [0, 1]
  uint64_t stride = 0;                 ///< strided: bytes from one request's start to the next
  uint32_t request_bytes = 64;         ///< bytes per request, a multiple of the DRAM burst
  uint64_t seed = 1;                   ///< random addresses and read/write choice
  uint32_t max_outstanding = 0;        ///< bursts per channel queued or in flight (0: queues only)
};

struct MemRunResult {
  MemRunOptions options;
  std::string chip;  ///< chip name
  std::string dram;  ///< DRAM preset name
  std::string standard;
  std::string page_policy, scheduler, address_map;
  uint32_t channels = 0;
  uint32_t pseudo_channels = 0;
  uint32_t burst_bytes = 0;
  uint64_t requests = 0;
  uint64_t cycles = 0;      ///< DRAM command-clock cycles to the last data beat
  double time_ns = 0;       ///< to the last data beat
  double achieved_gbps = 0;
  double peak_gbps = 0;     ///< pin bandwidth: channels x pseudo-channels x bus x data rate
  double row_hit_rate = 0;
  double avg_latency_ns = 0;  ///< all requests, entering the controller to the last data beat
  double p99_latency_ns = 0;
  double read_avg_latency_ns = 0, read_p99_latency_ns = 0;
  double write_avg_latency_ns = 0, write_p99_latency_ns = 0;
  DramStats stats;
  DramEnergy energy;
  [[nodiscard]] double energy_pj_per_bit() const;
};

/// Runs the traffic. Throws InputError on bad options, configs or an hbm section that does not
/// match its DRAM preset.
[[nodiscard]] MemRunResult run_mem(const MemRunOptions& options);

[[nodiscard]] nlohmann::json mem_result_json(const MemRunResult& result);
void write_mem_summary(std::ostream& out, const MemRunResult& result);

/// "256M", "4K", "1G", "4096" (K/M/G are powers of 1024); nullopt on anything else.
[[nodiscard]] std::optional<uint64_t> parse_size(std::string_view text);

/// Traffic patterns `mem run` knows.
[[nodiscard]] const std::vector<std::string>& mem_patterns();

}  // namespace npusim
