// The publisher plugin (loaded through the real PluginHost, backed by a real
// MvccStore) and the subscriber driver, over real sockets on 127.0.0.1:
// live delivery, catch-up from history and across a compaction, failover,
// a slow consumer, hostile frames on both sides, init errors; CURVE.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "shadekv/bus/codec.h"
#include "shadekv/bus/curve_keys.h"
#include "tests/bus/bus_test_util.h"
#include "tests/bus/store_host_services.h"
#include "tests/store/temp_dir.h"

namespace shadekv::bus::testing {
namespace {

using namespace std::chrono_literals;
using store::testing::TempDir;

class PubSubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<StoreHostServices>> s = StoreHostServices::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    services_ = std::move(*s);
  }

  // Applies `n` puts and publishes each to every host in `hosts`.
  void Write(int n, const std::vector<plugin_host::PluginHost*>& hosts, size_t value_bytes = 16) {
    for (int i = 0; i < n; ++i) {
      std::string key = "k" + std::to_string(next_key_++ % 50);
      Result<std::string> body = services_->Put(key, std::string(value_bytes, 'a' + i % 26));
      ASSERT_TRUE(body.ok()) << body.status().ToString();
      for (plugin_host::PluginHost* h : hosts) h->PublishEvent(Current(), *body);
    }
  }

  std::unique_ptr<Subscriber> MakeSubscriber(const std::vector<std::string>& pubs,
                                             RecordingConsumer* consumer, int64_t applied) {
    SubscriberOptions options;
    options.publishers = pubs;
    options.applied_revision = applied;
    options.sequencer.heartbeat_timeout_ms = 500;
    options.sequencer.catchup_timeout_ms = 1000;
    options.sequencer.catchup_retry_ms = 50;
    options.sequencer.catchup_max_events = 100;
    Result<std::unique_ptr<Subscriber>> s = Subscriber::Create(options, consumer);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  int64_t Current() { return services_->store().CurrentRevision(); }

  // Every event the consumer got is byte-identical to what was published.
  void ExpectExactBodies(RecordingConsumer& consumer) {
    for (const auto& [rev, body] : consumer.events()) {
      ASSERT_EQ(body, services_->Published(rev)) << "revision " << rev;
    }
  }

  TempDir dir_{"shadekv-pubsub-"};
  std::unique_ptr<StoreHostServices> services_;
  int next_key_ = 0;
};

TEST_F(PubSubTest, LiveEventsArriveInOrderWithTheExactBytes) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  RecordingConsumer consumer(Current());
  RunningSubscriber sub(MakeSubscriber({pub->pub}, &consumer, Current()));
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().up_to_date; }, 5s));
  Write(300, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s))
      << consumer.applied() << " of " << Current();
  EXPECT_EQ(consumer.events().size(), 300u);
  ExpectExactBodies(consumer);
  EXPECT_TRUE(WaitFor([&] { return sub.Stats().lag == 0; }, 2s));
  EXPECT_TRUE(sub.Stop().ok());
}

TEST_F(PubSubTest, LateSubscriberCatchesUpFromHistoryInBoundedStreams) {
  // max_chunks 2 with the subscriber's 100 events per chunk: a stream ends
  // early every 200 events and the subscriber asks again.
  Result<LoadedPublisher> pub = LoadPublisher(services_.get(), {{"max_chunks", "2"}});
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  const int64_t start = Current();
  Write(1000, {pub->host.get()});
  // All of them gone out on PUB before anyone listens: only history has them.
  ASSERT_TRUE(WaitFor([&] { return pub->host->Stats()[0].events_delivered == 1000; }, 10s));
  std::this_thread::sleep_for(100ms);  // the I/O thread drains the inproc pipe
  RecordingConsumer consumer(start);
  RunningSubscriber sub(MakeSubscriber({pub->pub}, &consumer, start));
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 20s))
      << consumer.applied() << " of " << Current();
  Write(100, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s));
  EXPECT_EQ(consumer.events().size(), 1100u);
  EXPECT_TRUE(consumer.snapshots().empty());
  ExpectExactBodies(consumer);
  SubscriberStats stats = sub.Stats();
  EXPECT_GE(stats.sequencer.catchups_completed, 5u);
  EXPECT_EQ(stats.malformed, 0u);
}

