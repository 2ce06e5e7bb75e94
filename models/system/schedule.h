#pragma once
// Collectives as schedules of transfers.
//
// A collective on n NPUs is compiled into transfers: "DMA `bytes` from NPU src's HBM to NPU
// dst's HBM, reducing into what dst holds or not, once these other transfers have landed".
// A message is split into chunks (pipelining) and each chunk into n pieces; an algorithm
// (algorithm.h) says which transfers one chunk needs. Transfers are numbered chunk by chunk,
// and the DMA engines serve ready transfers lowest number first, so an early chunk's next
// step overtakes a late chunk's first step and successive chunks overlap.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace npusim {

enum class Collective : uint8_t { allreduce, allgather, reducescatter, alltoall, broadcast };

[[nodiscard]] std::string_view name_of(Collective c);
[[nodiscard]] std::optional<Collective> parse_collective(std::string_view name);
[[nodiscard]] std::vector<std::string> collective_names();

/// nccl-tests / hccl_test bus-bandwidth factor: busbw = algbw x factor. 2(n-1)/n for
/// all-reduce, (n-1)/n for all-gather, reduce-scatter and all-to-all, 1 for broadcast.
[[nodiscard]] double bus_factor(Collective c, uint32_t npus);

struct Transfer {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint64_t bytes = 0;
  bool reduce = false;         ///< dst adds the data into its own (HBM read + write at dst)
  std::vector<uint32_t> deps;  ///< transfers that must have landed before this one starts
  /// Which data it carries, for checking an algorithm: piece indices of the chunk (all-to-all:
  /// origin x npus + destination). Not used by the timing model.
  std::vector<uint32_t> pieces;
};

struct Schedule {
  uint32_t npus = 0;
  std::vector<Transfer> transfers;
  [[nodiscard]] uint64_t bytes_moved() const;
};

/// Appends transfers; ids are positions in the schedule.
class ScheduleBuilder {
 public:
  explicit ScheduleBuilder(Schedule& schedule) : s_(schedule) {}
  uint32_t add(uint32_t src, uint32_t dst, uint64_t bytes, bool reduce, std::vector<uint32_t> deps,
               std::vector<uint32_t> pieces);
  [[nodiscard]] uint32_t npus() const { return s_.npus; }

 private:
  Schedule& s_;
};

/// One chunk of a collective's message: `pieces[i]` bytes belong to NPU i (the slice it owns
/// after a reduce-scatter, contributes to an all-gather, receives in an all-to-all).
struct Chunk {
  uint32_t npus = 0;
  uint32_t root = 0;   ///< broadcast source
  uint64_t bytes = 0;  ///< sum of pieces
  std::vector<uint64_t> pieces;
};

/// What to run: `bytes` per nccl-tests convention (all-reduce and broadcast: the buffer;
/// all-gather: the gathered output; reduce-scatter: the input; all-to-all: each NPU's send
/// buffer), split into chunks of at most `chunk_bytes` on `elem_bytes` boundaries.
struct CollectiveSpec {
  Collective collective = Collective::allreduce;
  uint32_t npus = 0;
  uint64_t bytes = 0;
  uint32_t elem_bytes = 4;
  uint64_t chunk_bytes = 0;
  uint32_t root = 0;
};

/// The chunks of a spec, in order.
[[nodiscard]] std::vector<Chunk> split_chunks(const CollectiveSpec& spec);

}  // namespace npusim
