// shadectl against a real agent serving https: --cacert, --cert/--key,
// --insecure-skip-tls-verify; unary calls and both streams (watch,
// lease keep-alive).
#include <gtest/gtest.h>

#include "tests/agent/tls/tls_fixture.h"

namespace shadekv::tls_testing {
namespace {

class TlsShadectlTest : public TlsClusterFixture {
 protected:
  // shadectl with `args` against member 0's https URL.
  Captured Ctl(const std::vector<std::string>& args, milliseconds timeout = milliseconds(15000)) {
    // No member started: an address nothing listens on (files are checked first).
    const std::string endpoint = tls_ports_.empty() ? "https://127.0.0.1:1" : HttpsUrl(0);
    std::vector<std::string> argv = {SHADECTL_BIN, "--endpoints", endpoint};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCaptured(argv, root_, timeout);
  }
};

TEST_F(TlsShadectlTest, PutGetWatchAndKeepAliveWithCacert) {
  StartTlsCluster(1);
  Captured put = Ctl({"--cacert", certs_.ca, "put", "ctl/k", "v1"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(put.out, "OK\n");
  Captured get = Ctl({"--cacert", certs_.ca, "get", "ctl/k"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "ctl/k\nv1\n");

  // Watch from revision 1 streams the put; the stream stays open until killed.
  Captured watch = Ctl({"--cacert", certs_.ca, "watch", "--rev", "1", "ctl/k"}, milliseconds(3000));
  EXPECT_EQ(watch.exit_code, -1) << "watch ended by itself: " << watch.err;
  EXPECT_EQ(watch.out.rfind("PUT\nctl/k\nv1\n", 0), 0u) << watch.out << watch.err;

  Captured grant = Ctl({"--cacert", certs_.ca, "lease", "grant", "60"});
  ASSERT_EQ(grant.exit_code, 0) << grant.err;
  // "lease 694d77aa9e38260f granted with TTL(60s)"
  ASSERT_EQ(grant.out.rfind("lease ", 0), 0u) << grant.out;
  const std::string id = grant.out.substr(6, grant.out.find(' ', 6) - 6);
  Captured keepalive = Ctl({"--cacert", certs_.ca, "lease", "keep-alive", "--once", id});
  ASSERT_EQ(keepalive.exit_code, 0) << keepalive.err;
  EXPECT_NE(keepalive.out.find("keepalived with TTL(60)"), std::string::npos) << keepalive.out;
}

TEST_F(TlsShadectlTest, WithoutCacertTheServerIsNotTrusted) {
  StartTlsCluster(1);
  Captured put = Ctl({"put", "ctl/k", "v1"});
  EXPECT_NE(put.exit_code, 0);
  EXPECT_NE(put.err.find("TLS handshake failed"), std::string::npos) << put.err;
  EXPECT_NE(put.err.find("--cacert"), std::string::npos) << put.err;
  Captured rogue = Ctl({"--cacert", certs_.rogue_ca, "get", "ctl/k"});
  EXPECT_NE(rogue.exit_code, 0);
  EXPECT_NE(rogue.err.find("certificate verify failed"), std::string::npos) << rogue.err;
  // Nothing was written.
  Result<std::optional<cluster_testing::KeyValue>> kv = Get(0, "ctl/k");
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE(kv->has_value());

  Captured insecure = Ctl({"--insecure-skip-tls-verify", "put", "ctl/k", "v2"});
  ASSERT_EQ(insecure.exit_code, 0) << insecure.err;
  EXPECT_EQ(insecure.out, "OK\n");
}

TEST_F(TlsShadectlTest, ClientCertificateFromCertAndKey) {
  StartTlsCluster(1, {"--trusted-ca-file", certs_.ca, "--client-cert-auth"});
  Captured without = Ctl({"--cacert", certs_.ca, "put", "ctl/c", "x"});
  EXPECT_NE(without.exit_code, 0) << without.out;
  Captured with = Ctl({"--cacert", certs_.ca, "--cert", certs_.client_cert, "--key",
                       certs_.client_key, "put", "ctl/c", "y"});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  Captured watch = Ctl({"--cacert", certs_.ca, "--cert", certs_.client_cert, "--key",
                        certs_.client_key, "watch", "--rev", "1", "ctl/c"},
                       milliseconds(3000));
  EXPECT_EQ(watch.out.rfind("PUT\nctl/c\ny\n", 0), 0u) << watch.out << watch.err;
  Result<std::optional<cluster_testing::KeyValue>> kv = Get(0, "ctl/c");
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "y");
}

TEST_F(TlsShadectlTest, BadTlsFlagsAreRefusedBeforeAnyCall) {
  // No server needed: the files are checked first (etcdctl's exit code 128).
  Captured missing = Ctl({"--cacert", root_ + "/nope.crt", "get", "k"});
  EXPECT_EQ(missing.exit_code, 128);
  EXPECT_NE(missing.err.find("--cacert '" + root_ + "/nope.crt': no such file"), std::string::npos)
      << missing.err;
  Captured half = Ctl({"--cacert", certs_.ca, "--cert", certs_.client_cert, "get", "k"});
  EXPECT_EQ(half.exit_code, 128);
  EXPECT_NE(half.err.find("--cert and --key go together"), std::string::npos) << half.err;
  Captured mismatch = Ctl(
      {"--cacert", certs_.ca, "--cert", certs_.client_cert, "--key", certs_.stray_key, "get", "k"});
  EXPECT_EQ(mismatch.exit_code, 128);
  EXPECT_NE(mismatch.err.find("does not match --cert"), std::string::npos) << mismatch.err;
}

}  // namespace
}  // namespace shadekv::tls_testing
