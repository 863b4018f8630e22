// The agent's client API over TLS: real shadekv processes serving https on
// 127.0.0.1 with certificates made by the openssl CLI at test time.
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/tls/tls_fixture.h"

namespace shadekv::tls_testing {
namespace {

using cluster_testing::Base64;

std::string PutBody(const std::string& key, const std::string& value) {
  return "{\"key\":\"" + Base64(key) + "\",\"value\":\"" + Base64(value) + "\"}";
}
std::string RangeBody(const std::string& key) { return "{\"key\":\"" + Base64(key) + "\"}"; }

class TlsAgentTest : public TlsClusterFixture {};

TEST_F(TlsAgentTest, ServesPutAndGetOnAnHttpsOnlyListener) {
  const int tls_port = cluster_testing::PickFreePort();
  const std::string url = "https://127.0.0.1:" + std::to_string(tls_port);
  StartClusterWithFlags(1, [&](int) {
    return std::vector<std::string>{
        "--listen-client-urls", url,          "--advertise-client-urls", url, "--cert-file",
        certs_.server_cert,     "--key-file", certs_.server_key};
  });
  ASSERT_TRUE(WaitHttpsHealthy(tls_port, TrustingClient(), milliseconds(20000))) << LogTail(0, 30);
  Result<HttpReply> put = HttpsCall(tls_port, "POST", "/v3/kv/put", PutBody("tls/k", "v1"),
                                    TrustingClient(), milliseconds(5000));
  ASSERT_TRUE(put.ok()) << put.status().message();
  EXPECT_EQ(put->status, 200) << put->body;
  Result<HttpReply> get = HttpsCall(tls_port, "POST", "/v3/kv/range", RangeBody("tls/k"),
                                    TrustingClient(), milliseconds(5000));
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(FirstValue(get->body), "v1");
  EXPECT_NE(LogOf(0).find("ready to serve client requests on " + url), std::string::npos)
      << LogTail(0, 20);
}

TEST_F(TlsAgentTest, ServesHttpAndHttpsListenersSideBySide) {
  StartTlsCluster(1);
  ASSERT_TRUE(Put(0, "mixed", "plain").ok());
  Result<HttpReply> get = HttpsCall(tls_ports_[0], "POST", "/v3/kv/range", RangeBody("mixed"),
                                    TrustingClient(), milliseconds(5000));
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(FirstValue(get->body), "plain");
}

TEST_F(TlsAgentTest, ClientWithAnUntrustedCaRefusesTheServer) {
  StartTlsCluster(1);
  Result<HttpReply> r =
      HttpsCall(tls_ports_[0], "GET", "/health", "", {certs_.rogue_ca, "", ""}, milliseconds(5000));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("certificate verify failed"), std::string::npos)
      << r.status().message();
}

TEST_F(TlsAgentTest, ClientCertAuthRefusesMissingAndUntrustedCertificates) {
  StartTlsCluster(1, {"--trusted-ca-file", certs_.ca, "--client-cert-auth"});
  Result<HttpReply> none = HttpsCall(tls_ports_[0], "POST", "/v3/kv/put", PutBody("cca", "no"),
                                     TrustingClient(), milliseconds(5000));
  EXPECT_FALSE(none.ok()) << "served a client without a certificate: " << none->body;
  Result<HttpReply> rogue =
      HttpsCall(tls_ports_[0], "POST", "/v3/kv/put", PutBody("cca", "rogue"),
                {certs_.ca, certs_.rogue_cert, certs_.rogue_key}, milliseconds(5000));
  EXPECT_FALSE(rogue.ok()) << "served an untrusted certificate: " << rogue->body;
  Result<HttpReply> good = HttpsCall(tls_ports_[0], "POST", "/v3/kv/put", PutBody("cca", "yes"),
                                     CertifiedClient(), milliseconds(5000));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->status, 200);
  // The refused requests changed nothing.
  Result<std::optional<cluster_testing::KeyValue>> kv = Get(0, "cca");
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "yes");
}

// etcd 3.4: --trusted-ca-file alone already requires client certificates.
TEST_F(TlsAgentTest, TrustedCaFileAloneRequiresClientCertificates) {
  StartTlsCluster(1, {"--trusted-ca-file", certs_.ca});
  EXPECT_FALSE(
      HttpsCall(tls_ports_[0], "GET", "/health", "", TrustingClient(), milliseconds(5000)).ok());
  Result<HttpReply> good =
      HttpsCall(tls_ports_[0], "GET", "/health", "", CertifiedClient(), milliseconds(5000));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->status, 200);
}

