// A test-side HTTPS client for 127.0.0.1, built on Poco NetSSL directly (not
// on shadekv's own TLS helpers, so server tests do not lean on the code
// under test), plus a program runner that keeps stdout.
#pragma once

#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::tls_testing {

using cluster_testing::HttpReply;
using cluster_testing::milliseconds;

// What the client trusts and presents. Empty cert/key: no client certificate.
struct ClientSetup {
  std::string ca;
  std::string cert;
  std::string key;
};

// One HTTPS request to 127.0.0.1:port. Handshake and transport failures
// (untrusted server, refused client certificate, reset, timeout) are
// kUnavailable with Poco's description.
Result<HttpReply> HttpsCall(int port, const std::string& method, const std::string& path,
                            const std::string& body, const ClientSetup& setup,
                            milliseconds timeout);

// POSTs `body` and collects the answer's lines as they arrive until the
// stream ends, cleanly or not (an abrupt end keeps the lines read so far).
// kUnavailable only when no answer started (handshake, connect, timeout).
Result<std::vector<std::string>> HttpsStreamLines(int port, const std::string& path,
                                                  const std::string& body, const ClientSetup& setup,
                                                  milliseconds timeout);

// Polls GET /health over HTTPS until it answers 200 or `deadline` passes.
bool WaitHttpsHealthy(int port, const ClientSetup& setup, milliseconds deadline);

// Runs `argv` (argv[0] a path) with stdout and stderr sent to files, killed
// (SIGKILL, by PID) after `timeout`. exit_code -1 when it was killed.
struct Captured {
  int exit_code = -1;
  std::string out;
  std::string err;
};
Captured RunCaptured(const std::vector<std::string>& argv, const std::string& dir,
                     milliseconds timeout);

}  // namespace shadekv::tls_testing
