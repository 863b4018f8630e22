// The event loop: level-triggered epoll over every stream socket. Each round
// first drains every readable socket into its stream's inbox, stamping the
// bytes with the time they came off the socket, and only then parses: the
// JSON work for one stream must not delay the timestamps of the others.
#include "bench/watch_fanout/watch_stream_set.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "bench/watch_fanout/watch_message.h"

namespace shadekv::bench {
namespace {

// Enough for a burst of event messages per round without growing the inbox
// without bound; the rest stays in the kernel until the next round.
constexpr size_t kRecvBytes = 64 * 1024;
constexpr int kMaxEpollEvents = 1024;
constexpr int64_t kPollSliceNs = 100'000'000;  // wake up to check the deadline

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

struct WatchStreamSet::Stream {
  enum class Phase { kIdle, kConnecting, kSending, kStreaming, kFailed };
  int index = 0;
  int fd = -1;
  Phase phase = Phase::kIdle;
  size_t sent = 0;
  HttpStreamParser parser;
  bool created = false;
  bool eof = false;
  int64_t max_revision = 0;
  std::string inbox;
  int64_t inbox_ns = 0;
  std::vector<Delivery> deliveries;
  std::vector<std::string> lines;  // scratch, reused
  Status error;
};

int64_t WatchStreamSet::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

WatchStreamSet::WatchStreamSet(WatchStreamOptions options) : options_(std::move(options)) {
  request_ = "POST /v3/watch HTTP/1.1\r\nHost: " + options_.host + ":" +
             std::to_string(options_.port) +
             "\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(options_.create_body.size()) + "\r\n\r\n" + options_.create_body;
  streams_.reserve(options_.streams);
  for (int i = 0; i < options_.streams; ++i) {
    streams_.push_back(std::make_unique<Stream>());
    streams_.back()->index = i;
  }
}

WatchStreamSet::~WatchStreamSet() {
  for (auto& s : streams_) {
    if (s->fd >= 0) close(s->fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void WatchStreamSet::Fail(Stream& s, Status status) {
  if (s.phase == Stream::Phase::kFailed) return;
  if (!s.created) --opening_;
  s.phase = Stream::Phase::kFailed;
  s.error = status.WithContext("watch stream " + std::to_string(s.index));
  if (s.fd >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s.fd, nullptr);
    close(s.fd);
    s.fd = -1;
  }
}

Status WatchStreamSet::StartConnect(Stream& s) {
  ++opening_;
  s.phase = Stream::Phase::kConnecting;
  s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return Status::ResourceExhausted(Errno("socket()") + " (raise ulimit -n?)");
  int one = 1;
  setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr);
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    return Status::Unavailable(Errno("connect() to the server"));
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u32 = static_cast<uint32_t>(s.index);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s.fd, &ev) != 0) {
    return Status::Internal(Errno("epoll_ctl(ADD)"));
  }
  return Status::Ok();
}

Status WatchStreamSet::OnWritable(Stream& s) {
  if (s.phase == Stream::Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return Status::Unavailable(std::string("connect() to the server: ") + std::strerror(err));
    }
    s.phase = Stream::Phase::kSending;
  }
  while (s.sent < request_.size()) {
    ssize_t n = send(s.fd, request_.data() + s.sent, request_.size() - s.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::Ok();
      if (errno == EINTR) continue;
      return Status::Unavailable(Errno("send() of the watch request"));
    }
    s.sent += static_cast<size_t>(n);
  }
  // The request body is complete; from now on only responses flow.
  s.phase = Stream::Phase::kStreaming;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u32 = static_cast<uint32_t>(s.index);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s.fd, &ev) != 0) {
    return Status::Internal(Errno("epoll_ctl(MOD)"));
  }
  return Status::Ok();
}