TEST_F(TlsAgentTest, PlainHttpOnTheTlsPortFailsCleanlyAndServingGoesOn) {
  StartTlsCluster(1);
  const Poco::Net::SocketAddress tls_address("127.0.0.1", static_cast<Poco::UInt16>(tls_ports_[0]));
  // A client that connects and says nothing holds one server thread, never
  // the accepting one.
  Poco::Net::StreamSocket idle(tls_address);

  // A plain-HTTP request: the connection ends (no answer, no hang).
  {
    Poco::Net::StreamSocket raw(tls_address);
    raw.setReceiveTimeout(Poco::Timespan(10, 0));
    const std::string request =
        "POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";
    raw.sendBytes(request.data(), static_cast<int>(request.size()));
    char buffer[512];
    bool ended = false;
    for (int i = 0; i < 16 && !ended; ++i) {
      try {
        int n = raw.receiveBytes(buffer, sizeof(buffer));
        ended = n <= 0;
      } catch (const Poco::TimeoutException&) {
        FAIL() << "the TLS port kept a plain-HTTP client waiting for 10 s";
      } catch (const Poco::Exception&) {
        ended = true;  // reset: also a clean end
      }
    }
    EXPECT_TRUE(ended);
  }
  // Poco's plain HTTP client gets an error, not an answer.
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(tls_ports_[0]));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", "/health", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    ADD_FAILURE() << "a plain-HTTP client got an answer: " << response.getStatus();
  } catch (const Poco::TimeoutException&) {
    ADD_FAILURE() << "the TLS port kept a plain-HTTP client waiting";
  } catch (const Poco::Exception&) {
  }
  // Still serving, TLS and plain, with the idle connection still open.
  Result<HttpReply> after = HttpsCall(tls_ports_[0], "POST", "/v3/kv/put", PutBody("after", "ok"),
                                      TrustingClient(), milliseconds(5000));
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->status, 200);
  EXPECT_TRUE(Running(0));
  EXPECT_EQ(kill(agents_[0].pid, 0), 0);
  Result<std::optional<cluster_testing::KeyValue>> kv = Get(0, "after");
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "ok");
  idle.close();
}

// Shutting down wakes TLS watch streams at the TCP level (never touching a
// writer's TLS state from another thread): the agent exits 0, promptly.
TEST_F(TlsAgentTest, SigtermWithOpenTlsWatchStreamsShutsDownCleanly) {
  StartTlsCluster(1);
  ASSERT_TRUE(Put(0, "w", "1").ok());
  std::vector<std::thread> watchers;
  std::vector<std::string> streamed(3);
  std::atomic<int> ended{0};
  for (int i = 0; i < 3; ++i) {
    watchers.emplace_back([&, i] {
      // Returns when the server ends the stream (or after 60 s).
      Result<std::vector<std::string>> r = HttpsStreamLines(
          tls_ports_[0], "/v3/watch",
          "{\"create_request\":{\"key\":\"" + Base64("w") + "\",\"start_revision\":\"1\"}}",
          TrustingClient(), milliseconds(60000));
      if (r.ok()) {
        for (const std::string& line : *r) streamed[i] += line + "\n";
      } else {
        streamed[i] = r.status().message();
      }
      ++ended;
    });
  }
  // Let the streams open (each replays the put first).
  std::this_thread::sleep_for(milliseconds(1000));
  const pid_t pid = agents_[0].pid;
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  bool exited = false;
  const auto until = std::chrono::steady_clock::now() + milliseconds(20000);
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  if (exited) agents_[0].pid = -1;  // reaped here; TearDown SIGKILLs otherwise
  for (std::thread& t : watchers) t.join();
  ASSERT_TRUE(exited) << "no exit 20 s after SIGTERM\n" << LogTail(0, 20);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << LogTail(0, 20);
  EXPECT_EQ(ended.load(), 3);
  for (const std::string& body : streamed) {
    // Created, then the replayed put of "w" (base64 dw==).
    EXPECT_NE(body.find("\"created\":true"), std::string::npos) << body;
    EXPECT_NE(body.find("\"key\":\"dw==\""), std::string::npos) << body;
  }
  EXPECT_NE(LogOf(0).find("stopped"), std::string::npos) << LogTail(0, 20);
}

