#include "bus/subscriber/subscriber.h"

#include <zmq.hpp>

#include <cerrno>

#include "shadekv/bus/codec.h"

namespace shadekv::bus {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Messages handled per socket per PollOnce, so one busy socket cannot starve
// the others or the timers.
constexpr int kBatch = 1000;
// Frames kept from one message; the rest are read and discarded.
constexpr size_t kMaxFrames = 4;

// Reads one whole multipart message (dropping frames past kMaxFrames).
// Returns false when nothing was waiting.
bool ReadMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, size_t* count) {
  frames.clear();
  *count = 0;
  zmq::message_t frame;
  if (!socket.recv(frame, zmq::recv_flags::dontwait)) return false;
  for (;;) {
    ++*count;
    bool more = frame.more();
    if (frames.size() < kMaxFrames) frames.push_back(std::move(frame));
    if (!more) return true;
    frame = zmq::message_t();
    (void)socket.recv(frame, zmq::recv_flags::none);  // parts arrive together
  }
}

// Makes `socket` a CURVE client of the publisher at index `publisher`.
void ApplyCurve(zmq::socket_t& socket, const std::optional<SubscriberCurve>& curve,
                size_t publisher) {
  if (!curve) return;
  const std::vector<std::string>& keys = curve->server_public_keys;
  socket.set(zmq::sockopt::curve_serverkey, keys.size() == 1 ? keys[0] : keys.at(publisher));
  socket.set(zmq::sockopt::curve_publickey, curve->keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve->keys.secret_key);
}

}  // namespace

Result<SubscriberCurve> LoadSubscriberCurve(const std::string& key_prefix,
                                            const std::vector<std::string>& server_key_files) {
  SubscriberCurve curve;
  Result<CurveKeyPair> keys = LoadCurveKeyPair(key_prefix);
  if (!keys.ok()) return keys.status().WithContext("--bus-curve-key");
  curve.keys = *keys;
  if (server_key_files.empty()) {
    return Status::InvalidArgument("--bus-curve-server-key is required with --bus-curve-key");
  }
  for (const std::string& file : server_key_files) {
    Result<std::string> key = LoadCurvePublicKey(file);
    if (!key.ok()) return key.status().WithContext("--bus-curve-server-key");
    curve.server_public_keys.push_back(*key);
  }
  return curve;
}

struct Subscriber::Sockets {
  std::optional<SubscriberCurve> curve;
  zmq::context_t context{1};
  std::vector<zmq::socket_t> subs;
  zmq::socket_t dealer;  // empty until the first catch-up
  std::string dealer_endpoint;
};

Subscriber::Subscriber(Sequencer sequencer, SubscriberConsumer* consumer,
                       std::unique_ptr<Sockets> sockets)
    : sequencer_(std::move(sequencer)), consumer_(consumer), sockets_(std::move(sockets)) {}

Subscriber::~Subscriber() = default;

Result<std::unique_ptr<Subscriber>> Subscriber::Create(const SubscriberOptions& options,
                                                       SubscriberConsumer* consumer) {
  if (options.publishers.empty()) {
    return Status::InvalidArgument("bus subscriber: no publisher endpoint given");
  }
  if (consumer == nullptr) return Status::InvalidArgument("bus subscriber: no consumer");
  SequencerConfig config = options.sequencer;
  config.publisher_count = options.publishers.size();
  config.applied_revision = options.applied_revision;
  SHADEKV_ASSIGN_OR_RETURN(Sequencer sequencer, Sequencer::Create(config, NowMs()));
  if (options.curve) {
    const SubscriberCurve& curve = *options.curve;
    if (curve.server_public_keys.size() != 1 &&
        curve.server_public_keys.size() != options.publishers.size()) {
      return Status::InvalidArgument(
          "bus subscriber: " + std::to_string(curve.server_public_keys.size()) +
          " publisher public keys for " + std::to_string(options.publishers.size()) +
          " publishers (give one for all, or one per publisher)");
    }
    for (const std::string& key : curve.server_public_keys) {
      SHADEKV_RETURN_IF_ERROR(CheckZ85Key(key, "bus subscriber: publisher public key"));
    }
    SHADEKV_RETURN_IF_ERROR(CheckZ85Key(curve.keys.public_key, "bus subscriber: public key"));
    SHADEKV_RETURN_IF_ERROR(CheckZ85Key(curve.keys.secret_key, "bus subscriber: secret key"));
  }
  auto sockets = std::make_unique<Sockets>();
  sockets->curve = options.curve;
  for (size_t i = 0; i < options.publishers.size(); ++i) {
    const std::string& endpoint = options.publishers[i];
    try {
      zmq::socket_t sub(sockets->context, zmq::socket_type::sub);
      sub.set(zmq::sockopt::linger, 0);
      ApplyCurve(sub, sockets->curve, i);
      // Subscribe before connecting: rule 1, nothing falls between.
      sub.set(zmq::sockopt::subscribe, kEventTopic);
      sub.set(zmq::sockopt::subscribe, kHeartbeatTopic);
      sub.connect(endpoint);
      sockets->subs.push_back(std::move(sub));
    } catch (const zmq::error_t& e) {
      return Status::InvalidArgument("bus subscriber: cannot connect to \"" + endpoint +
                                     "\": " + e.what());
    }
  }
  auto subscriber = std::unique_ptr<Subscriber>(
      new Subscriber(std::move(sequencer), consumer, std::move(sockets)));
  subscriber->PublishStats();
  return subscriber;
}

