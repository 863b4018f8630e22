// The append-only writer of an audit log: seals each record into the chain
// and appends it as one line, with an fsync policy and size-based rotation.
//
// Files: the active file is `path`; a full one is renamed to `path.NNNNNN`
// (000001, 000002, ... in the order they were written, so a shell glob lists
// them oldest first) and the chain continues in a new `path`: its first
// record's prev is the last hash of the renamed file and seq goes on.
//
// Contract:
//  - Open resumes seq and prev from the last complete line of `path` (or of
//    the newest rotated file when `path` is missing or empty). It refuses,
//    naming the file and line, to append after a torn last line (no
//    newline: a crash during a write) or a last line that is not a valid
//    record (bad JSON, hash mismatch): an audit log is never extended past
//    damage. Check it with `shadectl audit verify` and move it aside.
//  - Append writes one whole line with a single O_APPEND write; if the write
//    fails part-way the partial bytes are cut off again, so the file ends on
//    a complete record. When even that fails, the writer refuses every
//    later Append with the original error.
//  - One writer per file: the active file is locked (flock) while open; a
//    second writer, in this process or another, is refused.
//  - Not thread-safe, except LastLoggedRevision and dirty (any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "plugins/audit/audit_record.h"
#include "shadekv/common/status.h"

namespace shadekv::audit {

enum class FsyncPolicy {
  kAlways,    // fdatasync after every record
  kInterval,  // at most one fdatasync per interval, on the next Append after
              // it elapsed, and at close; the plugin also calls SyncIfDirty
              // every interval so an idle log's tail is not left unsynced
  kNever,     // leave it to the kernel (still synced before a rotation)
};

struct WriterOptions {
  std::string path;
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  std::chrono::milliseconds fsync_interval{1000};
  uint64_t max_bytes = 64ull << 20;  // rotate before a file would exceed it; 0 = never
};

class AuditWriter {
 public:
  // See the contract above. Errors name the file: missing directory,
  // permission denied, torn or invalid tail.
  static Result<std::unique_ptr<AuditWriter>> Open(const WriterOptions& options);

  // Syncs (unless kNever) and closes.
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Sets record.seq and record.prev, seals it and appends it, rotating
  // first when the line would take the file past max_bytes.
  Status Append(AuditRecord record);

  // fdatasync now.
  Status Sync();
  // fdatasync when records were appended since the last sync.
  Status SyncIfDirty();
  // True when records were appended since the last sync (any thread).
  bool dirty() const { return dirty_.load(); }

  uint64_t last_seq() const { return last_seq_; }
  const std::string& last_hash() const { return last_hash_; }
  // The revision of the newest "event" record in the log (0 when none):
  // where a subscriber resumes so no revision is logged twice.
  int64_t LastLoggedRevision() const { return last_event_revision_.load(); }
  // Bytes in the active file.
  uint64_t active_size() const { return size_; }

 private:
  AuditWriter(WriterOptions options, int fd, uint64_t size);
  Status Rotate();

  const WriterOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
  std::atomic<int64_t> last_event_revision_{0};
  std::atomic<bool> dirty_{false};
  std::chrono::steady_clock::time_point last_sync_;
  Status broken_;  // non-OK after a write that could not be undone
};

}  // namespace shadekv::audit
