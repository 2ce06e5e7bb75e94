#pragma once
// Human-readable quantities for summaries: sizes in GiB, durations from ms to days, energies
// from J to GJ. Machine-readable outputs (JSON, CSV) keep SI base units instead.

#include <cmath>
#include <string>

#include <fmt/format.h>

namespace npusim {

inline std::string format_gib(double bytes) {
  return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024));
}

inline std::string format_duration(double s) {
  if (!std::isfinite(s)) return "never (failures outpace progress)";
  if (s >= 2 * 86400) return fmt::format("{:.1f} days", s / 86400);
  if (s >= 2 * 3600) return fmt::format("{:.1f} h", s / 3600);
  if (s >= 120) return fmt::format("{:.1f} min", s / 60);
  if (s >= 1) return fmt::format("{:.3f} s", s);
  return fmt::format("{:.3f} ms", s * 1e3);
}

inline std::string format_energy(double j) {
  if (j >= 1e9) return fmt::format("{:.2f} GJ", j / 1e9);
  if (j >= 1e6) return fmt::format("{:.2f} MJ", j / 1e6);
  if (j >= 1e3) return fmt::format("{:.2f} kJ", j / 1e3);
  return fmt::format("{:.2f} J", j);
}

}  // namespace npusim
