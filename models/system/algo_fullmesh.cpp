// Full-mesh direct (HCCL's "mesh" algorithms on a fully connected server): every NPU
// exchanges with all others at once. Reduce-scatter: r sends piece p to NPU p for every
// p != r (one step); all-gather: r sends its piece to every other NPU; all-reduce is the two
// (r's all-gather sends wait for the n-1 pieces reduced into r); all-to-all: r sends piece p
// to p; broadcast: the root scatters the pieces and every NPU then sends its piece to the
// others (scatter + all-gather).
#include "models/system/algorithm.h"

namespace npusim {
namespace {

class FullMesh final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "fullmesh"; }
  [[nodiscard]] std::string_view summary() const override {
    return "every NPU exchanges with all others at once (HCCL mesh); 2 steps per all-reduce";
  }

  void add_chunk(Collective c, const Chunk& k, ScheduleBuilder& b) const override {
    const uint32_t n = k.npus;
    switch (c) {
      case Collective::allreduce:
      case Collective::reducescatter:
      case Collective::allgather:
      case Collective::alltoall: {
        std::vector<std::vector<uint32_t>> into(n);  // reduce-scatter transfers into each NPU
        if (c == Collective::allreduce || c == Collective::reducescatter ||
            c == Collective::alltoall) {
          const bool reduce = c != Collective::alltoall;
          for (uint32_t r = 0; r < n; ++r)
            for (uint32_t p = 0; p < n; ++p)
              if (p != r) {
                // All-to-all piece ids are origin x n + destination.
                const uint32_t piece = c == Collective::alltoall ? r * n + p : p;
                into[p].push_back(b.add(r, p, k.pieces[p], reduce, {}, {piece}));
              }
        }
        if (c == Collective::allreduce || c == Collective::allgather)
          for (uint32_t r = 0; r < n; ++r)
            for (uint32_t p = 0; p < n; ++p)
              if (p != r) b.add(r, p, k.pieces[r], false, into[r], {r});
        break;
      }
      case Collective::broadcast: {
        std::vector<uint32_t> scatter(n);
        for (uint32_t p = 0; p < n; ++p)
          if (p != k.root) scatter[p] = b.add(k.root, p, k.pieces[p], false, {}, {p});
        for (uint32_t p = 0; p < n; ++p)
          for (uint32_t q = 0; q < n; ++q) {
            if (q == p || q == k.root) continue;
            if (p == k.root)
              b.add(p, q, k.pieces[p], false, {}, {p});
            else
              b.add(p, q, k.pieces[p], false, {scatter[p]}, {p});
          }
        break;
      }
    }
  }
};

}  // namespace

std::unique_ptr<CollectiveAlgorithm> make_fullmesh_algorithm() {
  return std::make_unique<FullMesh>();
}

}  // namespace npusim
