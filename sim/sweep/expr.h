#pragma once
// Expressions of sweep specs: derived values (`npus / (tp * pp)`) and constraints
// (`npus % (tp * pp) == 0 and mb <= 8`).
//
// Values are numbers (double) or strings. Operators, loosest first: `or`/`||`, `and`/`&&`,
// `not`/`!`, comparisons (== != < <= > >=), + -, * / %, unary -, then literals (numbers,
// 'strings' or "strings"), names of sweep variables (letters, digits, _ and .) and the
// functions min, max, floor, ceil, abs, log2, sqrt. Booleans are 1 and 0.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace npusim::sweep {

/// A value of a sweep variable or of an expression.
using Value = std::variant<double, std::string>;

/// A number if `text` reads as one, else the text itself.
[[nodiscard]] Value value_of_text(const std::string& text);
/// Canonical text of a value: whole numbers without a fraction ("8"), others with up to 10
/// significant digits ("0.125", "1.5e+12"), strings as they are.
[[nodiscard]] std::string text_of_value(const Value& v);

/// A parsed expression. Parse errors and evaluation errors throw ExprError.
class Expr {
 public:
  /// Parses `text`; throws ExprError with a message saying what is wrong.
  static Expr parse(const std::string& text);

  /// Names of the variables the expression reads.
  [[nodiscard]] std::vector<std::string> names() const;
  /// Evaluates with `lookup` giving each variable's value (nullopt: unknown name).
  [[nodiscard]] Value eval(const std::function<std::optional<Value>(const std::string&)>& lookup) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

class ExprError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Whether a value counts as true (non-zero number, non-empty string).
[[nodiscard]] bool truthy(const Value& v);

}  // namespace npusim::sweep
