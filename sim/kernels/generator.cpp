#include "sim/kernels/generator.h"

#include <algorithm>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim {

// One accessor per kernel file. The registry names them here rather than relying on static
// self-registration, which a static library silently drops when no symbol of the file is used.
namespace kgen {
const KernelGenerator& gemm_generator();
const KernelGenerator& elementwise_generator();
const KernelGenerator& softmax_generator();
const KernelGenerator& layernorm_generator();
const KernelGenerator& rmsnorm_generator();
const KernelGenerator& attention_generator();
}  // namespace kgen

const std::vector<const KernelGenerator*>& kernel_generators() {
  static const std::vector<const KernelGenerator*> registry = [] {
    std::vector<const KernelGenerator*> all = {
        &kgen::gemm_generator(),      &kgen::elementwise_generator(), &kgen::softmax_generator(),
        &kgen::layernorm_generator(), &kgen::rmsnorm_generator(),     &kgen::attention_generator()};
    std::sort(all.begin(), all.end(), [](const KernelGenerator* a, const KernelGenerator* b) {
      return a->kind() < b->kind();
    });
    return all;
  }();
  return registry;
}

const KernelGenerator& find_kernel_generator(std::string_view kind) {
  std::vector<std::string> kinds;
  for (const KernelGenerator* g : kernel_generators()) {
    if (g->kind() == kind) return *g;
    kinds.emplace_back(g->kind());
  }
  throw InputError("unknown kernel kind '" + std::string(kind) + "'" + did_you_mean(kind, kinds) +
                   " (known: " + join(kinds) + ")");
}

KernelTrace generate_kernel(const std::string& spec, const ChipConfig& chip) {
  std::istringstream in(spec);
  std::string kind;
  if (!(in >> kind)) throw InputError("empty kernel spec (expected 'kind key=value ...')");
  std::map<std::string, std::string> args;
  for (std::string token; in >> token;) {
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("kernel " + kind + ": argument '" + token + "' is not key=value");
    const std::string key = token.substr(0, eq);
    if (!args.emplace(key, token.substr(eq + 1)).second)
      throw InputError("kernel " + kind + ": parameter " + key + " given twice");
  }
  return generate_kernel(kind, args, chip);
}

KernelTrace generate_kernel(std::string_view kind, const std::map<std::string, std::string>& args,
                            const ChipConfig& chip) {
  return find_kernel_generator(kind).generate(args, chip);
}

}  // namespace npusim
