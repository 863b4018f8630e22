// The shadow serving its read API over https, fed by a real primary.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/tls/test_certs.h"
#include "tests/agent/tls/tls_fixture.h"
#include "tests/shadow/shadow_fixture.h"

namespace shadekv::tls_testing {
namespace {

class TlsShadowTest : public shadow_testing::ShadowFixture {};

TEST_F(TlsShadowTest, ServesReadsOverHttpsWithClientCertificates) {
  const std::string dir = root_ + "/certs";
  std::filesystem::create_directories(dir);
  Result<TestCerts> certs = MakeTestCerts(dir);
  ASSERT_TRUE(certs.ok()) << certs.status().message();

  StartPrimary(1);
  Result<int64_t> revision = Put(0, "shadowed", "over-tls");
  ASSERT_TRUE(revision.ok()) << revision.status().message();

  // The fixture's plain listener (its waits use it) plus an https one.
  const int tls_port = cluster_testing::PickFreePort();
  shadow_port_ = cluster_testing::PickFreePort();
  shadow_dir_ = root_ + "/shadow.data";
  shadow_log_ = root_ + "/shadow.log";
  shadow_extra_ = {"--listen-client-urls",
                   "http://127.0.0.1:" + std::to_string(shadow_port_) +
                       ",https://127.0.0.1:" + std::to_string(tls_port),
                   "--cert-file",
                   certs->server_cert,
                   "--key-file",
                   certs->server_key,
                   "--trusted-ca-file",
                   certs->ca,
                   "--client-cert-auth"};
  StartShadow();
  WaitShadowAt(*revision, milliseconds(20000));

  const std::string body = "{\"key\":\"" + cluster_testing::Base64("shadowed") + "\"}";
  const ClientSetup good{certs->ca, certs->client_cert, certs->client_key};
  Result<HttpReply> read =
      HttpsCall(tls_port, "POST", "/v3/kv/range", body, good, milliseconds(5000));
  ASSERT_TRUE(read.ok()) << read.status().message() << "\n" << ShadowLog();
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(FirstValue(read->body), "over-tls");
  // Still read-only over TLS.
  Result<HttpReply> write =
      HttpsCall(tls_port, "POST", "/v3/kv/put", "{\"key\":\"eA==\",\"value\":\"eQ==\"}", good,
                milliseconds(5000));
  ASSERT_TRUE(write.ok()) << write.status().message();
  EXPECT_NE(write->status, 200);
  // No client certificate: refused during the handshake.
  EXPECT_FALSE(
      HttpsCall(tls_port, "POST", "/v3/kv/range", body, {certs->ca, "", ""}, milliseconds(5000))
          .ok());
}

}  // namespace
}  // namespace shadekv::tls_testing
