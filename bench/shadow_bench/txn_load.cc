// Txn batches through Poco's HTTPClientSession (keep-alive), one thread per
// client taking the next batch from a shared counter.
#include "bench/shadow_bench/txn_load.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "bench/bus_bench/put_load.h"
#include "bench/watch_fanout/put_writer.h"

namespace shadekv::bench {
namespace {

// header.revision of a txn response that succeeded (a txn without compares
// always takes the success branch; anything else means we misread it).
Result<int64_t> TxnRevision(const std::string& body) {
  Result<api::JsonValue> json = api::ParseWholeJson(body);
  if (!json.ok()) return Status::InvalidArgument("txn response is not JSON: " + body);
  const api::JsonValue* succeeded = json->Find("succeeded");
  if (succeeded == nullptr || succeeded->kind != api::JsonValue::Kind::kBool ||
      !succeeded->boolean) {
    return Status::InvalidArgument("txn did not succeed: " + body.substr(0, 300));
  }
  const api::JsonValue* header = json->Find("header");
  const api::JsonValue* revision = header ? header->Find("revision") : nullptr;
  if (revision == nullptr || revision->kind != api::JsonValue::Kind::kString) {
    return Status::InvalidArgument("txn response has no header.revision: " + body.substr(0, 300));
  }
  try {
    return static_cast<int64_t>(std::stoll(revision->text));
  } catch (const std::exception&) {
    return Status::InvalidArgument("txn header.revision is not a number: " + revision->text);
  }
}

struct Shared {
  const TxnLoadPlan* plan;
  std::atomic<int> next_batch{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;      // guarded by mu
  TxnLoadOutcome outcome;  // guarded by mu

  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = std::move(status);
    failed = true;
  }
};

void ClientLoop(Shared& shared) {
  const TxnLoadPlan& plan = *shared.plan;
  const int batches = (plan.keys + plan.batch - 1) / plan.batch;
  try {
    Poco::Net::HTTPClientSession session(plan.host, static_cast<Poco::UInt16>(plan.port));
    session.setKeepAlive(true);
    const int64_t left_ms = std::max<int64_t>((plan.deadline_ns - SteadyNowNs()) / 1'000'000, 1);
    session.setTimeout(Poco::Timespan(left_ms * 1000));
    while (!shared.failed) {
      const int b = shared.next_batch.fetch_add(1);
      if (b >= batches) return;
      if (SteadyNowNs() >= plan.deadline_ns) {
        shared.Fail(Status::DeadlineExceeded("timed out before txn " + std::to_string(b) + " of " +
                                             std::to_string(batches)));
        return;
      }
      const int first = b * plan.batch;
      const int count = std::min(plan.batch, plan.keys - first);
      const std::string body = TxnBody(plan.key_prefix, first, count, plan.value_bytes);
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v3/kv/txn",
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      request.setKeepAlive(true);
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::string reply;
      Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
      if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
        shared.Fail(Status::Unavailable("txn " + std::to_string(b) + " answered HTTP " +
                                        std::to_string(response.getStatus()) + ": " +
                                        reply.substr(0, 300)));
        return;
      }
      Result<int64_t> revision = TxnRevision(reply);
      if (!revision.ok()) {
        shared.Fail(revision.status());
        return;
      }
      std::lock_guard<std::mutex> lock(shared.mu);
      shared.outcome.keys_written += count;
      shared.outcome.txns += 1;
      shared.outcome.request_bytes += static_cast<int64_t>(body.size());
      shared.outcome.last_revision = std::max(shared.outcome.last_revision, *revision);
    }
  } catch (const Poco::Exception& e) {
    shared.Fail(Status::Unavailable("txn to " + plan.host + ":" + std::to_string(plan.port) +
                                    " failed: " + e.displayText()));
  } catch (const std::exception& e) {
    shared.Fail(Status::Unavailable("txn failed: " + std::string(e.what())));
  }
}

}  // namespace

std::string LoadValue(int i, int value_bytes) {
  // Pseudo-random printable bytes seeded by the key index (splitmix64): a
  // constant filler would compress to nothing in LevelDB and the snapshot
  // stream and understate the sizes and times being measured.
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Each key's stream starts 2^32 steps from its neighbour's: seeds one
  // step apart would make key i+1's value key i's shifted by one byte,
  // which compresses just as well as a constant.
  uint64_t state = static_cast<uint64_t>(i) << 32;
  std::string value(static_cast<size_t>(value_bytes), ' ');
  for (char& c : value) {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    c = kAlphabet[(z ^ (z >> 31)) & 63];
  }
  return value;
}

std::string TxnBody(const std::string& key_prefix, int first, int count, int value_bytes) {
  std::string body = "{\"success\":[";
  for (int i = first; i < first + count; ++i) {
    if (i != first) body += ',';
    body += "{\"request_put\":{\"key\":\"" + api::EncodeBase64(PutKey(key_prefix, i)) +
            "\",\"value\":\"" + api::EncodeBase64(LoadValue(i, value_bytes)) + "\"}}";
  }
  body += "]}";
  return body;
}

Status RunTxnLoad(const TxnLoadPlan& plan, TxnLoadOutcome* outcome) {
  if (plan.keys <= 0 || plan.batch <= 0 || plan.clients <= 0) {
    return Status::InvalidArgument("keys, batch and clients must be positive");
  }
  Shared shared;
  shared.plan = &plan;
  std::vector<std::thread> threads;
  for (int c = 0; c < plan.clients; ++c) threads.emplace_back(ClientLoop, std::ref(shared));
  for (std::thread& t : threads) t.join();
  std::lock_guard<std::mutex> lock(shared.mu);
  *outcome = shared.outcome;
  return shared.first_error;
}

}  // namespace shadekv::bench
