// MirrorStore: applying bus EVENTs to a local MvccStore and swapping in whole
// snapshots without ever losing the store that readers may still hold.
#include "shadekv/mirror/mirror_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "mirror/current_file.h"
#include "shadekv/bus/codec.h"

namespace shadekv::mirror {
namespace {

// Caller meta written into a store installed from a snapshot: it tells a
// mirror standing at revision 1 because it holds an empty primary's snapshot
// (A = 1) from a new mirror (A = 0). Never rename.
constexpr char kSyncedMeta[] = "shadekv.mirror/synced";

// Removes every store generation directory in `dir` except `keep` (leftovers
// of an install interrupted by a crash, or of a reader released during one).
void RemoveStaleGenerations(const std::string& dir, uint64_t keep) {
  std::error_code error;
  std::vector<std::filesystem::path> stale;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("store-")) continue;
    if (entry.path().string() == GenerationDir(dir, keep)) continue;
    stale.push_back(entry.path());
  }
  for (const auto& path : stale) std::filesystem::remove_all(path, error);
}

Status FileSystemError(const std::string& what, const std::error_code& error) {
  return Status::Unavailable(what + ": " + error.message());
}

}  // namespace

MirrorStore::MirrorStore(std::string dir, const store::MvccOptions& options)
    : dir_(std::move(dir)), options_(options) {}

MirrorStore::~MirrorStore() = default;

Result<MirrorStore::Generation> MirrorStore::OpenGeneration(uint64_t generation) const {
  const std::string path = GenerationDir(dir_, generation);
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<store::MvccStore> opened,
                           store::MvccStore::Open(path, options_));
  auto retired = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<store::MvccStore> shared(opened.release(),
                                           [retired, path](store::MvccStore* store) {
                                             delete store;  // closes LevelDB first
                                             if (retired->load()) {
                                               std::error_code ignored;
                                               std::filesystem::remove_all(path, ignored);
                                             }
                                           });
  return Generation{std::move(shared), std::move(retired)};
}

Result<std::unique_ptr<MirrorStore>> MirrorStore::Open(const std::string& dir,
                                                       const store::MvccOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return FileSystemError("creating mirror directory " + dir, error);
  std::unique_ptr<MirrorStore> mirror(new MirrorStore(dir, options));
  SHADEKV_ASSIGN_OR_RETURN(std::optional<uint64_t> current, ReadCurrent(dir));
  uint64_t generation = 1;
  if (current.has_value()) {
    generation = *current;
    if (!std::filesystem::is_directory(GenerationDir(dir, generation), error)) {
      return Status::DataLoss("mirror " + dir + ": CURRENT names store-" +
                              std::to_string(generation) + ", which does not exist");
    }
  }
  // Opening first takes LevelDB's lock, so a mirror another process has open
  // (maybe mid-install) is refused before any of its directories is touched.
  SHADEKV_ASSIGN_OR_RETURN(Generation opened, mirror->OpenGeneration(generation));
  if (!current.has_value()) SHADEKV_RETURN_IF_ERROR(WriteCurrent(dir, generation));
  RemoveStaleGenerations(dir, generation);
  SHADEKV_ASSIGN_OR_RETURN(std::optional<std::string> synced, opened.store->GetMeta(kSyncedMeta));
  std::lock_guard lock(mirror->mu_);
  mirror->store_ = std::move(opened.store);
  mirror->store_retired_ = std::move(opened.retired);
  mirror->generation_ = generation;
  mirror->synced_ = synced.has_value();
  return mirror;
}

int64_t MirrorStore::AppliedRevision() const {
  std::lock_guard lock(mu_);
  const int64_t revision = store_->CurrentRevision();
  return revision == 1 && !synced_ ? 0 : revision;
}

std::shared_ptr<const store::MvccStore> MirrorStore::Store() const {
  std::lock_guard lock(mu_);
  return store_;
}

Status MirrorStore::ApplyEvent(std::string_view event_body) {
  SHADEKV_ASSIGN_OR_RETURN(bus::ChangeEvent event, bus::DecodeEvent(event_body));
  store::MirroredRevision revision;
  revision.revision = event.revision;
  revision.changes = std::move(event.changes);
  revision.annotation = std::string(event_body);
  std::shared_ptr<store::MvccStore> store;
  {
    std::lock_guard lock(mu_);
    store = store_;
  }
  return store->ApplyMirrored(revision).status();
}

Status MirrorStore::Compact(int64_t revision) {
  std::shared_ptr<store::MvccStore> store;
  {
    std::lock_guard lock(mu_);
    store = store_;
  }
  store::WriteRequest request;
  request.op = store::CompactionRequest{revision, false};
  return store->Apply(request, store->AppliedIndex() + 1).status();
}

Result<bool> MirrorStore::CompactStep(size_t max_versions) {
  std::shared_ptr<store::MvccStore> store;
  {
    std::lock_guard lock(mu_);
    store = store_;
  }
  return store->CompactStep(max_versions);
}

Status MirrorStore::InstallSnapshot(int64_t revision, std::string_view snapshot_bytes) {
  uint64_t next = 0;
  {
    std::lock_guard lock(mu_);
    next = generation_ + 1;
  }
  const std::string target = GenerationDir(dir_, next);
  std::error_code error;
  std::filesystem::remove_all(target, error);  // a leftover of a failed install
  if (error) return FileSystemError("removing leftover " + target, error);

  size_t offset = 0;
  const store::SnapshotSource source = [&](char* buffer, size_t capacity) -> Result<size_t> {
    const size_t n = std::min(capacity, snapshot_bytes.size() - offset);
    if (n > 0) std::memcpy(buffer, snapshot_bytes.data() + offset, n);
    offset += n;
    return n;
  };
  SHADEKV_RETURN_IF_ERROR(store::MvccStore::RestoreFromSnapshot(target, source)
                              .WithContext("installing the snapshot at revision " +
                                           std::to_string(revision) + " into mirror " + dir_));

  // From here on a failure must remove the new generation, never the old.
  const auto abandon = [&](Status status) {
    std::filesystem::remove_all(target, error);
    return status;
  };
  Result<Generation> opened = OpenGeneration(next);
  if (!opened.ok()) return abandon(opened.status());
  std::shared_ptr<store::MvccStore> fresh = std::move(opened->store);
  if (fresh->CurrentRevision() != revision) {
    const int64_t held = fresh->CurrentRevision();
    fresh.reset();
    return abandon(Status::InvalidArgument(
        "the snapshot announced as revision " + std::to_string(revision) + " holds revision " +
        std::to_string(held) + "; mirror " + dir_ + " keeps its store"));
  }
  store::WriteRequest mark;
  mark.meta.push_back(store::MetaWrite{kSyncedMeta, std::string("1")});
  Status marked = fresh->Apply(mark, fresh->AppliedIndex() + 1).status();
  if (marked.ok()) marked = WriteCurrent(dir_, next);
  if (!marked.ok()) {
    fresh.reset();
    return abandon(marked);
  }

  std::shared_ptr<store::MvccStore> old;
  {
    std::lock_guard lock(mu_);
    store_retired_->store(true);
    old = std::move(store_);
    store_ = std::move(fresh);
    store_retired_ = std::move(opened->retired);
    generation_ = next;
    synced_ = true;
  }
  // Dropping our reference outside mu_: if no reader holds the old store, its
  // deleter closes it and removes its directory right here.
  old.reset();
  return Status::Ok();
}

}  // namespace shadekv::mirror