TEST_F(PubSubTest, CatchUpAcrossACompactionInstallsASnapshotThenContinues) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  Write(200, {pub->host.get()});
  // All sent on PUB before the subscriber exists, so they cannot come live.
  ASSERT_TRUE(WaitFor([&] { return pub->host->Stats()[0].events_delivered == 200; }, 10s));
  std::this_thread::sleep_for(100ms);  // the I/O thread drains the inproc pipe
  ASSERT_TRUE(services_->Compact(150).ok());
  RecordingConsumer consumer(10);  // far below the compaction
  RunningSubscriber sub(MakeSubscriber({pub->pub}, &consumer, 10));
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 20s))
      << consumer.applied() << " of " << Current();
  Write(50, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s));
  auto snapshots = consumer.snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_GE(snapshots[0].first, 150);
  // The snapshot is the store's real export: it restores to a store at its
  // revision.
  std::string data = snapshots[0].second;
  size_t offset = 0;
  Status restored = store::MvccStore::RestoreFromSnapshot(
      dir_.Sub("restored"), [&](char* buf, size_t cap) -> Result<size_t> {
        size_t n = std::min(cap, data.size() - offset);
        std::memcpy(buf, data.data() + offset, n);
        offset += n;
        return n;
      });
  ASSERT_TRUE(restored.ok()) << restored.ToString();
  auto copy = store::MvccStore::Open(dir_.Sub("restored"));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ((*copy)->CurrentRevision(), snapshots[0].first);
  // After the snapshot: every revision, exact.
  auto events = consumer.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().first, snapshots[0].first + 1);
  ExpectExactBodies(consumer);
}

TEST_F(PubSubTest, NewSubscriberStartsFromASnapshotOfTheInitialState) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  RecordingConsumer consumer(0);
  RunningSubscriber sub(MakeSubscriber({pub->pub}, &consumer, 0));
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().up_to_date; }, 10s));
  ASSERT_EQ(consumer.snapshots().size(), 1u);
  EXPECT_EQ(consumer.snapshots()[0].first, 1);
  Write(20, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s));
}

TEST_F(PubSubTest, FailoverToTheSecondPublisherHasNoGapAndNoDuplicate) {
  Result<LoadedPublisher> a = LoadPublisher(services_.get());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<LoadedPublisher> b = LoadPublisher(services_.get());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  RecordingConsumer consumer(Current());
  RunningSubscriber sub(MakeSubscriber({a->pub, b->pub}, &consumer, Current()));
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().up_to_date; }, 5s));
  Write(200, {a->host.get(), b->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s));
  EXPECT_EQ(sub.Stats().active_publisher, 0u);
  // 50 revisions no publisher sends live (as if lost): only B's history has
  // them once A is gone, so the subscriber must fail over and catch up there.
  Write(50, {});
  a->host->Shutdown();
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().sequencer.failovers >= 1; }, 5s));
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s))
      << consumer.applied() << " of " << Current();
  Write(150, {b->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 15s))
      << consumer.applied() << " of " << Current();
  SubscriberStats stats = sub.Stats();
  EXPECT_EQ(stats.active_publisher, 1u);
  EXPECT_GE(stats.sequencer.failovers, 1u);
  EXPECT_EQ(consumer.events().size(), 400u);  // the consumer rejects gaps and dups itself
  ExpectExactBodies(consumer);
  EXPECT_TRUE(sub.Stop().ok());
}

TEST_F(PubSubTest, SlowConsumerOverflowsTheHighWaterMarkAndStillGetsEverything) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get(), {{"send_hwm", "5"}});
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  RecordingConsumer consumer(Current(), 1500ms);
  RunningSubscriber sub(MakeSubscriber({pub->pub}, &consumer, Current()));
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().up_to_date; }, 5s));
  // 3000 events of 8 KiB while the consumer sleeps on the first: more than
  // PUB's HWM, SUB's HWM and the TCP buffers hold.
  Write(3000, {pub->host.get()}, 8192);
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 60s))
      << consumer.applied() << " of " << Current();
  EXPECT_EQ(consumer.events().size(), 3000u);
  ExpectExactBodies(consumer);
  // Messages were lost live, so the rest came by catch-up.
  EXPECT_GE(sub.Stats().sequencer.catchups_completed, 1u);
}

