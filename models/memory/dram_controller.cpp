#include "models/memory/dram_controller.h"

#include <algorithm>

namespace npusim {

DramController::DramController(uint32_t channel, const DramGeometry& g, const DramTiming& t,
                               const DramControllerConfig& c, uint32_t refresh_index,
                               uint32_t refresh_total, DramStats& stats)
    : channel_(channel),
      g_(g),
      t_(t),
      c_(c),
      scheduler_(make_dram_scheduler(c.scheduler)),
      refresh_(g.pseudo_channels, c.refresh == RefreshMode::all_bank ? t.refi : 0, refresh_index,
               refresh_total),
      stats_(stats),
      pcs_(g.pseudo_channels, DramBankState(g, t)),
      queues_(g.pseudo_channels),
      refreshing_(g.pseudo_channels, 0),
      prea_at_(g.pseudo_channels, kNever),
      views_(size_t(g.pseudo_channels) * g.banks()),
      wake_(refresh_.next_due()) {
  for (Queues& q : queues_) {
    q.reads.reserve(c.read_queue_depth);
    q.writes.reserve(c.write_queue_depth);
  }
  candidates_.reserve(size_t(g.pseudo_channels) *
                      std::max(c.read_queue_depth, c.write_queue_depth));
}

uint32_t DramController::room(uint32_t pc, bool write) const {
  const Queues& q = queues_[pc];
  return write ? c_.write_queue_depth - static_cast<uint32_t>(q.writes.size())
               : c_.read_queue_depth - static_cast<uint32_t>(q.reads.size());
}

void DramController::enqueue(const DramBurst& burst, uint64_t now) {
  Queues& q = queues_[burst.pseudo_channel];
  (burst.write ? q.writes : q.reads).push_back(burst);
  (burst.write ? q.writes : q.reads).back().seq = next_seq_++;
  ++queued_;
  wake_ = std::min(wake_, now);
}

void DramController::record(uint64_t cycle, DramCommand cmd, uint32_t pc, uint32_t bank,
                            uint32_t row, uint32_t column, bool auto_pre) {
  if (log == nullptr) return;
  const Queues& q = queues_[pc];
  log->push_back({cycle, cmd, auto_pre, channel_, pc, bank / g_.banks_per_group,
                  bank % g_.banks_per_group, row, column, static_cast<uint32_t>(q.reads.size()),
                  static_cast<uint32_t>(q.writes.size())});
}

void DramController::update_mode(uint32_t pc) {
  // Writes wait in their queue until the high watermark (or until no read waits), then drain
  // down to the low watermark while reads wait (or until the write queue is empty).
  Queues& q = queues_[pc];
  if (q.writing) {
    if (q.writes.empty() || (q.writes.size() <= c_.write_low_watermark && !q.reads.empty()))
      q.writing = false;
  } else if (q.writes.size() >= c_.write_high_watermark ||
             (q.reads.empty() && !q.writes.empty())) {
    q.writing = true;
    ++stats_.write_drains;
  }
}

bool DramController::refresh(uint64_t now) {
  bool used_bus = false;
  for (uint32_t pc = 0; pc < g_.pseudo_channels; ++pc) {
    prea_at_[pc] = kNever;
    if (!refreshing_[pc]) {
      if (!refresh_.due(pc, now)) continue;
      refreshing_[pc] = 1;  // from now on the pseudo-channel takes no new ACT, RD or WR
    }
    DramBankState& st = pcs_[pc];
    if (used_bus || row_bus_free_ > now) {
      wake_ = std::min(wake_, std::max(row_bus_free_, now + 1));
      continue;
    }
    if (st.all_closed()) {
      const uint64_t at = st.earliest(DramCommand::ref, 0);
      if (at > now) {
        wake_ = std::min(wake_, at);
        continue;
      }
      record(now, DramCommand::ref, pc, 0, 0, 0, false);
      st.issue(DramCommand::ref, 0, 0, now);
      ++stats_.refreshes;
      refresh_.done(pc);
      refreshing_[pc] = 0;
      row_bus_free_ = now + 1;
      used_bus = true;
      continue;
    }
    // Precharge all (PREA) once every open bank may close.
    uint64_t all_at = 0;
    for (uint32_t b = 0; b < g_.banks(); ++b)
      if (st.is_open(b)) all_at = std::max(all_at, st.earliest(DramCommand::pre, b));
    if (all_at > now) {
      prea_at_[pc] = all_at;  // row hits that do not delay it may still issue
      wake_ = std::min(wake_, all_at);
      continue;
    }
    for (uint32_t b = 0; b < g_.banks(); ++b) {
      if (!st.is_open(b)) continue;
      record(now, DramCommand::pre, pc, b, st.open_row(b), 0, false);
      st.issue(DramCommand::pre, b, 0, now);
      ++stats_.precharges;
    }
    row_bus_free_ = now + 1;
    used_bus = true;
  }
  return used_bus;
}

void DramController::build_candidates(uint64_t now) {
  candidates_.clear();
  ++stamp_;
  for (uint32_t pc = 0; pc < g_.pseudo_channels; ++pc) {
    // A pseudo-channel owing a refresh takes no ACT or PRE, and only row hits that leave its
    // precharge-all where it is.
    const bool refreshing = refreshing_[pc] != 0;
    if (refreshing && prea_at_[pc] == kNever) continue;
    const std::vector<DramBurst>& queue = queues_[pc].active();
    const DramBankState& st = pcs_[pc];
    BankView* view = &views_[size_t(pc) * g_.banks()];
    // What each touched bank offers this cycle, computed once per bank.
    for (const DramBurst& b : queue) {
      BankView& v = view[b.bank];
      if (v.stamp == stamp_) {
        v.hit |= v.open && v.row == b.row;
        continue;
      }
      v.stamp = stamp_;
      v.open = st.is_open(b.bank);
      v.row = st.open_row(b.bank);
      v.hit = v.open && v.row == b.row;
      if (v.open) {
        v.pre = std::max(st.earliest(DramCommand::pre, b.bank), row_bus_free_);
        v.rd = std::max(st.earliest(DramCommand::rd, b.bank), column_bus_free_);
        v.wr = std::max(st.earliest(DramCommand::wr, b.bank), column_bus_free_);
      } else {
        v.act = std::max(st.earliest(DramCommand::act, b.bank), row_bus_free_);
      }
    }
    for (uint32_t i = 0; i < queue.size(); ++i) {
      const DramBurst& b = queue[i];
      const BankView& v = view[b.bank];
      DramCandidate k;
      k.pseudo_channel = pc;
      k.index = i;
      k.seq = b.seq;
      if (!v.open) {
        if (refreshing) continue;
        k.command = DramCommand::act;
        k.ready = v.act;
      } else if (v.row == b.row) {
        k.command = b.write ? DramCommand::wr : DramCommand::rd;
        k.ready = b.write ? v.wr : v.rd;
        if (refreshing &&
            std::max(k.ready, now) + (b.write ? t_.wr_to_pre() : t_.rtp) > prea_at_[pc])
          continue;
      } else {
        if (refreshing) continue;
        k.command = DramCommand::pre;
        k.ready = v.pre;
        k.closes_wanted_row = v.hit;
      }
      candidates_.push_back(k);
    }
  }
}

bool DramController::row_wanted(const DramBurst& burst) const {
  const auto same_row = [&](const DramBurst& o) { return o.bank == burst.bank && o.row == burst.row; };
  const Queues& q = queues_[burst.pseudo_channel];
  return std::any_of(q.reads.begin(), q.reads.end(), same_row) ||
         std::any_of(q.writes.begin(), q.writes.end(), same_row);
}

void DramController::issue_column(const DramCandidate& k, uint64_t now, DramBurstSink& sink) {
  std::vector<DramBurst>& queue = queues_[k.pseudo_channel].active();
  const DramBurst burst = queue[k.index];
  record(now, burst.write ? DramCommand::wr : DramCommand::rd, burst.pseudo_channel, burst.bank,
         burst.row, burst.column, false);
  queue.erase(queue.begin() + k.index);
  --queued_;
  // Closed page: the access auto-precharges (RDA/WRA) unless another queued burst wants the row.
  const bool auto_pre = c_.page_policy == PagePolicy::closed && !row_wanted(burst);
  const uint64_t pre_at = pcs_[burst.pseudo_channel].issue(
      burst.write ? DramCommand::wr : DramCommand::rd, burst.bank, burst.row, now, auto_pre);
  if (auto_pre) {
    ++stats_.precharges;
    record(pre_at, DramCommand::pre, burst.pseudo_channel, burst.bank, burst.row, 0, true);
  }
  column_bus_free_ = now + 1;
  if (burst.write) {
    ++stats_.writes;
    stats_.write_bytes += g_.burst_bytes;
    sink.burst_issued(burst, now + t_.write_latency());
  } else {
    ++stats_.reads;
    stats_.read_bytes += g_.burst_bytes;
    sink.burst_issued(burst, now + t_.read_latency());
  }
}

void DramController::issue_row(const DramBurst& b, DramCommand cmd, uint64_t now) {
  DramBankState& st = pcs_[b.pseudo_channel];
  record(now, cmd, b.pseudo_channel, b.bank, cmd == DramCommand::act ? b.row : st.open_row(b.bank),
         0, false);
  st.issue(cmd, b.bank, b.row, now);
  if (cmd == DramCommand::act) {
    ++stats_.activates;
    row_bus_free_ = now + t_.act_cycles;
  } else {
    ++stats_.precharges;
    row_bus_free_ = now + 1;
  }
}

void DramController::tick(uint64_t now, DramBurstSink& sink) {
  wake_ = kNever;
  const bool row_bus_taken = refresh(now);
  for (uint32_t pc = 0; pc < g_.pseudo_channels; ++pc) {
    if (!refreshing_[pc]) wake_ = std::min(wake_, refresh_.due_at(pc));
    update_mode(pc);
  }
  build_candidates(now);
  DramChoice choice = scheduler_->choose(candidates_, now);
  if (row_bus_taken) choice.row = -1;
  // The row command's burst is copied before the column command may shift its queue.
  DramBurst row_burst;
  DramCommand row_cmd = DramCommand::act;
  if (choice.row >= 0) {
    const DramCandidate& k = candidates_[size_t(choice.row)];
    row_burst = queues_[k.pseudo_channel].active()[k.index];
    row_cmd = k.command;
  }
  if (choice.column >= 0) issue_column(candidates_[size_t(choice.column)], now, sink);
  if (choice.row >= 0) issue_row(row_burst, row_cmd, now);
  // Sleep until the first candidate could issue. Issuing only delays the others (or changes
  // the command they need to one that comes later), so their ready cycles are safe lower
  // bounds. The burst whose ACT or PRE just issued needs its next command no sooner than
  // tRCD or tRP from now. A queue that shrank may switch the drain mode: looked at next cycle.
  // (Pseudo-channels owing a refresh have no candidates; the refresh wakes them.)
  for (size_t i = 0; i < candidates_.size(); ++i)
    if (int(i) != choice.column && int(i) != choice.row)
      wake_ = std::min(wake_, std::max(candidates_[i].ready, now + 1));
  if (choice.row >= 0)
    wake_ = std::min(wake_, now + (row_cmd == DramCommand::act
                                       ? std::min(t_.rcd_rd, t_.rcd_wr)
                                       : t_.rp));
  if (row_bus_taken || (choice.column >= 0 && mode_may_change())) wake_ = now + 1;
}

bool DramController::mode_may_change() const {
  for (const Queues& q : queues_) {
    if (q.writing ? q.writes.empty() || (q.writes.size() <= c_.write_low_watermark && !q.reads.empty())
                  : q.writes.size() >= c_.write_high_watermark || (q.reads.empty() && !q.writes.empty()))
      return true;
  }
  return false;
}

}  // namespace npusim
