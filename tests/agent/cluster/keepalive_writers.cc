// See keepalive_writers.h.
#include "tests/agent/cluster/keepalive_writers.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <memory>

#include "tests/agent/cluster/base64_text.h"

namespace shadekv::cluster_testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

KeepAliveWriters::KeepAliveWriters(std::function<std::vector<int>()> client_ports, WriteLoad load)
    : client_ports_(std::move(client_ports)), load_(std::move(load)) {
  for (int t = 0; t < load_.threads; ++t) threads_.emplace_back([this, t] { Run(t); });
}

KeepAliveWriters::~KeepAliveWriters() { Join(); }

void KeepAliveWriters::Join() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::pair<std::string, std::string> KeepAliveWriters::Request(const WriteLoad& load, int64_t n) {
  const std::string key = load.prefix + std::to_string(n % load.key_space);
  if (load.delete_every > 0 && n % load.delete_every == load.delete_every - 1) {
    return {"/v3/kv/deleterange", "{\"key\":\"" + Base64(key) + "\"}"};
  }
  return {"/v3/kv/put", "{\"key\":\"" + Base64(key) + "\",\"value\":\"" +
                            Base64("v" + std::to_string(n)) + "\"}"};
}

void KeepAliveWriters::Run(int thread) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  size_t pick = static_cast<size_t>(thread);
  const auto deadline = Clock::now() + load_.limit;
  while (!stop_ && Clock::now() < deadline) {
    const int64_t n = claimed_.fetch_add(1);
    if (n >= load_.total) return;
    const auto [path, body] = Request(load_, n);
    bool ok = false;
    for (int attempt = 0; attempt < 300 && !ok && !stop_ && Clock::now() < deadline; ++attempt) {
      if (session == nullptr) {
        std::vector<int> ports = client_ports_();
        if (ports.empty()) {
          std::this_thread::sleep_for(milliseconds(50));
          continue;
        }
        session = std::make_unique<Poco::Net::HTTPClientSession>(
            "127.0.0.1", static_cast<Poco::UInt16>(ports[pick++ % ports.size()]));
        session->setKeepAlive(true);
        session->setTimeout(Poco::Timespan(10, 0));
      }
      try {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session->sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string reply;
        Poco::StreamCopier::copyToString(session->receiveResponse(response), reply);
        ok = response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
      } catch (const Poco::Exception&) {
        ok = false;
      }
      if (!ok) {
        // A write that failed may still have been committed (a timeout after
        // proposing): that only adds a revision, which subscribers must see
        // like any other. Retrying re-applies the same change.
        ++failures_;
        session.reset();
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    if (ok) {
      ++done_;
    } else {
      ++abandoned_;
    }
  }
}

}  // namespace shadekv::cluster_testing
