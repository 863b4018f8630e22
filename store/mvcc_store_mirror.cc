// MvccStore::ApplyMirrored: writing a revision replicated from a primary in
// one batch with the new revision, so a crash never half-applies it.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "shadekv/store/mvcc_store.h"
#include "store/key_codec.h"
#include "store/leveldb_util.h"
#include "store/mirror_apply.h"
#include "store/mvcc_reader.h"

namespace shadekv::store {

Result<ChangeEvent> MvccStore::ApplyMirrored(const MirroredRevision& request) {
  const int64_t current = CurrentRevision();
  if (request.revision != current + 1) {
    return Status::FailedPrecondition("mirrored revision " + std::to_string(request.revision) +
                                      " does not follow the store's current revision " +
                                      std::to_string(current) + " (expected " +
                                      std::to_string(current + 1) + ")");
  }
  leveldb::WriteBatch batch;
  SHADEKV_RETURN_IF_ERROR(WriteMirroredChanges(MvccReader(db_.get(), nullptr), request.revision,
                                               request.changes, &batch));
  const auto revision = static_cast<uint64_t>(request.revision);
  batch.Put(std::string(kStateRevision), EncodeBe64(revision));
  if (!request.annotation.empty()) batch.Put(EncodeAnnotationKey(revision), request.annotation);

  leveldb::WriteOptions write_options;
  write_options.sync = options_.sync;
  SHADEKV_RETURN_IF_ERROR(
      FromLevelDb(db_->Write(write_options, &batch),
                  "writing mirrored revision " + std::to_string(request.revision) + " to " + dir_));
  {
    std::lock_guard lock(mu_);
    current_revision_ = request.revision;
  }
  ChangeEvent event;
  event.revision = request.revision;
  event.changes = request.changes;
  event.annotation = request.annotation;
  return event;
}

}  // namespace shadekv::store
