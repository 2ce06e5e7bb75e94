#pragma once
// Error types shared by every npusim component.
//
// InputError: the user's input is wrong (file, YAML, trace, option). The CLI prints its
// message, already in `path:line[:col]: what is wrong (what was expected)` form, and exits 2.
// InternalError: an invariant of npusim itself failed. The CLI prints it and exits 3.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace npusim {

/// Where in an input file something was found. line/col are 1-based; 0 means unknown.
struct SourcePos {
  std::string path;
  uint32_t line = 0;
  uint32_t col = 0;

  /// "path:line:col", "path:line" or "path", depending on what is known.
  [[nodiscard]] std::string str() const;
};

class InputError : public std::runtime_error {
public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
  InputError(const SourcePos& where, const std::string& message)
      : std::runtime_error(where.str() + ": " + message) {}
};

class InternalError : public std::runtime_error {
public:
  explicit InternalError(const std::string& message)
      : std::runtime_error("internal error: " + message) {}
};

/// Exit statuses of the npusim executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

}  // namespace npusim
