// MirrorConsumer: hands what a bus::Subscriber delivers to a MirrorStore, so
// a subscriber driver feeds a mirror directly:
//
//   auto mirror = MirrorStore::Open(dir);
//   MirrorConsumer consumer(mirror->get());
//   options.applied_revision = (*mirror)->AppliedRevision();
//   auto subscriber = bus::Subscriber::Create(options, &consumer);
//
// Kept apart from MirrorStore so the store logic never sees a socket type.
// Threads: the subscriber's thread (the MirrorStore's writer thread).
#pragma once

#include <cstdint>
#include <string_view>

#include "bus/subscriber/subscriber.h"
#include "shadekv/mirror/mirror_store.h"

namespace shadekv::mirror {

class MirrorConsumer : public bus::SubscriberConsumer {
 public:
  // `mirror` must outlive this consumer.
  explicit MirrorConsumer(MirrorStore* mirror) : mirror_(mirror) {}

  // MirrorStore::InstallSnapshot.
  Status InstallSnapshot(int64_t revision, std::string_view data) override;
  // MirrorStore::ApplyEvent, after checking `revision` is the mirror's
  // AppliedRevision() + 1 (else kFailedPrecondition, nothing changes); and
  // kInternal when the body applied was not revision `revision` (the driver
  // and the body disagree: a bug; the body's revision stays applied).
  Status ApplyEvent(int64_t revision, std::string_view body) override;

 private:
  MirrorStore* const mirror_;
};

}  // namespace shadekv::mirror
