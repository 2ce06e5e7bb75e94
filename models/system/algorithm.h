#pragma once
// Collective algorithms: one small class per algorithm behind one interface, registered by
// name (ring, fullmesh, hd). Each turns one chunk of a collective into transfers; the
// chunks of a message are independent, so they pipeline. Time formulas: docs/interconnect.md.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/system/schedule.h"

namespace npusim {

class CollectiveAlgorithm {
 public:
  virtual ~CollectiveAlgorithm() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// One line for help texts.
  [[nodiscard]] virtual std::string_view summary() const = 0;
  /// Why the algorithm cannot run on `npus` NPUs, or "" if it can.
  [[nodiscard]] virtual std::string unsupported(Collective c, uint32_t npus) const;
  /// Appends the transfers of one chunk.
  virtual void add_chunk(Collective c, const Chunk& chunk, ScheduleBuilder& b) const = 0;
};

/// The registered algorithms, in the order `auto` prefers them on a tie.
[[nodiscard]] const std::vector<std::unique_ptr<CollectiveAlgorithm>>& algorithms();
/// nullptr if no algorithm has that name.
[[nodiscard]] const CollectiveAlgorithm* find_algorithm(std::string_view name);
[[nodiscard]] std::vector<std::string> algorithm_names();

/// The whole schedule of a collective. The algorithm must support it (check unsupported()).
[[nodiscard]] Schedule build_schedule(const CollectiveAlgorithm& algorithm,
                                      const CollectiveSpec& spec);

// Factories of the registered algorithms (algo_*.cpp).
std::unique_ptr<CollectiveAlgorithm> make_ring_algorithm();
std::unique_ptr<CollectiveAlgorithm> make_fullmesh_algorithm();
std::unique_ptr<CollectiveAlgorithm> make_halving_doubling_algorithm();

}  // namespace npusim