// Over TLS no request reader runs beside the event writer (OpenSSL forbids
// it), so a body with a Content-Length is read whole first: both of its
// watches are created and both see their key.
TEST_F(TlsAgentTest, EveryWatchOfATlsBodyWithALengthIsCreated) {
  StartTlsCluster(1);
  ASSERT_TRUE(Put(0, "a", "1").ok());
  ASSERT_TRUE(Put(0, "b", "2").ok());
  Result<std::vector<std::string>> lines = HttpsStreamLines(
      tls_ports_[0], "/v3/watch",
      "{\"create_request\":{\"key\":\"" + Base64("a") + "\",\"start_revision\":\"1\"}}\n" +
          "{\"create_request\":{\"key\":\"" + Base64("b") + "\",\"start_revision\":\"1\"}}",
      TrustingClient(), milliseconds(1500));
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  std::string all;
  int created = 0;
  for (const std::string& line : *lines) {
    all += line + "\n";
    if (line.find("\"created\":true") != std::string::npos) ++created;
  }
  EXPECT_EQ(created, 2) << all;
  EXPECT_NE(all.find("\"key\":\"" + Base64("a") + "\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"key\":\"" + Base64("b") + "\""), std::string::npos) << all;
}

// The value of gauge `name` in a /metrics text, or -1.
double Gauge(const std::string& metrics, const std::string& name) {
  size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + name.size() + 2));
}

// A TLS watch client that goes away frees its stream on the server (the
// hang-up check reads under TLS at the TCP level).
TEST_F(TlsAgentTest, AClosedTlsWatchClientFreesItsStream) {
  StartTlsCluster(1);
  ASSERT_TRUE(Put(0, "w", "1").ok());
  // Reads for 1.5 s, then closes its connection.
  Result<std::vector<std::string>> lines = HttpsStreamLines(
      tls_ports_[0], "/v3/watch",
      "{\"create_request\":{\"key\":\"" + Base64("w") + "\",\"start_revision\":\"1\"}}",
      TrustingClient(), milliseconds(1500));
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  ASSERT_GE(lines->size(), 2u);
  EXPECT_NE((*lines)[0].find("\"created\":true"), std::string::npos) << (*lines)[0];
  double streams = -1;
  const auto until = std::chrono::steady_clock::now() + milliseconds(15000);
  for (int i = 0; i < 300 && std::chrono::steady_clock::now() < until; ++i) {
    Result<HttpReply> metrics = cluster_testing::HttpCall(agents_[0].client_port, "GET", "/metrics",
                                                          "", milliseconds(5000));
    ASSERT_TRUE(metrics.ok()) << metrics.status().message();
    streams = Gauge(metrics->body, "shadekv_watch_streams");
    if (streams == 0) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(streams, 0) << "the closed client's watch stream is still open";
}

// Like etcd: key/cert files with only http URLs leave TLS off (with a
// warning) rather than failing.
TEST_F(TlsAgentTest, CertificateFilesWithoutAnHttpsUrlLeaveTlsOff) {
  StartCluster(1,
               {"--cert-file", "/nonexistent/server.crt", "--key-file", "/nonexistent/server.key"});
  WaitForLeader({0}, milliseconds(20000));
  ASSERT_TRUE(Put(0, "plain", "http").ok());
  EXPECT_NE(LogOf(0).find("TLS is off"), std::string::npos) << LogTail(0, 20);
}

// A keep-alive on a follower is forwarded to the leader's advertised https
// URL, which requires a client certificate: the member presents its own.
TEST_F(TlsAgentTest, FollowerForwardsLeaseKeepAliveToTheLeaderOverTls) {
  const int leader = StartTlsCluster(3, {"--trusted-ca-file", certs_.ca, "--client-cert-auth"});
  const int follower = (leader + 1) % 3;
  Result<HttpReply> grant = Call(leader, "/v3/lease/grant", "{\"TTL\":\"30\"}");
  ASSERT_TRUE(grant.ok() && grant->status == 200) << (grant.ok() ? grant->body : "");
  const size_t at = grant->body.find("\"ID\":\"");
  ASSERT_NE(at, std::string::npos) << grant->body;
  const std::string id = grant->body.substr(at + 6, grant->body.find('"', at + 6) - at - 6);

  Result<HttpReply> keepalive =
      HttpsCall(tls_ports_[follower], "POST", "/v3/lease/keepalive", "{\"ID\":\"" + id + "\"}",
                CertifiedClient(), milliseconds(10000));
  ASSERT_TRUE(keepalive.ok()) << keepalive.status().message();
  EXPECT_EQ(keepalive->status, 200);
  EXPECT_NE(keepalive->body.find("\"TTL\":\"30\""), std::string::npos) << keepalive->body << "\n"
                                                                       << LogTail(follower, 20);

  Result<HttpReply> ttl =
      HttpsCall(tls_ports_[follower], "POST", "/v3/lease/timetolive", "{\"ID\":\"" + id + "\"}",
                CertifiedClient(), milliseconds(10000));
  ASSERT_TRUE(ttl.ok()) << ttl.status().message();
  EXPECT_EQ(ttl->status, 200);
  EXPECT_NE(ttl->body.find("\"grantedTTL\":\"30\""), std::string::npos) << ttl->body;
}

}  // namespace
}  // namespace shadekv::tls_testing
