// Speed benchmark of the chip level (run by hand: bench/run.sh; results in
// docs/performance.md). Replays the generated 4096x4096x4096 fp16 GEMM on all cores of an
// ascend910b and reports wall time, simulated instructions per wall second and peak memory.
// Generation, text round trip and simulation are timed separately.
#include <sys/resource.h>

#include <chrono>
#include <fmt/format.h>
#include <string>

#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"

using namespace npusim;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const std::string spec = argc > 1 ? argv[1] : "gemm m=4096 n=4096 k=4096 dtype=fp16";
  const std::string chip_name = argc > 2 ? argv[2] : "ascend910b";
  const ChipConfig chip = load_chip(chip_name);

  auto t0 = std::chrono::steady_clock::now();
  const KernelTrace generated = generate_kernel(spec, chip);
  const double generate_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  const std::string text = write_trace(generated);
  const KernelTrace trace = read_trace(text, "bench.trace");
  const double roundtrip_s = seconds_since(t0);

  ChipSimulator sim(chip);
  t0 = std::chrono::steady_clock::now();
  const ChipRunResult r = sim.run(trace);
  const double simulate_s = seconds_since(t0);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double instructions = double(trace.instruction_count());
  fmt::print("kernel            {} on {}\n", spec, chip_name);
  fmt::print("instructions      {:.0f} on {} cores\n", instructions, trace.cores.size());
  fmt::print("simulated         {} cycles, {:.1f}% of cube peak\n", r.cycles,
             100 * r.achieved_tflops / r.peak_tflops);
  fmt::print("generate          {:.3f} s\n", generate_s);
  fmt::print("write+read text   {:.3f} s ({:.2f} M lines/s)\n", roundtrip_s,
             instructions / roundtrip_s * 1e-6);
  fmt::print("simulate          {:.3f} s ({:.2f} M simulated instructions/s)\n", simulate_s,
             instructions / simulate_s * 1e-6);
  fmt::print("peak memory       {:.0f} MiB\n", double(usage.ru_maxrss) / 1024);
  return 0;
}

extern "C" int sc_main(int, char*[]) { return 3; }
