// MirrorStore: a local MvccStore that holds exactly a primary's keyspace and
// history, fed by the change-event bus (bus/PROTOCOL.md): one EVENT per
// primary revision, and occasionally a whole store snapshot. Range, HashKv
// and Changes at a revision R answer here what the primary answered at R.
// The shadow daemon and the bus end-to-end tests build on it.
//
// Position. AppliedRevision() is the bus's "applied revision" A of section 4:
// a new mirror reports 0, so a subscriber's first catch-up asks from
// revision 1 and gets a snapshot (PROTOCOL.md section 3). A new mirror
// nevertheless holds the empty revision-1 state that every primary starts
// from, so it also accepts the primary's first EVENT (revision 2) directly.
// After any snapshot or event, A is the store's revision (a snapshot of an
// empty primary leaves A = 1, remembered across reopen). A is written in the
// same LevelDB batch as the revision's data, so after a crash (SIGKILL) the
// mirror resumes exactly after the last revision it holds: no revision is
// applied twice or lost.
//
// Annotations. ApplyEvent stores the EVENT body as the revision's annotation,
// so Store()->Changes() hands out the exact bytes received. Revisions that
// arrived inside a snapshot carry the primary's own annotation instead (the
// agent's event envelope, agent/server), as the primary stores it.
//
// Layout of `dir`: CURRENT (names the live store directory) and store-<N>
// (an MvccStore, "shadekv-kv/1"). A snapshot is restored into store-<N+1>,
// CURRENT is replaced atomically, and store-<N> is removed once its last
// reader lets go, so a bad snapshot or a crash mid-install never loses the
// old store.
//
// Threads: ApplyEvent and InstallSnapshot from one thread at a time (the
// subscriber's). Store() and AppliedRevision() from any thread, any time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::mirror {

class MirrorStore {
 public:
  // Opens the mirror in `dir`, creating it (and `dir`) when absent, and
  // removes leftovers of an interrupted install. `options` apply to every
  // store generation (sync off by default: LevelDB's unsynced writes survive
  // a process kill; set sync to survive a power loss too). Errors: those of
  // MvccStore::Open, kDataLoss for an unreadable CURRENT, kUnavailable for
  // file system errors.
  static Result<std::unique_ptr<MirrorStore>> Open(const std::string& dir,
                                                   const store::MvccOptions& options = {});
  ~MirrorStore();
  MirrorStore(const MirrorStore&) = delete;
  MirrorStore& operator=(const MirrorStore&) = delete;

  // The last primary revision applied (0 for a new mirror, see above).
  int64_t AppliedRevision() const;

  // Decodes an EVENT body (bus::DecodeEvent) and applies its revision with
  // the body as annotation. Errors, each changing nothing:
  //  - kInvalidArgument: the body is not a valid EVENT (codec's message);
  //  - kFailedPrecondition: the revision is not the next one (duplicate or
  //    gap; message names both revisions);
  //  - kDataLoss "mirror diverged at revision R: ...": the event does not
  //    follow from this mirror's state (see MvccStore::ApplyMirrored);
  //  - storage errors (kUnavailable).
  Status ApplyEvent(std::string_view event_body);

  // Replaces the whole mirror with the primary's store snapshot (the bytes
  // of MvccStore::ExportSnapshot) taken at `revision`. The snapshot is
  // restored and verified (SHA-256 trailer, keyspace hash, its revision
  // equals `revision`) before anything is replaced; on any error (kDataLoss
  // truncated/corrupt, kInvalidArgument foreign stream or revision mismatch,
  // kUnavailable file system) the old store stays, unchanged and readable.
  // Readers holding the old Store() keep reading it until they let go.
  Status InstallSnapshot(int64_t revision, std::string_view snapshot_bytes);

  // The mirror's own retention, independent of the primary's compaction:
  // compacts history below `revision` (MvccStore's CompactionRequest rules:
  // kOutOfRange when revision is at or below the last compaction or above
  // AppliedRevision(); no key, revision or history changes then). Later
  // events still apply; reads and Changes below `revision` fail as
  // compacted. The writer thread only
  // (it is an MvccStore::Apply, which also advances the store's AppliedIndex,
  // a number a mirror does not use).
  Status Compact(int64_t revision);
  // Physically deletes up to `max_versions` versions the compaction made
  // unreadable (MvccStore::CompactStep); true when none is left. One thread
  // at a time, concurrently with the writer and readers.
  Result<bool> CompactStep(size_t max_versions);

  // The current store, for reads (Range, HashKv, Changes, ExportSnapshot).
  // Stays valid, at its state or later, as long as the caller holds it, even
  // across an InstallSnapshot (then it no longer advances).
  std::shared_ptr<const store::MvccStore> Store() const;

  const std::string& dir() const { return dir_; }

 private:
  MirrorStore(std::string dir, const store::MvccOptions& options);

  // One store directory, opened with a deleter that removes the directory
  // once `retired` is set and the last reference is released.
  struct Generation {
    std::shared_ptr<store::MvccStore> store;
    std::shared_ptr<std::atomic<bool>> retired;
  };
  Result<Generation> OpenGeneration(uint64_t generation) const;

  // Fixed after construction.
  const std::string dir_;
  const store::MvccOptions options_;

  // Guarded by mu_. `store_` changes only in InstallSnapshot; `synced_` says
  // a snapshot was installed (the only way to stand at revision 1 with A = 1).
  mutable std::mutex mu_;
  std::shared_ptr<store::MvccStore> store_;
  // Set when store_ is replaced: its directory goes when its last reader does.
  std::shared_ptr<std::atomic<bool>> store_retired_;
  uint64_t generation_ = 0;
  bool synced_ = false;
};

}  // namespace shadekv::mirror
