// A simulated member: the host loop around a RawNode and its crash model.
#include "tests/raft/sim/sim_node.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace shadekv::raft::sim {
namespace {

void PutFixed(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

bool GetFixed(std::string_view* in, int bytes, uint64_t* value) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *value = 0;
  for (int i = 0; i < bytes; ++i) {
    *value |= static_cast<uint64_t>(static_cast<unsigned char>((*in)[i])) << (8 * i);
  }
  in->remove_prefix(bytes);
  return true;
}

bool ContainsNode(const ConfState& conf, NodeId id) {
  for (NodeId v : conf.voters) {
    if (v == id) return true;
  }
  for (NodeId l : conf.learners) {
    if (l == id) return true;
  }
  return false;
}

}  // namespace

uint64_t Fnv1a(std::string_view bytes, uint64_t hash) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string EncodeImage(const std::vector<AppliedEntry>& image) {
  std::string out;
  for (const AppliedEntry& e : image) {
    PutFixed(&out, e.index, 8);
    PutFixed(&out, e.term, 8);
    PutFixed(&out, static_cast<uint64_t>(e.type), 1);
    PutFixed(&out, e.data.size(), 4);
    out += e.data;
  }
  PutFixed(&out, Fnv1a(out), 8);
  return out;
}

Result<std::vector<AppliedEntry>> DecodeImage(std::string_view bytes) {
  if (bytes.size() < 8) {
    return Status::DataLoss("sim: image of " + std::to_string(bytes.size()) +
                            " bytes is truncated");
  }
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  std::string_view tail = bytes.substr(bytes.size() - 8);
  uint64_t checksum = 0;
  GetFixed(&tail, 8, &checksum);
  if (checksum != Fnv1a(body)) {
    return Status::DataLoss("sim: image checksum mismatch over " + std::to_string(bytes.size()) +
                            " bytes");
  }
  std::vector<AppliedEntry> image;
  while (!body.empty()) {
    AppliedEntry e;
    uint64_t type = 0;
    uint64_t size = 0;
    if (!GetFixed(&body, 8, &e.index) || !GetFixed(&body, 8, &e.term) ||
        !GetFixed(&body, 1, &type) || !GetFixed(&body, 4, &size) || body.size() < size) {
      return Status::DataLoss("sim: image entry truncated after " + std::to_string(image.size()) +
                              " entries");
    }
    e.type = static_cast<EntryType>(type);
    e.data.assign(body.substr(0, size));
    body.remove_prefix(size);
    image.push_back(std::move(e));
  }
  return image;
}

SimNode::SimNode(NodeId id, const ConfState& bootstrap) : id_(id) {
  live_.log.SetConfState(bootstrap);
  durable_.log.SetConfState(bootstrap);
}

Status SimNode::Start(const NodeTuning& tuning, uint64_t seed) {
  if (raw_ != nullptr) return Status::FailedPrecondition("sim: node is already up");
  Config config;
  config.id = id_;
  config.election_tick = tuning.election_tick;
  config.heartbeat_tick = tuning.heartbeat_tick;
  config.storage = &live_.log;
  config.applied = live_.applied;
  config.max_size_per_msg = tuning.max_size_per_msg;
  config.max_inflight_msgs = tuning.max_inflight_msgs;
  config.max_snapshot_chunk_bytes = tuning.max_snapshot_chunk_bytes;
  config.pre_vote = tuning.pre_vote;
  config.check_quorum = tuning.check_quorum;
  config.seed = seed;
  SHADEKV_ASSIGN_OR_RETURN(raw_, RawNode::Create(config));
  ++incarnation_;
  hard_state_ = live_.log.hard_state();
  soft_state_ = SoftState{};
  removed_self_ = !ContainsNode(live_.log.conf_state(), id_);
  return Status::Ok();
}

size_t SimNode::Crash(std::mt19937_64* rng, double loss_probability) {
  size_t keep = unsynced_.size();
  if (keep > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(*rng) < loss_probability) {
    keep = std::uniform_int_distribution<size_t>(0, unsynced_.size() - 1)(*rng);
  }
  size_t lost = unsynced_.size() - keep;
  unsynced_.resize(keep);
  Sync();
  raw_.reset();
  live_ = durable_;
  hard_state_ = live_.log.hard_state();
  soft_state_ = SoftState{};
  return lost;
}

Status SimNode::Perform(const Write& write, NodeDisk* disk) {
  if (const auto* w = std::get_if<AppendWrite>(&write)) return disk->log.Append(w->entries);
  if (const auto* w = std::get_if<HardStateWrite>(&write)) {
    disk->log.SetHardState(w->hard_state);
    return Status::Ok();
  }
  if (const auto* w = std::get_if<InstallWrite>(&write)) {
    SHADEKV_RETURN_IF_ERROR(disk->log.ApplySnapshot(w->snapshot));
    disk->applied = w->snapshot.meta.index;
    disk->state_machine = w->image;
    return Status::Ok();
  }
  if (const auto* w = std::get_if<ApplyWrite>(&write)) {
    disk->state_machine.push_back(w->entry);
    disk->applied = w->entry.index;
    if (w->conf_state.has_value()) disk->log.SetConfState(*w->conf_state);
    return Status::Ok();
  }
  const auto& w = std::get<CompactWrite>(write);
  SHADEKV_RETURN_IF_ERROR(disk->log.CreateSnapshot(w.index, w.conf_state, w.data).status());
  return disk->log.Compact(w.index);
}

