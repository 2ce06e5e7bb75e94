#include "models/memory/dram_system.h"

#include <algorithm>
#include <cmath>

#include "sim/base/error.h"

namespace npusim {
namespace {

constexpr uint64_t kNever = DramController::kNever;

/// Requests that may wait in the backlogs, per pseudo-channel of the system. Only a memory
/// bound: it must hold what piles up at a pseudo-channel during a refresh (tRFC x its share
/// of the traffic, ~200 requests on the presets) so that the source never waits on one
/// blocked pseudo-channel; the queues and max_outstanding bound what is outstanding.
constexpr uint64_t kBacklogPerQueue = 1024;

/// The submitted requests, in order.
class VectorSource : public DramRequestSource {
 public:
  explicit VectorSource(const std::vector<DramRequest>& requests) : requests_(requests) {}
  const DramRequest* peek() override {
    return next_ < requests_.size() ? &requests_[next_] : nullptr;
  }
  void pop() override { ++next_; }

 private:
  const std::vector<DramRequest>& requests_;
  size_t next_ = 0;
};

}  // namespace

DramSystem::DramSystem(const DramSystemConfig& config)
    : config_(config),
      geometry_(make_dram_geometry(config.dram, config.channels)),
      timing_(make_dram_timing(config.dram)),
      map_(make_dram_address_map(config.dram.controller.address_map, geometry_,
                                 config.interleave_bytes)),
      outstanding_(config.channels, 0),
      in_flight_(config.channels),
      backlog_(size_t(config.channels) * geometry_.pseudo_channels),
      backlog_limit_(uint64_t(config.channels) * geometry_.pseudo_channels * kBacklogPerQueue),
      counts_(size_t(config.channels) * geometry_.pseudo_channels, 0) {
  if (config.channels == 0) throw InputError("a DRAM system needs at least one channel");
  const uint32_t total = config.channels * geometry_.pseudo_channels;
  channels_.reserve(config.channels);
  for (uint32_t c = 0; c < config.channels; ++c) {
    channels_.emplace_back(c, geometry_, timing_, config.dram.controller,
                           c * geometry_.pseudo_channels, total, stats_);
    if (config.record_commands) channels_.back().log = &commands_;
  }
}

DramSystem::~DramSystem() = default;

double DramSystem::peak_bytes_per_s() const {
  return config_.dram.channel_bytes_per_s() * config_.channels;
}

uint64_t DramSystem::submit(const DramRequest& request) {
  if (!submitted_.empty() && request.arrive_ps < submitted_.back().arrive_ps)
    throw InternalError("DramSystem::submit: arrival times must not decrease");
  submitted_.push_back(request);
  return submitted_.size() - 1;
}

void DramSystem::run() {
  VectorSource source(submitted_);
  const uint64_t first = next_id_;
  results_.resize(first + submitted_.size());
  const std::function<void(const DramCompletion&)> keep = [this](const DramCompletion& c) {
    results_[c.id] = c;
  };
  run(source, keep);
  submitted_.clear();
}

void DramSystem::map_request(const DramRequest& r) {
  for (const uint32_t q : touched_) counts_[q] = 0;
  touched_.clear();
  bursts_.clear();
  const uint64_t burst = geometry_.burst_bytes;
  const uint64_t end = r.addr + std::max<uint64_t>(r.bytes, 1);
  for (uint64_t a = r.addr / burst * burst; a < end; a += burst) {
    const DramAddress d = map_->map(a);
    bursts_.push_back(d);
    const uint32_t q = d.channel * geometry_.pseudo_channels + d.pseudo_channel;
    if (counts_[q]++ == 0) touched_.push_back(q);
  }
  const DramControllerConfig& c = config_.dram.controller;
  const uint32_t limit = r.write ? c.write_queue_depth : c.read_queue_depth;
  for (const uint32_t q : touched_)
    if (counts_[q] > limit || (config_.max_outstanding != 0 && counts_[q] > config_.max_outstanding))
      throw InputError("a request of " + std::to_string(r.bytes) + " bytes needs " +
                       std::to_string(counts_[q]) + " bursts in one pseudo-channel, more than " +
                       "its queue or the outstanding limit holds (expected smaller requests, "
                       "deeper queues or a larger interleave)");
}

void DramSystem::retire(uint32_t ch) {
  auto& heap = in_flight_[ch];
  while (!heap.empty() && heap.top() <= now_) {
    heap.pop();
    --outstanding_[ch];
  }
}

bool DramSystem::fits(bool write) {
  const uint32_t pcs = geometry_.pseudo_channels;
  for (const uint32_t q : touched_)
    if (channels_[q / pcs].room(q % pcs, write) < counts_[q]) return false;
  if (config_.max_outstanding == 0) return true;
  for (const uint32_t q : touched_) {
    const uint32_t ch = q / pcs;
    retire(ch);
    uint32_t need = 0;  // this request's bursts in the channel (all its pseudo-channels)
    for (const uint32_t o : touched_)
      if (o / pcs == ch) need += counts_[o];
    if (outstanding_[ch] + need > config_.max_outstanding) return false;
  }
  return true;
}

void DramSystem::admit(const Pending& p) {
  const DramRequest& r = p.request;
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot] = InFlight{p.id, r.arrive_ps, now_, now_,
                          static_cast<uint32_t>(bursts_.size()), r.bytes, r.write};
  for (const DramAddress& a : bursts_) {
    DramBurst b;
    b.channel = a.channel;
    b.pseudo_channel = a.pseudo_channel;
    b.bank_group = a.bank_group;
    b.bank = a.bank_group * geometry_.banks_per_group + a.bank;
    b.row = a.row;
    b.column = a.column;
    b.write = r.write;
    b.arrive = now_;
    b.request = slot;
    channels_[a.channel].enqueue(b, now_);
    ++outstanding_[a.channel];
  }
}

