#pragma once
// Output forms of `npusim train --search`: the ranked table with the reasons the other
// configurations fail, and the JSON of every candidate (docs/results.md, "train --search").

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <vector>

#include "sim/cluster/parallel_search.h"

namespace npusim {

/// The best `top` feasible configurations, then each failing reason kind with its count and
/// a few examples.
void write_search_summary(std::ostream& out, const std::vector<SearchCandidate>& candidates,
                          SearchObjective objective, size_t top);

/// {"objective", "candidates": [{tp, pp, dp, micro_batch, recompute, status, reason,
/// result (the train JSON, for status ok)}]} in ranked order.
[[nodiscard]] nlohmann::json search_json(const std::vector<SearchCandidate>& candidates,
                                         SearchObjective objective);

}  // namespace npusim
