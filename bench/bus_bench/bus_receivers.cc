// One thread per subscriber, so that a slow one shows up as its own catch-ups
// and not as everyone's latency. Receive time is taken when the driver hands
// the event over, before it is decoded here.
#include "bench/bus_bench/bus_receivers.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "bench/bus_bench/put_load.h"
#include "bench/bus_bench/stamped_value.h"
#include "bus/subscriber/subscriber.h"
#include "shadekv/bus/codec.h"

namespace shadekv::bench {

class RecordingConsumer : public bus::SubscriberConsumer {
 public:
  explicit RecordingConsumer(std::string key_prefix) : key_prefix_(std::move(key_prefix)) {
    receipts_.reserve(1 << 16);
  }

  Status InstallSnapshot(int64_t revision, std::string_view) override {
    ++counters_.snapshots;
    applied_.store(revision);
    return Status::Ok();
  }

  Status ApplyEvent(int64_t revision, std::string_view body) override {
    Receipt receipt{revision, SteadyNowNs(), -1};
    ++counters_.events;
    counters_.event_bytes += body.size();
    Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
    if (!event.ok()) {
      return Status::DataLoss("revision " + std::to_string(revision) +
                              " handed over undecodable: " + event.status().message());
    }
    for (const store::KeyChange& change : event->changes) {
      if (change.kv.key.rfind(key_prefix_, 0) != 0) continue;
      if (Result<int64_t> sent = ReadValueStamp(change.kv.value); sent.ok()) {
        receipt.sent_ns = *sent;
        break;
      }
    }
    if (receipt.sent_ns < 0) ++counters_.unstamped;
    receipts_.push_back(receipt);
    applied_.store(revision);
    return Status::Ok();
  }

  int64_t applied() const { return applied_.load(); }
  std::vector<Receipt>& receipts() { return receipts_; }
  BusReceiverCounters& counters() { return counters_; }
  void set_applied(int64_t revision) { applied_.store(revision); }

 private:
  const std::string key_prefix_;
  std::atomic<int64_t> applied_{0};
  // Touched by the subscriber's thread only until it is joined.
  std::vector<Receipt> receipts_;
  BusReceiverCounters counters_;
};

struct BusReceivers::Slot {
  explicit Slot(std::string key_prefix) : consumer(std::move(key_prefix)) {}
  RecordingConsumer consumer;
  std::unique_ptr<bus::Subscriber> subscriber;
  Status error;  // written by the thread, read after join
};

Result<std::unique_ptr<BusReceivers>> BusReceivers::Start(const std::string& bus, int count,
                                                          int64_t applied_revision,
                                                          const std::string& key_prefix) {
  std::unique_ptr<BusReceivers> receivers(new BusReceivers());
  for (int i = 0; i < count; ++i) {
    auto slot = std::make_unique<Slot>(key_prefix);
    slot->consumer.set_applied(applied_revision);
    bus::SubscriberOptions options;
    options.publishers = {bus};
    options.applied_revision = applied_revision;
    SHADEKV_ASSIGN_OR_RETURN(slot->subscriber, bus::Subscriber::Create(options, &slot->consumer));
    receivers->slots_.push_back(std::move(slot));
  }
  for (auto& slot : receivers->slots_) {
    Slot* s = slot.get();
    receivers->threads_.emplace_back(
        [s, stop = &receivers->stop_] { s->error = s->subscriber->Run(*stop); });
  }
  return receivers;
}

BusReceivers::~BusReceivers() { (void)Stop(); }

bool BusReceivers::WaitAllApplied(int64_t revision, int64_t deadline_ns) const {
  while (MinApplied() < revision) {
    if (SteadyNowNs() >= deadline_ns) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

int64_t BusReceivers::MinApplied() const {
  int64_t lowest = INT64_MAX;
  for (const auto& slot : slots_) lowest = std::min(lowest, slot->consumer.applied());
  return lowest;
}

Status BusReceivers::Stop() {
  if (stopped_) return Status::Ok();
  stopped_ = true;
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  Status first;
  for (auto& slot : slots_) {
    const bus::SubscriberStats stats = slot->subscriber->Stats();
    BusReceiverCounters counters = slot->consumer.counters();
    counters.catchups = stats.sequencer.catchups_completed;
    counters.catchups_failed = stats.sequencer.catchups_failed;
    counters.buffer_overflows = stats.sequencer.buffer_overflows;
    counters.malformed = stats.malformed;
    counters_.push_back(counters);
    receipts_.push_back(std::move(slot->consumer.receipts()));
    if (first.ok() && !slot->error.ok()) first = slot->error;
  }
  return first;
}

}  // namespace shadekv::bench
