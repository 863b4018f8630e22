// The TLS flags' parsing rules, without sockets: agent config, shadow
// options and shadectl endpoints.
#include <gtest/gtest.h>

#include "agent/ctl/gateway_client.h"
#include "agent/daemon/agent_config.h"
#include "shadow/daemon/shadow_options.h"

namespace shadekv {
namespace {

TEST(TlsAgentConfig, ReadsEtcdsTlsFlags) {
  Result<agent::AgentConfig> c = agent::BuildAgentConfig({
      {"listen-client-urls", "https://127.0.0.1:2379,http://127.0.0.1:2381"},
      {"cert-file", "s.crt"},
      {"key-file", "s.key"},
      {"trusted-ca-file", "ca.crt"},
      {"client-cert-auth", "true"},
  });
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->cert_file, "s.crt");
  EXPECT_EQ(c->key_file, "s.key");
  EXPECT_EQ(c->trusted_ca_file, "ca.crt");
  EXPECT_TRUE(c->client_cert_auth);
  EXPECT_TRUE(agent::ServesTls(*c));
}

TEST(TlsAgentConfig, HttpsUrlNeedsCertAndKey) {
  Result<agent::AgentConfig> c = agent::BuildAgentConfig(
      {{"listen-client-urls", "https://127.0.0.1:2379"}, {"cert-file", "s.crt"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "TLS key/cert (--cert-file, --key-file) must be provided for client url "
            "https://127.0.0.1:2379 with HTTPS scheme");
}

TEST(TlsAgentConfig, HttpUrlsIgnoreTlsFiles) {
  Result<agent::AgentConfig> c = agent::BuildAgentConfig(
      {{"cert-file", "s.crt"}, {"key-file", "s.key"}, {"client-cert-auth", "true"}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(agent::ServesTls(*c));
}

TEST(TlsAgentConfig, RejectsBadClientCertAuthAndMissingCa) {
  Result<agent::AgentConfig> bad = agent::BuildAgentConfig({{"client-cert-auth", "maybe"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--client-cert-auth 'maybe': expected true or false");
  Result<agent::AgentConfig> no_ca =
      agent::BuildAgentConfig({{"listen-client-urls", "https://127.0.0.1:2379"},
                               {"cert-file", "s.crt"},
                               {"key-file", "s.key"},
                               {"client-cert-auth", "1"}});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("--client-cert-auth needs --trusted-ca-file"),
            std::string::npos);
}

TEST(TlsAgentConfig, ClientCertAuthIsABooleanFlag) {
  const std::vector<std::string>& bools = agent::BoolAgentFlagNames();
  EXPECT_EQ(bools, std::vector<std::string>{"client-cert-auth"});
  const std::vector<std::string>& all = agent::AgentFlagNames();
  for (const char* name : {"cert-file", "key-file", "trusted-ca-file", "client-cert-auth"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  }
}

TEST(TlsShadowOptions, ReadsTlsFlagsAndChecksHttpsUrls) {
  Result<shadow::ShadowOptions> o =
      shadow::ParseShadowOptions({"--bus", "tcp://127.0.0.1:2390", "--listen-client-urls",
                                  "https://127.0.0.1:2479", "--cert-file", "s.crt", "--key-file",
                                  "s.key", "--trusted-ca-file", "ca.crt", "--client-cert-auth"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->cert_file, "s.crt");
  EXPECT_EQ(o->key_file, "s.key");
  EXPECT_EQ(o->trusted_ca_file, "ca.crt");
  EXPECT_TRUE(o->client_cert_auth);

  Result<shadow::ShadowOptions> no_cert = shadow::ParseShadowOptions(
      {"--bus", "tcp://127.0.0.1:2390", "--listen-client-urls", "https://127.0.0.1:2479"});
  ASSERT_FALSE(no_cert.ok());
  EXPECT_NE(no_cert.status().message().find("must be provided for client url"), std::string::npos);

  Result<shadow::ShadowOptions> bad_bool =
      shadow::ParseShadowOptions({"--bus", "tcp://127.0.0.1:2390", "--client-cert-auth=sure"});
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_EQ(bad_bool.status().message(), "--client-cert-auth 'sure': expected true or false");
}

TEST(TlsEndpoints, SchemesPickTlsOrPlain) {
  Result<ctl::EndpointAddress> https = ctl::ParseEndpoint("https://127.0.0.1:2379/");
  ASSERT_TRUE(https.ok()) << https.status().message();
  EXPECT_EQ(https->scheme, ctl::EndpointAddress::Scheme::kHttps);
  EXPECT_EQ(https->host, "127.0.0.1");
  EXPECT_EQ(https->port, 2379);
  Result<ctl::EndpointAddress> http = ctl::ParseEndpoint("http://h:1");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->scheme, ctl::EndpointAddress::Scheme::kHttp);
  Result<ctl::EndpointAddress> bare = ctl::ParseEndpoint("h");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->scheme, ctl::EndpointAddress::Scheme::kNone);
  EXPECT_EQ(bare->port, 2379);
  Result<ctl::EndpointAddress> unixs = ctl::ParseEndpoint("unixs://sock");
  ASSERT_FALSE(unixs.ok());
  EXPECT_EQ(unixs.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadekv
