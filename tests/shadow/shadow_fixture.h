// A real shadekv cluster with the publisher plugin on every member, plus a
// real shadekv-shadow process reading its bus: helper verbs for the shadow
// tests (start, SIGKILL and restart the shadow, call its API, wait until it
// converged with the primary). Everything on 127.0.0.1 with free ports;
// every process is killed by PID in TearDown.
#pragma once

#include <sys/types.h>

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::shadow_testing {

using cluster_testing::milliseconds;

struct ShadowStatusView {
  int64_t applied = 0;
  int64_t primary = 0;
  int64_t lag = 0;
  int64_t lag_ms = 0;
  std::string publisher;
  int64_t heartbeat_age_ms = 0;
  bool up_to_date = false;
  int64_t snapshots = 0;
  int64_t catchups = 0;
  int64_t compact_revision = 0;
  int64_t failovers = 0;
};

class ShadowFixture : public cluster_testing::ClusterFixture {
 protected:
  void TearDown() override;

  // Starts `n` members, each with the publisher plugin on its own PUB and
  // catch-up ports; waits for a leader.
  void StartPrimary(int n, const std::vector<std::string>& extra = {});
  // Starts (or restarts) the shadow on every member's PUB endpoint, in
  // member order; `extra` flags are appended.
  void StartShadow(const std::vector<std::string>& extra = {});
  void KillShadow();  // SIGKILL by PID and reap

  Result<cluster_testing::HttpReply> ShadowCall(const std::string& path, const std::string& body,
                                                const std::string& method = "POST");
  Result<ShadowStatusView> ShadowStatus();
  Result<cluster_testing::HashInfo> ShadowHashKv(int64_t revision);
  // Waits until the shadow serves /v3/shadow/status with applied == `revision`
  // and up_to_date. Fails the test on timeout.
  void WaitShadowAt(int64_t revision, milliseconds deadline);

  // The body of a range reply without its header (which names the member),
  // for comparing a shadow's answer with a primary's.
  static std::string WithoutHeader(const std::string& body);

  std::string ShadowLog() const;

  std::vector<int> pub_ports_;
  std::vector<int> catchup_ports_;
  int shadow_port_ = 0;
  pid_t shadow_pid_ = -1;
  std::string shadow_dir_;
  std::string shadow_log_;
  std::vector<std::string> shadow_extra_;
};

std::string ShadowBinary();
std::string PublisherPlugin();

}  // namespace shadekv::shadow_testing
