#include "agent/raft/raft_log.h"

#include <algorithm>
#include <string>

#include "agent/raft/invariant.h"

namespace shadekv::raft {

RaftLog::RaftLog(const Storage* storage)
    : storage_(storage),
      unstable_(storage->LastIndex() + 1),
      committed_(storage->FirstIndex() - 1),
      applied_(storage->FirstIndex() - 1) {}

void RaftLog::CheckStorage(const Status& status) {
  if (status.ok() || IsCompacted(status) || IsUnavailable(status)) return;
  InvariantViolated("storage failure: " + status.ToString());
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  return storage_->FirstIndex();
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  return storage_->LastIndex();
}

uint64_t RaftLog::LastTerm() const { return TermOrZero(LastIndex()); }

Result<uint64_t> RaftLog::Term(uint64_t index) const {
  // Valid range: [FirstIndex()-1, LastIndex()]; the dummy entry answers the
  // snapshot's term.
  const uint64_t dummy = FirstIndex() - 1;
  if (index < dummy) return ErrCompacted(index);
  if (index > LastIndex()) return ErrUnavailable(index);
  if (auto t = unstable_.MaybeTerm(index)) return *t;
  Result<uint64_t> term = storage_->Term(index);
  CheckStorage(term.status());
  return term;
}

uint64_t RaftLog::TermOrZero(uint64_t index) const {
  Result<uint64_t> term = Term(index);
  return term.ok() ? *term : 0;
}

bool RaftLog::MatchTerm(uint64_t index, uint64_t term) const {
  Result<uint64_t> t = Term(index);
  return t.ok() && *t == term;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t last_term) const {
  return last_term > LastTerm() || (last_term == LastTerm() && last_index >= LastIndex());
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                                             const std::vector<Entry>& entries) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  const uint64_t last_new = index + entries.size();
  const uint64_t conflict = FindConflict(entries);
  if (conflict != 0) {
    if (conflict <= committed_) {
      InvariantViolated("entry " + std::to_string(conflict) + " conflicts with committed entry " +
                        "(committed " + std::to_string(committed_) + ")");
    }
    std::vector<Entry> suffix(entries.begin() + static_cast<std::ptrdiff_t>(conflict - index - 1),
                              entries.end());
    Append(suffix);
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

uint64_t RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return LastIndex();
  const uint64_t after = entries.front().index - 1;
  if (after < committed_) {
    InvariantViolated("append after " + std::to_string(after) + " would overwrite committed " +
                      std::to_string(committed_));
  }
  unstable_.TruncateAndAppend(entries);
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  for (;; --index) {
    Result<uint64_t> ours = Term(index);
    if (!ours.ok()) return {index, 0};
    if (*ours <= term) return {index, *ours};
    if (index == 0) return {0, 0};
  }
}

Result<std::vector<Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  if (lo > hi)
    InvariantViolated("invalid slice " + std::to_string(lo) + " > " + std::to_string(hi));
  if (lo < FirstIndex()) return ErrCompacted(lo);
  if (hi > LastIndex() + 1) return ErrUnavailable(hi - 1);
  std::vector<Entry> out;
  if (lo == hi) return out;
  if (lo < unstable_.offset()) {
    Result<std::vector<Entry>> stored =
        storage_->Entries(lo, std::min(hi, unstable_.offset()), max_bytes);
    CheckStorage(stored.status());
    if (!stored.ok()) return stored.status();
    out = std::move(stored).value();
    // Storage cut the range short: respect its size limit.
    if (out.size() < std::min(hi, unstable_.offset()) - lo) return out;
  }
  if (hi > unstable_.offset()) {
    std::vector<Entry> held = unstable_.Slice(std::max(lo, unstable_.offset()), hi);
    out.insert(out.end(), held.begin(), held.end());
  }
  // Enforce the byte limit over the combined slice (at least one entry).
  uint64_t bytes = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    bytes += out[i].data.size();
    if (i > 0 && bytes > max_bytes) {
      out.resize(i);
      break;
    }
  }
  return out;
}

Result<std::vector<Entry>> RaftLog::EntriesFrom(uint64_t lo, uint64_t max_bytes) const {
  if (lo > LastIndex()) return std::vector<Entry>{};
  return Slice(lo, LastIndex() + 1, max_bytes);
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  const uint64_t lo = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 <= lo) return {};
  Result<std::vector<Entry>> entries = Slice(lo, committed_ + 1, UINT64_MAX);
  if (!entries.ok())
    InvariantViolated("committed entries unreadable: " + entries.status().ToString());
  return std::move(entries).value();
}

bool RaftLog::HasNextCommittedEntries() const {
  return committed_ + 1 > std::max(applied_ + 1, FirstIndex());
}

bool RaftLog::HasUnappliedConfChange() const {
  for (const Entry& e : NextCommittedEntries()) {
    if (e.type == EntryType::kConfChange) return true;
  }
  return false;
}

Result<Snapshot> RaftLog::GetSnapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->GetSnapshot();
}

void RaftLog::CommitTo(uint64_t index) {
  if (index <= committed_) return;  // never decrease commit
  if (index > LastIndex()) {
    InvariantViolated("commit " + std::to_string(index) + " is beyond last index " +
                      std::to_string(LastIndex()));
  }
  committed_ = index;
}

bool RaftLog::MaybeCommit(uint64_t index, uint64_t term) {
  // §5.4.2: only an entry of the current term is committed by counting.
  if (index > committed_ && TermOrZero(index) == term) {
    CommitTo(index);
    return true;
  }
  return false;
}

void RaftLog::AppliedTo(uint64_t index) {
  if (index == 0) return;
  if (index > committed_ || index < applied_) {
    InvariantViolated("applied " + std::to_string(index) + " is outside [" +
                      std::to_string(applied_) + ", " + std::to_string(committed_) + "]");
  }
  applied_ = index;
}

void RaftLog::Restore(const Snapshot& snapshot) {
  committed_ = snapshot.meta.index;
  unstable_.Restore(snapshot);
}

}  // namespace shadekv::raft
