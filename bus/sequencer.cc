// The subscriber's sequencing rule; see the header for the contract.
//
// Invariant (checked, a bug aborts): every delivered event has revision
// applied_+1 at the moment it is delivered, and applied_ only moves forward.
#include "shadekv/bus/sequencer.h"

#include <cstdlib>
#include <utility>

#include "shadekv/bus/codec.h"

namespace shadekv::bus {

Result<Sequencer> Sequencer::Create(const SequencerConfig& config, int64_t now_ms) {
  if (config.publisher_count == 0) {
    return Status::InvalidArgument("sequencer: at least one publisher endpoint is needed");
  }
  if (config.applied_revision < 0) {
    return Status::InvalidArgument("sequencer: applied revision " +
                                   std::to_string(config.applied_revision) + " is negative");
  }
  if (config.max_buffered_events == 0 || config.heartbeat_timeout_ms <= 0 ||
      config.catchup_timeout_ms <= 0 || config.catchup_retry_ms < 0 ||
      config.catchup_max_events == 0 || config.catchup_max_bytes == 0) {
    return Status::InvalidArgument(
        "sequencer: buffer bound, timeouts and catch-up chunk limits must be positive");
  }
  return Sequencer(config, now_ms);
}

Sequencer::Sequencer(const SequencerConfig& config, int64_t now_ms)
    : config_(config),
      applied_(config.applied_revision),
      latest_seen_(config.applied_revision),
      publishers_(config.publisher_count) {
  publishers_[active_].watched_since_ms = now_ms;
}

bool Sequencer::up_to_date() const {
  return lag() == 0 && !catchup_.has_value() && !want_catchup_ &&
         publishers_[active_].last_heartbeat_ms.has_value();
}

void Sequencer::Deliver(SequencedEvent event, Decisions& out) {
  if (event.revision <= applied_) {
    ++counters_.duplicates;
    return;
  }
  if (event.revision != applied_ + 1) std::abort();  // callers only pass applied+1
  applied_ = event.revision;
  if (applied_ > latest_seen_) latest_seen_ = applied_;
  ++counters_.delivered;
  out.deliver.push_back(std::move(event));
  DrainBuffer(out);
}

void Sequencer::DrainBuffer(Decisions& out) {
  while (!buffer_.empty() && buffer_.begin()->first <= applied_ + 1) {
    auto node = buffer_.extract(buffer_.begin());
    if (node.key() <= applied_) continue;  // already delivered by a catch-up
    applied_ = node.key();
    ++counters_.delivered;
    out.deliver.push_back({node.key(), std::move(node.mapped())});
  }
}

Decisions Sequencer::OnLiveEvent(size_t publisher, SequencedEvent event, int64_t now_ms) {
  if (publisher >= publishers_.size()) std::abort();
  Decisions out;
  if (event.revision > latest_seen_) latest_seen_ = event.revision;
  if (event.revision <= applied_) {
    ++counters_.duplicates;
  } else if (event.revision == applied_ + 1) {
    // The next revision is the next revision whoever sends it: delivering it
    // during a catch-up only makes the catch-up's copy a duplicate.
    Deliver(std::move(event), out);
  } else {
    if (buffer_.count(event.revision) != 0) {
      ++counters_.duplicates;
    } else if (buffer_.size() < config_.max_buffered_events) {
      buffer_.emplace(event.revision, std::move(event.body));
    } else {
      ++counters_.buffer_overflows;
      if (event.revision > highest_overflowed_) highest_overflowed_ = event.revision;
    }
    if (!catchup_.has_value()) want_catchup_ = true;  // a hole before this revision
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnHeartbeat(size_t publisher, const Heartbeat& heartbeat, int64_t now_ms) {
  if (publisher >= publishers_.size()) std::abort();
  Decisions out;
  PublisherState& p = publishers_[publisher];
  p.last_heartbeat_ms = now_ms;
  p.interval_ms = heartbeat.interval_ms;
  p.latest_revision = heartbeat.latest_revision;
  p.catchup_endpoint = heartbeat.catchup_endpoint;
  if (heartbeat.latest_revision > latest_seen_) latest_seen_ = heartbeat.latest_revision;
  // Only the active publisher's word counts as a gap: its events and its
  // heartbeats share one PUB socket, so everything up to latest_revision was
  // sent before this heartbeat. Another member may simply be ahead of it.
  if (publisher == active_ && !catchup_.has_value() &&
      (heartbeat.latest_revision > applied_ || !buffer_.empty())) {
    want_catchup_ = true;
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

bool Sequencer::AcceptReply(uint64_t tag, uint64_t seq, int64_t now_ms) {
  if (!catchup_.has_value() || tag != catchup_->tag) {
    ++counters_.stale_replies;
    return false;
  }
  if (seq != catchup_->next_seq) {  // a reply was lost (ROUTER high-water mark)
    AbandonCatchup(now_ms);
    return false;
  }
  ++catchup_->next_seq;
  catchup_->deadline_ms = now_ms + config_.catchup_timeout_ms;
  return true;
}

void Sequencer::AbandonCatchup(int64_t now_ms) {
  catchup_.reset();
  ++counters_.catchups_failed;
  want_catchup_ = true;
  catchup_not_before_ms_ = now_ms + config_.catchup_retry_ms;
}

Decisions Sequencer::OnCatchupEvents(uint64_t tag, uint64_t seq, std::vector<SequencedEvent> events,
                                     int64_t now_ms) {
  Decisions out;
  if (AcceptReply(tag, seq, now_ms)) {
    if (catchup_->in_snapshot) {
      AbandonCatchup(now_ms);  // events inside an unfinished snapshot: broken stream
    } else {
      for (SequencedEvent& event : events) {
        if (event.revision > latest_seen_) latest_seen_ = event.revision;
        if (event.revision <= applied_) {
          ++counters_.duplicates;
        } else if (event.revision == applied_ + 1) {
          Deliver(std::move(event), out);
        } else {  // the stream skipped a revision: never guess, ask again
          AbandonCatchup(now_ms);
          break;
        }
      }
    }
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnSnapshotBegin(const SnapshotBegin& begin, int64_t now_ms) {
  Decisions out;
  if (AcceptReply(begin.tag, begin.seq, now_ms)) {
    if (catchup_->in_snapshot || begin.total_bytes > config_.max_snapshot_bytes) {
      AbandonCatchup(now_ms);
    } else {
      catchup_->in_snapshot = true;
      catchup_->snapshot_revision = begin.revision;
      catchup_->snapshot_total = begin.total_bytes;
      catchup_->snapshot_data.clear();
    }
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnSnapshotChunk(const SnapshotChunk& chunk, int64_t now_ms) {
  Decisions out;
  if (AcceptReply(chunk.tag, chunk.seq, now_ms)) {
    if (!catchup_->in_snapshot ||
        chunk.data.size() > catchup_->snapshot_total - catchup_->snapshot_data.size()) {
      AbandonCatchup(now_ms);
    } else {
      catchup_->snapshot_data += chunk.data;
    }
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnSnapshotEnd(const SnapshotEnd& end, int64_t now_ms) {
  Decisions out;
  if (AcceptReply(end.tag, end.seq, now_ms)) {
    if (!catchup_->in_snapshot || catchup_->snapshot_data.size() != catchup_->snapshot_total ||
        SnapshotChecksum(catchup_->snapshot_data) != end.crc32) {
      AbandonCatchup(now_ms);
    } else {
      catchup_->in_snapshot = false;
      int64_t revision = catchup_->snapshot_revision;
      std::string data = std::move(catchup_->snapshot_data);
      catchup_->snapshot_data.clear();
      // Live events may have carried us past the snapshot meanwhile; going
      // back would undo revisions the consumer already applied.
      if (revision > applied_) {
        applied_ = revision;
        if (applied_ > latest_seen_) latest_seen_ = applied_;
        ++counters_.snapshots_installed;
        out.snapshot = SnapshotInstall{revision, std::move(data)};
        buffer_.erase(buffer_.begin(), buffer_.upper_bound(applied_));
        DrainBuffer(out);
      }
    }
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnCatchupEnd(const CatchupEnd& end, int64_t now_ms) {
  Decisions out;
  if (AcceptReply(end.tag, end.seq, now_ms)) {
    if (catchup_->in_snapshot) {
      AbandonCatchup(now_ms);
    } else {
      catchup_.reset();
      ++counters_.catchups_completed;
      DrainBuffer(out);
      // A publisher may end a stream early; and what was dropped from the
      // buffer still has to come from somewhere.
      want_catchup_ = !buffer_.empty() || ActiveIsAhead() || highest_overflowed_ > applied_;
    }
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::OnCatchupError(const ErrorReply& error, int64_t now_ms) {
  Decisions out;
  // Tag 0: the publisher could not read the request at all; it was ours.
  if (catchup_.has_value() && (error.tag == catchup_->tag || error.tag == 0)) {
    AbandonCatchup(now_ms);
  } else {
    ++counters_.stale_replies;
  }
  MaybeStartCatchup(now_ms, out);
  return out;
}

Decisions Sequencer::Tick(int64_t now_ms) {
  Decisions out;
  if (catchup_.has_value() && now_ms >= catchup_->deadline_ms) AbandonCatchup(now_ms);
  MaybeFailOver(now_ms, out);
  MaybeStartCatchup(now_ms, out);
  return out;
}

int64_t Sequencer::HeartbeatTimeout(const PublisherState& p) const {
  return p.interval_ms > 0 ? 3 * static_cast<int64_t>(p.interval_ms) : config_.heartbeat_timeout_ms;
}

bool Sequencer::ActiveIsAhead() const { return publishers_[active_].latest_revision > applied_; }

void Sequencer::MaybeFailOver(int64_t now_ms, Decisions& out) {
  const PublisherState& current = publishers_[active_];
  // Silence counts from the last heartbeat, or from when it became active.
  int64_t heard = current.watched_since_ms;
  if (current.last_heartbeat_ms.has_value() && *current.last_heartbeat_ms > heard) {
    heard = *current.last_heartbeat_ms;
  }
  if (now_ms - heard < HeartbeatTimeout(current)) return;
  if (publishers_.size() == 1) return;  // nowhere to go; keep waiting for it

  // Prefer the next publisher (round robin) that is still heard from; if none
  // is, take the next one anyway and give it a full timeout.
  size_t next = (active_ + 1) % publishers_.size();
  for (size_t i = 1; i < publishers_.size(); ++i) {
    size_t candidate = (active_ + i) % publishers_.size();
    const PublisherState& p = publishers_[candidate];
    if (p.last_heartbeat_ms.has_value() && now_ms - *p.last_heartbeat_ms < HeartbeatTimeout(p)) {
      next = candidate;
      break;
    }
  }
  active_ = next;
  publishers_[active_].watched_since_ms = now_ms;
  ++counters_.failovers;
  out.switched_to = active_;
  // Continue from applied+1 at the new publisher; replies from the old one
  // carry the old tag and are dropped.
  catchup_.reset();
  want_catchup_ = true;
  catchup_not_before_ms_ = now_ms;
}

void Sequencer::MaybeStartCatchup(int64_t now_ms, Decisions& out) {
  if (!want_catchup_ || catchup_.has_value() || now_ms < catchup_not_before_ms_) return;
  const PublisherState& p = publishers_[active_];
  if (p.catchup_endpoint.empty()) return;  // learnt from its first heartbeat
  want_catchup_ = false;
  CatchupState state;
  state.tag = next_tag_++;
  state.deadline_ms = now_ms + config_.catchup_timeout_ms;
  catchup_ = std::move(state);
  ++counters_.catchups_started;
  CatchupStart start;
  start.publisher = active_;
  start.endpoint = p.catchup_endpoint;
  start.request.tag = catchup_->tag;
  start.request.from_revision = applied_ + 1;
  start.request.max_events = config_.catchup_max_events;
  start.request.max_bytes = config_.catchup_max_bytes;
  out.catchup = std::move(start);
}

}  // namespace shadekv::bus
