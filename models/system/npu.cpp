#include "models/system/npu.h"

#include <algorithm>
#include <cmath>

#include "models/memory/hbm_sustained_rate.h"

namespace npusim {
namespace {

/// Exact times handed between processes may precede the integer present by under 1 ps, so
/// bandwidth servers forget only what ended before that.
double horizon_ps() {
  return now_ps() - 1;
}

}  // namespace

double npu_sustained_hbm_bytes_per_s(const SystemConfig& system) {
  return system.npu_peak_hbm_bytes_per_s() * hbm_sustained_fraction(system.chip);
}

void Npu::Engine::departed(const Packet& /*packet*/, double start_ps) {
  --queued;
  slot_ps = std::max(slot_ps, start_ps);
  slot.notify();
}

Npu::Npu(sc_core::sc_module_name name, uint32_t id, const SystemConfig& system,
         TransferBoard& board)
    : sc_core::sc_module(name),
      id_(id),
      board_(board),
      packet_bytes_(system.dma.packet_bytes),
      window_(system.dma.window_packets),
      setup_ps_(system.dma.setup_ns * 1e3),
      dma_ps_per_byte_(1e12 / system.dma_bytes_per_s()),
      hbm_(npu_sustained_hbm_bytes_per_s(system) * 1e-12),
      hbm_write_cost_(hbm_write_cost(system.chip)),
      engine_bytes_per_s_(system.dma_bytes_per_s()),
      streams_(system.npus) {
  for (uint32_t e = 0; e < system.dma.engines; ++e) {
    engines_.push_back(std::make_unique<Engine>());
    sc_core::sc_spawn(sc_bind(&Npu::engine_thread, this, std::ref(*engines_.back())),
                      sc_core::sc_gen_unique_name("dma"));
  }
}

void Npu::enqueue(uint32_t id) {
  const Transfer& x = board_.transfer(id);
  Stream& stream = streams_[x.dst];
  if (stream.ready.empty() && stream.engines == 0) {
    // Engines that together match the first link's payload rate (fixed per route).
    const double link = board_.route(x.src, x.dst).front()->payload_bytes_per_s();
    stream.limit =
        std::clamp<uint32_t>(static_cast<uint32_t>(std::ceil(link / engine_bytes_per_s_)), 1,
                             static_cast<uint32_t>(engines_.size()));
  }
  stream.ready.push(id);
  work_.notify(sc_core::SC_ZERO_TIME);
}

Npu::Stream* Npu::next_stream() {
  Stream* best = nullptr;
  for (Stream& s : streams_)
    if (!s.ready.empty() && s.engines < s.limit &&
        (best == nullptr || s.ready.top() < best->ready.top()))
      best = &s;
  return best;
}

void Npu::reset() {
  for (Stream& s : streams_) s = Stream{};
  hbm_.reset();
  for (auto& e : engines_) {
    e->queued = 0;
    e->slot_ps = e->free_ps = 0;
  }
  hbm_read_bytes_ = hbm_write_bytes_ = activations_ = 0;
}

void Npu::engine_thread(Engine& e) {
  for (;;) {
    Stream* stream = nullptr;
    while ((stream = next_stream()) == nullptr) {
      sc_core::wait(work_);
      ++activations_;
    }
    const uint32_t id = stream->ready.top();
    stream->ready.pop();
    ++stream->engines;
    const Transfer& x = board_.transfer(id);
    const std::vector<Link*>& route = board_.route(x.src, x.dst);
    // The setup (descriptor fetch, doorbell) runs from the moment the transfer is ready and
    // overlaps the data of the engine's previous transfer (descriptor prefetch).
    double t = std::max(board_.ready_ps(id) + setup_ps_, e.free_ps);
    for (uint64_t sent = 0; sent < x.bytes;) {
      const auto payload = static_cast<uint32_t>(std::min<uint64_t>(packet_bytes_, x.bytes - sent));
      while (e.queued >= window_) {
        sc_core::wait(e.slot);
        ++activations_;
        t = std::max(t, e.slot_ps);
      }
      // The engine issues the read at its own rate; the packet is ready when the read is.
      const double read_done = hbm_.serve(horizon_ps(), t, payload);
      t += payload * dma_ps_per_byte_;
      hbm_read_bytes_ += payload;
      Packet p;
      p.transfer = id;
      p.payload = payload;
      p.ready_ps = std::max(read_done, t);
      p.route = &route;
      p.source = &e;
      ++e.queued;
      route.front()->push(p);
      sent += payload;
    }
    // The engine is busy until it has issued the last read; only then does it take the next
    // transfer (meanwhile the other engines take theirs).
    e.free_ps = t;
    if (std::ceil(t) > now_ps()) {
      sc_core::wait(
          sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(std::ceil(t) - now_ps())));
      ++activations_;
    }
    --stream->engines;
    if (!stream->ready.empty()) work_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Npu::receive(const Packet& packet, double arrive_ps, Link& from) {
  const Transfer& x = board_.transfer(packet.transfer);
  // A reducing receive reads the local operand and writes the sum; a plain one only writes.
  // Written bytes pay the read/write turnarounds (hbm_write_cost).
  const double cost = (x.reduce ? 1.0 : 0.0) + hbm_write_cost_;
  const double done = hbm_.serve(horizon_ps(), arrive_ps, packet.payload, cost);
  hbm_write_bytes_ += packet.payload;
  if (x.reduce) hbm_read_bytes_ += packet.payload;
  from.return_credit(from.flits_of(packet.payload), done + from.credit_return_ps());
  board_.packet_landed(packet.transfer, done);
}

}  // namespace npusim
