#include "sim/sched/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <unordered_map>

#include "sim/base/error.h"

namespace npusim::sched {
namespace {

using Ps = uint64_t;  // picoseconds
constexpr Ps kNever = std::numeric_limits<Ps>::max();
constexpr uint32_t kNoNpu = std::numeric_limits<uint32_t>::max();
constexpr double kPsPerS = 1e12;
constexpr double kMaxSeconds = 1.8e7;  // 2^64 ps is 213 days

Ps to_ps(double s) {
  if (!(s >= 0) || s > kMaxSeconds)
    throw InputError(fmt::format("simulated time {:.6g} s is out of range (expected 0 .. {:.3g} s, 2^64 ps)", s, kMaxSeconds));
  return static_cast<Ps>(std::llround(s * kPsPerS));
}
double to_s(Ps t) { return static_cast<double>(t) / kPsPerS; }

enum class Phase : uint8_t { future, pending, running, saving, done };

struct JobState {
  Phase phase = Phase::future;
  uint32_t ref_pool = 0;
  double work_s = 0;
  double done_s = 0;       // progress, reference seconds
  double base_speed = 0;   // on the placement, without co-location
  double speed = 0;        // reference seconds per second now
  Ps ready_at = 0;         // progress starts (after a restore)
  Ps last = 0;             // progress banked up to here
  Ps finish_at = kNever;
  uint32_t version = 0;
  Ps pending_since = 0;
  double queue_s = 0;
  double attained_npu_s = 0;  // banked
  Ps run_since = 0;
  Ps held_since = 0;
  double held_s = 0;
  double first_start_s = -1;
  double finish_s = 0;
  bool restore = false;
  uint32_t preemptions = 0;
  uint32_t finishes = 0;
  uint32_t running_pos = 0;
  double held_npus = 0;  // for attained service
  double active_at_submit = 0;
  double active_at_finish = 0;
  Placement placement;
};

struct Event {
  Ps t;
  uint8_t kind;  // 0 finish, 1 checkpoint saved
  JobId j;
  uint32_t version;
  bool operator>(const Event& o) const { return std::tie(t, kind, j) > std::tie(o.t, o.kind, o.j); }
};

class Engine final : public SchedContext {
 public:
  Engine(const Fleet& fleet, const JobTrace& trace, Policy& policy, SpeedModel& speed, const EngineOptions& o)
      : fleet_(fleet), trace_(trace), policy_(policy), model_(speed), opt_(o), jobs_(trace.jobs.size()) {
    build_topology();
    price_jobs();
  }

  SchedResult run(const std::string& policy_name);

  // ---- SchedContext ----
  double now_s() const override { return to_s(now_); }
  const Fleet& fleet() const override { return fleet_; }
  const Job& job(JobId j) const override { return trace_.jobs[j]; }
  double work_s(JobId j) const override { return jobs_[j].work_s; }
  double remaining_s(JobId j) const override {
    const JobState& s = jobs_[j];
    double done = s.done_s;
    if (s.phase == Phase::running) {
      const Ps from = std::max(s.last, s.ready_at);
      if (now_ > from) done += to_s(now_ - from) * s.speed;
    }
    return std::max(0.0, s.work_s - done);
  }
  double attained_npu_s(JobId j) const override {
    const JobState& s = jobs_[j];
    return s.attained_npu_s + (s.phase == Phase::running ? s.held_npus * to_s(now_ - s.run_since) : 0);
  }
  const std::vector<JobId>& running() const override { return running_; }
  double run_started_s(JobId j) const override { return to_s(jobs_[j].run_since); }
  const Placement& placement(JobId j) const override { return jobs_[j].placement; }
  uint32_t free_npus(uint32_t pool) const override { return pool_free_.at(pool); }
  uint32_t free_npus() const override { return total_free_; }
  uint32_t npus_needed(JobId j) const override { return trace_.jobs[j].whole_npus(); }
  double expected_end_s(JobId j) const override {
    const JobState& s = jobs_[j];
    return s.phase == Phase::running ? to_s(s.finish_at) : now_s() + remaining_s(j);
  }
  std::optional<Placement> place(JobId j, uint32_t pool, Fit fit, bool share) const override;
  double speed(JobId j, const Shape& shape) const override;
  void start(JobId j, const Placement& p) override;
  void preempt(JobId j) override;

