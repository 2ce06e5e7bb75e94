#include "models/system/algorithm.h"

#include "sim/base/error.h"

namespace npusim {

std::string CollectiveAlgorithm::unsupported(Collective /*c*/, uint32_t /*npus*/) const {
  return "";
}

const std::vector<std::unique_ptr<CollectiveAlgorithm>>& algorithms() {
  static const std::vector<std::unique_ptr<CollectiveAlgorithm>> all = [] {
    std::vector<std::unique_ptr<CollectiveAlgorithm>> a;
    a.push_back(make_fullmesh_algorithm());
    a.push_back(make_ring_algorithm());
    a.push_back(make_halving_doubling_algorithm());
    return a;
  }();
  return all;
}

const CollectiveAlgorithm* find_algorithm(std::string_view name) {
  for (const auto& a : algorithms())
    if (a->name() == name) return a.get();
  return nullptr;
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (const auto& a : algorithms()) names.emplace_back(a->name());
  return names;
}

Schedule build_schedule(const CollectiveAlgorithm& algorithm, const CollectiveSpec& spec) {
  if (const std::string why = algorithm.unsupported(spec.collective, spec.npus); !why.empty())
    throw InternalError("build_schedule: " + why);
  Schedule s;
  s.npus = spec.npus;
  ScheduleBuilder b(s);
  for (const Chunk& chunk : split_chunks(spec)) algorithm.add_chunk(spec.collective, chunk, b);
  return s;
}

}  // namespace npusim
