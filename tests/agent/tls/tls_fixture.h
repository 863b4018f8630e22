// ClusterFixture plus test certificates and an https listener per member.
// Members keep the fixture's plain-HTTP control listener (its waits and
// helpers use it) and add https://127.0.0.1:<tls port>, which is also the
// only client URL they advertise, so members reach each other over TLS.
#pragma once

#include <string>
#include <vector>

#include "tests/agent/cluster/cluster_fixture.h"
#include "tests/agent/tls/https_call.h"
#include "tests/agent/tls/test_certs.h"

namespace shadekv::tls_testing {

class TlsClusterFixture : public cluster_testing::ClusterFixture {
 protected:
  void SetUp() override;

  // Starts `n` members serving https with the server certificate, plus
  // `extra` flags; waits for a leader. Returns the leader's index.
  int StartTlsCluster(int n, const std::vector<std::string>& extra = {});

  // The https client URL of member i.
  std::string HttpsUrl(int i) const { return "https://127.0.0.1:" + std::to_string(tls_ports_[i]); }

  ClientSetup TrustingClient() const { return {certs_.ca, "", ""}; }
  ClientSetup CertifiedClient() const { return {certs_.ca, certs_.client_cert, certs_.client_key}; }

  TestCerts certs_;
  std::vector<int> tls_ports_;
};

// The value of the first kv of a range reply, base64-decoded ("" if none).
std::string FirstValue(const std::string& range_body);

}  // namespace shadekv::tls_testing
