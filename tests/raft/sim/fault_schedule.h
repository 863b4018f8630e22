// The faults a simulation run injects, decided up front from the seed.
//
// A schedule is a list of (tick, fault) pairs. A fault that needs a target
// (which node to crash, which learner to promote) carries a random `pick` that
// the cluster resolves against the state at that tick, so schedules stay
// meaningful whatever the run looks like by then.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace shadekv::raft::sim {

enum class FaultKind : uint8_t {
  kSplit,           // symmetric partition into two random groups
  kIsolate,         // cut one member off both ways
  kCutInbound,      // one member can send but not receive
  kCutOutbound,     // one member can receive but not send
  kCutLink,         // one random one-way link
  kHeal,            // restore every link
  kCrash,           // crash a live member (unsynced writes may be lost)
  kRestart,         // restart a crashed member
  kChaosOn,         // start dropping, duplicating, delaying, reordering
  kChaosOff,        //
  kAddLearner,      // add a brand-new member as a learner
  kPromoteLearner,  // make a learner a voter
  kRemoveVoter,     // remove a voter (possibly the leader)
  kReAdd,           // add a removed member back as a learner, keeping its disk
  kTransferLeader,  // ask the leader to hand over to another voter
  kCompact,         // snapshot + compact the log on one member
};

std::string FaultName(FaultKind kind);

struct FaultEvent {
  uint64_t tick = 0;
  FaultKind kind = FaultKind::kHeal;
  uint64_t pick = 0;  // resolves the target at run time
};

// Per-tick probability of each fault while the fault phase lasts. Zero turns a
// fault off.
struct FaultRates {
  double partition = 0.0;  // one of kSplit/kIsolate/kCutInbound/kCutOutbound/kCutLink
  double heal = 0.0;
  double crash = 0.0;
  double restart = 0.0;
  double chaos = 0.0;       // toggles kChaosOn / kChaosOff
  double membership = 0.0;  // one of the four membership changes
  double transfer = 0.0;
  double compact = 0.0;
};

// Draws a schedule for ticks [0, ticks) from rng, sorted by tick.
std::vector<FaultEvent> MakeFaultSchedule(const FaultRates& rates, uint64_t ticks,
                                          std::mt19937_64* rng);

}  // namespace shadekv::raft::sim