TEST_F(PubSubTest, RogueFramesOnTheBusAreCountedAndDropped) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  zmq::context_t context(1);
  zmq::socket_t rogue(context, zmq::socket_type::pub);
  rogue.set(zmq::sockopt::linger, 0);
  rogue.bind("tcp://127.0.0.1:*");
  std::string rogue_ep = rogue.get(zmq::sockopt::last_endpoint);
  RecordingConsumer consumer(Current());
  RunningSubscriber sub(MakeSubscriber({pub->pub, rogue_ep}, &consumer, Current()));
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().up_to_date; }, 5s));
  std::string good = services_->Put("x", "y").value();  // a real event, to truncate
  const int64_t good_revision = Current();
  services_->Put("x", "z").value();  // advance past it: not republished
  pub->host->PublishEvent(good_revision, good);
  std::mt19937 rng(42);
  int sent = 0;
  for (int round = 0; round < 50; ++round) {
    std::string random(rng() % 64, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    rogue.send(zmq::str_buffer("E"), zmq::send_flags::sndmore);
    rogue.send(zmq::buffer(random));  // garbage EVENT
    rogue.send(zmq::str_buffer("H"), zmq::send_flags::sndmore);
    rogue.send(zmq::buffer(good.substr(0, good.size() / 2)));  // truncated
    rogue.send(zmq::str_buffer("E"), zmq::send_flags::sndmore);
    rogue.send(zmq::buffer(good.substr(0, good.size() - 1)));     // truncated EVENT
    rogue.send(zmq::str_buffer("E"));                             // one frame
    rogue.send(zmq::str_buffer("Ex"), zmq::send_flags::sndmore);  // bad topic
    rogue.send(zmq::buffer(good));
    sent += 5;
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(WaitFor([&] { return sub.Stats().malformed >= 100; }, 5s)) << sub.Stats().malformed;
  // The real publisher is unaffected; the next real event arrives in order.
  Write(10, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == Current(); }, 10s));
  ExpectExactBodies(consumer);
  EXPECT_LE(sub.Stats().malformed, static_cast<uint64_t>(sent));
  EXPECT_TRUE(sub.Stop().ok());
}

// Reads heartbeats from `pub` until one arrives (bounded), for its
// catch-up endpoint.
Heartbeat FirstHeartbeat(const std::string& pub) {
  zmq::context_t context(1);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "H");
  sub.set(zmq::sockopt::rcvtimeo, 3000);
  sub.connect(pub);
  zmq::message_t topic, body;
  if (!sub.recv(topic) || !sub.recv(body)) return {};
  Result<Heartbeat> hb = DecodeHeartbeat(body.to_string_view());
  return hb.ok() ? *hb : Heartbeat{};
}

// The real store for events and history, and a deliberately slow snapshot
// export (kChunks chunks, kChunkDelay apart) that stops when its sink says
// so: long enough that a publisher serving catch-up on its live thread would
// miss many heartbeats.
class SlowSnapshotServices : public plugin_host::HostServices {
 public:
  static constexpr int kChunks = 100;
  static constexpr auto kChunkDelay = std::chrono::milliseconds(30);

  explicit SlowSnapshotServices(StoreHostServices* real) : real_(real) {}

  Result<int64_t> ReadHistory(int64_t from, uint32_t max, const EventSink& sink) override {
    return real_->ReadHistory(from, max, sink);
  }
  Result<Revisions> CurrentRevisions() override { return real_->CurrentRevisions(); }
  Result<Identity> MemberIdentity() override { return real_->MemberIdentity(); }

  Result<int64_t> ExportSnapshot(const ChunkSink& sink) override {
    int64_t revision = real_->store().CurrentRevision();
    exporting = true;
    for (int i = 0; i < kChunks; ++i) {
      std::this_thread::sleep_for(kChunkDelay);
      if (!sink(revision, std::string(4096, static_cast<char>('a' + i % 26)))) {
        stopped_early = true;
        exporting = false;
        return Status::Cancelled("sink stopped");
      }
      chunks++;
    }
    exporting = false;
    return revision;
  }

  std::atomic<bool> exporting{false};
  std::atomic<bool> stopped_early{false};
  std::atomic<int> chunks{0};

 private:
  StoreHostServices* real_;
};

