#include "sim/mem/mem_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <ostream>

#include "models/memory/dram_address_map.h"
#include "models/memory/dram_scheduler.h"
#include "models/memory/dram_system.h"
#include "sim/base/error.h"
#include "sim/base/int_math.h"
#include "sim/base/text.h"
#include "sim/config/chip_loader.h"
#include "sim/config/dram_loader.h"
#include "sim/mem/mem_traffic.h"

namespace npusim {
namespace {

MemPattern parse_pattern(const std::string& name) {
  if (name == "stream") return MemPattern::stream;
  if (name == "random") return MemPattern::random;
  if (name == "strided") return MemPattern::strided;
  throw InputError("--pattern " + name + ": unknown pattern" + did_you_mean(name, mem_patterns()) +
                   " (expected one of: " + join(mem_patterns()) + ")");
}

void check_options(const MemRunOptions& o) {
  if (o.bytes == 0)
    throw InputError("--bytes 0: nothing to move (expected a size > 0, e.g. 256M)");
  if (!(o.read_ratio >= 0 && o.read_ratio <= 1))
    throw InputError(fmt::format("--read-ratio {:g}: out of range (expected a fraction from 0 "
                                 "(all writes) to 1 (all reads))",
                                 o.read_ratio));
  if (o.request_bytes == 0)
    throw InputError("--request-bytes 0: empty requests (expected a multiple of the DRAM burst)");
  if (o.pattern == "strided" && o.stride == 0)
    throw InputError("--pattern strided needs --stride B (expected a stride > 0, e.g. 4K)");
  if (o.pattern != "strided" && o.stride != 0)
    throw InputError("--stride is only used by --pattern strided (expected no --stride with --pattern " +
                     o.pattern + ")");
}

/// Latency statistics over a list of latencies in ns (sorted in place).
struct LatencyStats {
  double avg = 0, p99 = 0;
};
LatencyStats latency_stats(std::vector<float>& ns) {
  LatencyStats s;
  if (ns.empty()) return s;
  double sum = 0;
  for (const float v : ns) sum += v;
  s.avg = sum / double(ns.size());
  // p99: the smallest latency at or above 99 % of the requests (nearest rank).
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * double(ns.size()))) - 1;
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(rank), ns.end());
  s.p99 = ns[rank];
  return s;
}

std::string percent(double fraction) {
  return fmt::format("{:.1f} %", 100 * fraction);
}

}  // namespace

const std::vector<std::string>& mem_patterns() {
  static const std::vector<std::string> names = {"stream", "random", "strided"};
  return names;
}

double MemRunResult::energy_pj_per_bit() const {
  const uint64_t bits = (stats.read_bytes + stats.write_bytes) * 8;
  return bits == 0 ? 0 : energy.total_pj() / double(bits);
}

std::optional<uint64_t> parse_size(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t unit = 1;
  switch (text.back()) {
    case 'K': case 'k': unit = uint64_t(1) << 10; break;
    case 'M': case 'm': unit = uint64_t(1) << 20; break;
    case 'G': case 'g': unit = uint64_t(1) << 30; break;
    default: break;
  }
  if (unit != 1) text.remove_suffix(1);
  const auto value = parse_u64(text);
  if (!value || *value > UINT64_MAX / unit) return std::nullopt;
  return *value * unit;
}

