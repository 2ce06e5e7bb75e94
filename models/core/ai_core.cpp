#include "models/core/ai_core.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "models/core/instr_timing.h"
#include "models/memory/mem_timing.h"
#include "sim/base/error.h"
#include "sim/trace/instr_semantics.h"

namespace npusim {
namespace {
/// Hints the host CPU to load all of `instr` (a few host cache lines); no effect on the model.
void prefetch(const Instr& instr) {
  const char* bytes = reinterpret_cast<const char*>(&instr);
  for (size_t offset = 0; offset < sizeof(Instr); offset += 64) __builtin_prefetch(bytes + offset);
  __builtin_prefetch(bytes + sizeof(Instr) - 1);  // the last line when `instr` is not aligned
}

std::string describe(const Instr& instr) {
  switch (instr.op) {
    case Op::WAIT_FLAG:
      return fmt::format("WAIT_FLAG {}->{} id {}", name_of(instr.flag_src), name_of(instr.flag_dst),
                         instr.event_id);
    case Op::CROSS_WAIT:
      return fmt::format("CROSS_WAIT id {}", instr.event_id);
    default:
      return std::string(name_of(instr.op));
  }
}
}  // namespace

AiCore::AiCore(sc_core::sc_module_name name, const ChipConfig& chip, CoreKind kind,
               uint32_t index)
    : sc_core::sc_module(name),
      to_noc("to_noc"),
      chip_(chip),
      config_(chip.core),
      kind_(kind),
      index_(index),
      cycle_ps_(chip.cycle_ps()),
      flags_(kPipeCount * kPipeCount * std::max<uint32_t>(chip.core.event_ids, 1), 0),
      read_port_(chip.core.paths.gm_read.bytes_per_cycle / chip.cycle_ps()),
      write_port_(chip.core.paths.gm_write.bytes_per_cycle / chip.cycle_ps()) {
  sc_core::sc_spawn(sc_bind(&AiCore::dispatcher_thread, this), "dispatcher");
  for (Pipe p : kAllPipes) {
    if (p == Pipe::SCALAR || !core_has_pipe(kind, p)) continue;
    state(p).queue = std::make_unique<PipeQueue>(chip.core.queue_depth);
    sc_core::sc_spawn(sc_bind(&AiCore::pipe_thread, this, p),
                      sc_core::sc_gen_unique_name(std::string(name_of(p)).c_str()));
  }
}

double AiCore::now_ps() const { return static_cast<double>(sc_core::sc_time_stamp().value()); }

void AiCore::wait_until_ps(double t_ps) {
  const double now = now_ps();
  if (t_ps > now + 0.5)
    wait(sc_core::sc_time::from_value(static_cast<uint64_t>(std::llround(t_ps - now))));
}

uint32_t& AiCore::flag(Pipe src, Pipe dst, uint32_t id) {
  const size_t pair = static_cast<size_t>(src) * kPipeCount + static_cast<size_t>(dst);
  return flags_[pair * config_.event_ids + id];
}

void AiCore::load(const CoreStream* stream, bool record_timeline) {
  stream_ = stream;
  record_ = record_timeline;
  finished_ = stream == nullptr || stream->instrs.empty();
  dispatcher_blocked_ = false;
  dispatcher_waiting_on_ = nullptr;
  std::fill(flags_.begin(), flags_.end(), 0);
  cross_flags_.fill(0);
  for (auto& p : pipes_) {
    if (p.queue) p.queue->clear();
    p.executing = false;
    p.last_complete_ps = now_ps();
    p.blocked_on = nullptr;
  }
  read_port_.reset();
  write_port_.reset();
  stats_ = CoreStats{};
  stats_.start_ps = stats_.finish_ps = now_ps();
}

void AiCore::cross_signal(uint32_t id) {
  ++cross_flags_.at(id);
  cross_event_.notify();
}

void AiCore::record(Pipe pipe, const Instr& instr, double start, double end, double complete,
                    bool flag_wait) {
  const size_t p = static_cast<size_t>(pipe);
  if (flag_wait) {
    stats_.flag_wait_ps[p] += end - start;
  } else {
    stats_.busy_ps[p] += end - start;
    ++stats_.instructions[p];
  }
  if (record_) stats_.records.push_back({pipe, instr.op, flag_wait, instr.line, start, end, complete});
}

void AiCore::wait_flag(uint32_t& counter, const Instr& instr, Pipe pipe, sc_core::sc_event& event) {
  if (counter == 0) {
    const double start = now_ps();
    state(pipe).blocked_on = &instr;
    while (counter == 0) wait(event);
    state(pipe).blocked_on = nullptr;
    record(pipe, instr, start, now_ps(), now_ps(), true);
  }
  --counter;
}

void AiCore::wait_all_pipes_drained() {
  auto drained = [this] {
    return std::all_of(pipes_.begin(), pipes_.end(), [](const PipeState& p) {
      return !p.queue || (p.queue->empty() && !p.executing);
    });
  };
  while (!drained()) wait(pipe_idle_event_);
  double last = now_ps();
  for (const auto& p : pipes_) last = std::max(last, p.last_complete_ps);
  wait_until_ps(last);
}

void AiCore::dispatcher_thread() {
  const sc_core::sc_time dispatch =
      sc_core::sc_time::from_value(static_cast<uint64_t>(
          std::llround(config_.scalar.dispatch_cycles * cycle_ps_)));
  while (true) {
    wait(start_event_);
    if (stream_ == nullptr) continue;
    stats_.start_ps = now_ps();
    const std::vector<Instr>& instrs = stream_->instrs;
    for (size_t i = 0; i < instrs.size(); ++i) {
      const Instr& instr = instrs[i];
      // All cores' streams are walked in lock step, an instruction per core per dispatch
      // cycle: too many interleaved streams for the host's own prefetcher. Ask for the next
      // instruction now; it is needed a dispatch cycle (every other core's work) later.
      if (i + 1 < instrs.size()) prefetch(instrs[i + 1]);
      const double issue_start = now_ps();
      wait(dispatch);
      ++stats_.counts.scalar_instrs;
      const Pipe pipe = execution_pipe(instr, kind_);
      if (pipe == Pipe::SCALAR) {
        record(Pipe::SCALAR, instr, issue_start, now_ps(), now_ps(), false);
        execute(instr, Pipe::SCALAR);
        continue;
      }
      record(Pipe::SCALAR, instr, issue_start, now_ps(), now_ps(), false);
      PipeQueue& queue = *state(pipe).queue;
      dispatcher_blocked_ = true;
      dispatcher_waiting_on_ = &instr;
      while (queue.full()) wait(queue.not_full);
      dispatcher_blocked_ = false;
      dispatcher_waiting_on_ = nullptr;
      queue.push(&instr);
    }
    wait_all_pipes_drained();
    stats_.finish_ps = now_ps();
    finished_ = true;
  }
}

void AiCore::pipe_thread(Pipe pipe) {
  PipeState& st = state(pipe);
  while (true) {
    while (st.queue->empty()) wait(st.queue->not_empty);
    const Instr* instr = st.queue->pop();
    // Up to queue_depth instructions wait between dispatch and execution, long enough for
    // the host to evict them again: load the next one while this one executes.
    if (!st.queue->empty()) prefetch(*st.queue->front());
    st.executing = true;
    execute(*instr, pipe);
    st.executing = false;
    if (st.queue->empty()) pipe_idle_event_.notify();
  }
}

void AiCore::execute_sync(const Instr& instr, Pipe pipe) {
  PipeState& st = state(pipe);
  switch (instr.op) {
    case Op::SET_FLAG: {
      wait_until_ps(st.last_complete_ps);  // everything before it in this pipe has landed
      ++flag(instr.flag_src, instr.flag_dst, instr.event_id);
      flag_event_.notify();
      return;
    }
    case Op::WAIT_FLAG:
      wait_flag(flag(instr.flag_src, instr.flag_dst, instr.event_id), instr, pipe, flag_event_);
      return;
    case Op::CROSS_SET:
      wait_until_ps(st.last_complete_ps);
      for (AiCore* peer : peers_) peer->cross_signal(instr.event_id);
      return;
    case Op::CROSS_WAIT:
      wait_flag(cross_flags_.at(instr.event_id), instr, pipe, cross_event_);
      return;
    case Op::PIPE_BARRIER:
      if (instr.barrier_all) {
        wait_all_pipes_drained();
      } else {
        wait_until_ps(st.last_complete_ps);
      }
      return;
    default:
      throw InternalError("execute_sync called with a non-sync op");
  }
}

double AiCore::execute_gm_copy(const Instr& instr, bool read, double& end_ps) {
  const BufRef& gm = read ? instr.src : instr.dst;
  const uint64_t bytes = instr.op == Op::FIXPIPE && instr.out_bytes ? instr.out_bytes : instr.bytes;
  const PathConfig& path = read ? config_.paths.gm_read : config_.paths.gm_write;
  BandwidthServer& port = read ? read_port_ : write_port_;
  const uint64_t request = chip_.noc.request_bytes;
  const double start = now_ps();
  const double port_latency = path.latency_cycles * cycle_ps_;
  const double port_ps_per_byte = cycle_ps_ / path.bytes_per_cycle;

  tlm::tlm_generic_payload trans;
  MemTiming timing;
  trans.set_extension(&timing);
  trans.set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  trans.set_data_ptr(nullptr);  // timing-only transaction: see mem_timing.h

  double served = start, done = start;
  for (uint64_t offset = 0; offset < bytes;) {
    // Requests are aligned to the request size so they map onto whole L2 lines.
    const uint64_t addr = gm.addr + offset;
    const uint64_t chunk = std::min(bytes - offset, request - addr % request);
    const double port_end = port.serve(start, start, chunk);
    const double issue = port_end - double(chunk) * port_ps_per_byte;
    trans.set_address(addr);
    trans.set_data_length(static_cast<unsigned>(chunk));
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    timing.served_ps = 0;
    sc_core::sc_time delay = sc_core::sc_time::from_value(
        static_cast<uint64_t>(std::llround(issue + port_latency - start)));
    to_noc->b_transport(trans, delay);
    if (trans.is_response_error()) throw InternalError("memory system returned an error response");
    // The engine may present its next request once this one has left the port and the
    // memory side's bottleneck has taken it (its answer is relative to the port's output).
    served = std::max({served, port_end, timing.served_ps - port_latency});
    done = std::max({done, port_end + port_latency, start + static_cast<double>(delay.value())});
    offset += chunk;
  }
  trans.clear_extension(&timing);
  end_ps = served;
  return done;
}

void AiCore::execute(const Instr& instr, Pipe pipe) {
  ActivityCounts& c = stats_.counts;
  const double start = now_ps();
  double end = start;       // the pipe is free again
  double complete = start;  // the result is visible
  switch (instr.op) {
    case Op::SET_FLAG:
    case Op::WAIT_FLAG:
    case Op::CROSS_SET:
    case Op::CROSS_WAIT:
    case Op::PIPE_BARRIER:
      execute_sync(instr, pipe);
      return;
    case Op::SCALAR:
      end = complete = start + double(instr.cycles) * cycle_ps_;
      break;
    case Op::MMAD: {
      const uint64_t issue = mmad_issue_cycles(instr, config_.cube);
      end = start + double(issue) * cycle_ps_;
      complete = end + config_.cube.latency_cycles * cycle_ps_;
      const double macs = double(instr.m) * instr.k * instr.n;
      c.macs[static_cast<size_t>(instr.dtype)] += macs;
      for (const Access& a : accesses(instr, config_))
        (a.write ? c.write_bytes : c.read_bytes)[static_cast<size_t>(a.buffer)] += a.bytes;
      break;
    }
    case Op::VEC: {
      end = start + double(vector_issue_cycles(instr, config_)) * cycle_ps_;
      complete = end + vector_latency_cycles(instr, config_) * cycle_ps_;
      const uint64_t elements = vector_elements(instr, config_);
      c.vector_bytes += dtype_bytes(instr.dtype, elements);
      c.vector_flops += instruction_flops(instr, config_);
      for (const Access& a : accesses(instr, config_))
        (a.write ? c.write_bytes : c.read_bytes)[static_cast<size_t>(a.buffer)] += a.bytes;
      break;
    }
    case Op::MTE1:
    case Op::MTE2:
    case Op::MTE3:
    case Op::FIXPIPE: {
      for (const Access& a : accesses(instr, config_))
        (a.write ? c.write_bytes : c.read_bytes)[static_cast<size_t>(a.buffer)] += a.bytes;
      if (const PathConfig* path = local_path(instr, config_.paths)) {
        const uint64_t bytes = std::max(instr.bytes, instr.out_bytes);
        end = start + double(transfer_cycles(bytes, path->bytes_per_cycle)) * cycle_ps_;
        complete = end + path->latency_cycles * cycle_ps_;
      } else {
        complete = execute_gm_copy(instr, instr.src.buffer == Buffer::GM, end);
      }
      break;
    }
  }
  wait_until_ps(end);
  PipeState& st = state(pipe);
  st.last_complete_ps = std::max(st.last_complete_ps, complete);
  record(pipe, instr, start, end, complete, false);
}

std::vector<std::string> AiCore::blocked_report(const std::string& trace_path) const {
  std::vector<std::string> lines;
  const std::string core = fmt::format("{} {}", name_of(kind_), index_);
  for (Pipe p : kAllPipes) {
    const PipeState& st = pipes_[static_cast<size_t>(p)];
    if (st.blocked_on != nullptr)
      lines.push_back(fmt::format("{}:{}: deadlock: core {} pipe {} waits forever at {} (no "
                                  "matching set is ever executed)",
                                  trace_path, st.blocked_on->line, core, name_of(p),
                                  describe(*st.blocked_on)));
  }
  if (lines.empty() && dispatcher_blocked_ && dispatcher_waiting_on_ != nullptr)
    lines.push_back(fmt::format("{}:{}: deadlock: core {} cannot issue {}: its pipe queue is full "
                                "and blocked",
                                trace_path, dispatcher_waiting_on_->line, core,
                                name_of(dispatcher_waiting_on_->op)));
  if (lines.empty())
    lines.push_back(fmt::format("{}: deadlock: core {} did not finish", trace_path, core));
  return lines;
}

}  // namespace npusim
