#include "models/memory/dram_bank_state.h"

#include <algorithm>

namespace npusim {

const char* name_of(DramCommand c) {
  switch (c) {
    case DramCommand::act: return "ACT";
    case DramCommand::pre: return "PRE";
    case DramCommand::rd: return "RD";
    case DramCommand::wr: return "WR";
    case DramCommand::ref: return "REF";
  }
  return "?";
}

DramBankState::DramBankState(const DramGeometry& g, const DramTiming& t)
    : t_(t), banks_per_group_(g.banks_per_group), banks_(g.banks()), groups_(g.bank_groups) {}

uint64_t DramBankState::earliest(DramCommand cmd, uint32_t bank) const {
  switch (cmd) {
    case DramCommand::act: {
      const Bank& b = banks_[bank];
      uint64_t t = std::max({b.act_ready, groups_[bank / banks_per_group_].act_ready, act_ready_});
      // At most four ACTs in any tFAW window: the fifth waits for the oldest of the last four.
      if (act_count_ >= 4) t = std::max(t, last_acts_[act_count_ % 4] + t_.faw);
      return t;
    }
    case DramCommand::pre:
      return banks_[bank].pre_ready;
    case DramCommand::rd: {
      const Group& g = groups_[bank / banks_per_group_];
      return std::max({banks_[bank].rd_ready, g.rd_ready, rd_ready_});
    }
    case DramCommand::wr: {
      const Group& g = groups_[bank / banks_per_group_];
      return std::max({banks_[bank].wr_ready, g.wr_ready, wr_ready_});
    }
    case DramCommand::ref: {
      uint64_t t = 0;
      for (const Bank& b : banks_) t = std::max(t, b.act_ready);
      return t;
    }
  }
  return 0;
}

void DramBankState::close(Bank& b, uint64_t pre_time) {
  b.open = false;
  --open_banks_;
  b.act_ready = std::max(b.act_ready, pre_time + t_.rp);
}

uint64_t DramBankState::issue(DramCommand cmd, uint32_t bank, uint32_t row, uint64_t t,
                              bool auto_precharge) {
  Bank& b = banks_[bank];
  Group& g = groups_[bank / banks_per_group_];
  switch (cmd) {
    case DramCommand::act:
      b.open = true;
      ++open_banks_;
      b.row = row;
      b.act_time = t;
      b.act_ready = t + t_.rc;
      b.pre_ready = std::max(b.pre_ready, t + t_.ras);
      b.rd_ready = t + t_.rcd_rd;
      b.wr_ready = t + t_.rcd_wr;
      g.act_ready = t + t_.rrd_l;
      act_ready_ = std::max(act_ready_, t + t_.rrd_s);
      last_acts_[act_count_ % 4] = t;
      ++act_count_;
      return 0;
    case DramCommand::pre:
      close(b, t);
      return 0;
    case DramCommand::rd:
      g.rd_ready = std::max(g.rd_ready, t + t_.ccd_l);
      rd_ready_ = std::max(rd_ready_, t + t_.ccd_s);
      g.wr_ready = std::max(g.wr_ready, t + t_.rd_to_wr());
      wr_ready_ = std::max(wr_ready_, t + t_.rd_to_wr());
      b.pre_ready = std::max(b.pre_ready, t + t_.rtp);
      break;
    case DramCommand::wr:
      g.wr_ready = std::max(g.wr_ready, t + t_.ccd_l);
      wr_ready_ = std::max(wr_ready_, t + t_.ccd_s);
      g.rd_ready = std::max(g.rd_ready, t + t_.wr_to_rd_l());
      rd_ready_ = std::max(rd_ready_, t + t_.wr_to_rd_s());
      b.pre_ready = std::max(b.pre_ready, t + t_.wr_to_pre());
      break;
    case DramCommand::ref:
      for (Bank& each : banks_) each.act_ready = std::max(each.act_ready, t + t_.rfc);
      return 0;
  }
  if (!auto_precharge) return 0;
  // RDA/WRA: the bank precharges itself at the first cycle PRE would be legal.
  const uint64_t pre_time = b.pre_ready;
  close(b, pre_time);
  return pre_time;
}

}  // namespace npusim
