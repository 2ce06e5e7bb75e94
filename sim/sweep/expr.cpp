#include "sim/sweep/expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "sim/base/text.h"

namespace npusim::sweep {

Value value_of_text(const std::string& text) {
  if (const auto d = parse_double(text)) return *d;
  return text;
}

std::string text_of_value(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  const double d = std::get<double>(v);
  if (std::isfinite(d) && d == std::nearbyint(d) && std::fabs(d) < 1e15)
    return fmt::format("{}", static_cast<long long>(d));
  return fmt::format("{:.10g}", d);
}

bool truthy(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return !s->empty();
  return std::get<double>(v) != 0;
}

struct Expr::Node {
  enum class Kind { number, string, name, unary, binary, call } kind = Kind::number;
  double number = 0;
  std::string text;  // string literal, variable name, operator or function name
  std::vector<std::shared_ptr<const Node>> args;
};

namespace {

using NodePtr = std::shared_ptr<const Expr::Node>;
using Kind = Expr::Node::Kind;

const std::vector<std::string> kFunctions = {"min", "max", "floor", "ceil", "abs", "log2", "sqrt"};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  NodePtr parse_all() {
    NodePtr n = parse_or();
    skip_space();
    if (pos_ < s_.size()) fail(fmt::format("unexpected '{}'", s_.substr(pos_, 1)));
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ExprError(fmt::format("bad expression '{}': {} at column {}", s_, what, pos_ + 1));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  /// Consumes `op` if it comes next (word operators only as whole words).
  bool eat(const std::string& op) {
    skip_space();
    if (s_.compare(pos_, op.size(), op) != 0) return false;
    const bool word = std::isalpha(static_cast<unsigned char>(op[0]));
    const size_t end = pos_ + op.size();
    if (word && end < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_' || s_[end] == '.'))
      return false;
    // "<" must not swallow the start of "<=", "=" alone is not an operator.
    if ((op == "<" || op == ">" || op == "!") && end < s_.size() && s_[end] == '=') return false;
    pos_ = end;
    return true;
  }
  static NodePtr make(Kind kind, std::string text, std::vector<NodePtr> args) {
    auto n = std::make_shared<Expr::Node>();
    n->kind = kind;
    n->text = std::move(text);
    n->args = std::move(args);
    return n;
  }

  NodePtr parse_or() {
    NodePtr left = parse_and();
    while (eat("||") || eat("or")) left = make(Kind::binary, "or", {left, parse_and()});
    return left;
  }
  NodePtr parse_and() {
    NodePtr left = parse_not();
    while (eat("&&") || eat("and")) left = make(Kind::binary, "and", {left, parse_not()});
    return left;
  }
  NodePtr parse_not() {
    if (eat("!") || eat("not")) return make(Kind::unary, "not", {parse_not()});
    return parse_compare();
  }
  NodePtr parse_compare() {
    NodePtr left = parse_sum();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"})
      if (eat(op)) return make(Kind::binary, op, {left, parse_sum()});
    return left;
  }
  NodePtr parse_sum() {
    NodePtr left = parse_product();
    for (;;) {
      if (eat("+")) left = make(Kind::binary, "+", {left, parse_product()});
      else if (eat("-")) left = make(Kind::binary, "-", {left, parse_product()});
      else return left;
    }
  }
  NodePtr parse_product() {
    NodePtr left = parse_unary();
    for (;;) {
      if (eat("*")) left = make(Kind::binary, "*", {left, parse_unary()});
      else if (eat("/")) left = make(Kind::binary, "/", {left, parse_unary()});
      else if (eat("%")) left = make(Kind::binary, "%", {left, parse_unary()});
      else return left;
    }
  }
  NodePtr parse_unary() {
    if (eat("-")) return make(Kind::unary, "-", {parse_unary()});
    if (eat("+")) return parse_unary();
    return parse_atom();
  }
  NodePtr parse_atom() {
    skip_space();
    if (pos_ >= s_.size()) fail("missing a value");
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      NodePtr inner = parse_or();
      if (!eat(")")) fail("missing ')'");
      return inner;
    }
    if (c == '\'' || c == '"') {
      const size_t end = s_.find(c, pos_ + 1);
      if (end == std::string::npos) fail("unterminated string");
      auto n = make(Kind::string, s_.substr(pos_ + 1, end - pos_ - 1), {});
      pos_ = end + 1;
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t end = pos_;
      while (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '.' ||
                                 ((s_[end] == '+' || s_[end] == '-') && (s_[end - 1] == 'e' || s_[end - 1] == 'E'))))
        ++end;
      const auto d = parse_double(s_.substr(pos_, end - pos_));
      if (!d) fail(fmt::format("'{}' is not a number", s_.substr(pos_, end - pos_)));
      auto n = std::make_shared<Expr::Node>();
      n->kind = Kind::number;
      n->number = *d;
      pos_ = end;
      return n;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = pos_;
      while (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_' || s_[end] == '.'))
        ++end;
      std::string name = s_.substr(pos_, end - pos_);
      pos_ = end;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == '(') {
        if (std::find(kFunctions.begin(), kFunctions.end(), name) == kFunctions.end())
          fail(fmt::format("unknown function '{}'{} (expected one of {})", name,
                           did_you_mean(name, kFunctions), join(kFunctions)));
        ++pos_;
        std::vector<NodePtr> args;
        if (!eat(")")) {
          do args.push_back(parse_or());
          while (eat(","));
          if (!eat(")")) fail("missing ')' after the arguments");
        }
        const size_t want = (name == "min" || name == "max") ? 2 : 1;
        if (args.size() != want) fail(fmt::format("{}() takes {} argument(s)", name, want));
        return make(Kind::call, name, std::move(args));
      }
      return make(Kind::name, name, {});
    }
    fail(fmt::format("unexpected '{}'", std::string(1, c)));
  }

