// Speed benchmark of the chip level (run by hand: bench/run.sh; results in
// docs/performance.md). Replays the generated 4096x4096x4096 fp16 GEMM on all cores of an
// ascend910b and reports wall time, simulated instructions per wall second and peak memory.
// Generation, text round trip and simulation are timed separately.
// Usage: bench_chip_gemm [KERNEL-SPEC | TRACE-FILE] [CHIP]
#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <string>

#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_validate.h"
#include "sim/trace/trace_writer.h"

using namespace npusim;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// CPU time of the whole process (all threads): less disturbed than wall time on a shared
/// machine, where other jobs take the core away now and then.
double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string spec = argc > 1 ? argv[1] : "gemm m=4096 n=4096 k=4096 dtype=fp16";
  const std::string chip_name = argc > 2 ? argv[2] : "ascend910b";
  const ChipConfig chip = load_chip(chip_name);

  // A trace file (e.g. a compute-only variant) replaces generation and the text round trip.
  const bool from_file = std::filesystem::is_regular_file(spec);
  auto t0 = std::chrono::steady_clock::now();
  const KernelTrace generated = from_file ? KernelTrace{} : generate_kernel(spec, chip);
  const double generate_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  const KernelTrace trace =
      from_file ? read_trace_file(spec) : read_trace(write_trace(generated), "bench.trace");
  const double roundtrip_s = seconds_since(t0);

  // Validation is part of every run; timed once more on its own to show its share.
  t0 = std::chrono::steady_clock::now();
  validate_trace(trace, chip);
  const double validate_s = seconds_since(t0);

  ChipSimulator sim(chip);
  t0 = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_s();
  const ChipRunResult r = sim.run(trace);
  const double simulate_cpu_s = process_cpu_s() - cpu0;
  const double simulate_s = seconds_since(t0);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double instructions = double(trace.instruction_count());
  fmt::print("kernel            {} on {}\n", spec, chip_name);
  fmt::print("instructions      {:.0f} on {} cores\n", instructions, trace.cores.size());
  fmt::print("simulated         {} cycles, {:.1f}% of cube peak\n", r.cycles,
             100 * r.achieved_tflops / r.peak_tflops);
  if (!from_file) fmt::print("generate          {:.3f} s\n", generate_s);
  fmt::print("{}   {:.3f} s ({:.2f} M lines/s)\n",
             from_file ? "read trace file " : "write+read text", roundtrip_s,
             instructions / roundtrip_s * 1e-6);
  fmt::print("simulate          {:.3f} s ({:.2f} M simulated instructions/s), {:.3f} s CPU\n",
             simulate_s, instructions / simulate_s * 1e-6, simulate_cpu_s);
  fmt::print("  of which validation {:.3f} s\n", validate_s);
  fmt::print("peak memory       {:.0f} MiB\n", double(usage.ru_maxrss) / 1024);
  return 0;
}

extern "C" int sc_main(int, char*[]) { return 3; }
