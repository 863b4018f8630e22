// AuthTestServer over EtcdProcess, which already runs either etcd or shadekv.
#include "tests/agent/ctl/auth_server_fixture.h"

#include <chrono>

namespace shadekv::ctl::testing {

namespace {

constexpr std::chrono::milliseconds kStartDeadline{30000};

class ProcessAuthServer : public AuthTestServer {
 public:
  ProcessAuthServer(std::unique_ptr<EtcdProcess> process, bool has_auth_status)
      : process_(std::move(process)), has_auth_status_(has_auth_status) {}
  std::string endpoint() const override { return process_->endpoint(); }
  bool has_auth_status() const override { return has_auth_status_; }

 private:
  std::unique_ptr<EtcdProcess> process_;
  bool has_auth_status_;
};

Result<std::unique_ptr<AuthTestServer>> Wrap(Result<std::unique_ptr<EtcdProcess>> process,
                                             bool has_auth_status) {
  if (!process.ok()) return process.status();
  return std::unique_ptr<AuthTestServer>(
      new ProcessAuthServer(std::move(process).value(), has_auth_status));
}

}  // namespace

AuthServerFactory EtcdAuthServer(std::vector<std::string> extra_flags) {
  return {"Etcd", [extra_flags] {
            return Wrap(EtcdProcess::Start("auth", kStartDeadline, extra_flags), false);
          }};
}

AuthServerFactory ShadekvAuthServer(const std::string& binary,
                                    std::vector<std::string> extra_flags) {
  return {"Shadekv", [binary, extra_flags] {
            return Wrap(EtcdProcess::StartShadekv(binary, "auth", kStartDeadline, extra_flags),
                        true);
          }};
}

}  // namespace shadekv::ctl::testing
