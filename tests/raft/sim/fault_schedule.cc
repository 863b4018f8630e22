// Seeded fault schedules.
#include "tests/raft/sim/fault_schedule.h"

namespace shadekv::raft::sim {

std::string FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kSplit:
      return "split";
    case FaultKind::kIsolate:
      return "isolate";
    case FaultKind::kCutInbound:
      return "cut-inbound";
    case FaultKind::kCutOutbound:
      return "cut-outbound";
    case FaultKind::kCutLink:
      return "cut-link";
    case FaultKind::kHeal:
      return "heal";
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kRestart:
      return "restart";
    case FaultKind::kChaosOn:
      return "chaos-on";
    case FaultKind::kChaosOff:
      return "chaos-off";
    case FaultKind::kAddLearner:
      return "add-learner";
    case FaultKind::kPromoteLearner:
      return "promote-learner";
    case FaultKind::kRemoveVoter:
      return "remove-voter";
    case FaultKind::kReAdd:
      return "re-add";
    case FaultKind::kTransferLeader:
      return "transfer-leader";
    case FaultKind::kCompact:
      return "compact";
  }
  return "unknown";
}

std::vector<FaultEvent> MakeFaultSchedule(const FaultRates& rates, uint64_t ticks,
                                          std::mt19937_64* rng) {
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  static constexpr FaultKind kPartitions[] = {FaultKind::kSplit, FaultKind::kIsolate,
                                              FaultKind::kCutInbound, FaultKind::kCutOutbound,
                                              FaultKind::kCutLink};
  static constexpr FaultKind kMembership[] = {FaultKind::kAddLearner, FaultKind::kPromoteLearner,
                                              FaultKind::kRemoveVoter, FaultKind::kReAdd};
  std::vector<FaultEvent> schedule;
  bool chaos = false;
  for (uint64_t tick = 0; tick < ticks; ++tick) {
    auto maybe = [&](double rate, FaultKind kind) {
      if (rate > 0 && coin(*rng) < rate) schedule.push_back({tick, kind, (*rng)()});
    };
    if (rates.partition > 0 && coin(*rng) < rates.partition) {
      schedule.push_back({tick, kPartitions[(*rng)() % 5], (*rng)()});
    }
    maybe(rates.heal, FaultKind::kHeal);
    maybe(rates.crash, FaultKind::kCrash);
    maybe(rates.restart, FaultKind::kRestart);
    if (rates.chaos > 0 && coin(*rng) < rates.chaos) {
      chaos = !chaos;
      schedule.push_back({tick, chaos ? FaultKind::kChaosOn : FaultKind::kChaosOff, 0});
    }
    if (rates.membership > 0 && coin(*rng) < rates.membership) {
      schedule.push_back({tick, kMembership[(*rng)() % 4], (*rng)()});
    }
    maybe(rates.transfer, FaultKind::kTransferLeader);
    maybe(rates.compact, FaultKind::kCompact);
  }
  return schedule;
}

}  // namespace shadekv::raft::sim
