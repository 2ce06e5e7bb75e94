// Halving-doubling (recursive; Rabenseifner's all-reduce), for a power-of-two NPU count
// only — other counts are rejected (no fallback), so a result always means this algorithm.
// Reduce-scatter by recursive halving: at distance d = n/2, n/4, ..., 1, NPU r sends to
// r XOR d the half of its current pieces that r XOR d keeps, reducing. All-gather by recursive
// doubling: at d = 1, 2, ..., n/2, r sends every piece it has to r XOR d. All-reduce is the
// two; broadcast is a binomial tree from the root; all-to-all is the pairwise exchange with
// r XOR s at steps s = 1 .. n-1.
#include <bit>
#include <optional>

#include "models/system/algorithm.h"

namespace npusim {
namespace {

class HalvingDoubling final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "hd"; }
  [[nodiscard]] std::string_view summary() const override {
    return "halving-doubling: log2(n) steps of halving then doubling; power-of-two n only";
  }

  [[nodiscard]] std::string unsupported(Collective /*c*/, uint32_t npus) const override {
    if (std::has_single_bit(npus)) return "";
    return "algorithm 'hd' (halving-doubling) needs a power-of-two NPU count, not " +
           std::to_string(npus);
  }

  void add_chunk(Collective c, const Chunk& k, ScheduleBuilder& b) const override {
    const uint32_t n = k.npus;
    // A step sends data that every earlier step into r wrote, so it waits for r's latest
    // transfer in and for r's own previous send (which waited for the ones before).
    std::vector<std::optional<uint32_t>> last_in(n), last_out(n);
    const auto deps_of = [&](uint32_t r) {
      std::vector<uint32_t> deps;
      if (last_in[r]) deps.push_back(*last_in[r]);
      if (last_out[r]) deps.push_back(*last_out[r]);
      return deps;
    };
    const auto bytes_of = [&](const std::vector<uint32_t>& pieces) {
      uint64_t bytes = 0;
      for (uint32_t q : pieces) bytes += k.pieces[q];
      return bytes;
    };
    // held[r]: the pieces r is responsible for (reduce-scatter) or has (all-gather).
    std::vector<std::vector<uint32_t>> held(n);

    switch (c) {
      case Collective::allreduce:
      case Collective::reducescatter:
      case Collective::allgather: {
        if (c != Collective::allgather) {
          for (uint32_t r = 0; r < n; ++r)
            for (uint32_t q = 0; q < n; ++q) held[r].push_back(q);
          for (uint32_t d = n / 2; d >= 1; d /= 2) {
            std::vector<uint32_t> ids(n);
            for (uint32_t r = 0; r < n; ++r) {
              std::vector<uint32_t> keep, give;
              for (uint32_t q : held[r]) ((q & d) == (r & d) ? keep : give).push_back(q);
              const uint64_t bytes = bytes_of(give);
              ids[r] = b.add(r, r ^ d, bytes, true, deps_of(r), std::move(give));
              held[r] = std::move(keep);
            }
            for (uint32_t r = 0; r < n; ++r) {
              last_in[r ^ d] = ids[r];
              last_out[r] = ids[r];
            }
          }
        }
        if (c != Collective::reducescatter) {
          for (uint32_t r = 0; r < n; ++r) held[r] = {r};
          for (uint32_t d = 1; d < n; d *= 2) {
            std::vector<uint32_t> ids(n);
            for (uint32_t r = 0; r < n; ++r)
              ids[r] = b.add(r, r ^ d, bytes_of(held[r]), false, deps_of(r), held[r]);
            std::vector<std::vector<uint32_t>> next = held;
            for (uint32_t r = 0; r < n; ++r) {
              next[r ^ d].insert(next[r ^ d].end(), held[r].begin(), held[r].end());
              last_in[r ^ d] = ids[r];
              last_out[r] = ids[r];
            }
            held = std::move(next);
          }
        }
        break;
      }
      case Collective::broadcast: {
        std::vector<uint32_t> all(n);
        for (uint32_t q = 0; q < n; ++q) all[q] = q;
        // Binomial tree over ranks relative to the root: at distance d, the d NPUs that have
        // the chunk send it d further.
        for (uint32_t d = 1; d < n; d *= 2)
          for (uint32_t v = 0; v < d; ++v) {
            const uint32_t src = (k.root + v) % n, dst = (k.root + v + d) % n;
            last_in[dst] = b.add(src, dst, k.bytes, false, deps_of(src), all);
          }
        break;
      }
      case Collective::alltoall: {
        for (uint32_t s = 1; s < n; ++s) {
          std::vector<uint32_t> ids(n);
          for (uint32_t r = 0; r < n; ++r) {
            std::vector<uint32_t> deps = deps_of(r);
            ids[r] = b.add(r, r ^ s, k.pieces[r ^ s], false, std::move(deps), {r * n + (r ^ s)});
          }
          for (uint32_t r = 0; r < n; ++r) {
            last_out[r] = ids[r];
            last_in[r ^ s] = ids[r];
          }
        }
        break;
      }
    }
  }
};

}  // namespace

std::unique_ptr<CollectiveAlgorithm> make_halving_doubling_algorithm() {
  return std::make_unique<HalvingDoubling>();
}

}  // namespace npusim
