#include "sim/config/system_config.h"

#include <fmt/format.h>

#include <string_view>

#include "sim/base/text.h"

namespace npusim {
namespace {

/// "128b/130b" -> 128/130; "RS(544,514)" -> 514/544.
std::optional<double> parse_term(std::string_view term) {
  if (term.starts_with("RS(") && term.ends_with(")")) {
    const std::string_view inside = term.substr(3, term.size() - 4);
    const size_t comma = inside.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    const auto n = parse_u64(inside.substr(0, comma));
    const auto k = parse_u64(inside.substr(comma + 1));
    if (!n || !k || *n == 0 || *k == 0 || *k > *n) return std::nullopt;
    return double(*k) / double(*n);
  }
  const size_t slash = term.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view data = term.substr(0, slash), line = term.substr(slash + 1);
  if (!data.ends_with("b") || !line.ends_with("b")) return std::nullopt;
  const auto d = parse_u64(data.substr(0, data.size() - 1));
  const auto l = parse_u64(line.substr(0, line.size() - 1));
  if (!d || !l || *d == 0 || *l == 0 || *d > *l) return std::nullopt;
  return double(*d) / double(*l);
}

}  // namespace

std::optional<double> parse_encoding(const std::string& text) {
  if (text == "none") return 1.0;
  double efficiency = 1;
  size_t start = 0;
  for (;;) {
    const size_t plus = text.find('+', start);
    const auto term = parse_term(std::string_view(text).substr(
        start, plus == std::string::npos ? std::string::npos : plus - start));
    if (!term) return std::nullopt;
    efficiency *= *term;
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return efficiency;
}

std::string format_gbps(double bytes_per_s) {
  return fmt::format("{:.2f} GB/s", bytes_per_s * 1e-9);
}

}  // namespace npusim