MemRunResult run_mem(const MemRunOptions& o) {
  const MemPattern pattern = parse_pattern(o.pattern);
  check_options(o);
  std::vector<std::string> chip_sets, dram_sets;
  for (const std::string& s : o.overrides)
    (s.rfind("dram.", 0) == 0 ? dram_sets : chip_sets).push_back(s);
  const ChipConfig chip = load_chip(o.chip, chip_sets);
  if (chip.hbm.dram.empty())
    throw InputError(SourcePos{chip.source_path, 0, 0},
                     "hbm.dram is not set, so the chip's DRAM is unknown (expected a DRAM preset "
                     "such as hbm2e in the chip file, or --set hbm.dram=NAME; presets: " +
                         join(dram_preset_names()) + ")");
  const DramChoices choices{dram_scheduler_names(), dram_address_map_names()};
  const DramConfig dram = load_dram(chip.hbm.dram, dram_sets, choices);
  check_chip_dram(chip, dram);
  const uint32_t burst = dram.geometry.burst_bytes();
  if (o.request_bytes % burst != 0)
    throw InputError(fmt::format("--request-bytes {}: not a whole number of DRAM bursts (expected "
                                 "a multiple of the {}-byte burst of {})",
                                 o.request_bytes, burst, dram.name));

  DramSystemConfig sc;
  sc.dram = dram;
  sc.channels = chip.hbm.channels;
  sc.interleave_bytes = chip.hbm.interleave_bytes;
  sc.max_outstanding = o.max_outstanding;
  const std::unique_ptr<DramSystem> built = make_chip_dram_system(sc, chip.source_path);
  DramSystem& system = *built;

  MemTrafficSpec spec;
  spec.pattern = pattern;
  spec.request_bytes = o.request_bytes;
  spec.requests = ceil_div(o.bytes, o.request_bytes);
  spec.stride = o.stride;
  spec.capacity = system.geometry().capacity_bytes();
  spec.read_ratio = o.read_ratio;
  spec.seed = o.seed;
  if (o.request_bytes > spec.capacity)
    throw InputError(fmt::format("--request-bytes {}: larger than the DRAM ({} bytes)",
                                 o.request_bytes, spec.capacity));
  MemTraffic traffic(spec);

  std::vector<float> all, reads, writes;
  all.reserve(spec.requests);
  system.run(traffic, [&](const DramCompletion& c) {
    const auto ns = static_cast<float>((c.done_ps - c.admit_ps) / 1000.0);
    all.push_back(ns);
    (c.write ? writes : reads).push_back(ns);
  });

  MemRunResult r;
  r.options = o;
  r.chip = chip.name;
  r.dram = dram.name;
  r.standard = dram.standard;
  r.page_policy = dram.controller.page_policy == PagePolicy::open ? "open" : "closed";
  r.scheduler = dram.controller.scheduler;
  r.address_map = dram.controller.address_map;
  r.channels = sc.channels;
  r.pseudo_channels = dram.geometry.pseudo_channels;
  r.burst_bytes = burst;
  r.requests = spec.requests;
  r.stats = system.stats();
  r.energy = system.energy();
  r.time_ns = system.end_ps() / 1000.0;
  r.cycles = static_cast<uint64_t>(std::llround(system.end_ps() / system.timing().tck_ps));
  const double moved = double(r.stats.read_bytes + r.stats.write_bytes);
  r.achieved_gbps = r.time_ns > 0 ? moved / r.time_ns : 0;
  r.peak_gbps = system.peak_bytes_per_s() / 1e9;
  r.row_hit_rate = r.stats.row_hit_rate();
  const LatencyStats a = latency_stats(all), rd = latency_stats(reads), wr = latency_stats(writes);
  r.avg_latency_ns = a.avg;
  r.p99_latency_ns = a.p99;
  r.read_avg_latency_ns = rd.avg;
  r.read_p99_latency_ns = rd.p99;
  r.write_avg_latency_ns = wr.avg;
  r.write_p99_latency_ns = wr.p99;
  return r;
}

