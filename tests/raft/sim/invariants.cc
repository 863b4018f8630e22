// Raft safety properties, checked incrementally as the simulated hosts work.
#include "tests/raft/sim/invariants.h"

#include <algorithm>
#include <utility>

namespace shadekv::raft::sim {
namespace {

std::string N(uint64_t v) { return std::to_string(v); }

uint64_t EntryHash(uint64_t term, EntryType type, const std::string& data) {
  std::string head = N(term) + "/" + N(static_cast<uint64_t>(type)) + "/";
  return Fnv1a(data, Fnv1a(head)) | 1;  // never 0, which means "none yet"
}

// The term of the entry at index in storage, or 0 when it is not there.
uint64_t TermAt(const MemoryStorage& storage, uint64_t index) {
  Result<uint64_t> term = storage.Term(index);
  return term.ok() ? *term : 0;
}

void Grow(std::vector<uint64_t>* v, uint64_t index) {
  if (v->size() <= index) v->resize(index + 1, 0);
}

}  // namespace

InvariantChecker::InvariantChecker(const ConfState& initial) : latest_conf_(initial) {}

void InvariantChecker::Register(const SimNode* node) {
  nodes_[node->id()] = node;
  tracks_.try_emplace(node->id());
}

void InvariantChecker::Fail(std::string_view invariant, std::string detail) {
  if (violation_.has_value()) return;
  violation_ = Violation{std::string(invariant), std::move(detail)};
}

NodeId InvariantChecker::LeaderOf(uint64_t term) const {
  auto it = leaders_.find(term);
  return it == leaders_.end() ? kNoNode : it->second;
}

void InvariantChecker::OnStart(const SimNode& node) {
  Track& t = tracks_[node.id()];
  const HardState& hs = node.hard_state();
  if (hs.term < t.max_term) {
    Fail("TermNeverDecreases", "node " + N(node.id()) + " restarted at term " + N(hs.term) +
                                   " after reaching term " + N(t.max_term) +
                                   " (term change was not synced)");
  } else if (hs.term == t.max_term && t.vote != kNoNode && hs.vote != t.vote) {
    Fail("VoteStable", "node " + N(node.id()) + " restarted in term " + N(hs.term) + " with vote " +
                           N(hs.vote) + " after voting for " + N(t.vote) +
                           " (vote was not synced)");
  }
  if (hs.term > t.max_term) {
    t.max_term = hs.term;
    t.vote = hs.vote;
  }
  t.applied = node.applied();
  t.commit = std::max(hs.commit, t.applied);
  t.announced_commit = t.commit;
  t.leader = false;
  if (t.applied > node.storage().LastIndex()) {
    Fail("AppliedWithinLog", "node " + N(node.id()) + " restarted with applied " + N(t.applied) +
                                 " beyond its durable last index " + N(node.storage().LastIndex()));
  }
}

void InvariantChecker::OnCrash(const SimNode& node) { tracks_[node.id()].leader = false; }

void InvariantChecker::OnReadRequested(const std::string& ctx) { reads_[ctx] = max_commit_; }

void InvariantChecker::CheckHardState(const SimNode& node, const HardState& hs,
                                      std::string_view when) {
  Track& t = tracks_[node.id()];
  if (hs.term < t.max_term) {
    Fail("TermNeverDecreases", "node " + N(node.id()) + " " + std::string(when) + " term " +
                                   N(hs.term) + " < " + N(t.max_term));
  } else if (hs.term == t.max_term && t.vote != kNoNode && hs.vote != t.vote) {
    Fail("VoteStable", "node " + N(node.id()) + " changed its vote in term " + N(hs.term) +
                           " from " + N(t.vote) + " to " + N(hs.vote));
  }
  if (hs.commit < t.commit) {
    Fail("CommitNeverDecreases",
         "node " + N(node.id()) + " commit " + N(hs.commit) + " < " + N(t.commit));
  }
}

void InvariantChecker::OnReady(const SimNode& node, const Ready& ready) {
  const HardState& prev = node.hard_state();
  bool term_or_vote = ready.hard_state.has_value() &&
                      (ready.hard_state->term != prev.term || ready.hard_state->vote != prev.vote);
  if ((!ready.entries.empty() || term_or_vote) && !ready.must_sync) {
    Fail("ReadyMustSync", "node " + N(node.id()) + ": batch with " + N(ready.entries.size()) +
                              " entries, term " + N(prev.term) + "->" +
                              N(ready.hard_state ? ready.hard_state->term : prev.term) +
                              " does not ask for sync");
  }
  if (ready.hard_state.has_value()) CheckHardState(node, *ready.hard_state, "persists");
  Track& track = tracks_[node.id()];
  track.announced_commit =
      std::max(track.commit, ready.hard_state.has_value() ? ready.hard_state->commit : 0);
  if (!ready.snapshot.empty() && ready.snapshot.meta.index < prev.commit) {
    Fail("SnapshotNeverRollsBackCommit", "node " + N(node.id()) + " installs snapshot at " +
                                             N(ready.snapshot.meta.index) + " below its commit " +
                                             N(prev.commit));
  }
  // A conflicting suffix is about to replace entries; the first replaced one
  // must not be committed (if it were, log matching makes every later replaced
  // entry uncommitted-or-equal too, so checking the first one is enough).
  const MemoryStorage& storage = node.storage();
  for (const Entry& e : ready.entries) {
    if (e.index > storage.LastIndex()) break;
    uint64_t old_term = TermAt(storage, e.index);
    if (old_term == 0 || old_term == e.term) continue;
    // Still the leader of the same term once this batch is taken into account?
    const Track& t = tracks_[node.id()];
    bool leads = ready.soft_state.has_value() ? ready.soft_state->role == Role::kLeader : t.leader;
    uint64_t term = ready.hard_state.has_value() ? ready.hard_state->term : prev.term;
    if (leads && t.leader && t.leader_term == term) {
      Fail("LeaderAppendOnly", "leader " + N(node.id()) + " of term " + N(t.leader_term) +
                                   " overwrites its entry " + N(e.index) + " (term " + N(old_term) +
                                   ") with one of term " + N(e.term));
    }
    if (e.index < committed_.size() && committed_[e.index].term == old_term) {
      Fail("CommittedEntryNeverOverwritten", "node " + N(node.id()) + " replaces committed entry " +
                                                 N(e.index) + " (term " + N(old_term) +
                                                 ") with one of term " + N(e.term));
    }
    break;
  }
}

void InvariantChecker::OnPersisted(const SimNode& node, const Ready& ready) {
  Track& t = tracks_[node.id()];
  const MemoryStorage& storage = node.storage();
  const HardState& hs = node.hard_state();
  if (hs.term > t.max_term || (hs.term == t.max_term && t.vote == kNoNode)) {
    t.max_term = hs.term;
    t.vote = hs.vote;
  }

  // Log matching over what was appended.
  uint64_t snapshot_index = storage.FirstIndex() - 1;
  for (size_t k = 0; k < ready.entries.size(); ++k) {
    const Entry& e = ready.entries[k];
    if (e.index <= snapshot_index) continue;
    uint64_t prev_term = k > 0 ? ready.entries[k - 1].term : TermAt(storage, e.index - 1);
    LogRecord rec{EntryHash(e.term, e.type, e.data), prev_term};
    auto [it, inserted] = log_records_.try_emplace({e.index, e.term}, rec);
    if (!inserted && (it->second.content != rec.content || it->second.prev_term != prev_term)) {
      Fail("LogMatching", "node " + N(node.id()) + " holds entry " + N(e.index) + " of term " +
                              N(e.term) + " with " +
                              (it->second.content != rec.content ? "different content"
                                                                 : "a different predecessor") +
                              " than another log (prev term " + N(prev_term) + " vs " +
                              N(it->second.prev_term) + ")");
    }
  }

  if (hs.commit > t.commit) {
    if (hs.commit > storage.LastIndex()) {
      Fail("CommitWithinLog", "node " + N(node.id()) + " commit " + N(hs.commit) +
                                  " beyond its last index " + N(storage.LastIndex()));
    }
    RecordCommits(node, t.commit + 1, hs.commit);
    t.commit = hs.commit;
  }

  if (ready.soft_state.has_value()) {
    bool leader = ready.soft_state->role == Role::kLeader;
    if (leader && !(t.leader && t.leader_term == hs.term)) {
      auto [it, inserted] = leaders_.try_emplace(hs.term, node.id());
      if (!inserted && it->second != node.id()) {
        Fail("ElectionSafety",
             "nodes " + N(it->second) + " and " + N(node.id()) + " both lead term " + N(hs.term));
      }
      CheckLeaderHasCommitted(node, hs.term, 1, max_commit_);
    }
    t.leader = leader;
    t.leader_term = hs.term;
  }
}

void InvariantChecker::RecordCommits(const SimNode& node, uint64_t from, uint64_t to) {
  const MemoryStorage& storage = node.storage();
  uint64_t term_now = node.hard_state().term;
  if (committed_.size() <= to) committed_.resize(to + 1);
  for (uint64_t i = from; i <= to; ++i) {
    uint64_t term = TermAt(storage, i);
    if (term == 0) continue;  // compacted here; a snapshot image vouches for it
    Committed& c = committed_[i];
    if (c.term == 0) {
      c.term = term;
      c.commit_term = term_now;
    } else if (c.term != term) {
      Fail("StateMachineSafety", "node " + N(node.id()) + " commits entry " + N(i) + " of term " +
                                     N(term) + " but term " + N(c.term) + " was committed there");
    }
  }
  if (to > max_commit_) {
    uint64_t old = max_commit_;
    max_commit_ = to;
    // Leaders already in office must hold what was committed in earlier terms.
    for (const auto& [id, track] : tracks_) {
      if (!track.leader || id == node.id()) continue;
      auto it = nodes_.find(id);
      if (it == nodes_.end() || !it->second->alive()) continue;
      CheckLeaderHasCommitted(*it->second, track.leader_term, old + 1, to);
    }
  }
}

void InvariantChecker::CheckLeaderHasCommitted(const SimNode& leader, uint64_t term, uint64_t lo,
                                               uint64_t hi) {
  const MemoryStorage& storage = leader.storage();
  uint64_t snapshot_index = storage.FirstIndex() - 1;
  for (uint64_t i = std::max(lo, snapshot_index + 1); i <= hi && i < committed_.size(); ++i) {
    const Committed& c = committed_[i];
    if (c.term == 0 || c.commit_term >= term) continue;
    uint64_t have = TermAt(storage, i);
    if (have != c.term) {
      Fail("LeaderCompleteness", "leader " + N(leader.id()) + " of term " + N(term) +
                                     " lacks entry " + N(i) + " (term " + N(c.term) +
                                     ", committed by term " + N(c.commit_term) + "); has " +
                                     (have == 0 ? std::string("nothing") : "term " + N(have)));
      return;
    }
  }
}

void InvariantChecker::CheckApplied(const SimNode& node, uint64_t index, uint64_t term,
                                    EntryType type, const std::string& data) {
  Grow(&applied_, index);
  uint64_t h = EntryHash(term, type, data);
  if (applied_[index] == 0) {
    applied_[index] = h;
  } else if (applied_[index] != h) {
    Fail("StateMachineSafety", "node " + N(node.id()) + " applies a different entry at index " +
                                   N(index) + " (term " + N(term) + ", data '" +
                                   data.substr(0, 32) + "') than another member applied");
  }
}

void InvariantChecker::OnRestore(const SimNode& node, const SnapshotMeta& meta,
                                 const std::vector<AppliedEntry>& image) {
  Track& t = tracks_[node.id()];
  if (meta.index <= t.applied) {
    Fail("AppliedInOrder", "node " + N(node.id()) + " restores snapshot " + N(meta.index) +
                               " at or below its applied index " + N(t.applied));
  }
  if (image.size() != meta.index) {
    Fail("SnapshotImageComplete", "node " + N(node.id()) + " snapshot at " + N(meta.index) +
                                      " holds " + N(image.size()) + " applied entries");
  }
  for (size_t k = 0; k < image.size(); ++k) {
    const AppliedEntry& e = image[k];
    if (e.index != k + 1) {
      Fail("SnapshotImageComplete",
           "node " + N(node.id()) + " snapshot image slot " + N(k) + " holds index " + N(e.index));
      break;
    }
    CheckApplied(node, e.index, e.term, e.type, e.data);
  }
  if (meta.index > t.commit) {
    Fail("AppliedWithinCommit", "node " + N(node.id()) + " restores snapshot " + N(meta.index) +
                                    " beyond its commit " + N(t.commit));
  }
  t.applied = meta.index;
}

void InvariantChecker::OnApply(const SimNode& node, const Entry& entry,
                               const ConfState* conf_state) {
  Track& t = tracks_[node.id()];
  if (entry.index != t.applied + 1) {
    Fail("AppliedInOrder", "node " + N(node.id()) + " applies entry " + N(entry.index) +
                               " after applying " + N(t.applied));
  }
  if (entry.index > std::max(t.commit, t.announced_commit)) {
    Fail("AppliedWithinCommit", "node " + N(node.id()) + " applies entry " + N(entry.index) +
                                    " beyond its commit " +
                                    N(std::max(t.commit, t.announced_commit)));
  }
  const uint64_t held = TermAt(node.storage(), entry.index);
  if (held != entry.term) {
    Fail("AppliedEntryInLog", "node " + N(node.id()) + " applies entry " + N(entry.index) +
                                  " of term " + N(entry.term) + " while its log holds " +
                                  (held == 0 ? std::string("nothing") : "term " + N(held)) +
                                  " there");
  }
  t.applied = entry.index;
  CheckApplied(node, entry.index, entry.term, entry.type, entry.data);
  if (conf_state != nullptr) {
    auto [it, inserted] = conf_by_index_.try_emplace(entry.index, *conf_state);
    if (!inserted && it->second != *conf_state) {
      Fail("ConfStateAgreement", "node " + N(node.id()) + " membership after conf change " +
                                     N(entry.index) + " differs from another member's");
    }
    if (entry.index > latest_conf_index_) {
      latest_conf_index_ = entry.index;
      latest_conf_ = *conf_state;
    }
  }
}

void InvariantChecker::OnReadState(const SimNode& node, const ReadState& read_state) {
  auto it = reads_.find(read_state.request_ctx);
  if (it == reads_.end()) return;  // answered twice (duplicate request message): checked once
  if (read_state.index < it->second) {
    Fail("ReadIndexLinearizable", "node " + N(node.id()) + " read '" + read_state.request_ctx +
                                      "' at index " + N(read_state.index) + " but " +
                                      N(it->second) + " was committed before it was requested");
  }
  reads_.erase(it);
}

void InvariantChecker::OnHostError(const SimNode& node, std::string_view invariant,
                                   std::string detail) {
  Fail(invariant, "node " + N(node.id()) + ": " + detail);
}

void InvariantChecker::CheckGlobal() {
  if (!check_durability_ || max_commit_ == 0 || violation_.has_value()) return;
  uint64_t term = max_commit_ < committed_.size() ? committed_[max_commit_].term : 0;
  if (term == 0) return;
  // By log matching, a log holding the highest committed entry holds every
  // committed entry; a durable snapshot at or past it covers them too.
  size_t voters = latest_conf_.voters.size();
  size_t holders = 0;
  std::string who;
  for (NodeId v : latest_conf_.voters) {
    auto it = nodes_.find(v);
    bool holds = false;
    if (it != nodes_.end()) {
      const MemoryStorage& durable = it->second->durable_storage();
      holds = durable.FirstIndex() - 1 >= max_commit_ || TermAt(durable, max_commit_) == term;
      who += " " + N(v) + (holds ? "+" : "-") + "(durable last " + N(durable.LastIndex()) + ")";
    }
    holders += holds;
  }
  // Some quorum lacks the entry iff the non-holders could form one.
  size_t quorum = voters / 2 + 1;
  if (voters - holders >= quorum) {
    Fail("CommittedEntryDurable", "committed entry " + N(max_commit_) + " (term " + N(term) +
                                      ") is durable on only " + N(holders) + " of " + N(voters) +
                                      " voters of the membership after conf change " +
                                      N(latest_conf_index_) + ":" + who);
  }
}

}  // namespace shadekv::raft::sim