 private:
  void build_topology();
  void price_jobs();
  void book(JobId j, const Placement& p);
  void release(JobId j);
  void bank(JobState& s);
  void reschedule(JobId j);
  void update_colocated(uint32_t npu, JobId except);
  double colocation_factor(JobId j) const;
  void integrate(Ps to);
  void finish(JobId j);
  void audit() const;
  void end_checks() const;
  [[nodiscard]] uint32_t node_partial_free(uint32_t node) const {
    const uint32_t f = node_free_[node];
    return f > 0 && f < node_npus_[node] ? f : 0;
  }
  void set_used(uint32_t npu, int delta);
  [[noreturn]] void job_error(JobId j, const std::string& what) const {
    throw InputError(SourcePos{trace_.path, trace_.jobs[j].line, 0}, "job " + trace_.jobs[j].id + ": " + what);
  }

  const Fleet& fleet_;
  const JobTrace& trace_;
  Policy& policy_;
  SpeedModel& model_;
  EngineOptions opt_;
  std::vector<JobState> jobs_;
  std::vector<JobId> running_;
  uint32_t saving_ = 0;
  uint32_t pending_ = 0;
  uint64_t finished_ = 0;
  Ps now_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t event_count_ = 0;
  uint64_t preemptions_ = 0;

  // Topology and bookings.
  std::vector<uint8_t> used_;             // tenths per NPU
  std::vector<uint32_t> npu_node_;        // NPU -> node
  std::vector<uint32_t> node_first_, node_npus_, node_pod_, node_pool_, node_free_;
  std::vector<uint32_t> pool_first_node_, pool_free_, pool_busy_;
  uint32_t total_free_ = 0;
  uint32_t partial_free_ = 0;   // free NPUs on partly used nodes
  uint64_t allocated_tenths_ = 0;
  std::unordered_map<uint32_t, std::vector<JobId>> tenants_;  // shared NPUs only
  std::vector<double> busy_w_;
  std::map<std::pair<uint32_t, Shape>, double> duration_speed_;  // (ref pool, shape) -> speed

