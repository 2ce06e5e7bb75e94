#include "sim/system/system_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <map>
#include <systemc>
#include <thread>

#include "models/system/algorithm.h"
#include "models/system/npu.h"
#include "models/system/system_model.h"
#include "models/system/topology.h"
#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim {
namespace {

bool g_system_built = false;  // SystemC allows one elaboration per process

/// A run's schedule holds about 2n(n-1) transfers per chunk; this keeps it in memory.
constexpr uint64_t kMaxChunks = 1 << 16;

void quiet_systemc() {
  // The banner would pollute stdout, which carries npusim's results.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_,
                                          sc_core::SC_DO_NOTHING);
}

/// Runs sc_start on a short-lived thread of its own: SystemC switches process stacks with
/// QuickThreads, which AddressSanitizer cannot follow on the caller's stack (see
/// sim/chip/chip_simulator.cpp, which does the same).
void start_simulation(const sc_core::sc_time* duration) {
  std::string error;
  std::thread runner([duration, &error] {
    try {
      if (duration)
        sc_core::sc_start(*duration);
      else
        sc_core::sc_start();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  runner.join();
  if (!error.empty()) throw InternalError("SystemC: " + error);
}

/// A size as --bytes takes it: 64K, 4M, 1G, or plain bytes.
std::string size_option(uint64_t bytes) {
  for (const auto& [unit, suffix] :
       {std::pair{1ull << 30, "G"}, {1ull << 20, "M"}, {1ull << 10, "K"}})
    if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes / unit) + suffix;
  return std::to_string(bytes);
}

uint32_t elem_bytes_of(DType dtype) {
  const uint32_t bits = dtype_bits(dtype);
  if (bits % 8 != 0)
    throw InputError("dtype " + std::string(name_of(dtype)) +
                     " is smaller than a byte (expected a dtype of whole bytes, e.g. fp32, "
                     "fp16, bf16, int8)");
  return bits / 8;
}

std::vector<std::string> supported_algorithms(Collective c, uint32_t npus) {
  std::vector<std::string> names;
  for (const auto& a : algorithms())
    if (a->unsupported(c, npus).empty()) names.emplace_back(a->name());
  return names;
}

/// Payload rate out of NPU `npu` over the first hops of its links.
double egress_bytes_per_s(const Topology& topology, const SystemConfig& s, uint32_t npu) {
  double total = 0;
  for (const LinkSpec& l : topology.links())
    if (l.from == npu) total += s.link(l.type).payload_bytes_per_s(l.count);
  return total;
}

std::string describe_link(const LinkTypeConfig& l) {
  return fmt::format(
      "{} ({}): {} lanes x {} Gb/s, {} -> {} data; {}-byte flits with {} header bytes{} -> {} "
      "payload per link; latency {} ns (serdes {} + wire {}); {} flits of credit, returned "
      "{} ns after drain",
      l.name, l.kind, l.lanes, l.lane_gbps, l.encoding, format_gbps(l.data_bytes_per_s()),
      l.flit_bytes, l.flit_header_bytes,
      l.protocol_efficiency < 1 ? fmt::format(", collective protocol {:g}", l.protocol_efficiency)
                                : "",
      format_gbps(l.payload_bytes_per_s()), l.latency_ns(), l.serdes_ns, l.wire_ns,
      l.buffer_flits, l.credit_return_ns);
}

}  // namespace

std::string describe_system(const SystemConfig& s) {
  const std::unique_ptr<Topology> topology = make_topology(s);
  std::string out = fmt::format("{}: {}\n", s.name, s.description);
  out +=
      fmt::format("  npus      {} x {}{} (HBM {} per NPU, sustains {})\n", s.npus, s.chip.name,
                  s.npus_per_chip > 1 ? fmt::format(" die ({} per package)", s.npus_per_chip) : "",
                  format_gbps(s.npu_peak_hbm_bytes_per_s()),
                  format_gbps(npu_sustained_hbm_bytes_per_s(s)));
  out += fmt::format("  topology  {}\n", topology->describe());
  double lo = 1e300, hi = 0;
  for (uint32_t i = 0; i < s.npus; ++i) {
    lo = std::min(lo, egress_bytes_per_s(*topology, s, i));
    hi = std::max(hi, egress_bytes_per_s(*topology, s, i));
  }
  out += fmt::format("  egress    {} payload per NPU over all its links{}\n", format_gbps(lo),
                     hi > lo ? " (up to " + format_gbps(hi) + ")" : "");
  out += fmt::format(
      "  dma       {} engines x {} B/cycle ({} each), {} ns setup per transfer, packets of {} B, "
      "window {} packets\n",
      s.dma.engines, s.dma.bytes_per_cycle, format_gbps(s.dma_bytes_per_s()), s.dma.setup_ns,
      s.dma.packet_bytes, s.dma.window_packets);
  out += fmt::format("  chunk     {}\n", format_bytes(s.chunk_bytes));
  for (const auto& [name, l] : s.link_types) out += "  link      " + describe_link(l) + "\n";
  if (s.has_nic)
    out += fmt::format(
        "  nic       {} x {} per NPU (scale-out; intra-server collectives do not "
        "use it)\n",
        s.nic.ports_per_npu, s.nic.link);
  return out;
}

SystemSimulator::SystemSimulator(SystemConfig system) : system_(std::move(system)) {
  if (g_system_built)
    throw InternalError(
        "a process can build one SystemC system model; run another system in "
        "another process");
  g_system_built = true;
  quiet_systemc();
  model_ = std::make_unique<SystemModel>("system", system_);
  const sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  start_simulation(&zero);
}

SystemSimulator::~SystemSimulator() = default;

std::string SystemSimulator::describe() const {
  return describe_system(system_);
}

CollectiveSpec SystemSimulator::spec_of(Collective collective, uint64_t bytes,
                                        const SystemRunOptions& options) const {
  CollectiveSpec spec;
  spec.collective = collective;
  spec.npus = system_.npus;
  spec.bytes = bytes;
  spec.elem_bytes = elem_bytes_of(options.dtype);
  spec.chunk_bytes = options.chunk_bytes != 0 ? options.chunk_bytes : system_.chunk_bytes;
  spec.root = options.root;
  if (bytes == 0 || bytes % spec.elem_bytes != 0)
    throw InputError(
        fmt::format("size {} bytes is not a whole number of {} elements (expected "
                    "a positive multiple of {} bytes)",
                    bytes, name_of(options.dtype), spec.elem_bytes));
  if (spec.chunk_bytes < spec.elem_bytes)
    throw InputError(
        fmt::format("chunk of {} bytes is smaller than one {} element (expected at "
                    "least {} bytes)",
                    spec.chunk_bytes, name_of(options.dtype), spec.elem_bytes));
  const uint64_t chunks = (bytes / spec.elem_bytes + spec.chunk_bytes / spec.elem_bytes - 1) /
                          (spec.chunk_bytes / spec.elem_bytes);
  if (chunks > kMaxChunks)
    throw InputError(
        fmt::format("{} bytes in chunks of {} make {} chunks (expected at most {}; "
                    "use a larger chunk, e.g. --chunk-bytes {})",
                    bytes, spec.chunk_bytes, chunks, kMaxChunks,
                    size_option(std::bit_ceil(bytes / kMaxChunks))));
  if (options.root >= system_.npus)
    throw InputError(fmt::format("root {} is not an NPU of {} (expected 0..{})", options.root,
                                 system_.name, system_.npus - 1));
  return spec;
}

std::string SystemSimulator::choose_algorithm(Collective collective, uint64_t bytes,
                                              const SystemRunOptions& options) {
  return probe(collective, spec_of(collective, bytes, options), options.dtype, nullptr);
}

std::string SystemSimulator::probe(Collective collective, const CollectiveSpec& spec, DType dtype,
                                   std::optional<SystemRunResult>* whole) {
  CollectiveSpec probe = spec;
  const uint64_t chunk = spec.chunk_bytes / spec.elem_bytes * spec.elem_bytes;
  probe.bytes = std::min(spec.bytes, kAutoProbeChunks * chunk);
  std::optional<SystemRunResult> best;
  for (const auto& a : algorithms()) {
    if (!a->unsupported(collective, system_.npus).empty()) continue;
    SystemRunResult r = run_algorithm(collective, std::string(a->name()), probe, dtype);
    if (!best || r.time_s < best->time_s * (1 - 1e-9)) best = std::move(r);
  }
  if (!best) throw InternalError("no algorithm supports " + std::string(name_of(collective)));
  const std::string chosen = best->algorithm;
  // A probe of the whole message is the run itself.
  if (whole != nullptr && probe.bytes == spec.bytes) *whole = std::move(best);
  return chosen;
}

void SystemSimulator::check(Collective collective, const std::string& algorithm, uint64_t bytes,
                            const SystemRunOptions& options) const {
  (void)spec_of(collective, bytes, options);
  if (algorithm == "auto") return;
  const CollectiveAlgorithm* a = find_algorithm(algorithm);
  if (a == nullptr) {
    std::vector<std::string> names = algorithm_names();
    names.insert(names.begin(), "auto");
    throw InputError("unknown algorithm '" + algorithm + "'" + did_you_mean(algorithm, names) +
                     " (expected one of: " + join(names) + ")");
  }
  if (const std::string why = a->unsupported(collective, system_.npus); !why.empty())
    throw InputError(why + " (system " + system_.name + "; expected one of: " +
                     join(supported_algorithms(collective, system_.npus)) + ", or auto)");
}

SystemRunResult SystemSimulator::run(Collective collective, const std::string& algorithm,
                                     uint64_t bytes, const SystemRunOptions& options) {
  check(collective, algorithm, bytes, options);
  const CollectiveSpec spec = spec_of(collective, bytes, options);
  if (algorithm != "auto") return run_algorithm(collective, algorithm, spec, options.dtype);
  std::optional<SystemRunResult> whole;
  const std::string chosen = probe(collective, spec, options.dtype, &whole);
  return whole ? *whole : run_algorithm(collective, chosen, spec, options.dtype);
}

SystemRunResult SystemSimulator::run_algorithm(Collective collective, const std::string& algorithm,
                                               const CollectiveSpec& spec, DType dtype) {
  const Schedule schedule = build_schedule(*find_algorithm(algorithm), spec);
  SystemRunResult r = simulate(schedule);
  r.collective = std::string(name_of(collective));
  r.algorithm = algorithm;
  r.bytes = spec.bytes;
  r.dtype = std::string(name_of(dtype));
  r.chunk_bytes = spec.chunk_bytes;
  if (r.time_s > 0) {
    r.algbw_gbps = double(spec.bytes) / r.time_s * 1e-9;
    r.busbw_gbps = r.algbw_gbps * bus_factor(collective, system_.npus);
  }
  return r;
}

SystemRunResult SystemSimulator::run_schedule(const Schedule& schedule) {
  SystemRunResult r = simulate(schedule);
  r.collective = "schedule";
  r.algorithm = "given";
  r.bytes = schedule.bytes_moved();
  return r;
}

SystemRunResult SystemSimulator::simulate(const Schedule& schedule) {
  if (!usable_)
    throw InternalError("the system model is stuck after a failed run; start a new process");
  model_->load(schedule);
  try {
    start_simulation(nullptr);
  } catch (const InternalError&) {
    usable_ = false;
    throw;
  }
  if (!model_->finished()) {
    usable_ = false;
    throw InternalError(fmt::format("collective did not finish: {} of {} transfers never landed",
                                    model_->pending_transfers(), schedule.transfers.size()));
  }
  SystemRunResult r;
  r.system = system_.name;
  r.npus = system_.npus;
  r.start_ps = double(model_->origin_ps());
  const double elapsed_ps = model_->end_ps() - model_->start_ps();
  r.time_s = elapsed_ps * 1e-12;
  r.transfers = schedule.transfers.size();
  r.events = model_->activations();
  const double denominator = elapsed_ps > 0 ? elapsed_ps : 1;
  for (const auto& l : model_->links()) {
    r.packets += l->packets();
    LinkUse use{l->name(), l->payload_bytes(), l->wire_bytes(), l->busy_ps() / denominator,
                l->credit_stall_ps() / denominator};
    const std::string full = use.name;
    use.name = full.substr(full.rfind('.') + 1);
    r.max_link_busy_fraction = std::max(r.max_link_busy_fraction, use.busy_fraction);
    r.links.push_back(std::move(use));
  }
  for (const auto& npu : model_->npus())
    r.max_hbm_busy_fraction = std::max(r.max_hbm_busy_fraction, npu->hbm_busy_ps() / denominator);
  return r;
}

SystemRunResult run_collective(const SystemConfig& system, Collective collective,
                               const std::string& algorithm, uint64_t bytes,
                               const SystemRunOptions& options) {
  static std::unique_ptr<SystemSimulator> simulator;
  if (!simulator) {
    simulator = std::make_unique<SystemSimulator>(system);
  } else if (simulator->config().source_path != system.source_path ||
             simulator->config().overrides != system.overrides) {
    throw InternalError("run_collective: this process already simulates system '" +
                        simulator->config().name + "'; run '" + system.name +
                        "' in another process");
  }
  return simulator->run(collective, algorithm, bytes, options);
}

std::optional<uint64_t> parse_byte_size(const std::string& text) {
  static const std::map<char, uint64_t> units = {
      {'K', 1ull << 10}, {'M', 1ull << 20}, {'G', 1ull << 30}, {'T', 1ull << 40}};
  std::string digits = text;
  uint64_t unit = 1;
  if (!digits.empty()) {
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back())));
    if (units.contains(last)) {
      unit = units.at(last);
      digits.pop_back();
    }
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
  const auto value = parse_u64(digits);
  if (!value || *value == 0 || *value > UINT64_MAX / unit) return std::nullopt;
  return *value * unit;
}

