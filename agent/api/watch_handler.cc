// The watch stream's HTTP side: request reader, response writer, hang-up
// detection. The watching itself is the hub's (agent/watch).
#include "agent/api/watch_handler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <sys/socket.h>

#include <cerrno>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "agent/api/etcd_json_watch.h"
#include "agent/api/http_reply.h"
#include "agent/api/json_stream.h"
#include "agent/api/tls_session.h"

namespace shadekv::api {

// Registers a stream for the lifetime of one handler; refuses when stopping.
class WatchStreamRegistration {
 public:
  WatchStreamRegistration(WatchStreams& streams, watch::WatchStream* stream,
                          const Poco::Net::StreamSocket& socket)
      : streams_(streams), stream_(stream) {
    std::lock_guard lock(streams_.mu_);
    if (streams_.stopping_) {
      stream_->Close();
      return;
    }
    streams_.open_.emplace(stream_, socket);
  }
  ~WatchStreamRegistration() {
    std::lock_guard lock(streams_.mu_);
    streams_.open_.erase(stream_);
    streams_.cv_.notify_all();
  }

 private:
  WatchStreams& streams_;
  watch::WatchStream* stream_;
};

void WatchStreams::StopAll() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (auto& [stream, socket] : open_) {
    stream->Close();
    // Unblocks a writer stuck on a client that does not read; TCP-level so
    // it is safe against that writer's TLS state (tls_session.h).
    tls::ShutdownConnection(socket);
  }
  cv_.wait_for(lock, std::chrono::seconds(10), [&] { return open_.empty(); });
}

namespace {

// How often an idle writer looks for a client that hung up.
constexpr std::chrono::milliseconds kIdlePoll(500);

// grpc-gateway prints a gRPC error as "rpc error: code = <Name> desc = <msg>".
std::string GrpcErrorText(const Status& s) {
  const char* name = "Unknown";
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      name = "InvalidArgument";
      break;
    case StatusCode::kPermissionDenied:
      name = "PermissionDenied";
      break;
    case StatusCode::kUnauthenticated:
      name = "Unauthenticated";
      break;
    case StatusCode::kFailedPrecondition:
      name = "FailedPrecondition";
      break;
    default:
      break;
  }
  return "rpc error: code = " + std::string(name) + " desc = " + s.message();
}

void Apply(const WatchRequest& r, watch::WatchStream& stream, const WatchAuthorizer& authorize) {
  switch (r.kind) {
    case WatchRequest::Kind::kCreate:
      if (authorize) {
        Status allowed = authorize(r.create);
        if (!allowed.ok()) {
          stream.Refuse(GrpcErrorText(allowed));
          break;
        }
      }
      stream.Create(r.create);
      break;
    case WatchRequest::Kind::kCancel:
      stream.Cancel(r.cancel_watch_id);
      break;
    case WatchRequest::Kind::kProgress:
      stream.RequestProgress();
      break;
    case WatchRequest::Kind::kNone:  // etcd ignores a request naming nothing
      break;
  }
}

// The next request of the body: nullopt at its end or, as in etcd's
// gateway, at the first value that does not decode (reading stops there;
// the watchers already created keep going).
Result<std::optional<WatchRequest>> NextRequest(JsonValueStream& values) {
  std::optional<std::string> value;
  try {
    SHADEKV_ASSIGN_OR_RETURN(value, values.Next());
  } catch (const std::exception&) {  // a broken connection while reading
    return std::optional<WatchRequest>();
  }
  if (!value.has_value()) return std::optional<WatchRequest>();
  SHADEKV_ASSIGN_OR_RETURN(WatchRequest r, ParseWatchRequest(*value));
  return std::optional<WatchRequest>(std::move(r));
}

