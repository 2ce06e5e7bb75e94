#include "models/memory/die_memory.h"

#include <algorithm>
#include <string>

#include "models/memory/hbm_sustained_rate.h"
#include "models/memory/mem_timing.h"
#include "sim/base/error.h"

namespace npusim {
namespace {
constexpr double kPsPerNs = 1000.0;

uint64_t channel_hash(uint64_t block) { return block ^ (block >> 5) ^ (block >> 11); }
}  // namespace

DieMemory::DieMemory(sc_core::sc_module_name name, const ChipConfig& chip,
                     std::unique_ptr<NocTopology> noc)
    : sc_core::sc_module(name),
      socket("socket"),
      l2_(chip.l2),
      hit_latency_ps_(chip.l2.hit_latency_cycles * chip.cycle_ps()),
      hbm_latency_ps_(chip.hbm.latency_ns * kPsPerNs),
      capacity_bytes_(chip.hbm.capacity_bytes),
      interleave_bytes_(chip.hbm.interleave_bytes),
      hbm_write_cost_(hbm_write_cost(chip)) {
  socket.register_b_transport(this, &DieMemory::b_transport);
  noc_ = std::move(noc);
  noc_nodes_ = noc_->nodes();
  if (chip.hbm.capacity_bytes * chip.dies / chip.l2.line_bytes >= (uint64_t(1) << 32))
    throw InputError(chip.source_path + ": HBM of " + std::to_string(chip.dies) + " x " +
                     std::to_string(chip.hbm.capacity_bytes >> 30) +
                     " GiB has more L2 lines than the tag model's 32-bit line numbers hold");

  const double slice_bytes_per_ps = chip.l2.slice_bytes_per_cycle / chip.cycle_ps();
  slices_.assign(chip.l2.slices, BandwidthServer(slice_bytes_per_ps));
  mshrs_.assign(chip.l2.slices, MshrPool(chip.l2.mshrs_per_slice));
  // GB/s = 1e9 B/s = 1e-3 B/ps; the channels sustain what the DRAM model streams.
  const double channel_bytes_per_ps =
      chip.hbm.bandwidth_gbps * hbm_sustained_fraction(chip) * 1e-3 / chip.hbm.channels;
  channels_.assign(chip.hbm.channels, BandwidthServer(channel_bytes_per_ps));
}

void DieMemory::reset() {
  l2_.clear();
  noc_->reset();
  for (auto& s : slices_) s.reset();
  for (auto& m : mshrs_) m.reset();
  for (auto& c : channels_) c.reset();
  counts_ = ActivityCounts{};
}

BandwidthServer& DieMemory::channel_of(uint64_t addr) {
  const uint64_t block = (addr % capacity_bytes_) / interleave_bytes_;
  return channels_[channel_hash(block) % channels_.size()];
}

void DieMemory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const double now = static_cast<double>(sc_core::sc_time_stamp().value());
  const double arrive = now + static_cast<double>(delay.value());
  const bool write = trans.is_write();
  const uint64_t addr = trans.get_address();
  const uint64_t bytes = trans.get_data_length();
  const uint32_t line = l2_.line_bytes();

  // Locate every line of the request and start loading its tags (see L2Cache::prefetch)
  // before handling the lines one by one.
  const uint64_t end = addr + bytes;
  const uint64_t first_line = addr & ~uint64_t{line - 1};  // line sizes are powers of two
  places_.clear();
  for (uint64_t line_addr = first_line; line_addr < end; line_addr += line) {
    places_.push_back(l2_.place_of(line_addr));
    l2_.prefetch(places_.back());
  }

  auto* timing = trans.get_extension<MemTiming>();
  const bool single_node = noc_nodes_ == 1;
  const uint32_t source = timing != nullptr ? timing->source_node % noc_nodes_ : 0;
  double done = arrive;
  double served = arrive;
  uint32_t hits = 0, misses = 0;
  const L2Cache::Place* place = places_.data();
  for (uint64_t line_addr = first_line; line_addr < end; line_addr += line, ++place) {
    const uint64_t chunk = std::min(line_addr + line, end) - std::max(line_addr, addr);
    const L2Cache::LineResult r = l2_.access(*place, line_addr, write);
    const uint32_t node = slice_node(r.slice);
    // Write data travels to the slice; a read request is header-only on the way in.
    // A one-node network (the crossbar) adds nothing here; skip the calls on the hot path.
    const double at_slice =
        single_node ? arrive : noc_->traverse(now, arrive, source, node, write ? chunk : 0);
    double t = slices_[r.slice].serve(now, at_slice, chunk);
    served = std::max(served, t - (at_slice - arrive));
    if (r.dirty_eviction) {
      channel_of(r.victim_addr).serve(now, t, line, hbm_write_cost_);
      counts_.l2_writeback_bytes += line;
      counts_.hbm_write_bytes += line;
    }
    if (write) {
      counts_.l2_write_bytes += chunk;
      done = std::max(done, t + hit_latency_ps_);
      continue;
    }
    double data_ready = t + hit_latency_ps_;
    if (r.hit) {
      ++hits;
      counts_.l2_hit_bytes += chunk;
    } else {
      ++misses;
      counts_.l2_miss_bytes += chunk;
      counts_.hbm_read_bytes += line;  // a miss fetches the whole line
      MshrPool& mshrs = mshrs_[r.slice];
      t = channel_of(line_addr).serve(now, mshrs.acquire(t), line);
      served = std::max(served, t - (at_slice - arrive));
      data_ready = t + hbm_latency_ps_ + hit_latency_ps_;
      mshrs.release(data_ready);
    }
    // Read data travels back from the slice to the core.
    done = std::max(done, single_node ? data_ready
                                      : noc_->traverse(now, data_ready, node, source, chunk));
  }

  if (timing != nullptr) {
    timing->served_ps = served;
    timing->hit_lines += hits;
    timing->miss_lines += misses;
  }
  delay = sc_core::sc_time::from_value(static_cast<uint64_t>(done - now + 0.5));
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

double DieMemory::hbm_busy_fraction(double elapsed_ps) const {
  if (elapsed_ps <= 0 || channels_.empty()) return 0;
  double busy = 0;
  for (const auto& c : channels_) busy += c.busy_ps();
  return busy / (elapsed_ps * double(channels_.size()));
}

double DieMemory::l2_busy_fraction(double elapsed_ps) const {
  if (elapsed_ps <= 0 || slices_.empty()) return 0;
  double busy = 0;
  for (const auto& s : slices_) busy += s.busy_ps();
  return busy / (elapsed_ps * double(slices_.size()));
}

}  // namespace npusim
