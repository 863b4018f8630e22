// The Raft log on LevelDB: validation and one-batch persistence on the writer
// side, an in-memory term index and entry cache on the reader side.
#include "shadekv/store/raft_log_store.h"

#include <leveldb/db.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "store/leveldb_util.h"
#include "store/raft_entry_cache.h"
#include "store/raft_log_codec.h"

namespace shadekv::store {
namespace {

std::string EntryName(uint64_t index) { return "raft log entry " + std::to_string(index); }

leveldb::Slice Key(std::string_view key) { return {key.data(), key.size()}; }

// The value at key, or nullopt when absent.
Result<std::optional<std::string>> Get(leveldb::DB& db, std::string_view key,
                                       const std::string& what) {
  std::string value;
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  leveldb::Status s = db.Get(read, Key(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(s, "reading " + what));
  return std::optional<std::string>(std::move(value));
}

std::string_view View(const leveldb::Slice& s) { return {s.data(), s.size()}; }

// The rules of PersistBatch::entries against a log whose discarded prefix ends
// at `base` and whose last entry is `last`; term_at(i) answers for i in [base, last].
template <typename TermAt>
Status CheckAppend(const std::vector<raft::Entry>& entries, uint64_t base, uint64_t last,
                   const TermAt& term_at) {
  if (entries.empty()) return Status::Ok();
  const uint64_t first = entries.front().index;
  if (first <= base) {
    return Status::InvalidArgument("raft log: appending at index " + std::to_string(first) +
                                   ", at or below the snapshot index " + std::to_string(base));
  }
  if (first > last + 1) {
    return Status::InvalidArgument("raft log: appending at index " + std::to_string(first) +
                                   " would leave a gap after last index " + std::to_string(last));
  }
  uint64_t prev_term = term_at(first - 1);
  for (size_t i = 0; i < entries.size(); ++i) {
    const raft::Entry& e = entries[i];
    if (e.index != first + i) {
      return Status::InvalidArgument("raft log: appended entries are not contiguous: index " +
                                     std::to_string(e.index) + " where " +
                                     std::to_string(first + i) + " was expected");
    }
    if (e.term < prev_term) {
      return Status::InvalidArgument("raft log: term goes backwards at index " +
                                     std::to_string(e.index) + ": " + std::to_string(e.term) +
                                     " after " + std::to_string(prev_term));
    }
    if (e.data.size() > raftlog::kMaxEntryDataBytes) {
      return Status::InvalidArgument("raft log: entry " + std::to_string(e.index) + " has " +
                                     std::to_string(e.data.size()) + " bytes of data, over " +
                                     std::to_string(raftlog::kMaxEntryDataBytes));
    }
    prev_term = e.term;
  }
  return Status::Ok();
}

}  // namespace

RaftLogStore::RaftLogStore(std::string dir, std::unique_ptr<leveldb::DB> db,
                           const RaftLogStoreOptions& options)
    : dir_(std::move(dir)),
      db_(std::move(db)),
      cache_(std::make_unique<RaftEntryCache>(options.cache_max_entries, options.cache_max_bytes)) {
}

RaftLogStore::~RaftLogStore() = default;

Result<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(const std::string& dir,
                                                         const RaftLogStoreOptions& options) {
  OpenOptions open_options;
  open_options.create_if_missing = options.create_if_missing;
  open_options.write_buffer_bytes = options.write_buffer_bytes;
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<leveldb::DB> db,
                           OpenLevelDb(dir, kRaftLogFormat, open_options));
  std::unique_ptr<RaftLogStore> store(new RaftLogStore(dir, std::move(db), options));
  SHADEKV_RETURN_IF_ERROR(store->Load().WithContext("opening raft log " + dir));
  return store;
}

Status RaftLogStore::Load() {
  SHADEKV_ASSIGN_OR_RETURN(auto hard_state, Get(*db_, raftlog::kHardStateKey, "raft hard state"));
  if (hard_state) {
    SHADEKV_ASSIGN_OR_RETURN(hard_state_, raftlog::DecodeHardState(*hard_state, "raft hard state"));
  }
  SHADEKV_ASSIGN_OR_RETURN(auto conf_state, Get(*db_, raftlog::kConfStateKey, "raft conf state"));
  if (conf_state) {
    SHADEKV_ASSIGN_OR_RETURN(conf_state_, raftlog::DecodeConfState(*conf_state, "raft conf state"));
  }
  SHADEKV_ASSIGN_OR_RETURN(auto meta, Get(*db_, raftlog::kSnapshotMetaKey, "raft snapshot meta"));
  if (meta) {
    SHADEKV_ASSIGN_OR_RETURN(snapshot_meta_,
                             raftlog::DecodeSnapshotMeta(*meta, "raft snapshot meta"));
  }
  SHADEKV_ASSIGN_OR_RETURN(auto base, Get(*db_, raftlog::kLogBaseKey, "raft log base"));
  if (base) {
    SHADEKV_ASSIGN_OR_RETURN(raftlog::LogBase decoded,
                             raftlog::DecodeLogBase(*base, "raft log base"));
    base_index_ = decoded.index;
    base_term_ = decoded.term;
  }
  return LoadLog();
}

// One scan from the first live entry: rebuilds terms_ and checks that the log
// is what Persist() could have written (contiguous, terms never decreasing).
Status RaftLogStore::LoadLog() {
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  uint64_t expected = base_index_ + 1;
  uint64_t prev_term = base_term_;
  for (it->Seek(raftlog::EntryKey(expected)); it->Valid() && raftlog::IsEntryKey(View(it->key()));
       it->Next(), ++expected) {
    SHADEKV_ASSIGN_OR_RETURN(uint64_t index, raftlog::DecodeEntryKey(View(it->key())));
    if (index != expected) {
      return Status::DataLoss("raft log has a hole: expected " + EntryName(expected) + ", found " +
                              EntryName(index) +
                              " (restore this member from a snapshot or re-add it)");
    }
    SHADEKV_ASSIGN_OR_RETURN(raftlog::EntryHeader header,
                             raftlog::DecodeEntryHeader(View(it->value()), EntryName(index)));
    if (header.index != index) {
      return Status::DataLoss(EntryName(index) + ": value holds index " +
                              std::to_string(header.index));
    }
    if (header.term < prev_term) {
      return Status::DataLoss(EntryName(index) + ": term " + std::to_string(header.term) +
                              " is below the previous term " + std::to_string(prev_term));
    }
    prev_term = header.term;
    terms_.push_back(header.term);
  }
  return FromLevelDb(it->status(), "scanning raft log");
}

Status RaftLogStore::Write(leveldb::WriteBatch* batch, bool sync, const std::string& what) {
  leveldb::WriteOptions write;
  write.sync = sync;
  return FromLevelDb(db_->Write(write, batch), what);
}

Status RaftLogStore::Persist(const PersistBatch& batch) {
  // Validate everything against the state as it will be after the snapshot
  // (if any) is installed, before touching the disk.
  const uint64_t old_last = LastIndex();
  uint64_t base = base_index_;
  uint64_t base_term = base_term_;
  uint64_t last = old_last;
  bool snapshot_matches = false;
  if (batch.snapshot) {
    const raft::SnapshotMeta& meta = *batch.snapshot;
    if (meta.index <= snapshot_meta_.index || meta.index <= base_index_) {
      return Status::FailedPrecondition(
          "raft log: snapshot out of date: have index " +
          std::to_string(std::max(snapshot_meta_.index, base_index_)) + ", got " +
          std::to_string(meta.index));
    }
    snapshot_matches = meta.index <= old_last && *Term(meta.index) == meta.term;
    base = meta.index;
    base_term = meta.term;
    if (!snapshot_matches) last = meta.index;
  }
  // Term of the entry at index (base, last] once the snapshot is in.
  auto term_at = [&](uint64_t index) { return index == base ? base_term : *Term(index); };

  const std::vector<raft::Entry>& entries = batch.entries;
  SHADEKV_RETURN_IF_ERROR(CheckAppend(entries, base, last, term_at));
  if (batch.hard_state && batch.hard_state->term < hard_state_.term) {
    return Status::FailedPrecondition("raft log: hard state term goes backwards: persisted " +
                                      std::to_string(hard_state_.term) + ", got " +
                                      std::to_string(batch.hard_state->term));
  }

  const bool nothing = !batch.snapshot && entries.empty() && !batch.hard_state && !batch.conf_state;
  if (nothing && !batch.sync) return Status::Ok();

  leveldb::WriteBatch wb;
  if (batch.snapshot) {
    const uint64_t drop_to = snapshot_matches ? batch.snapshot->index : old_last;
    for (uint64_t i = base_index_ + 1; i <= drop_to; ++i) wb.Delete(raftlog::EntryKey(i));
    wb.Put(Key(raftlog::kSnapshotMetaKey), raftlog::EncodeSnapshotMeta(*batch.snapshot));
    wb.Put(Key(raftlog::kLogBaseKey), raftlog::EncodeLogBase({base, base_term}));
    wb.Put(Key(raftlog::kConfStateKey), raftlog::EncodeConfState(batch.snapshot->conf_state));
  }
  if (!entries.empty()) {
    // Entries past the new batch's end belong to the replaced suffix.
    for (uint64_t i = entries.back().index + 1; i <= last; ++i) wb.Delete(raftlog::EntryKey(i));
    for (const raft::Entry& e : entries) {
      wb.Put(raftlog::EntryKey(e.index), raftlog::EncodeEntry(e));
    }
  }
  if (batch.hard_state) {
    wb.Put(Key(raftlog::kHardStateKey), raftlog::EncodeHardState(*batch.hard_state));
  }
  if (batch.conf_state) {
    wb.Put(Key(raftlog::kConfStateKey), raftlog::EncodeConfState(*batch.conf_state));
  }
  SHADEKV_RETURN_IF_ERROR(
      Write(&wb, batch.sync,
            "persisting raft batch" +
                (entries.empty() ? std::string()
                                 : " with entries " + std::to_string(entries.front().index) + ".." +
                                       std::to_string(entries.back().index)) +
                " in " + dir_));

  // The disk has it; now mirror it in memory.
  if (batch.snapshot) {
    if (snapshot_matches) {
      terms_.erase(terms_.begin(),
                   terms_.begin() + static_cast<std::ptrdiff_t>(base - base_index_));
      cache_->DropThrough(base);
    } else {
      terms_.clear();
      cache_->Clear();
    }
    base_index_ = base;
    base_term_ = base_term;
    snapshot_meta_ = *batch.snapshot;
    conf_state_ = batch.snapshot->conf_state;
  }
  if (!entries.empty()) {
    terms_.resize(entries.front().index - base_index_ - 1);
    for (const raft::Entry& e : entries) terms_.push_back(e.term);
    cache_->Append(entries);
  }
  if (batch.hard_state) hard_state_ = *batch.hard_state;
  if (batch.conf_state) conf_state_ = *batch.conf_state;
  return Status::Ok();
}

Status RaftLogStore::Compact(uint64_t index, const raft::SnapshotMeta& meta) {
  if (index <= base_index_) return raft::ErrCompacted(index);
  const uint64_t last = LastIndex();
  if (index > last) {
    return Status::InvalidArgument("raft log: compact index " + std::to_string(index) +
                                   " is beyond last index " + std::to_string(last));
  }
  if (meta.index < index || meta.index > last) {
    return Status::InvalidArgument("raft log: snapshot index " + std::to_string(meta.index) +
                                   " must be in [" + std::to_string(index) + ", " +
                                   std::to_string(last) + "] to compact through " +
                                   std::to_string(index));
  }
  if (meta.index < snapshot_meta_.index) {
    return Status::InvalidArgument("raft log: snapshot index " + std::to_string(meta.index) +
                                   " is older than the recorded snapshot at " +
                                   std::to_string(snapshot_meta_.index));
  }
  const uint64_t meta_term = *Term(meta.index);
  if (meta.term != meta_term) {
    return Status::InvalidArgument("raft log: snapshot term " + std::to_string(meta.term) +
                                   " does not match term " + std::to_string(meta_term) +
                                   " of entry " + std::to_string(meta.index));
  }
  const uint64_t index_term = *Term(index);

  leveldb::WriteBatch wb;
  for (uint64_t i = base_index_ + 1; i <= index; ++i) wb.Delete(raftlog::EntryKey(i));
  wb.Put(Key(raftlog::kLogBaseKey), raftlog::EncodeLogBase({index, index_term}));
  wb.Put(Key(raftlog::kSnapshotMetaKey), raftlog::EncodeSnapshotMeta(meta));
  SHADEKV_RETURN_IF_ERROR(Write(
      &wb, /*sync=*/true, "compacting raft log through " + std::to_string(index) + " in " + dir_));

  terms_.erase(terms_.begin(), terms_.begin() + static_cast<std::ptrdiff_t>(index - base_index_));
  base_index_ = index;
  base_term_ = index_term;
  snapshot_meta_ = meta;
  cache_->DropThrough(index);
  return Status::Ok();
}

void RaftLogStore::SetSnapshotDataProvider(std::function<Result<std::string>()> provider) {
  snapshot_provider_ = std::move(provider);
}

Result<raft::InitialState> RaftLogStore::LoadInitialState() const {
  return raft::InitialState{hard_state_, conf_state_};
}

Result<std::vector<raft::Entry>> RaftLogStore::Entries(uint64_t lo, uint64_t hi,
                                                       uint64_t max_bytes) const {
  if (lo <= base_index_) return raft::ErrCompacted(lo);
  if (hi > LastIndex() + 1) return raft::ErrUnavailable(hi - 1);
  if (lo > hi) {
    return Status::InvalidArgument("raft log: entries range [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + ") is reversed");
  }
  std::vector<raft::Entry> out;
  if (lo == hi) return out;
  // Older part from LevelDB, the newest part from the cache.
  uint64_t db_hi = hi;
  if (!cache_->empty() && cache_->first() < hi) db_hi = std::max(lo, cache_->first());
  if (lo < db_hi) {
    SHADEKV_RETURN_IF_ERROR(ReadEntriesFromDb(lo, db_hi, max_bytes, &out));
    if (out.size() < db_hi - lo) return out;  // cut by max_bytes
  }
  if (db_hi < hi) cache_->Get(db_hi, hi, max_bytes, &out);
  return out;
}

Status RaftLogStore::ReadEntriesFromDb(uint64_t lo, uint64_t hi, uint64_t max_bytes,
                                       std::vector<raft::Entry>* out) const {
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  uint64_t total = 0;
  uint64_t index = lo;
  for (it->Seek(raftlog::EntryKey(lo)); index < hi; it->Next(), ++index) {
    if (!it->Valid() || View(it->key()) != raftlog::EntryKey(index)) {
      SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "reading " + EntryName(index)));
      return Status::DataLoss("raft log: " + EntryName(index) + " is missing from " + dir_ +
                              " (restore this member from a snapshot or re-add it)");
    }
    SHADEKV_ASSIGN_OR_RETURN(raft::Entry entry,
                             raftlog::DecodeEntry(View(it->value()), EntryName(index)));
    if (entry.index != index) {
      return Status::DataLoss(EntryName(index) + ": value holds index " +
                              std::to_string(entry.index));
    }
    total += entry.data.size();
    if (!out->empty() && total > max_bytes) break;
    out->push_back(std::move(entry));
  }
  return Status::Ok();
}

Result<uint64_t> RaftLogStore::Term(uint64_t index) const {
  if (index < base_index_) return raft::ErrCompacted(index);
  if (index > LastIndex()) return raft::ErrUnavailable(index);
  if (index == base_index_) return base_term_;
  return terms_[index - base_index_ - 1];
}

uint64_t RaftLogStore::FirstIndex() const { return base_index_ + 1; }

uint64_t RaftLogStore::LastIndex() const { return base_index_ + terms_.size(); }

Result<raft::Snapshot> RaftLogStore::GetSnapshot() const {
  if (snapshot_meta_.index == 0) return raft::Snapshot{};
  if (!snapshot_provider_) {
    return Status::Unavailable(
        "raft log: no snapshot data provider is set yet (snapshot at index " +
        std::to_string(snapshot_meta_.index) + ")");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::string data, snapshot_provider_());
  return raft::Snapshot{snapshot_meta_, std::move(data)};
}

}  // namespace shadekv::store
