// Test certificates made at test time with the openssl CLI in a temp dir:
// a CA, a server certificate for 127.0.0.1 (IP SAN; server and client
// usage, so members also use it as their client certificate), a client
// certificate, and a second, untrusted CA with a client certificate of its
// own. Keys are EC P-256 (fast to generate), unencrypted PEM.
#pragma once

#include <string>

#include "shadekv/common/status.h"

namespace shadekv::tls_testing {

struct TestCerts {
  std::string ca;  // trusted CA certificate
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string rogue_ca;    // a CA nobody trusts
  std::string rogue_cert;  // client certificate signed by rogue_ca
  std::string rogue_key;
  std::string stray_key;  // a key that belongs to no certificate
};

// Writes every file into `dir` (which must exist). kInternal naming the
// openssl command and its stderr when one fails.
Result<TestCerts> MakeTestCerts(const std::string& dir);

}  // namespace shadekv::tls_testing