  // Integrals.
  double allocated_npu_s_ = 0, free_npu_s_ = 0, fragmented_npu_s_ = 0;
  double busy_energy_j_ = 0, idle_energy_j_ = 0;
  double active_integral_ = 0;
  std::vector<SeriesPoint> series_;
};

void Engine::build_topology() {
  const uint32_t n = fleet_.npus();
  used_.assign(n, 0);
  npu_node_.resize(n);
  uint32_t pods = 0;
  for (const Pool& p : fleet_.pools) {
    pool_first_node_.push_back(static_cast<uint32_t>(node_first_.size()));
    for (uint32_t k = 0; k < p.nodes; ++k) {
      const uint32_t node = static_cast<uint32_t>(node_first_.size());
      node_first_.push_back(p.first_npu + k * p.npus_per_node);
      node_npus_.push_back(p.npus_per_node);
      node_pod_.push_back(pods + k / p.nodes_per_pod);
      node_pool_.push_back(static_cast<uint32_t>(pool_first_node_.size() - 1));
      node_free_.push_back(p.npus_per_node);
      for (uint32_t i = 0; i < p.npus_per_node; ++i) npu_node_[node_first_.back() + i] = node;
    }
    pods += p.pods();
    pool_free_.push_back(p.npus());
    pool_busy_.push_back(0);
  }
  pool_first_node_.push_back(static_cast<uint32_t>(node_first_.size()));
  total_free_ = n;
  for (uint32_t p = 0; p < fleet_.pools.size(); ++p) busy_w_.push_back(model_.busy_w_per_npu(p));
}

void Engine::price_jobs() {
  uint32_t largest = 0;
  for (const Pool& p : fleet_.pools) largest = std::max(largest, p.npus());
  for (JobId j = 0; j < jobs_.size(); ++j) {
    const Job& job = trace_.jobs[j];
    JobState& s = jobs_[j];
    if (!job.chip.empty()) {
      const auto pool = fleet_.pool_index(job.chip);
      if (!pool) {
        std::vector<std::string> names;
        for (const Pool& p : fleet_.pools) names.push_back(p.name);
        job_error(j, "chip '" + job.chip + "' is not a pool or chip of fleet " + fleet_.name +
                         " (expected one of: " + fmt::format("{}", fmt::join(names, ", ")) + ")");
      }
      s.ref_pool = static_cast<uint32_t>(*pool);
    }
    const uint32_t need = job.whole_npus();
    if (need > fleet_.pools[s.ref_pool].npus())
      job_error(j, fmt::format("needs {} NPUs but its reference pool {} has {} (largest pool: {})", need,
                               fleet_.pools[s.ref_pool].name, fleet_.pools[s.ref_pool].npus(), largest));
    try {
      s.work_s = model_.run_s(job, s.ref_pool, packed_shape(fleet_, s.ref_pool, need));
    } catch (const InputError& e) {
      job_error(j, e.what());
    }
    if (!(s.work_s > 0) || s.work_s > kMaxSeconds) job_error(j, fmt::format("run time {:.6g} s out of range", s.work_s));
  }
}

void Engine::set_used(uint32_t npu, int delta) {
  const uint32_t node = npu_node_[npu];
  const uint32_t pool = node_pool_[node];
  const int before = used_[npu];
  const int after = before + delta;
  if (after < 0 || after > static_cast<int>(kTenthsPerNpu))
    throw InternalError(fmt::format("NPU {} booked to {} tenths (double-booked or released twice)", npu, after));
  used_[npu] = static_cast<uint8_t>(after);
  if ((before == 0) != (after == 0)) {
    partial_free_ -= node_partial_free(node);
    if (after > 0) {
      --node_free_[node];
      --pool_free_[pool];
      --total_free_;
      ++pool_busy_[pool];
    } else {
      ++node_free_[node];
      ++pool_free_[pool];
      ++total_free_;
      --pool_busy_[pool];
    }
    partial_free_ += node_partial_free(node);
  }
}

std::optional<Placement> Engine::place(JobId j, uint32_t pool, Fit fit, bool share) const {
  const Job& job = trace_.jobs[j];
  const Pool& p = fleet_.pools.at(pool);
  const uint32_t first = pool_first_node_[pool], last = pool_first_node_[pool + 1];
  Placement out;
  out.pool = pool;
  if (share && job.fractional()) {
    // Best fit on an NPU already shared, else a free NPU on the fullest node with room.
    uint32_t best = kNoNpu, best_used = 0;
    for (uint32_t g = p.first_npu; g < p.first_npu + p.npus(); ++g) {
      const uint32_t u = used_[g];
      if (u > 0 && u + job.tenths <= kTenthsPerNpu && u > best_used && tenants_.contains(g)) {
        best = g;
        best_used = u;
      }
    }
    if (best == kNoNpu) {
      uint32_t node = kNoNpu;
      for (uint32_t n = first; n < last; ++n)
        if (node_free_[n] > 0 && (node == kNoNpu || node_free_[n] < node_free_[node])) node = n;
      if (node == kNoNpu) return std::nullopt;
      for (uint32_t g = node_first_[node]; g < node_first_[node] + node_npus_[node]; ++g)
        if (used_[g] == 0) {
          best = g;
          break;
        }
    }
    out.slots.emplace_back(best, static_cast<uint8_t>(job.tenths));
    out.nodes = out.pods = 1;
    return out;
  }
  const uint32_t need = job.whole_npus();
  if (pool_free_[pool] < need) return std::nullopt;
  std::vector<uint32_t> nodes;  // chosen nodes, in the order NPUs are taken
  if (fit == Fit::first) {
    uint32_t got = 0;
    for (uint32_t n = first; n < last && got < need; ++n)
      if (node_free_[n] > 0) {
        nodes.push_back(n);
        got += node_free_[n];
      }
  } else if (need <= p.npus_per_node) {
    uint32_t best = kNoNpu;
    for (uint32_t n = first; n < last; ++n)
      if (node_free_[n] >= need && (best == kNoNpu || node_free_[n] < node_free_[best])) best = n;
    if (best != kNoNpu) nodes.push_back(best);
  }
  if (fit == Fit::packed && nodes.empty()) {
    // Fewest nodes: inside the pod with the least free room that still fits, else anywhere.
    std::map<uint32_t, uint32_t> pod_free;
    for (uint32_t n = first; n < last; ++n) pod_free[node_pod_[n]] += node_free_[n];
    uint32_t pod = kNoNpu, pod_room = 0;
    for (const auto& [id, room] : pod_free)
      if (room >= need && (pod == kNoNpu || room < pod_room)) {
        pod = id;
        pod_room = room;
      }
    std::vector<uint32_t> cand;
    for (uint32_t n = first; n < last; ++n)
      if (node_free_[n] > 0 && (pod == kNoNpu || node_pod_[n] == pod)) cand.push_back(n);
    std::stable_sort(cand.begin(), cand.end(), [&](uint32_t a, uint32_t b) { return node_free_[a] > node_free_[b]; });
    uint32_t got = 0;
    for (uint32_t n : cand) {
      if (got >= need) break;
      nodes.push_back(n);
      got += node_free_[n];
    }
  }
  uint32_t got = 0;
  std::vector<uint32_t> pods;
  for (uint32_t n : nodes) {
    for (uint32_t g = node_first_[n]; g < node_first_[n] + node_npus_[n] && got < need; ++g)
      if (used_[g] == 0) {
        out.slots.emplace_back(g, static_cast<uint8_t>(kTenthsPerNpu));
        ++got;
      }
    if (std::find(pods.begin(), pods.end(), node_pod_[n]) == pods.end()) pods.push_back(node_pod_[n]);
  }
  if (got < need) return std::nullopt;
  out.nodes = static_cast<uint32_t>(nodes.size());
  out.pods = static_cast<uint32_t>(pods.size());
  return out;
}

double Engine::speed(JobId j, const Shape& shape) const {
  const Job& job = trace_.jobs[j];
  const JobState& s = jobs_[j];
  auto& self = const_cast<Engine&>(*this);  // caches only
  if (job.model.empty()) {
    const auto key = std::make_pair(s.ref_pool, shape);
    if (const auto it = duration_speed_.find(key); it != duration_speed_.end()) return it->second;
    const double v = s.work_s / self.model_.run_s(job, s.ref_pool, shape);
    self.duration_speed_.emplace(key, v);
    return v;
  }
  return s.work_s / self.model_.run_s(job, s.ref_pool, shape);
}

double Engine::colocation_factor(JobId j) const {
  const JobState& s = jobs_[j];
  if (s.placement.slots.size() != 1 || s.placement.slots[0].second >= kTenthsPerNpu) return 1;
  const uint32_t npu = s.placement.slots[0].first;
  const uint32_t others = used_[npu] - s.placement.slots[0].second;
  return 1.0 / (1.0 + opt_.interference * others / double(kTenthsPerNpu));
}

void Engine::bank(JobState& s) {
  const Ps from = std::max(s.last, s.ready_at);
  if (now_ > from) s.done_s += to_s(now_ - from) * s.speed;
  s.last = now_;
}

void Engine::reschedule(JobId j) {
  JobState& s = jobs_[j];
  const double left = std::max(0.0, s.work_s - s.done_s);
  s.finish_at = std::max(now_, s.ready_at) + to_ps(left / s.speed);
  ++s.version;
  events_.push(Event{s.finish_at, 0, j, s.version});
}

void Engine::update_colocated(uint32_t npu, JobId except) {
  const auto it = tenants_.find(npu);
  if (it == tenants_.end()) return;
  for (JobId other : it->second) {
    if (other == except || jobs_[other].phase != Phase::running) continue;
    JobState& s = jobs_[other];
    bank(s);
    s.speed = s.base_speed * colocation_factor(other);
    reschedule(other);
  }
}

void Engine::book(JobId j, const Placement& p) {
  for (const auto& [npu, tenths] : p.slots) {
    if (p.pool >= fleet_.pools.size() || npu < fleet_.pools[p.pool].first_npu ||
        npu >= fleet_.pools[p.pool].first_npu + fleet_.pools[p.pool].npus())
      throw InternalError(fmt::format("placement of job {} names NPU {} outside pool {}", trace_.jobs[j].id, npu, p.pool));
    set_used(npu, tenths);
    allocated_tenths_ += tenths;
    if (tenths < kTenthsPerNpu) tenants_[npu].push_back(j);
  }
}

void Engine::release(JobId j) {
  const Placement& p = jobs_[j].placement;
  for (const auto& [npu, tenths] : p.slots) {
    set_used(npu, -static_cast<int>(tenths));
    allocated_tenths_ -= tenths;
    if (tenths < kTenthsPerNpu) {
      auto& list = tenants_[npu];
      list.erase(std::find(list.begin(), list.end(), j));
      if (list.empty()) tenants_.erase(npu);
      else update_colocated(npu, j);
    }
  }
}

void Engine::start(JobId j, const Placement& p) {
  JobState& s = jobs_[j];
  if (s.phase != Phase::pending)
    throw InternalError(fmt::format("policy started job {} which is not waiting", trace_.jobs[j].id));
  const Job& job = trace_.jobs[j];
  uint32_t tenths = 0;
  for (const auto& slot : p.slots) tenths += slot.second;
  const uint32_t want = job.fractional() && p.slots.size() == 1 && p.slots[0].second < kTenthsPerNpu
                            ? job.tenths
                            : job.whole_npus() * kTenthsPerNpu;
  if (tenths != want || p.slots.empty())
    throw InternalError(fmt::format("placement of job {} holds {} tenths, expected {}", job.id, tenths, want));
  book(j, p);
  s.placement = p;
  s.phase = Phase::running;
  --pending_;
  s.queue_s += to_s(now_ - s.pending_since);
  if (s.first_start_s < 0) s.first_start_s = now_s();
  s.held_npus = tenths / double(kTenthsPerNpu);
  s.run_since = now_;
  s.held_since = now_;
  s.last = now_;
  s.ready_at = now_ + (s.restore ? to_ps(model_.checkpoint_s(job, shape_of(p))) : 0);
  s.base_speed = speed(j, shape_of(p));
  if (!(s.base_speed > 0)) throw InternalError("job speed is not positive");
  s.speed = s.base_speed * colocation_factor(j);
  s.running_pos = static_cast<uint32_t>(running_.size());
  running_.push_back(j);
  reschedule(j);
  if (p.slots.size() == 1 && p.slots[0].second < kTenthsPerNpu) update_colocated(p.slots[0].first, j);
  policy_.on_start(*this, j);
}

void Engine::preempt(JobId j) {
  JobState& s = jobs_[j];
  if (s.phase != Phase::running)
    throw InternalError(fmt::format("policy preempted job {} which is not running", trace_.jobs[j].id));
  bank(s);
  s.attained_npu_s += s.held_npus * to_s(now_ - s.run_since);
  s.phase = Phase::saving;
  ++s.version;  // drops its finish event
  ++s.preemptions;
  ++preemptions_;
  s.restore = true;
  const JobId moved = running_.back();
  running_[s.running_pos] = moved;
  jobs_[moved].running_pos = s.running_pos;
  running_.pop_back();
  ++saving_;
  events_.push(Event{now_ + to_ps(model_.checkpoint_s(trace_.jobs[j], shape_of(s.placement))), 1, j, s.version});
}

void Engine::finish(JobId j) {
  JobState& s = jobs_[j];
  bank(s);
  const double tolerance = 1e-9 * s.work_s + 1e-6;
  if (std::abs(s.done_s - s.work_s) > tolerance)
    throw InternalError(fmt::format("job {} finished with {:.9g} s of {:.9g} s of work done", trace_.jobs[j].id,
                                    s.done_s, s.work_s));
  s.done_s = s.work_s;
  s.attained_npu_s += s.held_npus * to_s(now_ - s.run_since);
  s.held_s += to_s(now_ - s.held_since);
  const JobId moved = running_.back();
  running_[s.running_pos] = moved;
  jobs_[moved].running_pos = s.running_pos;
  running_.pop_back();
  release(j);
  s.phase = Phase::done;
  s.finish_s = now_s();
  s.active_at_finish = active_integral_;
  ++s.finishes;
  ++finished_;
}

void Engine::integrate(Ps to) {
  if (to <= now_) return;
  const double dt = to_s(to - now_);
  allocated_npu_s_ += dt * static_cast<double>(allocated_tenths_) / kTenthsPerNpu;
  free_npu_s_ += dt * total_free_;
  fragmented_npu_s_ += dt * partial_free_;
  for (size_t p = 0; p < fleet_.pools.size(); ++p) {
    const Pool& pool = fleet_.pools[p];
    busy_energy_j_ += dt * pool_busy_[p] * busy_w_[p] * pool.pue;
    idle_energy_j_ += dt * (pool.npus() - pool_busy_[p]) * pool.idle_w_per_npu * pool.pue;
  }
  active_integral_ += dt * static_cast<double>(pending_ + running_.size() + saving_);
}

void Engine::audit() const {
  std::vector<uint32_t> used(used_.size(), 0);
  uint64_t tenths = 0;
  for (JobId j = 0; j < jobs_.size(); ++j) {
    const JobState& s = jobs_[j];
    if (s.phase != Phase::running && s.phase != Phase::saving) continue;
    for (const auto& [npu, t] : s.placement.slots) {
      used[npu] += t;
      tenths += t;
    }
  }
  for (uint32_t g = 0; g < used.size(); ++g)
    if (used[g] != used_[g] || used[g] > kTenthsPerNpu)
      throw InternalError(fmt::format("NPU {} holds {} tenths by the jobs' placements, {} by the books", g, used[g], used_[g]));
  if (tenths != allocated_tenths_) throw InternalError("allocated tenths disagree with the placements");
  uint32_t free = 0, partial = 0;
  for (uint32_t n = 0; n < node_free_.size(); ++n) {
    uint32_t f = 0;
    for (uint32_t g = node_first_[n]; g < node_first_[n] + node_npus_[n]; ++g) f += used_[g] == 0;
    if (f != node_free_[n]) throw InternalError(fmt::format("node {} free count {} != {}", n, node_free_[n], f));
    free += f;
    partial += node_partial_free(n);
  }
  if (free != total_free_ || partial != partial_free_) throw InternalError("free NPU counts disagree with the books");
  for (size_t i = 0; i < running_.size(); ++i)
    if (jobs_[running_[i]].phase != Phase::running || jobs_[running_[i]].running_pos != i)
      throw InternalError("running list is inconsistent");
}

void Engine::end_checks() const {
  double work = 0, done = 0;
  for (JobId j = 0; j < jobs_.size(); ++j) {
    const JobState& s = jobs_[j];
    if (s.phase != Phase::done || s.finishes != 1)
      throw InternalError(fmt::format("job {} finished {} times", trace_.jobs[j].id, s.finishes));
    if (s.first_start_s + 1e-9 < trace_.jobs[j].submit_s)
      throw InternalError(fmt::format("job {} started before it arrived", trace_.jobs[j].id));
    work += s.work_s;
    done += s.done_s;
  }
  if (std::abs(work - done) > 1e-9 * work + 1e-6) throw InternalError("total work not preserved");
  if (total_free_ != fleet_.npus() || allocated_tenths_ != 0 || !tenants_.empty())
    throw InternalError("NPUs still booked after the last job finished");
}

SchedResult Engine::run(const std::string& policy_name) {
  const auto wall0 = std::chrono::steady_clock::now();
  const size_t n = jobs_.size();
  std::vector<Ps> arrival(n);
  for (size_t j = 0; j < n; ++j) arrival[j] = to_ps(trace_.jobs[j].submit_s);
  const double round_s = policy_.round_s();
  const Ps round = round_s > 0 ? to_ps(round_s) : 0;
  size_t next = 0;
  uint64_t decisions = 0;
  while (finished_ < n) {
    while (!events_.empty() && events_.top().version != jobs_[events_.top().j].version) events_.pop();
    Ps t = next < n ? arrival[next] : kNever;
    if (!events_.empty()) t = std::min(t, events_.top().t);
    if (round > 0 && pending_ > 0) t = std::min(t, (now_ / round + 1) * round);
    if (t == kNever)
      throw InternalError(fmt::format("policy {} stalled at {:.3f} s with {} jobs waiting and nothing running",
                                      policy_name, now_s(), pending_));
    integrate(t);
    now_ = t;
    while (!events_.empty() && events_.top().t == now_) {
      const Event e = events_.top();
      events_.pop();
      if (e.version != jobs_[e.j].version) continue;
      ++event_count_;
      JobState& s = jobs_[e.j];
      if (e.kind == 0) {
        finish(e.j);
      } else {
        s.held_s += to_s(now_ - s.held_since);
        release(e.j);
        s.phase = Phase::pending;
        s.pending_since = now_;
        ++pending_;
        --saving_;
        policy_.on_pending(*this, e.j);
      }
    }
    while (next < n && arrival[next] == now_) {
      JobState& s = jobs_[next];
      s.phase = Phase::pending;
      s.pending_since = now_;
      s.active_at_submit = active_integral_;
      ++pending_;
      ++event_count_;
      policy_.on_pending(*this, static_cast<JobId>(next));
      ++next;
    }
    policy_.schedule(*this);
    ++decisions;
    if (opt_.check) audit();
    if (opt_.series)
      series_.push_back(SeriesPoint{now_s(), static_cast<double>(allocated_tenths_) / kTenthsPerNpu,
                                    fleet_.npus() - total_free_, pending_,
                                    static_cast<uint32_t>(running_.size()) + saving_});
    if (pending_ > 0 && running_.empty() && saving_ == 0 && next >= n)
      throw InternalError(fmt::format("policy {} stalled at {:.3f} s with {} jobs waiting and nothing running",
                                      policy_name, now_s(), pending_));
  }
  end_checks();

  SchedResult r;
  r.policy = policy_name;
  r.fleet = fleet_.name;
  r.trace = trace_.path;
  r.fleet_npus = fleet_.npus();
  r.makespan_s = now_s();
  r.allocated_npu_s = allocated_npu_s_;
  r.free_npu_s = free_npu_s_;
  r.fragmented_npu_s = fragmented_npu_s_;
  r.busy_energy_j = busy_energy_j_;
  r.idle_energy_j = idle_energy_j_;
  r.events = event_count_;
  r.decisions = decisions;
  r.preemptions = preemptions_;
  r.series = std::move(series_);
  r.jobs.resize(n);
  for (JobId j = 0; j < n; ++j) {
    const JobState& s = jobs_[j];
    const Job& job = trace_.jobs[j];
    JobRecord& rec = r.jobs[j];
    rec.index = j;
    rec.submit_s = job.submit_s;
    rec.start_s = s.first_start_s;
    rec.finish_s = s.finish_s;
    rec.queue_s = s.queue_s;
    rec.work_s = s.work_s;
    rec.held_s = s.held_s;
    rec.jct_s = s.finish_s - job.submit_s;
    rec.slowdown = rec.jct_s / s.work_s;
    const double contenders = rec.jct_s > 0 ? (s.active_at_finish - s.active_at_submit) / rec.jct_s : 1;
    const double isolated = s.work_s * std::max(1.0, contenders * job.npus() / r.fleet_npus);
    rec.ftf = rec.jct_s / isolated;
    rec.preemptions = s.preemptions;
    rec.pool = s.placement.pool;
    rec.nodes = s.placement.nodes;
    rec.pods = s.placement.pods;
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace

SchedResult run_schedule(const Fleet& fleet, const JobTrace& trace, Policy& policy, const std::string& policy_name,
                         SpeedModel& speed, const EngineOptions& options) {
  if (trace.jobs.empty()) throw InputError(trace.path + ": no jobs");
  if (!(options.interference >= 0)) throw InputError("--interference must be >= 0");
  Engine engine(fleet, trace, policy, speed, options);
  return engine.run(policy_name);
}

}  // namespace npusim::sched
