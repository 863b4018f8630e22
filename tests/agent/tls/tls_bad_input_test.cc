// Bad TLS settings stop the agent and the shadow at start-up, with a message
// naming the file or flag and what to do, and a non-zero exit.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/agent/tls/tls_fixture.h"

namespace shadekv::tls_testing {
namespace {

class TlsBadInputTest : public TlsClusterFixture {
 protected:
  // Runs the agent with an https listener and `tls_flags`; it must exit.
  Captured RunAgent(const std::vector<std::string>& tls_flags) {
    const std::string url = "https://127.0.0.1:" + std::to_string(cluster_testing::PickFreePort());
    const std::string peer = "tcp://127.0.0.1:" + std::to_string(cluster_testing::PickFreePort());
    std::vector<std::string> argv = {cluster_testing::ShadekvBinary(),
                                     "--data-dir",
                                     root_ + "/bad" + std::to_string(++runs_),
                                     "--listen-client-urls",
                                     url,
                                     "--listen-peer-urls",
                                     peer};
    argv.insert(argv.end(), tls_flags.begin(), tls_flags.end());
    return RunCaptured(argv, root_, milliseconds(15000));
  }
  Captured RunShadow(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {
        SHADEKV_SHADOW_BIN,
        "--data-dir",
        root_ + "/badshadow" + std::to_string(++runs_),
        "--bus",
        "tcp://127.0.0.1:" + std::to_string(cluster_testing::PickFreePort()),
        "--listen-client-urls",
        "https://127.0.0.1:" + std::to_string(cluster_testing::PickFreePort())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return RunCaptured(argv, root_, milliseconds(15000));
  }
  int runs_ = 0;
};

TEST_F(TlsBadInputTest, HttpsUrlWithoutCertificateIsRefused) {
  Captured r = RunAgent({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                       "https://"),
            std::string::npos)
      << r.err;
}

TEST_F(TlsBadInputTest, MissingCertificateFileIsNamed) {
  const std::string missing = root_ + "/missing.crt";
  Captured r = RunAgent({"--cert-file", missing, "--key-file", certs_.server_key});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--cert-file '" + missing + "': no such file"), std::string::npos) << r.err;
}

TEST_F(TlsBadInputTest, KeyNotMatchingTheCertificateIsRefused) {
  Captured r = RunAgent({"--cert-file", certs_.server_cert, "--key-file", certs_.stray_key});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--key-file '" + certs_.stray_key + "' does not match --cert-file '" +
                       certs_.server_cert + "'"),
            std::string::npos)
      << r.err;
}

TEST_F(TlsBadInputTest, NonPemCertificateAndUnreadableFilesAreRefused) {
  Captured swapped = RunAgent({"--cert-file", certs_.server_key, "--key-file", certs_.server_key});
  EXPECT_EQ(swapped.exit_code, 1);
  EXPECT_NE(swapped.err.find("not a PEM certificate"), std::string::npos) << swapped.err;

  Captured dir = RunAgent({"--cert-file", root_, "--key-file", certs_.server_key});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find("no such file"), std::string::npos) << dir.err;

  Captured bad_ca = RunAgent({"--cert-file", certs_.server_cert, "--key-file", certs_.server_key,
                              "--trusted-ca-file", certs_.server_key});
  EXPECT_EQ(bad_ca.exit_code, 1);
  EXPECT_NE(bad_ca.err.find("--trusted-ca-file"), std::string::npos) << bad_ca.err;
}

TEST_F(TlsBadInputTest, ClientCertAuthWithoutTrustedCaIsRefused) {
  Captured r = RunAgent(
      {"--cert-file", certs_.server_cert, "--key-file", certs_.server_key, "--client-cert-auth"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--client-cert-auth needs --trusted-ca-file"), std::string::npos) << r.err;
}

TEST_F(TlsBadInputTest, ShadowRefusesTheSameMistakes) {
  Captured no_cert = RunShadow({});
  EXPECT_EQ(no_cert.exit_code, 2);
  EXPECT_NE(no_cert.err.find("--cert-file, --key-file) must be provided"), std::string::npos)
      << no_cert.err;
  Captured mismatch =
      RunShadow({"--cert-file", certs_.server_cert, "--key-file", certs_.stray_key});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("does not match --cert-file"), std::string::npos) << mismatch.err;
  // Nothing was created for the refused shadow.
  EXPECT_FALSE(std::filesystem::exists(root_ + "/badshadow2"));
}

}  // namespace
}  // namespace shadekv::tls_testing
