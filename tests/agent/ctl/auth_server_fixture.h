// The server under shadectl's auth end-to-end tests, as a parameter: the
// tests talk only to this interface, so the same story runs against etcd 3.4
// and against a shadekv agent.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl::testing {

// One running single-member server with a fresh, empty auth store (no
// users, no roles, auth disabled), on 127.0.0.1 free ports. Destroying it
// kills the server by PID and removes its data.
class AuthTestServer {
 public:
  virtual ~AuthTestServer() = default;
  // "127.0.0.1:<port>", for --endpoints.
  virtual std::string endpoint() const = 0;
  // Whether the server answers POST /v3/auth/status (etcd 3.4 has no
  // AuthStatus RPC; shadekv must have it).
  virtual bool has_auth_status() const = 0;
};

struct AuthServerFactory {
  std::string name;  // the gtest parameter name: "Etcd", "Shadekv"
  std::function<Result<std::unique_ptr<AuthTestServer>>()> start;
};

// gtest prints a parameter by its name.
inline void PrintTo(const AuthServerFactory& factory, std::ostream* os) { *os << factory.name; }

// etcd 3.4 from PATH, with `extra_flags` after the standard ones.
AuthServerFactory EtcdAuthServer(std::vector<std::string> extra_flags = {});

// The shadekv agent at `binary`, started like EtcdProcess::StartShadekv.
AuthServerFactory ShadekvAuthServer(const std::string& binary,
                                    std::vector<std::string> extra_flags = {});

}  // namespace shadekv::ctl::testing
