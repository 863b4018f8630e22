// MirrorConsumer: the subscriber driver's view of a MirrorStore.
#include "shadekv/mirror/mirror_consumer.h"

#include <string>

namespace shadekv::mirror {

Status MirrorConsumer::InstallSnapshot(int64_t revision, std::string_view data) {
  return mirror_->InstallSnapshot(revision, data);
}

Status MirrorConsumer::ApplyEvent(int64_t revision, std::string_view body) {
  const int64_t before = mirror_->AppliedRevision();
  if (revision != before + 1) {
    return Status::FailedPrecondition("the subscriber handed revision " + std::to_string(revision) +
                                      " to a mirror at revision " + std::to_string(before));
  }
  SHADEKV_RETURN_IF_ERROR(mirror_->ApplyEvent(body));
  // The store took the revision the body names; it must be the one handed.
  const int64_t applied = mirror_->AppliedRevision();
  if (applied != revision) {
    return Status::Internal("the subscriber handed revision " + std::to_string(revision) +
                            " but its EVENT body was revision " + std::to_string(applied));
  }
  return Status::Ok();
}

}  // namespace shadekv::mirror