void SimNode::Record(Write write, ReadyObserver* observer, std::string_view what) {
  Status status = Perform(write, &live_);
  if (!status.ok()) {
    // A write the contract says the host can make was refused: the batch
    // asked for something storage cannot hold.
    if (observer != nullptr) observer->OnHostError(*this, what, status.ToString());
    return;
  }
  unsynced_.push_back(std::move(write));
}

void SimNode::Sync() {
  for (const Write& write : unsynced_) {
    // Replaying writes that already succeeded on the live image, from the
    // same starting state, cannot fail; if it does the simulator is broken.
    Status status = Perform(write, &durable_);
    if (!status.ok()) {
      std::fprintf(stderr, "sim: node %llu: durable replay failed: %s\n",
                   static_cast<unsigned long long>(id_), status.ToString().c_str());
      std::abort();
    }
  }
  unsynced_.clear();
}

void SimNode::HandleReadies(ReadyObserver* observer, std::vector<Message>* outbox) {
  while (raw_ != nullptr && raw_->HasReady()) HandleReady(raw_->GetReady(), observer, outbox);
}

void SimNode::HandleReady(Ready ready, ReadyObserver* observer, std::vector<Message>* outbox) {
  observer->OnReady(*this, ready);
  if (ready.soft_state.has_value()) soft_state_ = *ready.soft_state;

  // 0. Committed entries the log already holds are applied first, as the
  // agent's driver does (Ready allows it). Their apply writes queue ahead of
  // this batch's, so a crash can keep them and lose the hard state that
  // carries their commit: restart must cope with applied > commit.
  const size_t apply_first = AppliableBeforePersist(ready, live_.log.LastIndex());
  for (size_t i = 0; i < apply_first; ++i) ApplyEntry(ready.committed_entries[i], observer);

  // 1. Persist: snapshot, entries, hard state; sync when asked.
  if (!ready.snapshot.empty()) {
    Result<std::vector<AppliedEntry>> image = DecodeImage(ready.snapshot.data);
    if (!image.ok()) {
      observer->OnHostError(*this, "SnapshotDataIntact",
                            "snapshot at index " + std::to_string(ready.snapshot.meta.index) +
                                ": " + image.status().ToString());
      return;
    }
    Record(InstallWrite{ready.snapshot, std::move(image).value()}, observer, "SnapshotInstalls");
  }
  if (!ready.entries.empty()) Record(AppendWrite{ready.entries}, observer, "EntriesAppend");
  if (ready.hard_state.has_value()) {
    Record(HardStateWrite{*ready.hard_state}, observer, "HardStatePersists");
    hard_state_ = *ready.hard_state;
  }
  if (ready.must_sync && !ignore_sync_) Sync();
  observer->OnPersisted(*this, ready);

  // 2. Send.
  for (Message& m : ready.messages) outbox->push_back(std::move(m));

  // 3. Apply.
  if (!ready.snapshot.empty()) {
    observer->OnRestore(*this, ready.snapshot.meta, live_.state_machine);
    removed_self_ = !ContainsNode(live_.log.conf_state(), id_);
  }
  for (size_t i = apply_first; i < ready.committed_entries.size(); ++i) {
    ApplyEntry(ready.committed_entries[i], observer);
  }
  for (const ReadState& rs : ready.read_states) observer->OnReadState(*this, rs);

  // 4. Acknowledge.
  raw_->Advance(ready);
}

void SimNode::ApplyEntry(const Entry& entry, ReadyObserver* observer) {
  std::optional<ConfState> conf_state;
  if (entry.type == EntryType::kConfChange) {
    Result<ConfChange> change = DecodeConfChange(entry.data);
    if (!change.ok()) {
      observer->OnHostError(
          *this, "ConfChangeDecodes",
          "entry " + std::to_string(entry.index) + ": " + change.status().ToString());
      return;
    }
    conf_state = raw_->ApplyConfChange(*change);
    removed_self_ = !ContainsNode(*conf_state, id_);
  }
  Record(ApplyWrite{AppliedEntry{entry.index, entry.term, entry.type, entry.data}, conf_state},
         observer, "Applies");
  observer->OnApply(*this, entry, conf_state.has_value() ? &*conf_state : nullptr);
}

Status SimNode::MaybeCompact() {
  if (raw_ == nullptr) return Status::FailedPrecondition("sim: node is down");
  if (live_.applied <= live_.log.FirstIndex() - 1) return Status::Ok();
  Write write =
      CompactWrite{live_.applied, live_.log.conf_state(), EncodeImage(live_.state_machine)};
  SHADEKV_RETURN_IF_ERROR(Perform(write, &live_));
  unsynced_.push_back(std::move(write));
  return Status::Ok();
}

}  // namespace shadekv::raft::sim
