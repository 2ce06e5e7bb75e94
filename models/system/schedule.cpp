#include "models/system/schedule.h"

#include <algorithm>
#include <array>

#include "sim/base/error.h"

namespace npusim {
namespace {

constexpr std::array<std::string_view, 5> kNames = {"allreduce", "allgather", "reducescatter",
                                                    "alltoall", "broadcast"};

}  // namespace

std::string_view name_of(Collective c) {
  return kNames[static_cast<size_t>(c)];
}

std::optional<Collective> parse_collective(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Collective>(i);
  return std::nullopt;
}

std::vector<std::string> collective_names() {
  return {kNames.begin(), kNames.end()};
}

double bus_factor(Collective c, uint32_t npus) {
  const double n = npus;
  switch (c) {
    case Collective::allreduce:
      return 2 * (n - 1) / n;
    case Collective::allgather:
    case Collective::reducescatter:
    case Collective::alltoall:
      return (n - 1) / n;
    case Collective::broadcast:
      return 1;
  }
  return 1;
}

uint64_t Schedule::bytes_moved() const {
  uint64_t total = 0;
  for (const Transfer& t : transfers) total += t.bytes;
  return total;
}

uint32_t ScheduleBuilder::add(uint32_t src, uint32_t dst, uint64_t bytes, bool reduce,
                              std::vector<uint32_t> deps, std::vector<uint32_t> pieces) {
  if (src == dst || src >= s_.npus || dst >= s_.npus)
    throw InternalError("schedule: transfer between NPUs " + std::to_string(src) + " and " +
                        std::to_string(dst) + " of " + std::to_string(s_.npus));
  const auto id = static_cast<uint32_t>(s_.transfers.size());
  for (uint32_t d : deps)
    if (d >= id) throw InternalError("schedule: a transfer depends on a later one");
  s_.transfers.push_back({src, dst, bytes, reduce, std::move(deps), std::move(pieces)});
  return id;
}

std::vector<Chunk> split_chunks(const CollectiveSpec& spec) {
  if (spec.npus == 0 || spec.elem_bytes == 0 || spec.bytes % spec.elem_bytes != 0)
    throw InternalError("split_chunks: bad collective spec");
  const uint64_t elements = spec.bytes / spec.elem_bytes;
  const uint64_t per_chunk = std::max<uint64_t>(1, spec.chunk_bytes / spec.elem_bytes);
  std::vector<Chunk> chunks;
  for (uint64_t first = 0; first < elements; first += per_chunk) {
    const uint64_t count = std::min(per_chunk, elements - first);
    Chunk c;
    c.npus = spec.npus;
    c.root = spec.root;
    c.bytes = count * spec.elem_bytes;
    // Pieces as equal as whole elements allow; the first `rest` pieces get one more.
    const uint64_t base = count / spec.npus, rest = count % spec.npus;
    for (uint32_t i = 0; i < spec.npus; ++i)
      c.pieces.push_back((base + (i < rest ? 1 : 0)) * spec.elem_bytes);
    chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace npusim
