#include "sim/cluster/rank_layout.h"

namespace npusim {

uint32_t RankLayout::npu(const RankCoord& c) const {
  return c.tp + par_.tp * (c.cp + par_.cp * (c.dp + par_.dp * c.stage));
}

RankCoord RankLayout::coord(uint32_t npu) const {
  RankCoord c;
  c.tp = npu % par_.tp;
  npu /= par_.tp;
  c.cp = npu % par_.cp;
  npu /= par_.cp;
  c.dp = npu % par_.dp;
  c.stage = npu / par_.dp;
  return c;
}

std::vector<uint32_t> RankLayout::group(GroupKind kind, const RankCoord& c) const {
  std::vector<uint32_t> members;
  RankCoord m = c;
  switch (kind) {
    case GroupKind::tp:
      for (m.tp = 0; m.tp < par_.tp; ++m.tp) members.push_back(npu(m));
      break;
    case GroupKind::cp:
      for (m.cp = 0; m.cp < par_.cp; ++m.cp) members.push_back(npu(m));
      break;
    case GroupKind::dp:
      for (m.dp = 0; m.dp < par_.dp; ++m.dp)
        for (m.cp = 0; m.cp < par_.cp; ++m.cp) members.push_back(npu(m));
      break;
    case GroupKind::ep: {
      const uint32_t flat = c.dp * par_.cp + c.cp;
      const uint32_t first = flat / par_.ep * par_.ep;
      for (uint32_t f = first; f < first + par_.ep; ++f) {
        m.dp = f / par_.cp;
        m.cp = f % par_.cp;
        members.push_back(npu(m));
      }
      break;
    }
    case GroupKind::edp: {
      const uint32_t flat = c.dp * par_.cp + c.cp;
      for (uint32_t f = flat % par_.ep; f < par_.dp * par_.cp; f += par_.ep) {
        m.dp = f / par_.cp;
        m.cp = f % par_.cp;
        members.push_back(npu(m));
      }
      break;
    }
  }
  return members;
}

uint64_t RankLayout::group_id(GroupKind kind, const RankCoord& c) const {
  // The smallest member identifies a group uniquely within its kind.
  return group(kind, c).front();
}

std::vector<std::vector<uint32_t>> RankLayout::sibling_groups(GroupKind kind,
                                                              const RankCoord& c) const {
  const uint64_t own = group_id(kind, c);
  std::vector<std::vector<uint32_t>> siblings;
  std::vector<bool> seen(npus(), false);
  RankCoord m;
  m.stage = c.stage;
  for (m.dp = 0; m.dp < par_.dp; ++m.dp)
    for (m.cp = 0; m.cp < par_.cp; ++m.cp)
      for (m.tp = 0; m.tp < par_.tp; ++m.tp) {
        if (seen[npu(m)]) continue;
        std::vector<uint32_t> g = group(kind, m);
        for (uint32_t member : g) seen[member] = true;
        if (g.front() != own) siblings.push_back(std::move(g));
      }
  return siblings;
}

std::vector<std::vector<uint32_t>> RankLayout::sibling_transfers(const RankCoord& from,
                                                                 const RankCoord& to) const {
  std::vector<std::vector<uint32_t>> pairs;
  RankCoord a = from, b = to;
  for (a.dp = 0; a.dp < par_.dp; ++a.dp)
    for (a.cp = 0; a.cp < par_.cp; ++a.cp)
      for (a.tp = 0; a.tp < par_.tp; ++a.tp) {
        if (a.dp == from.dp && a.cp == from.cp && a.tp == from.tp) continue;
        b.dp = a.dp;
        b.cp = a.cp;
        b.tp = a.tp;
        pairs.push_back({npu(a), npu(b)});
      }
  return pairs;
}

}  // namespace npusim
