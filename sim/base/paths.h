#pragma once
// Where npusim finds its shipped data (configs/, workloads/, tests/golden).

#include <filesystem>

namespace npusim {

/// $NPUSIM_HOME if set, else the source tree npusim was built from.
[[nodiscard]] std::filesystem::path data_dir();

}  // namespace npusim