void WatchStreamSet::ReceiveInto(Stream& s) {
  char buf[kRecvBytes];
  ssize_t n;
  do {
    n = recv(s.fd, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    s.inbox.append(buf, static_cast<size_t>(n));
    s.inbox_ns = NowNs();
  } else if (n == 0) {
    s.eof = true;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    Fail(s, Status::Unavailable(Errno("recv()")));
  }
}

void WatchStreamSet::HandleLine(Stream& s, const std::string& line) {
  Result<WatchMessage> msg = ParseWatchMessage(line);
  if (!msg.ok()) {
    Fail(s, msg.status());
    return;
  }
  if (msg->created) {
    if (s.created) {
      Fail(s, Status::InvalidArgument("a second \"created\" message on one stream"));
      return;
    }
    s.created = true;
    ++created_count_;
    --opening_;
    created_revision_ = std::max(created_revision_, msg->header_revision);
  }
  if (msg->canceled) {
    Fail(s, Status::Cancelled("the server canceled the watch (compact_revision " +
                              std::to_string(msg->compact_revision) + ", reason \"" +
                              msg->cancel_reason + "\")"));
    return;
  }
  if (!msg->event_revisions.empty() && !s.created) {
    Fail(s, Status::InvalidArgument("events before the \"created\" message"));
    return;
  }
  for (int64_t revision : msg->event_revisions) {
    s.deliveries.push_back({revision, s.inbox_ns});
    s.max_revision = std::max(s.max_revision, revision);
  }
}

void WatchStreamSet::ProcessInbox(Stream& s) {
  if (s.phase == Stream::Phase::kFailed) return;
  s.lines.clear();
  if (!s.inbox.empty()) {
    Status st = s.parser.Feed(s.inbox, &s.lines);
    s.inbox.clear();
    if (!st.ok()) {
      Fail(s, st);
      return;
    }
  }
  if (s.eof) {
    Status st = s.parser.FinishOnClose(&s.lines);
    if (!st.ok()) {
      Fail(s, st);
      return;
    }
  }
  if (s.parser.headers_done() && s.parser.status_code() != 200) {
    if (s.parser.done() || s.eof) {
      std::string body = s.parser.error_body();
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      Fail(s, Status::Unavailable("POST /v3/watch answered HTTP " +
                                  std::to_string(s.parser.status_code()) + ": " + body));
    }
    return;
  }
  for (const std::string& line : s.lines) {
    HandleLine(s, line);
    if (s.phase == Stream::Phase::kFailed) return;
  }
  if (s.eof || s.parser.done()) {
    Fail(s, Status::Unavailable("the server ended the watch stream"));
  }
}

Status WatchStreamSet::RunLoop(int64_t deadline_ns, const std::function<bool()>& finished) {
  epoll_event events[kMaxEpollEvents];
  std::vector<Stream*> ready;
  ready.reserve(kMaxEpollEvents);
  while (!finished()) {
    while (opening_phase_ && next_to_start_ < options_.streams &&
           opening_ < options_.open_concurrency) {
      Stream& s = *streams_[next_to_start_++];
      Status st = StartConnect(s);
      if (!st.ok()) Fail(s, st);
    }
    const int64_t now = NowNs();
    if (now >= deadline_ns) return Status::DeadlineExceeded("timed out");
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>(deadline_ns - now, kPollSliceNs) / 1'000'000) + 1;
    const int n = epoll_wait(epoll_fd_, events, kMaxEpollEvents, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(Errno("epoll_wait"));
    }
    ready.clear();
    for (int i = 0; i < n; ++i) {
      Stream& s = *streams_[events[i].data.u32];
      if (s.phase == Stream::Phase::kFailed) continue;
      if (s.phase == Stream::Phase::kConnecting || s.phase == Stream::Phase::kSending) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
          Status st = OnWritable(s);
          if (!st.ok()) Fail(s, st);
        }
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        ReceiveInto(s);
        ready.push_back(&s);
      }
    }
    for (Stream* s : ready) ProcessInbox(*s);
  }
  return Status::Ok();
}

Status WatchStreamSet::OpenAll(int64_t deadline_ns) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status::Internal(Errno("epoll_create1"));
  opening_phase_ = true;
  Status st = RunLoop(
      deadline_ns, [this] { return created_count_ == options_.streams || failed_streams() > 0; });
  opening_phase_ = false;
  if (failed_streams() > 0) return Status::Unavailable(first_failure());
  if (!st.ok()) {
    return Status::DeadlineExceeded("only " + std::to_string(created_count_) + " of " +
                                    std::to_string(options_.streams) +
                                    " watch streams were created before the timeout");
  }
  return Status::Ok();
}

Status WatchStreamSet::Pump(int64_t deadline_ns,
                            const std::function<bool(const WatchStreamSet&)>& finished) {
  return RunLoop(deadline_ns, [&] { return finished(*this); });
}

bool WatchStreamSet::AllLiveStreamsReached(int64_t revision) const {
  return std::all_of(streams_.begin(), streams_.end(), [&](const auto& s) {
    return s->phase == Stream::Phase::kFailed || s->max_revision >= revision;
  });
}

int WatchStreamSet::failed_streams() const {
  return static_cast<int>(std::count_if(streams_.begin(), streams_.end(), [](const auto& s) {
    return s->phase == Stream::Phase::kFailed;
  }));
}

std::string WatchStreamSet::first_failure() const {
  for (const auto& s : streams_) {
    if (s->phase == Stream::Phase::kFailed) return s->error.message();
  }
  return "";
}

std::vector<std::vector<Delivery>> WatchStreamSet::TakeDeliveries() {
  std::vector<std::vector<Delivery>> out;
  out.reserve(streams_.size());
  for (auto& s : streams_) out.push_back(std::move(s->deliveries));
  return out;
}

}  // namespace shadekv::bench
