#include "sim/base/paths.h"

#include <cstdlib>

#ifndef NPUSIM_DATA_DIR
#error "NPUSIM_DATA_DIR must be defined by the build"
#endif

namespace npusim {

std::filesystem::path data_dir() {
  if (const char* home = std::getenv("NPUSIM_HOME"); home != nullptr && *home != '\0')
    return home;
  return NPUSIM_DATA_DIR;
}

}  // namespace npusim