uint64_t DramSystem::pull(DramRequestSource& source, bool& stopped) {
  stopped = false;
  while (const DramRequest* r = source.peek()) {
    const auto arrive = static_cast<uint64_t>(std::ceil(r->arrive_ps / timing_.tck_ps - 1e-9));
    if (arrive > now_) return arrive;
    if (backlog_requests_ >= backlog_limit_) {
      stopped = true;
      return kNever;
    }
    const DramAddress first = map_->map(r->addr);
    backlog_[first.channel * geometry_.pseudo_channels + first.pseudo_channel].push_back(
        {*r, next_id_++});
    ++backlog_requests_;
    source.pop();
  }
  return kNever;
}

bool DramSystem::admit_backlogs() {
  bool waits_for_data = false;
  const uint32_t pcs = geometry_.pseudo_channels;
  for (uint32_t q = 0; q < backlog_.size(); ++q) {
    auto& queue = backlog_[q];
    while (!queue.empty()) {
      const Pending& p = queue.front();
      // Cheap test first: the queue of its own (first) pseudo-channel must have room.
      if (channels_[q / pcs].room(q % pcs, p.request.write) == 0) break;
      map_request(p.request);
      if (!fits(p.request.write)) {
        waits_for_data |= config_.max_outstanding != 0;
        break;
      }
      admit(p);
      --backlog_requests_;
      queue.pop_front();
    }
  }
  return waits_for_data;
}

void DramSystem::burst_issued(const DramBurst& burst, uint64_t done) {
  if (config_.max_outstanding != 0) in_flight_[burst.channel].push(done);
  end_cycle_ = std::max(end_cycle_, done);
  InFlight& f = slots_[burst.request];
  f.done = std::max(f.done, done);
  if (--f.remaining > 0) return;
  if (done_ != nullptr && *done_) {
    DramCompletion c;
    c.id = f.id;
    c.arrive_ps = f.arrive_ps;
    c.admit_ps = double(f.admit) * timing_.tck_ps;
    c.done_ps = double(f.done) * timing_.tck_ps;
    c.write = f.write;
    c.bytes = f.bytes;
    (*done_)(c);
  }
  free_slots_.push_back(static_cast<uint32_t>(burst.request));
}

void DramSystem::run(DramRequestSource& source,
                     const std::function<void(const DramCompletion&)>& done) {
  done_ = &done;
  for (;;) {
    bool stopped = false;
    const uint64_t next_arrival = pull(source, stopped);
    const bool waits_for_data = admit_backlogs();
    for (DramController& c : channels_)
      if (c.wake() <= now_) c.tick(now_, *this);
    if (next_arrival == kNever && !stopped && backlog_requests_ == 0 &&
        std::all_of(channels_.begin(), channels_.end(),
                    [](const DramController& c) { return c.empty(); }))
      break;
    // Backlogs move when a controller issues (its wake frees queue room); under
    // max_outstanding also when data in flight completes.
    uint64_t next = next_arrival;
    for (const DramController& c : channels_) next = std::min(next, c.wake());
    if (waits_for_data)
      for (const auto& heap : in_flight_)
        if (!heap.empty()) next = std::min(next, std::max(heap.top(), now_ + 1));
    if (next == kNever) throw InternalError("DRAM system stalled with requests waiting");
    now_ = std::max(next, now_ + 1);
  }
  done_ = nullptr;
}

std::unique_ptr<DramSystem> make_chip_dram_system(const DramSystemConfig& config,
                                                  const std::string& chip_path) {
  try {
    return std::make_unique<DramSystem>(config);
  } catch (const InputError& e) {
    // The only DRAM-side problem left here is the chip's interleave against the DRAM's rows.
    throw InputError(SourcePos{chip_path, 0, 0}, std::string("hbm.") + e.what());
  }
}

}  // namespace npusim
