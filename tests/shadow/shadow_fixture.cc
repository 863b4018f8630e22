// Process control and API helpers behind ShadowFixture.
#include "tests/shadow/shadow_fixture.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace shadekv::shadow_testing {
namespace {

using Poco::JSON::Object;

int64_t Int(const Object::Ptr& o, const std::string& field) {
  if (o.isNull() || !o->has(field)) return 0;
  return std::stoll(o->get(field).convert<std::string>());
}

Result<Object::Ptr> ParseObject(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    Object::Ptr o = parser.parse(text).extract<Object::Ptr>();
    if (o.isNull()) return Status::Internal("not a JSON object: " + text.substr(0, 300));
    return o;
  } catch (const Poco::Exception& e) {
    return Status::Internal("bad JSON (" + e.displayText() + "): " + text.substr(0, 300));
  }
}

}  // namespace

std::string ShadowBinary() { return SHADEKV_SHADOW_BIN; }
std::string PublisherPlugin() { return PUBLISHER_PLUGIN_PATH; }

void ShadowFixture::TearDown() {
  if (shadow_pid_ > 0) KillShadow();
  if (HasFailure()) {
    std::cerr << "==== shadow (" << shadow_log_ << "), last 4000 bytes ====\n";
    std::string log = ShadowLog();
    std::cerr << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
  }
  ClusterFixture::TearDown();
}

void ShadowFixture::StartPrimary(int n, const std::vector<std::string>& extra) {
  std::set<int> used;
  for (int i = 0; i < n; ++i) {
    int pub = 0;
    int catchup = 0;
    do {
      pub = cluster_testing::PickFreePort();
      catchup = cluster_testing::PickFreePort();
    } while (pub == 0 || catchup == 0 || pub == catchup || used.count(pub) || used.count(catchup));
    used.insert(pub);
    used.insert(catchup);
    pub_ports_.push_back(pub);
    catchup_ports_.push_back(catchup);
  }
  StartClusterWithFlags(n, [&](int i) {
    std::vector<std::string> flags = {
        "--plugin",        PublisherPlugin(),
        "--plugin-config", "publisher.listen=tcp://127.0.0.1:" + std::to_string(pub_ports_[i]),
        "--plugin-config", "publisher.catchup=tcp://127.0.0.1:" + std::to_string(catchup_ports_[i]),
    };
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  });
  std::vector<int> all;
  for (int i = 0; i < n; ++i) all.push_back(i);
  WaitForLeader(all, milliseconds(20000));
}

void ShadowFixture::StartShadow(const std::vector<std::string>& extra) {
  ASSERT_LE(shadow_pid_, 0) << "the shadow is already running";
  if (shadow_port_ == 0) {
    shadow_port_ = cluster_testing::PickFreePort();
    shadow_dir_ = root_ + "/shadow.data";
    shadow_log_ = root_ + "/shadow.log";
    shadow_extra_ = extra;
  }
  std::string bus;
  for (int port : pub_ports_)
    bus += (bus.empty() ? "" : ",") + ("tcp://127.0.0.1:" + std::to_string(port));
  std::vector<std::string> argv = {ShadowBinary(),
                                   "--name",
                                   "s",
                                   "--data-dir",
                                   shadow_dir_,
                                   "--bus",
                                   bus,
                                   "--listen-client-urls",
                                   "http://127.0.0.1:" + std::to_string(shadow_port_)};
  argv.insert(argv.end(), shadow_extra_.begin(), shadow_extra_.end());
  std::vector<char*> args;
  for (const std::string& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  int log_fd = open(shadow_log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(log_fd, 0) << shadow_log_ << ": " << std::strerror(errno);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  ASSERT_GT(pid, 0) << "fork: " << std::strerror(errno);
  shadow_pid_ = pid;
  // Serving once /health answers (the port is bound after the mirror opened).
  auto deadline = std::chrono::steady_clock::now() + milliseconds(15000);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<cluster_testing::HttpReply> r = ShadowCall("/health", "", "GET");
    if (r.ok() && r->status == 200) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  FAIL() << "the shadow did not start serving";
}

void ShadowFixture::KillShadow() {
  if (shadow_pid_ <= 0) return;
  kill(shadow_pid_, SIGKILL);
  int status = 0;
  waitpid(shadow_pid_, &status, 0);
  shadow_pid_ = -1;
}

Result<cluster_testing::HttpReply> ShadowFixture::ShadowCall(const std::string& path,
                                                             const std::string& body,
                                                             const std::string& method) {
  return cluster_testing::HttpCall(shadow_port_, method, path, body, milliseconds(10000));
}

Result<ShadowStatusView> ShadowFixture::ShadowStatus() {
  SHADEKV_ASSIGN_OR_RETURN(cluster_testing::HttpReply reply, ShadowCall("/v3/shadow/status", ""));
  if (reply.status != 200) {
    return Status::Unavailable("status: HTTP " + std::to_string(reply.status) + " " + reply.body);
  }
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o, ParseObject(reply.body));
  ShadowStatusView v;
  v.applied = Int(o, "applied_revision");
  v.primary = Int(o, "primary_revision");
  v.lag = Int(o, "lag_revisions");
  v.lag_ms = Int(o, "lag_ms");
  v.publisher = o->optValue<std::string>("publisher", "");
  v.heartbeat_age_ms = Int(o, "last_heartbeat_age_ms");
  v.up_to_date = o->optValue<bool>("up_to_date", false);
  v.snapshots = Int(o, "snapshots_installed");
  v.catchups = Int(o, "catchups");
  v.compact_revision = Int(o, "compact_revision");
  v.failovers = Int(o, "failovers");
  return v;
}

Result<cluster_testing::HashInfo> ShadowFixture::ShadowHashKv(int64_t revision) {
  SHADEKV_ASSIGN_OR_RETURN(
      cluster_testing::HttpReply reply,
      ShadowCall("/v3/maintenance/hashkv", "{\"revision\":\"" + std::to_string(revision) + "\"}"));
  if (reply.status != 200) {
    return Status::Unavailable("hashkv: HTTP " + std::to_string(reply.status) + " " + reply.body);
  }
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o, ParseObject(reply.body));
  cluster_testing::HashInfo h;
  h.hash = static_cast<uint32_t>(Int(o, "hash"));
  h.compact_revision = Int(o, "compact_revision");
  h.revision = Int(o->getObject("header"), "revision");
  return h;
}

void ShadowFixture::WaitShadowAt(int64_t revision, milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  Result<ShadowStatusView> last = Status::Unavailable("never asked");
  while (std::chrono::steady_clock::now() < until) {
    last = ShadowStatus();
    if (last.ok() && last->applied == revision && last->up_to_date) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  FAIL() << "the shadow did not reach revision " << revision << ": "
         << (last.ok() ? "applied " + std::to_string(last->applied) + " primary " +
                             std::to_string(last->primary) +
                             (last->up_to_date ? " up to date" : " not up to date")
                       : last.status().message());
}

std::string ShadowFixture::WithoutHeader(const std::string& body) {
  // The header object holds no nested object: it ends at its first '}'.
  size_t start = body.find("\"header\":{");
  if (start == std::string::npos) return body;
  size_t end = body.find('}', start);
  return body.substr(0, start) + body.substr(end + 1);
}

std::string ShadowFixture::ShadowLog() const {
  std::ifstream in(shadow_log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace shadekv::shadow_testing
