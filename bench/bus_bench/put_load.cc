// Puts through Poco's HTTPClientSession (keep-alive, so the latency measured
// is the server's and not a TCP handshake's), paced by one shared bucket.
#include "bench/bus_bench/put_load.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "bench/bus_bench/stamped_value.h"
#include "bench/bus_bench/token_bucket.h"
#include "bench/watch_fanout/put_writer.h"

namespace shadekv::bench {
namespace {

Result<int64_t> HeaderRevision(const std::string& body) {
  Result<api::JsonValue> json = api::ParseWholeJson(body);
  if (!json.ok()) return Status::InvalidArgument("response is not JSON: " + body);
  const api::JsonValue* header = json->Find("header");
  const api::JsonValue* revision = header ? header->Find("revision") : nullptr;
  if (revision == nullptr || revision->kind != api::JsonValue::Kind::kString) {
    return Status::InvalidArgument("response has no header.revision: " + body);
  }
  try {
    return static_cast<int64_t>(std::stoll(revision->text));
  } catch (const std::exception&) {
    return Status::InvalidArgument("response header.revision is not a number: " + body);
  }
}

// One POST on an open session; the reply body on HTTP 200.
Result<std::string> Post(Poco::Net::HTTPClientSession& session, const std::string& path,
                         const std::string& body) {
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  request.setKeepAlive(true);
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string reply;
  Poco::StreamCopier::copyToString(in, reply);
  if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
    return Status::Unavailable(path + " answered HTTP " + std::to_string(response.getStatus()) +
                               ": " + reply);
  }
  return reply;
}

Poco::Timespan Remaining(int64_t deadline_ns) {
  const int64_t ms = std::max<int64_t>((deadline_ns - SteadyNowNs()) / 1'000'000, 1);
  return Poco::Timespan(ms * 1000);
}

struct SharedLoad {
  SharedLoad(const PutLoadPlan* p, TokenBucket b) : plan(p), bucket(b) {}

  const PutLoadPlan* plan;
  std::mutex mu;
  TokenBucket bucket;        // guarded by mu
  Status first_error;        // guarded by mu
  std::atomic<int> next{0};  // the next put index to take
  std::atomic<bool> failed{false};

  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = std::move(status);
    failed = true;
  }
};

void ClientLoop(SharedLoad& shared, std::vector<PutRecord>* records) {
  const PutLoadPlan& plan = *shared.plan;
  try {
    Poco::Net::HTTPClientSession session(plan.host, static_cast<Poco::UInt16>(plan.port));
    session.setKeepAlive(true);
    session.setTimeout(Remaining(plan.deadline_ns));
    while (!shared.failed) {
      const int i = shared.next.fetch_add(1);
      if (i >= plan.puts) return;
      int64_t send_at = 0;
      {
        std::lock_guard<std::mutex> lock(shared.mu);
        send_at = shared.bucket.Reserve(SteadyNowNs());
      }
      if (send_at >= plan.deadline_ns) {
        shared.Fail(Status::DeadlineExceeded("timed out before put " + std::to_string(i)));
        return;
      }
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(send_at)));
      PutRecord record;
      record.sent_ns = SteadyNowNs();
      const std::string body = "{\"key\":\"" + api::EncodeBase64(PutKey(plan.key_prefix, i)) +
                               "\",\"value\":\"" +
                               api::EncodeBase64(MakeStampedValue(
                                   record.sent_ns, static_cast<size_t>(plan.value_bytes))) +
                               "\"}";
      Result<std::string> reply = Post(session, "/v3/kv/put", body);
      record.acked_ns = SteadyNowNs();
      if (!reply.ok()) {
        shared.Fail(
            Status::Unavailable("put " + std::to_string(i) + ": " + reply.status().message()));
        return;
      }
      Result<int64_t> revision = HeaderRevision(*reply);
      if (!revision.ok()) {
        shared.Fail(
            Status::Internal("put " + std::to_string(i) + ": " + revision.status().message()));
        return;
      }
      record.revision = *revision;
      records->push_back(record);
    }
  } catch (const Poco::Exception& e) {
    shared.Fail(Status::Unavailable("put to " + plan.host + ":" + std::to_string(plan.port) +
                                    " failed: " + e.displayText()));
  } catch (const std::exception& e) {
    shared.Fail(Status::Unavailable("put failed: " + std::string(e.what())));
  }
}

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status RunPutLoad(const PutLoadPlan& plan, std::vector<PutRecord>* records) {
  SharedLoad shared(&plan, TokenBucket(plan.rate_per_s, plan.burst, SteadyNowNs()));
  const int clients = std::max(1, std::min(plan.clients, plan.puts));
  std::vector<std::vector<PutRecord>> per_client(static_cast<size_t>(clients));
  for (auto& r : per_client) r.reserve(static_cast<size_t>(plan.puts / clients + 1));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(ClientLoop, std::ref(shared), &per_client[static_cast<size_t>(c)]);
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : per_client) records->insert(records->end(), r.begin(), r.end());
  std::lock_guard<std::mutex> lock(shared.mu);
  return shared.first_error;
}

Result<int64_t> CurrentRevision(const std::string& host, int port, int64_t deadline_ns) {
  try {
    Poco::Net::HTTPClientSession session(host, static_cast<Poco::UInt16>(port));
    session.setTimeout(Remaining(deadline_ns));
    // Any key: only the header matters.
    SHADEKV_ASSIGN_OR_RETURN(std::string reply,
                             Post(session, "/v3/kv/range", "{\"key\":\"AA==\"}"));
    return HeaderRevision(reply);
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("range on " + host + ":" + std::to_string(port) +
                               " failed: " + e.displayText());
  }
}

}  // namespace shadekv::bench