TEST_F(PubSubTest, HeartbeatsAndLiveEventsFlowWhileASlowSnapshotIsServed) {
  SlowSnapshotServices slow(services_.get());
  Result<LoadedPublisher> pub = LoadPublisher(&slow);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  Write(3, {pub->host.get()});
  Heartbeat hb = FirstHeartbeat(pub->pub);
  ASSERT_FALSE(hb.catchup_endpoint.empty());

  zmq::context_t context(1);
  zmq::socket_t live(context, zmq::socket_type::sub);
  live.set(zmq::sockopt::linger, 0);
  live.set(zmq::sockopt::subscribe, "");
  live.connect(pub->pub);
  ASSERT_TRUE(WaitFor(
      [&] {
        zmq::message_t topic, body;
        if (!live.recv(topic, zmq::recv_flags::dontwait)) return false;
        if (topic.more()) (void)live.recv(body);
        return true;
      },
      3s));  // connected: a message came through
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(hb.catchup_endpoint);
  dealer.send(zmq::buffer(EncodeCatchupRequest({9, 1, 100, 1 << 20})));  // from 1: a snapshot

  ASSERT_TRUE(WaitFor([&] { return slow.exporting.load(); }, 5s));
  // While the export runs (before SNAPSHOT_BEGIN can be sent), live traffic
  // must flow: heartbeats on their timer and events published now.
  Write(5, {pub->host.get()});
  int heartbeats = 0, events = 0;
  bool begun = false;
  zmq::pollitem_t items[] = {{live.handle(), 0, ZMQ_POLLIN, 0},
                             {dealer.handle(), 0, ZMQ_POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!begun && std::chrono::steady_clock::now() < deadline) {
    zmq::poll(items, 2, 100ms);
    zmq::message_t topic, body;
    while (live.recv(topic, zmq::recv_flags::dontwait)) {
      if (!topic.more() || !live.recv(body)) break;
      if (topic.to_string_view() == "H") ++heartbeats;
      if (topic.to_string_view() == "E") ++events;
    }
    zmq::message_t reply;
    if (dealer.recv(reply, zmq::recv_flags::dontwait)) {
      Result<MessageKind> kind = PeekKind(reply.to_string_view());
      ASSERT_TRUE(kind.ok());
      ASSERT_EQ(*kind, MessageKind::kSnapshotBegin);
      begun = true;
    }
  }
  ASSERT_TRUE(begun);
  EXPECT_EQ(slow.chunks.load(), SlowSnapshotServices::kChunks);
  // The five published during the export (the three before it went out
  // before this SUB connected, so at most those could add).
  EXPECT_GE(events, 5);
  EXPECT_LE(events, 8);
  // 100 chunks 30 ms apart is 3 s of export at 100 ms heartbeats: about 30.
  // Counting, not timing: on one I/O thread there would have been none.
  EXPECT_GE(heartbeats, 5);
  EXPECT_GE(pub->host->Stats()[0].events_delivered, 8u);
}

TEST_F(PubSubTest, ShutdownStopsASnapshotExportMidway) {
  SlowSnapshotServices slow(services_.get());
  Result<LoadedPublisher> pub = LoadPublisher(&slow);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  Heartbeat hb = FirstHeartbeat(pub->pub);
  ASSERT_FALSE(hb.catchup_endpoint.empty());
  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(hb.catchup_endpoint);
  dealer.send(zmq::buffer(EncodeCatchupRequest({1, 1, 100, 1 << 20})));
  ASSERT_TRUE(WaitFor([&] { return slow.chunks.load() >= 3; }, 5s));
  auto start = std::chrono::steady_clock::now();
  pub->host.reset();  // plugin shutdown: both publisher threads must stop
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(slow.stopped_early.load());
  EXPECT_LT(slow.chunks.load(), SlowSnapshotServices::kChunks);
  // Generous: one chunk delay is what it should take; the whole export
  // would be 3 s, and the host abandons a plugin after 2.5 s.
  EXPECT_LT(took, 2s);
}

TEST_F(PubSubTest, MalformedCatchupRequestsGetErrorRepliesAndChangeNothing) {
  Result<LoadedPublisher> pub = LoadPublisher(services_.get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  Write(5, {pub->host.get()});
  Heartbeat hb = FirstHeartbeat(pub->pub);
  ASSERT_EQ(hb.member_id, 7u);
  ASSERT_EQ(hb.cluster_id, 99u);
  ASSERT_EQ(hb.interval_ms, 100u);
  ASSERT_NE(hb.catchup_endpoint.find("tcp://127.0.0.1:"), std::string::npos);
  ASSERT_EQ(hb.catchup_endpoint.find('*'), std::string::npos);  // the real port

  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::rcvtimeo, 3000);
  dealer.connect(hb.catchup_endpoint);
  std::string valid = EncodeCatchupRequest({5, Current() - 2, 10, 1 << 20});
  std::mt19937 rng(7);
  std::vector<std::vector<std::string>> bad = {
      {""},
      {valid.substr(0, valid.size() - 1)},
      {valid + "x"},
      {EncodeCatchupRequest({5, 0, 10, 1 << 20})},  // from_revision 0
      {EncodeCatchupEnd({1, 0, 3})},                // another kind
      {valid, valid},                               // two frames
  };
  for (int i = 0; i < 20; ++i) {
    std::string random(rng() % 40, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    bad.push_back({random});
  }
  for (const auto& frames : bad) {
    for (size_t i = 0; i < frames.size(); ++i) {
      dealer.send(zmq::buffer(frames[i]),
                  i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    zmq::message_t reply;
    ASSERT_TRUE(dealer.recv(reply)) << "no reply";
    Result<ErrorReply> error = DecodeErrorReply(reply.to_string_view());
    ASSERT_TRUE(error.ok()) << error.status().ToString();
    EXPECT_EQ(error->tag, 0u);
    EXPECT_EQ(error->code, static_cast<uint64_t>(StatusCode::kInvalidArgument));
    EXPECT_FALSE(error->message.empty());
  }
  // Still serving: the valid request gets the last three events, then END.
  dealer.send(zmq::buffer(valid));
  std::vector<std::string> got;
  for (int i = 0; i < 10; ++i) {
    zmq::message_t reply;
    ASSERT_TRUE(dealer.recv(reply));
    Result<MessageKind> kind = PeekKind(reply.to_string_view());
    ASSERT_TRUE(kind.ok());
    if (*kind == MessageKind::kCatchupEnd) {
      Result<CatchupEnd> end = DecodeCatchupEnd(reply.to_string_view());
      ASSERT_TRUE(end.ok());
      EXPECT_EQ(end->tag, 5u);
      EXPECT_EQ(end->last_revision, Current());
      break;
    }
    ASSERT_EQ(*kind, MessageKind::kCatchupEvents);
    Result<CatchupEvents> chunk = DecodeCatchupEvents(reply.to_string_view());
    ASSERT_TRUE(chunk.ok());
    for (auto& e : chunk->events) got.push_back(e);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], services_->Published(Current() - 2));
  EXPECT_EQ(got[2], services_->Published(Current()));
}

TEST_F(PubSubTest, InitErrorsNameTheProblem) {
  auto load_error = [&](std::vector<plugin_host::PluginSetting> settings) {
    auto host = plugin_host::PluginHost::Load({PUBLISHER_PLUGIN_PATH}, settings, services_.get());
    EXPECT_FALSE(host.ok());
    return host.ok() ? std::string() : host.status().message();
  };
  EXPECT_NE(load_error({{"publisher", "listen", "nonsense"}}).find("nonsense"), std::string::npos);
  EXPECT_NE(load_error({{"publisher", "heartbeat_ms", "0"}}).find("heartbeat_ms"),
            std::string::npos);
  EXPECT_NE(load_error({{"publisher", "send_hwm", "ten"}}).find("send_hwm"), std::string::npos);
  EXPECT_NE(load_error({{"publisher", "colour", "blue"}}).find("colour"), std::string::npos);
  // Address in use: a second publisher on the first one's PUB endpoint.
  Result<LoadedPublisher> first = LoadPublisher(services_.get());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string in_use = load_error(
      {{"publisher", "listen", first->pub}, {"publisher", "catchup", "tcp://127.0.0.1:*"}});
  EXPECT_NE(in_use.find(first->pub), std::string::npos) << in_use;
  EXPECT_NE(in_use.find("in use"), std::string::npos) << in_use;
}

}  // namespace
}  // namespace shadekv::bus::testing

namespace shadekv::bus::testing {
namespace {

// CURVE (bus/PROTOCOL.md section 6): keys in the test's temp dir; the
// publisher authorizes only "good".
class CurvePubSubTest : public PubSubTest {
 protected:
  void SetUp() override {
    PubSubTest::SetUp();
    std::filesystem::create_directories(dir_.Sub("authorized"));
    for (const char* name : {"publisher", "good", "bad"}) {
      Result<CurveKeyPair> pair = GenerateCurveKeyPair();
      ASSERT_TRUE(pair.ok());
      ASSERT_TRUE(WriteCurveKeyPair(dir_.Sub(name), *pair).ok());
      pairs_[name] = *pair;
    }
    std::ofstream(dir_.Sub("authorized/good.pub"))
        << FormatPublicKeyFile(pairs_["good"].public_key);
  }

  std::vector<std::pair<std::string, std::string>> CurveSettings() {
    return {{"curve_key", dir_.Sub("publisher")}, {"curve_authorized", dir_.Sub("authorized")}};
  }

  std::unique_ptr<Subscriber> MakeCurveSubscriber(const std::string& pub, const char* name,
                                                  RecordingConsumer* consumer) {
    SubscriberOptions options;
    options.publishers = {pub};
    options.sequencer.heartbeat_timeout_ms = 500;
    options.sequencer.catchup_timeout_ms = 1000;
    options.sequencer.catchup_retry_ms = 50;
    if (name != nullptr) {
      options.curve = SubscriberCurve{pairs_[name], {pairs_["publisher"].public_key}};
    }
    Result<std::unique_ptr<Subscriber>> s = Subscriber::Create(options, consumer);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::map<std::string, CurveKeyPair> pairs_;
};

TEST_F(CurvePubSubTest, AuthorizedSubscriberGetsSnapshotAndEventsOthersGetNothing) {
  Write(5, {});
  Result<LoadedPublisher> pub = LoadPublisher(services_.get(), CurveSettings());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  RecordingConsumer good_consumer(0), bad_consumer(0), plain_consumer(0);
  RunningSubscriber good(MakeCurveSubscriber(pub->pub, "good", &good_consumer));
  RunningSubscriber bad(MakeCurveSubscriber(pub->pub, "bad", &bad_consumer));
  RunningSubscriber plain(MakeCurveSubscriber(pub->pub, nullptr, &plain_consumer));
  ASSERT_TRUE(WaitFor([&] { return good_consumer.applied() == Current(); }, 10s));
  Write(20, {pub->host.get()});
  ASSERT_TRUE(WaitFor([&] { return good_consumer.applied() == Current(); }, 10s))
      << good_consumer.applied() << " of " << Current();
  EXPECT_EQ(good_consumer.events().size(), 20u);
  ExpectExactBodies(good_consumer);
  // The same time and a bit more for the others: nothing at all, not even a
  // heartbeat (they never learn the publisher's revision).
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(bad_consumer.applied(), 0);
  EXPECT_EQ(plain_consumer.applied(), 0);
  EXPECT_EQ(bad.Stats().latest_revision_seen, 0);
  EXPECT_EQ(plain.Stats().latest_revision_seen, 0);
  EXPECT_TRUE(good.Stop().ok());
  EXPECT_TRUE(bad.Stop().ok());
  EXPECT_TRUE(plain.Stop().ok());
}

TEST_F(CurvePubSubTest, BadCurveSettingsStopThePluginWithTheReason) {
  Result<LoadedPublisher> half =
      LoadPublisher(services_.get(), {{"curve_key", dir_.Sub("publisher")}});
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("go together"), std::string::npos)
      << half.status().message();
  ASSERT_EQ(::chmod(dir_.Sub("publisher.key").c_str(), 0644), 0);
  Result<LoadedPublisher> open_key = LoadPublisher(services_.get(), CurveSettings());
  ASSERT_FALSE(open_key.ok());
  EXPECT_NE(open_key.status().message().find("chmod 600"), std::string::npos)
      << open_key.status().message();
  ASSERT_EQ(::chmod(dir_.Sub("publisher.key").c_str(), 0600), 0);
  Result<LoadedPublisher> no_auth = LoadPublisher(
      services_.get(),
      {{"curve_key", dir_.Sub("publisher")}, {"curve_authorized", dir_.Sub("nothing-here")}});
  ASSERT_FALSE(no_auth.ok());
  EXPECT_NE(no_auth.status().message().find("curve_authorized"), std::string::npos)
      << no_auth.status().message();
}

}  // namespace
}  // namespace shadekv::bus::testing
