#include "sim/mem/mem_traffic.h"

namespace npusim {
namespace {
__extension__ using u128 = unsigned __int128;  // GCC/Clang extension; -Wpedantic accepts it so
}  // namespace

MemTraffic::MemTraffic(const MemTrafficSpec& spec) : spec_(spec), rng_(spec.seed) {}

double MemTraffic::uniform() {
  return double(rng_() >> 11) * 0x1.0p-53;
}

uint64_t MemTraffic::below(uint64_t n) {
  return static_cast<uint64_t>((static_cast<u128>(rng_()) * n) >> 64);
}

const DramRequest* MemTraffic::peek() {
  if (index_ >= spec_.requests) return nullptr;
  if (ready_) return &current_;
  const uint64_t slots = spec_.capacity / spec_.request_bytes;
  switch (spec_.pattern) {
    case MemPattern::stream:
      current_.addr = index_ % slots * spec_.request_bytes;
      break;
    case MemPattern::random:
      current_.addr = below(slots) * spec_.request_bytes;
      break;
    case MemPattern::strided: {
      // index * stride mod capacity without overflow for any stride below 2^64.
      const auto offset = static_cast<u128>(index_) * spec_.stride % spec_.capacity;
      current_.addr = static_cast<uint64_t>(offset);
      if (current_.addr + spec_.request_bytes > spec_.capacity) current_.addr = 0;
      break;
    }
  }
  current_.bytes = spec_.request_bytes;
  current_.write = spec_.read_ratio < 1.0 && uniform() >= spec_.read_ratio;
  current_.arrive_ps = 0;  // open loop: enters as soon as its channel has room
  ready_ = true;
  return &current_;
}

void MemTraffic::pop() {
  ready_ = false;
  ++index_;
}

}  // namespace npusim
