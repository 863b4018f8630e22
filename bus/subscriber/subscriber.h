// The bus subscriber driver (bus/PROTOCOL.md section 4): the sockets around
// the pure Sequencer. One SUB per configured PUB endpoint (subscribed before
// any catch-up), one DEALER to the catch-up endpoint the active publisher's
// heartbeats name. It decodes what arrives, feeds the sequencer, and carries
// out its decisions in their documented order, handing the consumer
// snapshots and events in exact revision order.
//
// It persists nothing: the consumer gives the revision it has applied, and
// persists applied_revision() after each call if it wants to resume.
//
// Threads: PollOnce/Run from one thread; Stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/bus/curve_keys.h"
#include "shadekv/bus/sequencer.h"
#include "shadekv/common/status.h"

namespace shadekv::bus {

// What the driver hands over. An error stops the driver for good (Run and
// PollOnce return it): the sequencer already counts the revision as
// applied, so the consumer restarts from its own persisted revision.
class SubscriberConsumer {
 public:
  virtual ~SubscriberConsumer() = default;
  // Replaces the consumer's state with the store snapshot at `revision`.
  virtual Status InstallSnapshot(int64_t revision, std::string_view data) = 0;
  // Exactly revision applied+1, as the EVENT body the publisher sent.
  virtual Status ApplyEvent(int64_t revision, std::string_view body) = 0;
};

// CURVE on the subscriber's sockets (bus/PROTOCOL.md section 5): it is the
// client on SUB and DEALER, with its own keypair, and must know each
// publisher's public key. A publisher that does not authorize `keys`, or
// whose key is not the one given, completes no handshake: nothing arrives.
struct SubscriberCurve {
  CurveKeyPair keys;
  // One Z85 key for every publisher, or one per entry of `publishers` (same
  // order); the catch-up DEALER uses the key of the publisher whose
  // heartbeat named the endpoint.
  std::vector<std::string> server_public_keys;
};

// Reads the subscriber's keypair (PREFIX.key) and the publishers' .pub files,
// for the --bus-curve-key / --bus-curve-server-key flags of shadekv-sub and
// shadekv-shadow. Errors name the flag and the file.
Result<SubscriberCurve> LoadSubscriberCurve(const std::string& key_prefix,
                                            const std::vector<std::string>& server_key_files);

struct SubscriberOptions {
  std::vector<std::string> publishers;   // PUB endpoints, at least one
  int64_t applied_revision = 0;          // where the consumer stands
  std::optional<SubscriberCurve> curve;  // unset: plaintext
  // Bounds and timeouts; publisher_count and applied_revision are set from
  // the fields above.
  SequencerConfig sequencer;
};

struct SubscriberStats {
  int64_t applied_revision = 0;
  int64_t latest_revision_seen = 0;
  int64_t lag = 0;
  bool up_to_date = false;
  size_t active_publisher = 0;
  uint64_t malformed = 0;  // frames or bodies rejected and dropped
  SequencerCounters sequencer;
};

class Subscriber {
 public:
  // Connects and subscribes every SUB socket. kInvalidArgument for no
  // publisher, a bad endpoint or a bad sequencer config, and for CURVE keys
  // that are not Z85 or a server key count other than 1 or one per publisher.
  static Result<std::unique_ptr<Subscriber>> Create(const SubscriberOptions& options,
                                                    SubscriberConsumer* consumer);
  ~Subscriber();

  // Waits at most `max_wait` for input, handles everything ready (a bounded
  // batch), runs the sequencer's timers. Returns the consumer's error, if any.
  Status PollOnce(std::chrono::milliseconds max_wait);
  // PollOnce in a loop until `stop` is set (checked at least every 50 ms).
  Status Run(const std::atomic<bool>& stop);

  SubscriberStats Stats() const;

 private:
  struct Sockets;
  Subscriber(Sequencer sequencer, SubscriberConsumer* consumer, std::unique_ptr<Sockets> sockets);

  void HandleLive(size_t publisher, int64_t now_ms);
  void HandleReply(int64_t now_ms);
  void Carry(Decisions decisions);
  void StartCatchup(const CatchupStart& start);
  void PublishStats();

  Sequencer sequencer_;
  SubscriberConsumer* consumer_;
  std::unique_ptr<Sockets> sockets_;
  Status failed_;  // the consumer's first error: sticky
  uint64_t malformed_ = 0;
  mutable std::mutex stats_mu_;
  SubscriberStats stats_;
};

}  // namespace shadekv::bus
