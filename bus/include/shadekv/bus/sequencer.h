// The subscriber's sequencing rule (bus/PROTOCOL.md section 4) as a pure
// state machine: no sockets, no clock, no threads. The driver (shadekv-sub,
// the shadow) decodes messages, feeds them in with the current time, and
// carries out the Decisions each call returns.
//
// The rule: subscribe first, then catch up; hand over only revision
// applied+1; drop anything <= applied; on a gap, catch up again from
// applied+1; never guess. Live events that cannot be delivered yet are
// buffered up to a bound and dropped beyond it (a catch-up brings them).
// A publisher whose heartbeats stop is replaced by the next configured one
// (round robin), and the sequence continues from applied+1.
//
// The sequencer assumes the consumer applies every delivered event and every
// installed snapshot, in the order returned, before the next call; the
// consumer persists applied_revision() where it likes and passes it back to
// Create after a restart.
//
// Not thread-safe: one driver thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/bus/messages.h"
#include "shadekv/common/status.h"

namespace shadekv::bus {

struct SequencerConfig {
  size_t publisher_count = 1;    // publishers are named by index 0..count-1
  int64_t applied_revision = 0;  // persisted by the consumer; 0 for a new one
  size_t max_buffered_events = 10000;
  uint64_t max_snapshot_bytes = 1ull << 32;
  // Used until a heartbeat tells the interval; afterwards 3 x interval_ms.
  int64_t heartbeat_timeout_ms = 3000;
  int64_t catchup_timeout_ms = 5000;  // silence on a catch-up stream before retrying
  int64_t catchup_retry_ms = 200;     // pause after a failed catch-up
  uint64_t catchup_max_events = 1000;
  uint64_t catchup_max_bytes = 1u << 20;
};

// An event (its encoded EVENT body, passed through untouched) with the
// revision the driver decoded from it.
struct SequencedEvent {
  int64_t revision = 0;
  std::string body;
};

struct CatchupStart {
  size_t publisher = 0;
  std::string endpoint;  // from that publisher's last heartbeat
  CatchupRequest request;
};

struct SnapshotInstall {
  int64_t revision = 0;
  std::string data;  // size and CRC-32 already checked
};

// What the driver must do after one input, in this order: switch publisher,
// install the snapshot, deliver the events, send the catch-up request.
struct Decisions {
  std::optional<size_t> switched_to;
  std::optional<SnapshotInstall> snapshot;
  std::vector<SequencedEvent> deliver;  // revisions applied+1, applied+2, ...
  std::optional<CatchupStart> catchup;  // replaces any catch-up in progress
};

struct SequencerCounters {
  uint64_t delivered = 0;
  uint64_t duplicates = 0;        // revisions <= applied, dropped
  uint64_t buffer_overflows = 0;  // live events dropped because the buffer was full
  uint64_t stale_replies = 0;     // catch-up replies for an abandoned request
  uint64_t catchups_started = 0;
  uint64_t catchups_completed = 0;
  uint64_t catchups_failed = 0;  // error, seq gap, timeout, skipped revision, bad snapshot
  uint64_t snapshots_installed = 0;
  uint64_t failovers = 0;
};

class Sequencer {
 public:
  // Fails with kInvalidArgument on a config that cannot work (no publisher,
  // negative revision, zero bounds or timeouts).
  static Result<Sequencer> Create(const SequencerConfig& config, int64_t now_ms);

  // Inputs. `publisher` must be < publisher_count: another value is a driver
  // bug and aborts. Catch-up replies whose tag is not the running request's
  // are counted in stale_replies and change nothing.
  Decisions OnLiveEvent(size_t publisher, SequencedEvent event, int64_t now_ms);
  Decisions OnHeartbeat(size_t publisher, const Heartbeat& heartbeat, int64_t now_ms);
  Decisions OnCatchupEvents(uint64_t tag, uint64_t seq, std::vector<SequencedEvent> events,
                            int64_t now_ms);
  Decisions OnSnapshotBegin(const SnapshotBegin& begin, int64_t now_ms);
  Decisions OnSnapshotChunk(const SnapshotChunk& chunk, int64_t now_ms);
  Decisions OnSnapshotEnd(const SnapshotEnd& end, int64_t now_ms);
  Decisions OnCatchupEnd(const CatchupEnd& end, int64_t now_ms);
  Decisions OnCatchupError(const ErrorReply& error, int64_t now_ms);
  Decisions Tick(int64_t now_ms);

  // State, for the consumer and for /metrics.
  int64_t applied_revision() const { return applied_; }
  int64_t latest_revision_seen() const { return latest_seen_; }
  int64_t lag() const { return latest_seen_ > applied_ ? latest_seen_ - applied_ : 0; }
  // No lag, no catch-up running or wanted, and the active publisher has been
  // heard from (so "no lag" is known, not assumed).
  bool up_to_date() const;
  bool catching_up() const { return catchup_.has_value(); }
  size_t active_publisher() const { return active_; }
  size_t buffered_events() const { return buffer_.size(); }
  const SequencerCounters& counters() const { return counters_; }

 private:
  struct PublisherState {
    std::optional<int64_t> last_heartbeat_ms;
    int64_t watched_since_ms = 0;  // when it became active; the timeout runs from here at first
    uint64_t interval_ms = 0;
    int64_t latest_revision = 0;
    std::string catchup_endpoint;
  };
  struct CatchupState {
    uint64_t tag = 0;
    uint64_t next_seq = 0;
    int64_t deadline_ms = 0;
    bool in_snapshot = false;
    int64_t snapshot_revision = 0;
    uint64_t snapshot_total = 0;
    std::string snapshot_data;
  };

  explicit Sequencer(const SequencerConfig& config, int64_t now_ms);

  // Hands over `event` if it is applied+1, then whatever the buffer holds next.
  void Deliver(SequencedEvent event, Decisions& out);
  void DrainBuffer(Decisions& out);
  // True when `tag`/`seq` belong to the running catch-up; counts and drops
  // stale replies, abandons on a seq gap.
  bool AcceptReply(uint64_t tag, uint64_t seq, int64_t now_ms);
  void AbandonCatchup(int64_t now_ms);
  void MaybeStartCatchup(int64_t now_ms, Decisions& out);
  void MaybeFailOver(int64_t now_ms, Decisions& out);
  int64_t HeartbeatTimeout(const PublisherState& p) const;
  bool ActiveIsAhead() const;

  // Fixed after construction.
  SequencerConfig config_;

  int64_t applied_ = 0;
  int64_t latest_seen_ = 0;
  std::vector<PublisherState> publishers_;
  size_t active_ = 0;
  std::map<int64_t, std::string> buffer_;  // live events > applied+1, by revision
  int64_t highest_overflowed_ = 0;         // a catch-up must bring at least this far
  // Set by a gap (a hole before a buffered event, or the active publisher's
  // heartbeat ahead of applied_); the first heartbeat decides at start.
  bool want_catchup_ = false;
  int64_t catchup_not_before_ms_ = 0;
  std::optional<CatchupState> catchup_;
  uint64_t next_tag_ = 1;  // 0 is reserved for "request could not be decoded"
  SequencerCounters counters_;
};

}  // namespace shadekv::bus
