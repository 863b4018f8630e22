// The HTTP API's own connection loop (agent/api/http_connection.h) and its
// servers (http_servers.h), over real sockets on 127.0.0.1 with a small echo
// handler: keep-alive, pipelining, one-send replies, HEAD, bad requests,
// Connection: close, and stopping with idle connections open.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>

#include "agent/api/http_reply.h"
#include "agent/api/http_servers.h"

namespace shadekv::api {
namespace {

// Answers every request with "echo:" + its method, target and body.
class EchoHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    ASSERT_TRUE(ReadRequestBody(request, 1 << 20, &body).ok());
    HttpReply reply;
    reply.body = "echo:" + request.getMethod() + " " + request.getURI() + " " + body;
    reply.content_type = "text/plain";
    SendWhole(response, reply);
  }
};

class EchoFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new EchoHandler();
  }
};

// A raw client socket, so the test sees exactly what the server wrote.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // Waits (up to 10 s) for bytes, then returns what one recv gives; empty
  // at end of stream or on timeout.
  std::string RecvOnce() {
    pollfd wanted{fd_, POLLIN, 0};
    if (::poll(&wanted, 1, 10000) != 1) return "";
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }

  // Reads one whole response (headers, then Content-Length bytes of body).
  // `head`: a reply to HEAD, which has no body whatever its length says.
  std::string ReadResponse(bool head = false) {
    while (true) {
      const size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t at = pending_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(pending_.substr(at + 16));
        if (head) length = 0;
        if (pending_.size() >= end + 4 + length) {
          std::string response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      const std::string more = RecvOnce();
      if (more.empty()) return "";
      pending_ += more;
    }
  }

  // True when the server closed the connection (within 10 s).
  bool ClosedByServer() { return pending_.empty() && RecvOnce().empty(); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string Post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

std::string BodyOf(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

class HttpServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A URL needs a real port (Poco's URI refuses 0): try random ones below
    // the ephemeral range until one binds.
    std::mt19937 rng(std::random_device{}());
    Status last = Status::Unavailable("no port tried");
    for (int attempt = 0; attempt < 50 && servers_ == nullptr; ++attempt) {
      HttpServeOptions options;
      options.listen_urls = {"http://127.0.0.1:" + std::to_string(24000 + rng() % 8000)};
      options.max_threads = 16;
      Result<std::unique_ptr<HttpServers>> started = HttpServers::Start(options, new EchoFactory());
      if (started.ok()) {
        servers_ = std::move(started).value();
      } else {
        last = started.status();
      }
    }
    ASSERT_NE(servers_, nullptr) << last.ToString();
    port_ = PortOf(servers_->urls().at(0));
  }

  std::unique_ptr<HttpServers> servers_;
  int port_ = 0;
};

TEST_F(HttpServersTest, ServesManyRequestsOnOneKeepAliveConnection) {
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 5; ++i) {
    client.Send(Post("/v3/kv/put", "n" + std::to_string(i)));
    const std::string response = client.ReadResponse();
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("Content-Type: text/plain"), std::string::npos) << response;
    EXPECT_EQ(BodyOf(response), "echo:POST /v3/kv/put n" + std::to_string(i));
  }
}

TEST_F(HttpServersTest, AnswersPipelinedRequestsInOrder) {
  RawClient client(port_);
  client.Send(Post("/a", "first") + Post("/b", "second") + Post("/c", "third"));
  EXPECT_EQ(BodyOf(client.ReadResponse()), "echo:POST /a first");
  EXPECT_EQ(BodyOf(client.ReadResponse()), "echo:POST /b second");
  EXPECT_EQ(BodyOf(client.ReadResponse()), "echo:POST /c third");
}

TEST_F(HttpServersTest, WholeReplyComesInOneSend) {
  // Status line, headers and body leave in one send, so on loopback the
  // first read holds all of it (two sends could be read apart).
  RawClient client(port_);
  for (int i = 0; i < 20; ++i) {
    client.Send(Post("/v3/kv/range", "{}"));
    const std::string first_read = client.RecvOnce();
    EXPECT_EQ(BodyOf(first_read), "echo:POST /v3/kv/range {}") << first_read;
  }
}

TEST_F(HttpServersTest, HeadGetsHeadersOnlyAndTheConnectionStaysUsable) {
  RawClient client(port_);
  client.Send("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string head = client.ReadResponse(/*head=*/true);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 18"), std::string::npos) << head;  // "echo:HEAD /health "
  client.Send(Post("/after", "x"));
  EXPECT_EQ(BodyOf(client.ReadResponse()), "echo:POST /after x");
}

TEST_F(HttpServersTest, MalformedRequestGets400AndTheConnectionCloses) {
  RawClient client(port_);
  // Poco refuses a method longer than 32 characters.
  client.Send(std::string(40, 'A') + " / HTTP/1.1\r\n\r\n");
  const std::string response = client.ReadResponse();
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_TRUE(client.ClosedByServer());
  // The server itself keeps serving.
  RawClient next(port_);
  next.Send(Post("/ok", "y"));
  EXPECT_EQ(BodyOf(next.ReadResponse()), "echo:POST /ok y");
}

TEST_F(HttpServersTest, ConnectionCloseIsHonoured) {
  RawClient client(port_);
  client.Send(Post("/bye", "z", "Connection: close\r\n"));
  const std::string response = client.ReadResponse();
  EXPECT_NE(response.find("Connection: Close"), std::string::npos) << response;  // Poco's spelling
  EXPECT_EQ(BodyOf(response), "echo:POST /bye z");
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServersTest, Http10WithoutKeepAliveIsClosedAfterTheReply) {
  RawClient client(port_);
  client.Send("GET /old HTTP/1.0\r\n\r\n");
  const std::string response = client.ReadResponse();
  EXPECT_EQ(BodyOf(response), "echo:GET /old ") << response;
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServersTest, StopEndsIdleKeepAliveConnectionsWithoutWaitingForTheirTimeout) {
  RawClient idle(port_);
  idle.Send(Post("/once", "1"));
  ASSERT_EQ(BodyOf(idle.ReadResponse()), "echo:POST /once 1");
  RawClient never_sent(port_);  // connected, no request yet
  ASSERT_TRUE(never_sent.connected());
  const auto started = std::chrono::steady_clock::now();
  servers_->Stop();
  // The keep-alive timeout is 120 s and the first-request timeout 60 s: a
  // stop that waited for either would take that long.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_TRUE(idle.ClosedByServer());
  servers_->Stop();  // idempotent
}

TEST(HttpServersStartTest, RefusesBadAndTlsWithoutContextUrls) {
  HttpServeOptions options;
  options.listen_urls = {"ftp://127.0.0.1:24999"};
  Result<std::unique_ptr<HttpServers>> bad = HttpServers::Start(options, new EchoFactory());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
  options.listen_urls = {"https://127.0.0.1:24999"};
  Result<std::unique_ptr<HttpServers>> tls = HttpServers::Start(options, new EchoFactory());
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kInvalidArgument) << tls.status().ToString();
}

}  // namespace
}  // namespace shadekv::api
