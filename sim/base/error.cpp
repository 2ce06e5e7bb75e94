#include "sim/base/error.h"

namespace npusim {

std::string SourcePos::str() const {
  std::string s = path.empty() ? std::string("<input>") : path;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (col > 0) s += ":" + std::to_string(col);
  }
  return s;
}

}  // namespace npusim
