// Puts through Poco's HTTPClientSession, which keeps the connection alive
// between requests so that the measured latency is the server's, not a TCP
// handshake's.
#include "bench/watch_fanout/put_writer.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "bench/watch_fanout/watch_stream_set.h"

namespace shadekv::bench {
namespace {

Result<int64_t> HeaderRevision(const std::string& body) {
  Result<api::JsonValue> json = api::ParseWholeJson(body);
  if (!json.ok()) return Status::InvalidArgument("put response is not JSON: " + body);
  const api::JsonValue* header = json->Find("header");
  const api::JsonValue* revision = header ? header->Find("revision") : nullptr;
  if (revision == nullptr || revision->kind != api::JsonValue::Kind::kString) {
    return Status::InvalidArgument("put response has no header.revision: " + body);
  }
  try {
    return static_cast<int64_t>(std::stoll(revision->text));
  } catch (const std::exception&) {
    return Status::InvalidArgument("put response header.revision is not a number: " + body);
  }
}

}  // namespace

std::string PutKey(const std::string& key_prefix, int i) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%08d", i);
  return key_prefix + digits;
}

Status RunPuts(const PutPlan& plan, std::vector<PutRecord>* records) {
  const std::string value(static_cast<size_t>(plan.value_bytes), 'v');
  const std::string value_b64 = api::EncodeBase64(value);
  try {
    Poco::Net::HTTPClientSession session(plan.host, static_cast<Poco::UInt16>(plan.port));
    session.setKeepAlive(true);
    const int64_t remaining_ms = (plan.deadline_ns - WatchStreamSet::NowNs()) / 1'000'000;
    session.setTimeout(Poco::Timespan(std::max<int64_t>(remaining_ms, 1) * 1000));
    int64_t previous_revision = 0;
    for (int i = 0; i < plan.puts; ++i) {
      if (WatchStreamSet::NowNs() >= plan.deadline_ns) {
        return Status::DeadlineExceeded("timed out after " + std::to_string(i) + " puts");
      }
      const std::string body = "{\"key\":\"" + api::EncodeBase64(PutKey(plan.key_prefix, i)) +
                               "\",\"value\":\"" + value_b64 + "\"}";
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v3/kv/put",
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      request.setKeepAlive(true);

      PutRecord record;
      record.sent_ns = WatchStreamSet::NowNs();
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session.receiveResponse(response);
      std::string reply;
      Poco::StreamCopier::copyToString(in, reply);
      record.acked_ns = WatchStreamSet::NowNs();

      if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
        return Status::Unavailable("put " + std::to_string(i) + " answered HTTP " +
                                   std::to_string(response.getStatus()) + ": " + reply);
      }
      SHADEKV_ASSIGN_OR_RETURN(record.revision, HeaderRevision(reply));
      if (record.revision <= previous_revision) {
        return Status::Internal("put " + std::to_string(i) + " got revision " +
                                std::to_string(record.revision) + ", not above the previous " +
                                std::to_string(previous_revision));
      }
      previous_revision = record.revision;
      records->push_back(record);
      if (plan.interval_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(plan.interval_ms));
      }
    }
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("put to " + plan.host + ":" + std::to_string(plan.port) +
                               " failed: " + e.displayText());
  } catch (const std::exception& e) {
    return Status::Unavailable("put failed: " + std::string(e.what()));
  }
  return Status::Ok();
}

}  // namespace shadekv::bench