nlohmann::json mem_result_json(const MemRunResult& r) {
  const MemRunOptions& o = r.options;
  nlohmann::json j;
  j["chip"] = r.chip;
  j["dram"] = r.dram;
  j["standard"] = r.standard;
  j["pattern"] = o.pattern;
  j["bytes"] = o.bytes;
  j["request_bytes"] = o.request_bytes;
  j["read_ratio"] = o.read_ratio;
  j["seed"] = o.seed;
  if (o.pattern == "strided") j["stride"] = o.stride;
  j["requests"] = r.requests;
  j["channels"] = r.channels;
  j["pseudo_channels"] = r.pseudo_channels;
  j["controller"] = {{"page_policy", r.page_policy},
                     {"scheduler", r.scheduler},
                     {"address_map", r.address_map},
                     {"max_outstanding", o.max_outstanding}};
  j["time_ns"] = r.time_ns;
  j["dram_cycles"] = r.cycles;
  j["achieved_gbps"] = r.achieved_gbps;
  j["peak_gbps"] = r.peak_gbps;
  j["efficiency"] = r.peak_gbps > 0 ? r.achieved_gbps / r.peak_gbps : 0;
  j["row_hit_rate"] = r.row_hit_rate;
  j["avg_latency_ns"] = r.avg_latency_ns;
  j["p99_latency_ns"] = r.p99_latency_ns;
  j["read_avg_latency_ns"] = r.read_avg_latency_ns;
  j["read_p99_latency_ns"] = r.read_p99_latency_ns;
  j["write_avg_latency_ns"] = r.write_avg_latency_ns;
  j["write_p99_latency_ns"] = r.write_p99_latency_ns;
  j["energy_pj"] = r.energy.total_pj();
  j["energy_pj_per_bit"] = r.energy_pj_per_bit();
  j["energy_breakdown_pj"] = {{"activate", r.energy.activate_pj},
                              {"read", r.energy.read_pj},
                              {"write", r.energy.write_pj},
                              {"refresh", r.energy.refresh_pj}};
  j["commands"] = {{"activates", r.stats.activates},   {"precharges", r.stats.precharges},
                   {"reads", r.stats.reads},           {"writes", r.stats.writes},
                   {"refreshes", r.stats.refreshes},   {"write_drains", r.stats.write_drains}};
  j["read_bytes"] = r.stats.read_bytes;
  j["write_bytes"] = r.stats.write_bytes;
  return j;
}

void write_mem_summary(std::ostream& out, const MemRunResult& r) {
  const MemRunOptions& o = r.options;
  out << fmt::format("mem run: {} ({}, {} channels x {} pseudo-channels), {} {}, {} B requests, "
                     "{} reads\n",
                     r.chip, r.dram, r.channels, r.pseudo_channels, o.pattern,
                     o.bytes >= (1u << 20) ? fmt::format("{:g} MiB", double(o.bytes) / (1 << 20))
                                           : fmt::format("{} B", o.bytes),
                     o.request_bytes, percent(o.read_ratio));
  out << fmt::format("  controller   {} page, {}, {}\n", r.page_policy, r.scheduler, r.address_map);
  out << fmt::format("  bandwidth    {:.1f} GB/s of {:.1f} GB/s peak ({})\n", r.achieved_gbps,
                     r.peak_gbps, percent(r.peak_gbps > 0 ? r.achieved_gbps / r.peak_gbps : 0));
  out << fmt::format("  time         {:.1f} us ({} DRAM cycles)\n", r.time_ns / 1000, r.cycles);
  out << fmt::format("  row hits     {}\n", percent(r.row_hit_rate));
  out << fmt::format("  latency      avg {:.1f} ns, p99 {:.1f} ns (queue entry to last data beat)\n",
                     r.avg_latency_ns, r.p99_latency_ns);
  const double total = r.energy.total_pj();
  const auto share = [total](double pj) { return percent(total > 0 ? pj / total : 0); };
  out << fmt::format("  energy       {:.2f} pJ/bit, {:.3g} uJ (activate {}, read {}, write {}, "
                     "refresh {})\n",
                     r.energy_pj_per_bit(), total / 1e6, share(r.energy.activate_pj),
                     share(r.energy.read_pj), share(r.energy.write_pj),
                     share(r.energy.refresh_pj));
  out << fmt::format("  commands     ACT {}, PRE {}, RD {}, WR {}, REF {}, write drains {}\n",
                     r.stats.activates, r.stats.precharges, r.stats.reads, r.stats.writes,
                     r.stats.refreshes, r.stats.write_drains);
}

}  // namespace npusim