  const std::string& s_;
  size_t pos_ = 0;
};

void collect_names(const Expr::Node& n, std::vector<std::string>& out) {
  if (n.kind == Kind::name && std::find(out.begin(), out.end(), n.text) == out.end())
    out.push_back(n.text);
  for (const auto& a : n.args) collect_names(*a, out);
}

double number_of(const Value& v, const std::string& op) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  throw ExprError(fmt::format("'{}' needs numbers, got the string '{}'", op, std::get<std::string>(v)));
}

Value eval_node(const Expr::Node& n,
                const std::function<std::optional<Value>(const std::string&)>& lookup) {
  switch (n.kind) {
    case Kind::number: return n.number;
    case Kind::string: return n.text;
    case Kind::name: {
      const auto v = lookup(n.text);
      if (!v) throw ExprError(fmt::format("unknown name '{}'", n.text));
      return *v;
    }
    case Kind::unary: {
      const Value a = eval_node(*n.args[0], lookup);
      if (n.text == "not") return truthy(a) ? 0.0 : 1.0;
      return -number_of(a, "-");
    }
    case Kind::call: {
      const double a = number_of(eval_node(*n.args[0], lookup), n.text);
      if (n.text == "min") return std::min(a, number_of(eval_node(*n.args[1], lookup), n.text));
      if (n.text == "max") return std::max(a, number_of(eval_node(*n.args[1], lookup), n.text));
      if (n.text == "floor") return std::floor(a);
      if (n.text == "ceil") return std::ceil(a);
      if (n.text == "abs") return std::fabs(a);
      if (a < 0 || (n.text == "log2" && a == 0))
        throw ExprError(fmt::format("{}({}) is not defined", n.text, text_of_value(a)));
      return n.text == "log2" ? std::log2(a) : std::sqrt(a);
    }
    case Kind::binary: break;
  }
  const std::string& op = n.text;
  if (op == "and") return truthy(eval_node(*n.args[0], lookup)) && truthy(eval_node(*n.args[1], lookup)) ? 1.0 : 0.0;
  if (op == "or") return truthy(eval_node(*n.args[0], lookup)) || truthy(eval_node(*n.args[1], lookup)) ? 1.0 : 0.0;
  const Value a = eval_node(*n.args[0], lookup);
  const Value b = eval_node(*n.args[1], lookup);
  if (op == "==" || op == "!=") {
    bool equal;
    if (a.index() != b.index()) equal = text_of_value(a) == text_of_value(b);
    else equal = a == b;
    return (equal == (op == "==")) ? 1.0 : 0.0;
  }
  const double x = number_of(a, op), y = number_of(b, op);
  if (op == "<") return x < y ? 1.0 : 0.0;
  if (op == "<=") return x <= y ? 1.0 : 0.0;
  if (op == ">") return x > y ? 1.0 : 0.0;
  if (op == ">=") return x >= y ? 1.0 : 0.0;
  if (op == "+") return x + y;
  if (op == "-") return x - y;
  if (op == "*") return x * y;
  if (y == 0) throw ExprError(fmt::format("division by zero in {} {} {}", text_of_value(a), op, text_of_value(b)));
  if (op == "/") return x / y;
  return std::fmod(x, y);
}

}  // namespace

Expr Expr::parse(const std::string& text) {
  Expr e;
  e.root_ = Parser(text).parse_all();
  return e;
}

std::vector<std::string> Expr::names() const {
  std::vector<std::string> out;
  collect_names(*root_, out);
  return out;
}

Value Expr::eval(const std::function<std::optional<Value>(const std::string&)>& lookup) const {
  return eval_node(*root_, lookup);
}

}  // namespace npusim::sweep