std::vector<uint64_t> parse_byte_sizes(const std::string& text) {
  const std::string expected =
      " (expected SIZE or START..END[:FACTOR], e.g. 64M, 1K..8G or 1K..8G:4; K/M/G/T are "
      "powers of 1024)";
  const size_t dots = text.find("..");
  if (dots == std::string::npos) {
    const auto one = parse_byte_size(text);
    if (!one) throw InputError("--bytes '" + text + "': not a size" + expected);
    return {*one};
  }
  std::string end_text = text.substr(dots + 2);
  uint64_t factor = 2;
  if (const size_t colon = end_text.find(':'); colon != std::string::npos) {
    const auto f = parse_u64(end_text.substr(colon + 1));
    if (!f || *f < 2)
      throw InputError("--bytes '" + text + "': factor '" + end_text.substr(colon + 1) +
                       "' is not an integer >= 2" + expected);
    factor = *f;
    end_text = end_text.substr(0, colon);
  }
  const auto start = parse_byte_size(text.substr(0, dots));
  const auto end = parse_byte_size(end_text);
  if (!start)
    throw InputError("--bytes '" + text + "': start '" + text.substr(0, dots) + "' is not a size" +
                     expected);
  if (!end)
    throw InputError("--bytes '" + text + "': end '" + end_text + "' is not a size" + expected);
  if (*end < *start)
    throw InputError("--bytes '" + text + "': the end is smaller than the start" + expected);
  std::vector<uint64_t> sizes;
  for (uint64_t s = *start; s <= *end; s *= factor) {
    sizes.push_back(s);
    if (s > *end / factor) break;
  }
  return sizes;
}

std::string format_bytes(uint64_t bytes) {
  static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  double value = double(bytes);
  while (value >= 1024 && unit + 1 < std::size(names)) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return value == std::floor(value) ? fmt::format("{:.0f} {}", value, names[unit])
                                    : fmt::format("{:.3g} {}", value, names[unit]);
}

}  // namespace npusim
