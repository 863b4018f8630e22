// Blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO keep every call bounded
// without a poll loop; TCP_NODELAY because each request is one small write
// that must leave at once (Nagle would hold it for the previous reply's ACK).
#include "bench/shadekv_bench/gateway_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bench/watch_fanout/http_stream_parser.h"

namespace shadekv::bench {

GatewayClient::GatewayClient(const Endpoint& endpoint, int timeout_ms)
    : endpoint_(endpoint), timeout_ms_(timeout_ms) {}

GatewayClient::~GatewayClient() { Close(); }

void GatewayClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status GatewayClient::Failed(const std::string& path, const std::string& cause) {
  Close();
  return Status::Unavailable("POST " + path + " to " + endpoint_.ToString() + " failed: " + cause);
}

Status GatewayClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  timeval tv{};
  tv.tv_sec = timeout_ms_ / 1000;
  tv.tv_usec = (timeout_ms_ % 1000) * 1000;
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(endpoint_.port));
  if (inet_pton(AF_INET, endpoint_.host.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("not an IPv4 address: " + endpoint_.host);
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string cause = errno == ECONNREFUSED ? "Connection refused" : std::strerror(errno);
    Close();
    return Status::Unavailable(cause);
  }
  return Status::Ok();
}

Result<HttpReply> GatewayClient::Post(const std::string& path, const std::string& body) {
  if (fd_ < 0) {
    if (Status st = Connect(); !st.ok()) return Failed(path, st.message());
  }
  std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: " + endpoint_.ToString() +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  request += body;
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Failed(path, std::string("send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }

  HttpStreamParser parser;
  std::vector<std::string> lines;
  buffer_.resize(64 * 1024);
  while (!parser.done()) {
    const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Failed(path, errno == EAGAIN || errno == EWOULDBLOCK
                              ? "timed out waiting for the reply"
                              : std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) {
      if (Status st = parser.FinishOnClose(&lines); !st.ok()) return Failed(path, st.message());
      Close();  // the server ended the connection with the reply
      break;
    }
    if (Status st = parser.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)), &lines);
        !st.ok()) {
      return Failed(path, st.message());
    }
  }
  HttpReply reply;
  reply.status = parser.status_code();
  if (reply.status == 200) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) reply.body += '\n';
      reply.body += lines[i];
    }
  } else {
    reply.body = parser.error_body();
  }
  return reply;
}

}  // namespace shadekv::bench
