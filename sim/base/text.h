#pragma once
// Small text helpers used by the config loader, the trace reader and the CLI.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace npusim {

/// Edit distance between two strings (insert, delete, substitute each cost 1).
[[nodiscard]] size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a likely typo.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

/// " (did you mean 'x'?)" or "" — appended to unknown-name errors.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       const std::vector<std::string>& candidates);

/// "a, b, c" — for "expected one of ..." messages.
[[nodiscard]] std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

/// Parses a non-negative integer in decimal or 0x-hex; nullopt on any junk or overflow.
[[nodiscard]] std::optional<uint64_t> parse_u64(std::string_view text);

/// Parses a finite floating-point number; nullopt on any junk.
[[nodiscard]] std::optional<double> parse_double(std::string_view text);

}  // namespace npusim
