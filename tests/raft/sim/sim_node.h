// One member of the simulated cluster: a real RawNode, its host loop, and a
// storage model that knows which writes are synced.
//
// The host performs each Ready in the documented order (persist, sync if
// asked, send, apply, advance), except that it applies the committed entries
// its log already holds first, as the Ready contract allows and the agent
// does. Every write the host makes (log entries,
// hard state, snapshot install, apply, compaction) goes to the live storage the
// RawNode reads and is queued as an unsynced write. A sync makes all queued
// writes durable, in order, like a write-ahead log with fsync. A crash keeps
// the durable writes and, with some probability, only a prefix of the unsynced
// ones; a restart rebuilds the live storage from what survived.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/memory_storage.h"
#include "shadekv/raft/raw_node.h"

namespace shadekv::raft::sim {

// One entry as the simulated state machine applied it.
struct AppliedEntry {
  uint64_t index = 0;
  uint64_t term = 0;
  EntryType type = EntryType::kNormal;
  std::string data;
  friend bool operator==(const AppliedEntry&, const AppliedEntry&) = default;
};

// The state machine image, as stored in snapshot data. Layout, per entry:
//   index:fixed64 term:fixed64 type:u8 size:fixed32 data:bytes[size]
// then a trailing fnv1a-64 checksum of everything before it (fixed64).
std::string EncodeImage(const std::vector<AppliedEntry>& image);
// Fails with kDataLoss on truncated or corrupt bytes.
Result<std::vector<AppliedEntry>> DecodeImage(std::string_view bytes);

uint64_t Fnv1a(std::string_view bytes, uint64_t hash = 14695981039346656037ull);

// What a node persists, synced or not: its Raft storage and its state machine.
// Apply is atomic with the applied index (one write batch, as in the store).
struct NodeDisk {
  MemoryStorage log;
  uint64_t applied = 0;
  std::vector<AppliedEntry> state_machine;  // every applied entry, 1..applied
};

// Tuning passed to every RawNode.
struct NodeTuning {
  int election_tick = 10;
  int heartbeat_tick = 1;
  uint64_t max_size_per_msg = 1024;
  int max_inflight_msgs = 8;
  uint64_t max_snapshot_chunk_bytes = 256;
  bool pre_vote = true;
  bool check_quorum = true;
};

// What the host observed while performing Ready batches. The invariant checker
// implements it; every call happens at the point of the Ready order named.
class ReadyObserver {
 public:
  virtual ~ReadyObserver() = default;
  // A Ready batch, before anything in it was persisted.
  virtual void OnReady(const class SimNode& node, const Ready& ready) = 0;
  // The batch's persist step is done (live storage holds it).
  virtual void OnPersisted(const SimNode& node, const Ready& ready) = 0;
  // The state machine was restored from a snapshot (image decoded from it).
  virtual void OnRestore(const SimNode& node, const SnapshotMeta& meta,
                         const std::vector<AppliedEntry>& image) = 0;
  // The state machine applied one committed entry. conf_state is set for a
  // conf change: the membership ApplyConfChange returned.
  virtual void OnApply(const SimNode& node, const Entry& entry, const ConfState* conf_state) = 0;
  virtual void OnReadState(const SimNode& node, const ReadState& read_state) = 0;
  // Something the host could not do that the contract says it can.
  virtual void OnHostError(const SimNode& node, std::string_view invariant, std::string detail) = 0;
};

class SimNode {
 public:
  // A member whose storage starts with `bootstrap` as its membership and an
  // empty log. Members added later start from the founding membership too and
  // learn the rest by replaying the log (or from a snapshot), so every
  // member's membership history matches the group's.
  SimNode(NodeId id, const ConfState& bootstrap);

  NodeId id() const { return id_; }
  bool alive() const { return raw_ != nullptr; }
  int incarnation() const { return incarnation_; }

  // Creates the RawNode from the live storage, with Config::applied = the
  // applied index. The node must be down.
  Status Start(const NodeTuning& tuning, uint64_t seed);

  // Drops the RawNode (and with it the volatile state). Synced writes
  // survive. Unsynced writes survive too, except that with probability
  // loss_probability only a random strict prefix of them does (the disk kept
  // writes in order but not all of them). Returns how many writes were lost.
  size_t Crash(std::mt19937_64* rng, double loss_probability);

  // Performs Ready batches until there are none, appending the messages to
  // send to *outbox in order.
  void HandleReadies(ReadyObserver* observer, std::vector<Message>* outbox);

  // Takes a snapshot of the state machine at the applied index and compacts
  // the log up to it. Does nothing when nothing was applied since the last
  // snapshot. Returns an error only when storage refuses.
  Status MaybeCompact();

  // A broken host that never syncs, for checking that the checker notices.
  void set_ignore_sync(bool ignore) { ignore_sync_ = ignore; }

  RawNode* raw() { return raw_.get(); }
  const RawNode* raw() const { return raw_.get(); }

  // Live view: what the running node has written, synced or not.
  const MemoryStorage& storage() const { return live_.log; }
  uint64_t applied() const { return live_.applied; }
  const std::vector<AppliedEntry>& state_machine() const { return live_.state_machine; }
  // Durable view: what would survive a crash that loses every unsynced write.
  const MemoryStorage& durable_storage() const { return durable_.log; }

  // The latest hard and soft state seen in a Ready (hard state: or loaded).
  const HardState& hard_state() const { return hard_state_; }
  const SoftState& soft_state() const { return soft_state_; }
  // Membership as of the applied index.
  const ConfState& conf_state() const { return live_.log.conf_state(); }
  bool removed_self() const { return removed_self_; }

 private:
  struct AppendWrite {
    std::vector<Entry> entries;
  };
  struct HardStateWrite {
    HardState hard_state;
  };
  struct InstallWrite {  // a received snapshot: log and state machine in one batch
    Snapshot snapshot;
    std::vector<AppliedEntry> image;
  };
  struct ApplyWrite {
    AppliedEntry entry;
    std::optional<ConfState> conf_state;
  };
  struct CompactWrite {
    uint64_t index = 0;
    ConfState conf_state;
    std::string data;
  };
  using Write = std::variant<AppendWrite, HardStateWrite, InstallWrite, ApplyWrite, CompactWrite>;

  // Performs a write on a disk image; the live image and the durable one go
  // through the same code so they cannot disagree about what a write means.
  static Status Perform(const Write& write, NodeDisk* disk);
  void Record(Write write, ReadyObserver* observer, std::string_view what);
  void Sync();
  void HandleReady(Ready ready, ReadyObserver* observer, std::vector<Message>* outbox);
  void ApplyEntry(const Entry& entry, ReadyObserver* observer);

  const NodeId id_;
  int incarnation_ = 0;
  NodeDisk live_;
  NodeDisk durable_;
  std::vector<Write> unsynced_;
  std::unique_ptr<RawNode> raw_;
  HardState hard_state_;
  SoftState soft_state_;
  bool removed_self_ = false;
  bool ignore_sync_ = false;
};

}  // namespace shadekv::raft::sim
