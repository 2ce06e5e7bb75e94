// Ring: NPU r only ever sends to r+1 (mod n). Reduce-scatter and all-gather take n-1 steps
// of one piece each; all-reduce is the two back to back (2(n-1) steps); broadcast is a chain
// from the root; all-to-all relays each NPU's bundle along the ring, dropping a piece at
// every stop. A step waits only for the transfer into its sender, so chunks pipeline.
#include <optional>

#include "models/system/algorithm.h"

namespace npusim {
namespace {

class Ring final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "ring"; }
  [[nodiscard]] std::string_view summary() const override {
    return "each NPU sends to the next on a ring; 2(n-1) steps per all-reduce chunk";
  }

  void add_chunk(Collective c, const Chunk& k, ScheduleBuilder& b) const override {
    const uint32_t n = k.npus;
    const auto at = [n](int64_t i) { return static_cast<uint32_t>(((i % n) + n) % n); };
    std::vector<std::optional<uint32_t>> last_in(n);  // latest transfer into each NPU
    const auto deps_of = [&](uint32_t r) {
      return last_in[r] ? std::vector<uint32_t>{*last_in[r]} : std::vector<uint32_t>{};
    };
    const auto bytes_of = [&](const std::vector<uint32_t>& pieces) {
      uint64_t bytes = 0;
      for (uint32_t q : pieces) bytes += k.pieces[q % n];  // all-to-all ids: origin x n + dest
      return bytes;
    };
    // One ring step: every r sends pieces_of(r) to r+1.
    const auto step = [&](bool reduce, auto pieces_of) {
      std::vector<uint32_t> ids(n);
      for (uint32_t r = 0; r < n; ++r) {
        std::vector<uint32_t> pieces = pieces_of(r);
        const uint64_t bytes = bytes_of(pieces);
        ids[r] = b.add(r, at(r + 1), bytes, reduce, deps_of(r), std::move(pieces));
      }
      for (uint32_t r = 0; r < n; ++r) last_in[at(r + 1)] = ids[r];
    };

    switch (c) {
      case Collective::allreduce:
      case Collective::reducescatter:
      case Collective::allgather: {
        // Reduce-scatter: at step s, r reduces piece r-s into r+1; after n-1 steps r holds
        // piece r+1 reduced. All-gather after it: r passes on piece r+1-s.
        if (c != Collective::allgather)
          for (uint32_t s = 0; s + 1 < n; ++s)
            step(true, [&](uint32_t r) { return std::vector<uint32_t>{at(int64_t(r) - s)}; });
        if (c != Collective::reducescatter) {
          const int64_t own = c == Collective::allreduce ? 1 : 0;  // piece r holds at start
          for (uint32_t s = 0; s + 1 < n; ++s)
            step(false,
                 [&](uint32_t r) { return std::vector<uint32_t>{at(int64_t(r) + own - s)}; });
        }
        break;
      }
      case Collective::broadcast: {
        std::vector<uint32_t> all(n), prev;
        for (uint32_t q = 0; q < n; ++q) all[q] = q;
        for (uint32_t i = 0; i + 1 < n; ++i) {
          const uint32_t src = at(int64_t(k.root) + i);
          prev = {b.add(src, at(src + 1), k.bytes, false, prev, all)};
        }
        break;
      }
      case Collective::alltoall:
        // At step s, r forwards the bundle NPU r-s sent: its pieces for r+1 .. r-s+n-1.
        for (uint32_t s = 0; s + 1 < n; ++s)
          step(false, [&](uint32_t r) {
            const uint32_t origin = at(int64_t(r) - s);
            std::vector<uint32_t> pieces;
            for (uint32_t d = s + 1; d < n; ++d) pieces.push_back(origin * n + at(origin + d));
            return pieces;
          });
        break;
    }
  }
};

}  // namespace

std::unique_ptr<CollectiveAlgorithm> make_ring_algorithm() {
  return std::make_unique<Ring>();
}

}  // namespace npusim
