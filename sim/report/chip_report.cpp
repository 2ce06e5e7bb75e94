#include "sim/report/chip_report.h"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

#include "sim/base/error.h"

namespace npusim {
namespace {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t u = 0;
  while (bytes >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

std::string core_label(const CoreResult& c) { return fmt::format("{} {}", name_of(c.kind), c.index); }

}  // namespace

void write_chip_summary(std::ostream& out, const ChipRunResult& r) {
  const double pct = r.peak_tflops > 0 ? 100.0 * r.achieved_tflops / r.peak_tflops : 0;
  out << fmt::format("chip      {} @ {:.0f} MHz", r.chip, r.freq_mhz);
  if (r.nominal_freq_mhz > r.freq_mhz)
    out << fmt::format(" (sustained clock; peaks quoted at {:.0f} MHz)", r.nominal_freq_mhz);
  out << "\n";
  out << fmt::format("kernel    {} ({} instructions on {} cores)\n",
                     r.kernel.empty() ? "(unnamed)" : r.kernel, r.instructions, r.cores.size());
  out << fmt::format("time      {} cycles = {:.3f} us\n", r.cycles, r.time_s * 1e6);
  out << fmt::format("compute   {:.2f} TFLOP/s cube {} = {:.1f}% of {:.1f} peak; vector {:.3g} FLOP\n",
                     r.achieved_tflops, name_of(r.peak_dtype), pct, r.peak_tflops, r.vector_flops);
  out << "pipes     ";
  for (const auto& [pipe, busy] : r.pipes) out << fmt::format("{} {:.1f}%  ", pipe, 100 * busy);
  out << "\n";
  out << fmt::format("memory    GM read {}  GM write {}  L2 hit {}  miss {}  HBM {} ({:.0f} GB/s; "
                     "sustains {:.0f} of {:.0f} peak)\n",
                     human_bytes(double(r.bytes.at("gm_read"))),
                     human_bytes(double(r.bytes.at("gm_write"))),
                     human_bytes(double(r.bytes.at("l2_hit"))),
                     human_bytes(double(r.bytes.at("l2_miss"))),
                     human_bytes(double(r.bytes.at("hbm_read") + r.bytes.at("hbm_write"))),
                     r.hbm_achieved_gbps, r.hbm_sustained_gbps, r.hbm_peak_gbps);
  out << fmt::format("energy    {:.4g} J (dynamic {:.4g}, static {:.4g}); average power {:.1f} W\n",
                     r.energy.total_j(), r.energy.dynamic_j, r.energy.static_j, r.avg_power_w);
}

nlohmann::json chip_result_json(const ChipRunResult& r) {
  nlohmann::json j;
  j["chip"] = r.chip;
  j["kernel"] = r.kernel;
  j["trace"] = r.trace_path;
  j["freq_mhz"] = r.freq_mhz;
  j["cycles"] = r.cycles;
  j["time_s"] = r.time_s;
  j["instructions"] = r.instructions;
  j["flops"] = r.flops;
  j["cube_flops"] = r.cube_flops;
  j["vector_flops"] = r.vector_flops;
  j["achieved_tflops"] = r.achieved_tflops;
  j["peak_tflops"] = r.peak_tflops;
  j["peak_dtype"] = std::string(name_of(r.peak_dtype));
  j["hbm_peak_gbps"] = r.hbm_peak_gbps;
  j["hbm_sustained_gbps"] = r.hbm_sustained_gbps;
  j["hbm_achieved_gbps"] = r.hbm_achieved_gbps;
  j["hbm_busy"] = r.hbm_busy_fraction;
  j["l2_busy"] = r.l2_busy_fraction;
  j["pipes"] = r.pipes;
  j["bytes"] = r.bytes;
  j["energy_j"] = r.energy.total_j();
  j["energy_breakdown_j"] = r.energy.joules;
  j["avg_power_w"] = r.avg_power_w;
  nlohmann::json cores = nlohmann::json::array();
  for (const CoreResult& c : r.cores) {
    nlohmann::json jc;
    jc["core"] = core_label(c);
    jc["cycles"] = c.cycles;
    for (size_t p = 0; p < kPipeCount; ++p) {
      if (c.instructions[p] == 0 && c.flag_wait_fraction[p] == 0) continue;
      const std::string pipe(name_of(kAllPipes[p]));
      jc["busy"][pipe] = c.busy_fraction[p];
      jc["flag_wait"][pipe] = c.flag_wait_fraction[p];
      jc["instructions"][pipe] = c.instructions[p];
    }
    cores.push_back(std::move(jc));
  }
  j["cores"] = std::move(cores);
  return j;
}

void write_chip_timeline(std::ostream& out, const ChipRunResult& r) {
  // Lanes in CANN simulator order; FLOWCTRL collects flag waits of every pipe.
  constexpr uint32_t kFlowCtrlLane = kPipeCount;
  out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto emit = [&](const std::string& event) {
    out << (first ? "" : ",\n") << event;
    first = false;
  };
  for (size_t pid = 0; pid < r.cores.size(); ++pid) {
    const CoreResult& c = r.cores[pid];
    emit(fmt::format(R"({{"ph":"M","pid":{},"name":"process_name","args":{{"name":"{}"}}}})", pid,
                     core_label(c)));
    emit(fmt::format(R"({{"ph":"M","pid":{},"name":"process_sort_index","args":{{"sort_index":{}}}}})",
                     pid, pid));
    for (uint32_t lane = 0; lane <= kFlowCtrlLane; ++lane) {
      const std::string name =
          lane == kFlowCtrlLane ? "FLOWCTRL" : std::string(name_of(kAllPipes[lane]));
      emit(fmt::format(R"({{"ph":"M","pid":{},"tid":{},"name":"thread_name","args":{{"name":"{}"}}}})",
                       pid, lane, name));
      emit(fmt::format(R"({{"ph":"M","pid":{},"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
                       pid, lane, lane));
    }
    for (const PipeRecord& rec : c.records) {
      const uint32_t lane = rec.flag_wait ? kFlowCtrlLane : static_cast<uint32_t>(rec.pipe);
      const double ts_us = (rec.start_ps - r.start_ps) * 1e-6;
      const double dur_us = (rec.end_ps - rec.start_ps) * 1e-6;
      // The SCALAR lane shows the scalar unit issuing every instruction ("issue MMAD") as
      // well as its own SCALAR instructions.
      const bool issue = rec.pipe == Pipe::SCALAR && rec.op != Op::SCALAR && !rec.flag_wait;
      const std::string name = rec.flag_wait ? fmt::format("wait {}", name_of(rec.op))
                               : issue       ? fmt::format("issue {}", name_of(rec.op))
                                             : std::string(name_of(rec.op));
      emit(fmt::format(
          R"({{"ph":"X","pid":{},"tid":{},"ts":{:.6f},"dur":{:.6f},"name":"{}","args":{{"line":{},"pipe":"{}","complete_us":{:.6f}}}}})",
          pid, lane, ts_us, dur_us, name, rec.line, name_of(rec.pipe),
          (rec.complete_ps - r.start_ps) * 1e-6));
    }
  }
  out << "\n]}\n";
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw InputError(fmt::format("{}: cannot write (check the folder exists)", path));
    f << text;
    f.flush();
    if (!f) throw InputError(fmt::format("{}: write failed", path));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw InputError(fmt::format("{}: cannot rename {} into place ({})", path, tmp, ec.message()));
}

}  // namespace npusim
