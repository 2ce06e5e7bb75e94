// Speed benchmark of the system level (run by hand; results go to docs/performance.md): a
// 1 GiB fp32 all-reduce on the 8 NPUs of an atlas800t-a2 with the full-mesh algorithm (or the
// system, algorithm and size given: bench_system_allreduce [SYSTEM [ALGORITHM [SIZE]]]),
// simulated in 4 KiB packets with credits counted in flits. Reports wall time, simulated
// events (SystemC process activations: link decisions, DMA engine wake-ups, completions) per
// wall second, packet-hops per wall second and peak memory.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <string>

#include "sim/config/system_loader.h"
#include "sim/system/system_runner.h"

using namespace npusim;

int main(int argc, char** argv) {
  const std::string system_name = argc > 1 ? argv[1] : "atlas800t-a2";
  const std::string algorithm = argc > 2 ? argv[2] : "fullmesh";  // what auto picks here
  const uint64_t bytes = argc > 3 ? parse_byte_sizes(argv[3]).front() : 1ull << 30;
  const SystemConfig system = load_system(system_name);

  auto t0 = std::chrono::steady_clock::now();
  SystemSimulator sim(system);
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  t0 = std::chrono::steady_clock::now();
  const SystemRunResult r = sim.run(Collective::allreduce, algorithm, bytes);
  const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print("collective        allreduce fp32 {} on {} ({} NPUs), algorithm {}\n",
             format_bytes(bytes), system_name, r.npus, r.algorithm);
  fmt::print("simulated         {:.3f} ms, busbw {:.2f} GB/s\n", r.time_s * 1e3, r.busbw_gbps);
  fmt::print("transfers         {}\n", r.transfers);
  fmt::print("packet-hops       {} ({:.2f} M/s)\n", r.packets, double(r.packets) / run_s * 1e-6);
  fmt::print("events            {} ({:.2f} M/s)\n", r.events, double(r.events) / run_s * 1e-6);
  fmt::print("build             {:.3f} s\n", build_s);
  fmt::print("run (wall)        {:.3f} s\n", run_s);
  fmt::print("peak memory       {:.0f} MiB\n", double(usage.ru_maxrss) / 1024);
  return 0;
}

extern "C" int sc_main(int, char*[]) {
  return 3;
}
