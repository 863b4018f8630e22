// The PUB's send high-water mark is raised to the whole run: the reference
// measures the transport's latency, not ZeroMQ's drop policy (the bus's own
// HWM policy is the publisher's business and shows up as catch-ups).
#include "bench/bus_bench/zmq_reference.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "bench/bus_bench/put_load.h"
#include "bench/bus_bench/stamped_value.h"
#include "bench/bus_bench/token_bucket.h"

namespace shadekv::bench {
namespace {

struct SubSlot {
  std::vector<Receipt> receipts;
  std::atomic<bool> joined{false};
  std::atomic<bool> done{false};
  uint64_t malformed = 0;
  std::string error;
};

void SubLoop(zmq::context_t& context, const std::string& endpoint, int last_seq,
             int64_t deadline_ns, const std::atomic<bool>& stop, SubSlot* slot) {
  try {
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 0);
    sub.set(zmq::sockopt::subscribe, "E");
    sub.set(zmq::sockopt::subscribe, "J");
    sub.connect(endpoint);
    slot->receipts.reserve(static_cast<size_t>(last_seq));
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    while (!stop && SteadyNowNs() < deadline_ns) {
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      zmq::message_t topic;
      while (sub.recv(topic, zmq::recv_flags::dontwait)) {
        const int64_t received_ns = SteadyNowNs();
        zmq::message_t body;
        if (topic.more()) (void)sub.recv(body, zmq::recv_flags::none);
        if (topic.to_string_view() == "J") {
          slot->joined = true;
          continue;
        }
        Result<ReferenceStamp> stamp = ReadReferenceBody(body.to_string_view());
        if (!stamp.ok()) {
          ++slot->malformed;
          continue;
        }
        slot->receipts.push_back(
            Receipt{static_cast<int64_t>(stamp->seq), received_ns, stamp->sent_ns});
        if (static_cast<int>(stamp->seq) == last_seq) {
          slot->done = true;
          return;
        }
      }
    }
  } catch (const zmq::error_t& e) {
    slot->error = e.what();
  }
}

bool All(const std::vector<std::unique_ptr<SubSlot>>& slots, std::atomic<bool> SubSlot::*flag) {
  return std::all_of(slots.begin(), slots.end(),
                     [flag](const auto& s) { return (*s.*flag).load(); });
}

}  // namespace

Result<ZmqReferenceOutcome> RunZmqReference(const ZmqReferencePlan& plan) {
  zmq::context_t context(1);
  zmq::socket_t pub;
  std::string endpoint;
  try {
    pub = zmq::socket_t(context, zmq::socket_type::pub);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, std::max(1000, plan.messages + 1000));
    pub.bind("tcp://127.0.0.1:*");
    endpoint = pub.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("zmq PUB on tcp://127.0.0.1:* failed: ") + e.what());
  }

  std::vector<std::unique_ptr<SubSlot>> slots;
  for (int i = 0; i < plan.subscribers; ++i) slots.push_back(std::make_unique<SubSlot>());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& slot : slots) {
    threads.emplace_back(SubLoop, std::ref(context), endpoint, plan.messages, plan.deadline_ns,
                         std::cref(stop), slot.get());
  }
  auto finish = [&] {
    stop = true;
    for (std::thread& t : threads) t.join();
  };

  Status failure;
  try {
    // Join probes every 10 ms: a SUB that connected but whose subscription
    // has not reached the PUB yet would silently miss the first messages.
    while (!All(slots, &SubSlot::joined)) {
      if (SteadyNowNs() >= plan.deadline_ns) {
        failure = Status::Unavailable("the zmq SUB sockets did not join " + endpoint +
                                      " before the deadline");
        break;
      }
      pub.send(zmq::str_buffer("J"), zmq::send_flags::sndmore);
      pub.send(zmq::str_buffer(""), zmq::send_flags::none);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (const zmq::error_t& e) {
    failure = Status::Unavailable(std::string("zmq send failed: ") + e.what());
  }
  if (!failure.ok()) {
    finish();
    return failure;
  }

  ZmqReferenceOutcome outcome;
  const size_t body_bytes = static_cast<size_t>(plan.message_bytes);
  TokenBucket bucket(plan.rate_per_s, plan.burst, SteadyNowNs());
  try {
    for (int seq = 1; seq <= plan.messages; ++seq) {
      const int64_t send_at = bucket.Reserve(SteadyNowNs());
      if (send_at >= plan.deadline_ns) break;
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(send_at)));
      const int64_t sent_ns = SteadyNowNs();
      if (seq == 1) outcome.load_start_ns = sent_ns;
      // The body is built after the stamp, as the bus writer builds the put.
      const std::string body =
          MakeReferenceBody(ReferenceStamp{static_cast<uint64_t>(seq), sent_ns}, body_bytes);
      pub.send(zmq::str_buffer("E"), zmq::send_flags::sndmore);
      pub.send(zmq::buffer(body), zmq::send_flags::none);
      outcome.load_end_ns = SteadyNowNs();
    }
  } catch (const zmq::error_t& e) {
    failure = Status::Unavailable(std::string("zmq send failed: ") + e.what());
  }
  // Let the SUBs drain until they saw the last message or the deadline.
  while (failure.ok() && !All(slots, &SubSlot::done) && SteadyNowNs() < plan.deadline_ns) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  finish();
  if (!failure.ok()) return failure;
  for (auto& slot : slots) {
    if (!slot->error.empty()) return Status::Unavailable("zmq SUB failed: " + slot->error);
    outcome.malformed += slot->malformed;
    outcome.receipts.push_back(std::move(slot->receipts));
  }
  return outcome;
}

}  // namespace shadekv::bench