// True when the client closed its end. Only asked once the request reader
// is done: whatever the client still sends (the rest of a body whose
// reading stopped at a bad request) is read and dropped here, so that the
// close behind it can be seen.
bool ClientHungUp(Poco::Net::StreamSocket& socket) {
  try {
    char buffer[4096];
    for (int i = 0; i < 64; ++i) {
      if (!socket.poll(Poco::Timespan(0),
                       Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
        return false;
      }
      ssize_t n = ::recv(socket.impl()->sockfd(), buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n == 0) return true;  // orderly close
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
    return false;
  } catch (const Poco::Exception&) {
    return true;
  }
}

}  // namespace

void ServeWatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                watch::WatchHub& hub, const WatchHeaderSource& header, size_t max_request_bytes,
                WatchStreams& streams, const WatchAuthorizer& authorize) {
  Poco::Net::StreamSocket& socket =
      static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
  // A watch may stay quiet for hours in both directions; a slow reader may
  // leave a write pending as long (the hub does not wait for it).
  socket.setReceiveTimeout(Poco::Timespan(0));
  socket.setSendTimeout(Poco::Timespan(0));
  // A fixed, modest kernel buffer: a thousand streams must not each grow
  // megabytes, and a stalled reader shows up in the hub (unsynced) rather
  // than as memory in the kernel.
  socket.setSendBufferSize(128 * 1024);

  const bool has_body = request.hasContentLength() ? request.getContentLength64() > 0
                                                   : request.getChunkedTransferEncoding();
  JsonValueStream values(request.stream(), max_request_bytes * 2 + (64 << 10));
  std::unique_ptr<watch::WatchStream> stream = hub.OpenStream();
  WatchStreamRegistration registration(streams, stream.get(), socket);

  // Like etcd's gateway, the first request is read before the response
  // starts, so a bad one is answered with a plain error (code 2, HTTP 500).
  bool body_open = has_body;
  if (has_body) {
    Result<std::optional<WatchRequest>> first = NextRequest(values);
    if (!first.ok()) {
      response.setKeepAlive(false);  // the rest of the body is never read
      SendWhole(response, BadStreamRequestReply(first.status()));
      return;
    }
    if (first->has_value()) {
      Apply(**first, *stream, authorize);
    } else {
      body_open = false;
    }
  }
  // OpenSSL forbids reading and writing one TLS connection from two threads
  // at once, so over TLS no reader runs beside the writer: a body of known
  // length is read to its end now (every request in it applies), and of a
  // chunked body only the first request counts (interactive multi-request
  // streams need plain HTTP; the README says so).
  if (body_open && socket.secure()) {
    if (request.hasContentLength()) {
      for (;;) {
        Result<std::optional<WatchRequest>> next = NextRequest(values);
        if (!next.ok() || !next->has_value()) break;
        Apply(**next, *stream, authorize);
      }
    }
    body_open = false;
  }

  response.setChunkedTransferEncoding(true);
  response.setContentType("application/json");
  response.setKeepAlive(false);
  std::ostream& out = response.send();
  out.flush();

  std::atomic<bool> reading(body_open);
  std::thread reader;
  if (body_open) {
    reader = std::thread([&] {
      for (;;) {
        Result<std::optional<WatchRequest>> next = NextRequest(values);
        if (!next.ok() || !next->has_value()) break;
        Apply(**next, *stream, authorize);
      }
      reading = false;
    });
  }

  for (;;) {
    std::vector<watch::WatchResponse> batch = stream->Next(kIdlePoll);
    if (stream->closed()) break;
    for (const watch::WatchResponse& r : batch) {
      for (const std::string& line :
           EncodeWatchResponseLines(header(r.revision), r, max_request_bytes)) {
        out << line << '\n';
      }
    }
    if (!batch.empty()) out.flush();
    if (!out.good()) break;
    if (batch.empty() && !reading && ClientHungUp(socket)) break;
  }

  stream->Close();
  tls::ShutdownConnection(socket);  // ends a reader still waiting for the body
  if (reader.joinable()) reader.join();
}

void RegisterWatchGauges(metrics::MetricsRegistry& metrics, const watch::WatchHub* hub) {
  struct Gauge {
    const char* name;
    const char* help;
    int64_t watch::WatchHubStats::*field;
  };
  static const Gauge kGauges[] = {
      {"shadekv_watch_streams", "Open watch streams", &watch::WatchHubStats::streams},
      {"shadekv_watch_watchers", "Active watchers", &watch::WatchHubStats::watchers},
      {"shadekv_watch_slow_watchers", "Watchers catching up from history (unsynced)",
       &watch::WatchHubStats::unsynced_watchers},
      {"shadekv_watch_events_sent_total", "Watch events handed to stream writers",
       &watch::WatchHubStats::events_sent},
  };
  for (const Gauge& g : kGauges) {
    metrics.Gauge(g.name, g.help,
                  [hub, field = g.field] { return static_cast<double>(hub->Stats().*field); });
  }
}

}  // namespace shadekv::api