void Subscriber::StartCatchup(const CatchupStart& start) {
  Sockets& s = *sockets_;
  try {
    if (!s.dealer || s.dealer_endpoint != start.endpoint) {
      // A new publisher: a fresh DEALER, so nothing queued for the old one
      // is sent and its late replies cannot arrive (they would be stale by
      // tag anyway).
      zmq::socket_t dealer(s.context, zmq::socket_type::dealer);
      dealer.set(zmq::sockopt::linger, 0);
      ApplyCurve(dealer, s.curve, start.publisher);
      dealer.connect(start.endpoint);
      s.dealer = std::move(dealer);
      s.dealer_endpoint = start.endpoint;
    }
    std::string body = EncodeCatchupRequest(start.request);
    (void)s.dealer.send(zmq::buffer(body), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // A bad endpoint in a heartbeat, or a full pipe: the sequencer's reply
    // timeout retries, so the failure only costs time.
    malformed_++;
    s.dealer = zmq::socket_t();
    s.dealer_endpoint.clear();
  }
}

void Subscriber::Carry(Decisions decisions) {
  // Order from sequencer.h: switch, snapshot, deliver, catch up.
  if (!failed_.ok()) return;
  if (decisions.snapshot) {
    failed_ = consumer_->InstallSnapshot(decisions.snapshot->revision, decisions.snapshot->data);
    if (!failed_.ok()) return;
  }
  for (const SequencedEvent& event : decisions.deliver) {
    failed_ = consumer_->ApplyEvent(event.revision, event.body);
    if (!failed_.ok()) return;
  }
  if (decisions.catchup) StartCatchup(*decisions.catchup);
}

void Subscriber::HandleLive(size_t publisher, int64_t now_ms) {
  std::vector<zmq::message_t> frames;
  size_t count = 0;
  for (int i = 0; i < kBatch && failed_.ok(); ++i) {
    if (!ReadMessage(sockets_->subs[publisher], frames, &count)) return;
    if (count != 2 || frames[0].size() != 1) {
      malformed_++;
      continue;
    }
    std::string_view body = frames[1].to_string_view();
    char topic = *static_cast<const char*>(frames[0].data());
    if (topic == kEventTopic[0]) {
      Result<ChangeEvent> event = DecodeEvent(body);
      if (!event.ok()) {
        malformed_++;
        continue;
      }
      Carry(sequencer_.OnLiveEvent(publisher, {event->revision, std::string(body)}, now_ms));
    } else if (topic == kHeartbeatTopic[0]) {
      Result<Heartbeat> heartbeat = DecodeHeartbeat(body);
      if (!heartbeat.ok()) {
        malformed_++;
        continue;
      }
      Carry(sequencer_.OnHeartbeat(publisher, *heartbeat, now_ms));
    } else {
      malformed_++;
    }
  }
}

void Subscriber::HandleReply(int64_t now_ms) {
  std::vector<zmq::message_t> frames;
  size_t count = 0;
  for (int i = 0; i < kBatch && failed_.ok() && sockets_->dealer; ++i) {
    if (!ReadMessage(sockets_->dealer, frames, &count)) return;
    if (count != 1) {
      malformed_++;
      continue;
    }
    std::string_view body = frames[0].to_string_view();
    Result<MessageKind> kind = PeekKind(body);
    if (!kind.ok()) {
      malformed_++;
      continue;
    }
    // Each branch decodes strictly; a body that fails is dropped, and the
    // sequencer notices the missing seq on the next reply.
    switch (*kind) {
      case MessageKind::kCatchupEvents: {
        Result<CatchupEvents> chunk = DecodeCatchupEvents(body);
        if (!chunk.ok()) break;
        std::vector<SequencedEvent> events;
        events.reserve(chunk->events.size());
        bool bad = false;
        for (std::string& e : chunk->events) {
          Result<ChangeEvent> event = DecodeEvent(e);
          if (!event.ok()) {
            bad = true;
            break;
          }
          events.push_back({event->revision, std::move(e)});
        }
        if (bad) break;
        Carry(sequencer_.OnCatchupEvents(chunk->tag, chunk->seq, std::move(events), now_ms));
        continue;
      }
      case MessageKind::kSnapshotBegin: {
        Result<SnapshotBegin> m = DecodeSnapshotBegin(body);
        if (!m.ok()) break;
        Carry(sequencer_.OnSnapshotBegin(*m, now_ms));
        continue;
      }
      case MessageKind::kSnapshotChunk: {
        Result<SnapshotChunk> m = DecodeSnapshotChunk(body);
        if (!m.ok()) break;
        Carry(sequencer_.OnSnapshotChunk(*m, now_ms));
        continue;
      }
      case MessageKind::kSnapshotEnd: {
        Result<SnapshotEnd> m = DecodeSnapshotEnd(body);
        if (!m.ok()) break;
        Carry(sequencer_.OnSnapshotEnd(*m, now_ms));
        continue;
      }
      case MessageKind::kCatchupEnd: {
        Result<CatchupEnd> m = DecodeCatchupEnd(body);
        if (!m.ok()) break;
        Carry(sequencer_.OnCatchupEnd(*m, now_ms));
        continue;
      }
      case MessageKind::kError: {
        Result<ErrorReply> m = DecodeErrorReply(body);
        if (!m.ok()) break;
        Carry(sequencer_.OnCatchupError(*m, now_ms));
        continue;
      }
      default:
        break;  // a kind that never travels publisher -> DEALER
    }
    malformed_++;
  }
}

Status Subscriber::PollOnce(std::chrono::milliseconds max_wait) {
  if (!failed_.ok()) return failed_;
  Sockets& s = *sockets_;
  std::vector<zmq::pollitem_t> items;
  for (zmq::socket_t& sub : s.subs) items.push_back({sub.handle(), 0, ZMQ_POLLIN, 0});
  if (s.dealer) items.push_back({s.dealer.handle(), 0, ZMQ_POLLIN, 0});
  try {
    zmq::poll(items.data(), items.size(), max_wait);
  } catch (const zmq::error_t& e) {
    // A signal (shadekv-sub's SIGTERM) interrupts the wait: not an error.
    if (e.num() == EINTR) return failed_;
    return Status::Unavailable(std::string("bus subscriber: poll failed: ") + e.what());
  }
  int64_t now = NowMs();
  try {
    for (size_t i = 0; i < s.subs.size(); ++i) {
      if (items[i].revents & ZMQ_POLLIN) HandleLive(i, now);
    }
    if (items.size() > s.subs.size() && (items.back().revents & ZMQ_POLLIN)) HandleReply(now);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) {
      return Status::Unavailable(std::string("bus subscriber: receive failed: ") + e.what());
    }
  }
  Carry(sequencer_.Tick(NowMs()));
  PublishStats();
  return failed_;
}

Status Subscriber::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    SHADEKV_RETURN_IF_ERROR(PollOnce(std::chrono::milliseconds(50)));
  }
  return Status::Ok();
}

void Subscriber::PublishStats() {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.applied_revision = sequencer_.applied_revision();
  stats_.latest_revision_seen = sequencer_.latest_revision_seen();
  stats_.lag = sequencer_.lag();
  stats_.up_to_date = sequencer_.up_to_date();
  stats_.active_publisher = sequencer_.active_publisher();
  stats_.malformed = malformed_;
  stats_.sequencer = sequencer_.counters();
}

SubscriberStats Subscriber::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

}  // namespace shadekv::bus
