#include "sim/chip/chip_simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <exception>
#include <systemc>
#include <thread>

#include "models/chip/chip_model.h"
#include "models/memory/hbm_sustained_rate.h"
#include "sim/base/error.h"
#include "sim/trace/instr_semantics.h"
#include "sim/trace/trace_validate.h"

namespace npusim {
namespace {

bool g_chip_built = false;  // SystemC allows one elaboration per process

void quiet_systemc() {
  // The banner would pollute stdout, which carries npusim's results.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_,
                                          sc_core::SC_DO_NOTHING);
}

/// GM ranges must lie inside the chip's HBM (all dies). Only copies can reach GM
/// (validate_trace keeps MMAD, VEC and MTE1 operands in on-core buffers), so only their
/// operands are worked out.
void check_gm_ranges(const KernelTrace& trace, const ChipConfig& chip) {
  const uint64_t gm_bytes = chip.hbm.capacity_bytes * chip.dies;
  for (const CoreStream& core : trace.cores)
    for (const Instr& instr : core.instrs) {
      if (instr.op != Op::MTE2 && instr.op != Op::MTE3 && instr.op != Op::FIXPIPE) continue;
      for (const Access& a : accesses(instr, chip.core))
        if (a.buffer == Buffer::GM && (a.addr >= gm_bytes || a.bytes > gm_bytes - a.addr))
          throw InputError(SourcePos{trace.path, instr.line, 0},
                           fmt::format("GM range [{:#x}, {:#x}) exceeds the chip's {} GiB of HBM",
                                       a.addr, a.addr + a.bytes, gm_bytes >> 30));
    }
}

/// Runs sc_start on a short-lived thread of its own. SystemC switches between process
/// stacks with QuickThreads, which AddressSanitizer cannot follow: it loses the bounds of the
/// stack that called sc_start, and the next exception thrown on that stack crashes the
/// sanitizer. Confining the switching to a thread that ends after sc_start keeps the
/// caller's stack intact, so errors found after a run (a deadlock) can be thrown normally.
void start_simulation(const sc_core::sc_time* duration) {
  std::string error;
  std::thread runner([duration, &error] {
    try {
      if (duration) sc_core::sc_start(*duration);
      else sc_core::sc_start();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  runner.join();
  if (!error.empty()) throw InternalError("SystemC: " + error);
}

DType dominant_dtype(const ActivityCounts& counts) {
  size_t best = static_cast<size_t>(DType::fp16);
  for (size_t i = 0; i < kDTypeCount; ++i)
    if (counts.macs[i] > counts.macs[best]) best = i;
  return static_cast<DType>(best);
}

void add_bytes(std::map<std::string, uint64_t>& bytes, const ActivityCounts& c) {
  for (size_t i = 0; i < kBufferCount; ++i) {
    std::string level(name_of(static_cast<Buffer>(i)));
    std::transform(level.begin(), level.end(), level.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    bytes[level + "_read"] = c.read_bytes[i];
    bytes[level + "_write"] = c.write_bytes[i];
  }
  bytes["l2_hit"] = c.l2_hit_bytes;
  bytes["l2_miss"] = c.l2_miss_bytes;
  bytes["l2_write"] = c.l2_write_bytes;
  bytes["l2_writeback"] = c.l2_writeback_bytes;
  bytes["hbm_read"] = c.hbm_read_bytes;
  bytes["hbm_write"] = c.hbm_write_bytes;
  bytes["noc"] = c.noc_bytes;
  bytes["die_link"] = c.die_link_bytes;
}

}  // namespace

ChipSimulator::ChipSimulator(ChipConfig chip) : chip_(std::move(chip)) {
  if (g_chip_built)
    throw InternalError("a process can build one SystemC chip model; run another chip in another "
                        "process");
  g_chip_built = true;
  quiet_systemc();
  model_ = std::make_unique<ChipModel>("chip", chip_);
  // Elaborate and let every process reach its first wait, so that start notifications of
  // the first kernel find their waiters.
  const sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  start_simulation(&zero);
}

ChipSimulator::~ChipSimulator() = default;

ChipRunResult ChipSimulator::run(const KernelTrace& trace, const ChipRunOptions& options) {
  if (!usable_) throw InternalError("the chip model is stuck after a deadlock; start a new process");
  validate_trace(trace, chip_);
  check_gm_ranges(trace, chip_);

  model_->reset_memory();
  std::vector<AiCore*> used;
  for (const auto& core : model_->cores()) core->load(nullptr, false);
  for (const CoreStream& stream : trace.cores) {
    AiCore* core = model_->core(stream.kind, stream.index);
    if (core == nullptr) throw InternalError("validated trace names a core the model lacks");
    core->load(&stream, options.timeline);
    used.push_back(core);
  }
  const double start_ps = static_cast<double>(sc_core::sc_time_stamp().value());
  for (AiCore* core : used) core->start();
  try {
    start_simulation(nullptr);
  } catch (const InternalError&) {
    usable_ = false;
    throw;
  }

  std::vector<std::string> deadlocks;
  for (AiCore* core : used)
    if (!core->finished())
      for (auto& line : core->blocked_report(trace.path.empty() ? "<trace>" : trace.path))
        deadlocks.push_back(std::move(line));
  if (!deadlocks.empty()) {
    usable_ = false;
    std::string message = deadlocks.front();
    if (deadlocks.size() > 1) message += fmt::format(" (and {} more blocked)", deadlocks.size() - 1);
    throw InputError(message);
  }

  ChipRunResult r;
  r.chip = chip_.name;
  r.kernel = trace.name;
  r.trace_path = trace.path;
  r.freq_mhz = chip_.clock_mhz();
  r.nominal_freq_mhz = chip_.freq_mhz;
  r.start_ps = start_ps;
  double end_ps = start_ps;
  for (AiCore* core : used) end_ps = std::max(end_ps, core->stats().finish_ps);
  const double elapsed_ps = end_ps - start_ps;
  const double cycle_ps = chip_.cycle_ps();
  r.cycles = static_cast<uint64_t>(std::llround(elapsed_ps / cycle_ps));
  r.time_s = elapsed_ps * 1e-12;
  r.instructions = trace.instruction_count();

  ActivityCounts counts = model_->interconnect().counts();
  std::array<double, kPipeCount> busy{};
  std::array<uint32_t, kPipeCount> having{};
  for (AiCore* core : used) {
    const CoreStats& s = core->stats();
    counts += s.counts;
    CoreResult cr;
    cr.kind = core->core_kind();
    cr.index = core->index();
    cr.cycles = static_cast<uint64_t>(std::llround((s.finish_ps - start_ps) / cycle_ps));
    for (size_t p = 0; p < kPipeCount; ++p) {
      const double denominator = elapsed_ps > 0 ? elapsed_ps : 1;
      cr.busy_fraction[p] = s.busy_ps[p] / denominator;
      cr.flag_wait_fraction[p] = s.flag_wait_ps[p] / denominator;
      cr.instructions[p] = s.instructions[p];
      if (core_has_pipe(core->core_kind(), kAllPipes[p])) {
        busy[p] += cr.busy_fraction[p];
        ++having[p];
      }
    }
    if (options.timeline) cr.records = s.records;
    r.cores.push_back(std::move(cr));
  }
  for (size_t p = 0; p < kPipeCount; ++p)
    if (having[p] > 0) r.pipes[std::string(name_of(kAllPipes[p]))] = busy[p] / having[p];

  double hbm_busy = 0, l2_busy = 0;
  for (const auto& die : model_->dies()) {
    counts += die->counts();
    hbm_busy += die->hbm_busy_fraction(elapsed_ps);
    l2_busy += die->l2_busy_fraction(elapsed_ps);
  }
  r.hbm_busy_fraction = hbm_busy / double(model_->dies().size());
  r.l2_busy_fraction = l2_busy / double(model_->dies().size());

  double macs = 0;
  for (double m : counts.macs) macs += m;
  r.cube_flops = 2 * macs;
  r.vector_flops = counts.vector_flops;
  r.flops = r.cube_flops + r.vector_flops;
  r.peak_dtype = dominant_dtype(counts);
  r.peak_tflops = chip_.peak_flops(r.peak_dtype) * 1e-12;
  r.achieved_tflops = r.time_s > 0 ? r.cube_flops / r.time_s * 1e-12 : 0;
  r.hbm_peak_gbps = chip_.peak_hbm_bytes_per_s() * 1e-9;
  r.hbm_sustained_gbps = sustained_hbm_bytes_per_s(chip_) * 1e-9;
  r.hbm_achieved_gbps =
      r.time_s > 0 ? double(counts.hbm_read_bytes + counts.hbm_write_bytes) / r.time_s * 1e-9 : 0;
  add_bytes(r.bytes, counts);
  r.energy = compute_energy(counts, chip_, r.time_s);
  r.avg_power_w = r.time_s > 0 ? r.energy.total_j() / r.time_s : 0;
  return r;
}

}  // namespace npusim
