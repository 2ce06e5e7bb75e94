// Runs a collective's phases one after another on the FlowNetwork. In symmetric mode each
// flow also carries the fabric load of the same flow in every copy group (WeightedLink weights).

#include <unordered_map>

#include "sim/base/error.h"
#include "sim/cluster/collective.h"

namespace npusim {

namespace {
/// Path cache entries kept before the cache is dropped (bounds memory on huge all-to-alls).
constexpr size_t kMaxCachedPaths = size_t{1} << 22;
}  // namespace

struct CollectiveRunner::Run {
  std::vector<Phase> phases;
  size_t next = 0;         ///< phase to start next
  size_t outstanding = 0;  ///< flows of the current phase not yet arrived
  std::function<void()> done;
  uint32_t layout = 0;
  std::vector<std::vector<uint32_t>> copies;
  std::unordered_map<uint32_t, uint32_t> position;  ///< member NPU -> rank (copies only)
};

CollectiveRunner::CollectiveRunner(const NetworkGraph& net, FlowNetwork& flows, EventQueue& events)
    : net_(net), flows_(flows), events_(events), paths_(1) {}

const CollectiveRunner::Path& CollectiveRunner::path(uint32_t src, uint32_t dst, uint32_t layout,
                                                     const Run& run) {
  auto& cache = paths_[layout];
  const uint64_t key = (uint64_t{src} << 32) | dst;
  const auto found = cache.find(key);
  if (found != cache.end()) return found->second;

  Path p;
  std::unordered_map<uint32_t, size_t> index;  // link -> position in p.uses
  for (uint32_t link : net_.route(src, dst)) {
    index.emplace(link, p.uses.size());
    p.uses.push_back({link, 1});
    p.latency_ps += net_.link(link).latency_ps;
  }
  if (!run.copies.empty()) {
    const uint32_t si = run.position.at(src);
    const uint32_t di = run.position.at(dst);
    for (const auto& copy : run.copies)
      for (uint32_t link : net_.route(copy[si], copy[di])) {
        if (net_.link(link).npu_attached) continue;  // that copy's own NPU links
        const auto [it, fresh] = index.emplace(link, p.uses.size());
        if (fresh) p.uses.push_back({link, 1});
        else ++p.uses[it->second].weight;
      }
  }
  return cache.emplace(key, std::move(p)).first->second;
}

CollectiveAlgo CollectiveRunner::run(const CollectiveCall& call,
                                     const std::vector<std::vector<uint32_t>>& copies,
                                     std::function<void()> done) {
  const CollectiveAlgo algo = resolve_algorithm(call, net_);
  ++started_;
  ++algorithms_[static_cast<size_t>(algo)];
  auto r = std::make_shared<Run>();
  r->phases = expand_collective(call, algo, net_);
  r->done = std::move(done);
  if (r->phases.empty()) {  // a group of one: nothing to move
    events_.after(0, std::move(r->done));
    return algo;
  }

  if (!copies.empty()) {
    for (const auto& copy : copies)
      if (copy.size() != call.npus.size())
        throw InternalError("collective copy group of " + std::to_string(copy.size()) +
                            " NPUs for a group of " + std::to_string(call.npus.size()));
    for (uint32_t i = 0; i < call.npus.size(); ++i) r->position.emplace(call.npus[i], i);
    std::vector<std::vector<uint32_t>> key;
    key.reserve(copies.size() + 1);
    key.push_back(call.npus);
    key.insert(key.end(), copies.begin(), copies.end());
    const auto [it, fresh] = layouts_.emplace(std::move(key), static_cast<uint32_t>(paths_.size()));
    if (fresh) paths_.emplace_back();
    r->layout = it->second;
    r->copies = copies;
  }

  size_t cached = 0;
  for (const auto& c : paths_) cached += c.size();
  if (cached > kMaxCachedPaths)
    for (auto& c : paths_) c.clear();

  start_phase(r);
  return algo;
}

void CollectiveRunner::start_phase(const std::shared_ptr<Run>& r) {
  if (r->next == r->phases.size()) {
    events_.after(0, std::move(r->done));
    return;
  }
  const Phase& phase = r->phases[r->next++];
  if (phase.flows.empty()) {
    events_.after(0, [this, r] { start_phase(r); });
    return;
  }
  r->outstanding = phase.flows.size();
  for (const FlowSpec& f : phase.flows) {
    const Path& p = path(f.src, f.dst, r->layout, *r);
    flows_.start(p.uses, f.bytes, p.latency_ps * phase.latency_steps, [this, r] {
      if (--r->outstanding == 0) start_phase(r);
    });
  }
}

}  // namespace npusim
