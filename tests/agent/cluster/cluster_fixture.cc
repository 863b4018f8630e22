// Process control (fork/exec, SIGKILL by PID), the gateway client and the
// polling waits behind ClusterFixture.
#include "tests/agent/cluster/cluster_fixture.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace shadekv::cluster_testing {
namespace {

using Clock = std::chrono::steady_clock;
using Poco::JSON::Object;

Result<Object::Ptr> ParseObject(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    Object::Ptr object = parser.parse(text).extract<Object::Ptr>();
    if (object.isNull()) return Status::Internal("not a JSON object: " + text.substr(0, 300));
    return object;
  } catch (const Poco::Exception& e) {
    return Status::Internal("bad JSON (" + e.displayText() + "): " + text.substr(0, 300));
  }
}

// int64 fields arrive as JSON strings; absent means zero.
int64_t Int(const Object::Ptr& object, const std::string& field) {
  if (object.isNull() || !object->has(field)) return 0;
  return std::stoll(object->get(field).convert<std::string>());
}

uint64_t Uint(const Object::Ptr& object, const std::string& field) {
  if (object.isNull() || !object->has(field)) return 0;
  return std::stoull(object->get(field).convert<std::string>());
}

// A reply that is not 200 becomes an error carrying the status and body.
Result<Object::Ptr> ExpectOk(const Result<HttpReply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return Status::Unavailable("HTTP " + std::to_string(reply->status) + ": " + reply->body);
  }
  return ParseObject(reply->body);
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string PrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

Result<HttpReply> HttpCall(int port, const std::string& method, const std::string& path,
                           const std::string& body, milliseconds timeout) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(timeout.count() / 1000, (timeout.count() % 1000) * 1000));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (method == Poco::Net::HTTPRequest::HTTP_POST) {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      session.sendRequest(request) << body;
    } else {
      session.sendRequest(request);
    }
    Poco::Net::HTTPResponse response;
    HttpReply reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
    reply.status = response.getStatus();
    return reply;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable(method + " 127.0.0.1:" + std::to_string(port) + path + ": " +
                               e.displayText());
  }
}

std::string ShadekvBinary() {
  const char* override_path = std::getenv("SHADEKV_TEST_BIN");
  return override_path != nullptr && *override_path != '\0' ? override_path : SHADEKV_BIN;
}

// Below the kernel's ephemeral range (32768 on), so no outgoing connection
// (a member dialing a peer, a subscriber) can take a port between the pick
// and the bind; never the same port twice in one test process.
int PickFreePort() {
  static std::mutex mu;
  static std::set<int> handed_out;
  static std::mt19937 rng(static_cast<unsigned>(getpid()) ^
                          static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  std::lock_guard<std::mutex> lock(mu);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = 15000 + static_cast<int>(rng() % 9000);
    if (handed_out.count(port) != 0) continue;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) {
      handed_out.insert(port);
      return port;
    }
  }
  return 0;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& cwd,
                         milliseconds timeout) {
  CommandResult result;
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(err_pipe[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    result.err = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  const auto deadline = Clock::now() + timeout;
  bool killed = false;
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd fd{err_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    if (fd.revents == 0) continue;
    char buf[4096];
    ssize_t n = read(err_pipe[0], buf, sizeof(buf));
    if (n <= 0) break;
    result.err.append(buf, static_cast<size_t>(n));
  }
  close(err_pipe[0]);
  int status = 0;
  while (!killed && waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  if (killed) {
    waitpid(pid, &status, 0);
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void ClusterFixture::SetUp() {
  char dir[] = "/tmp/shadekv-cluster-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr) << std::strerror(errno);
  root_ = dir;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  token_ = std::string(info->name()) + "-" + std::to_string(getpid()) + "-" +
           std::to_string(Clock::now().time_since_epoch().count());
}

void ClusterFixture::TearDown() {
  for (size_t i = 0; i < agents_.size(); ++i) {
    if (Running(static_cast<int>(i))) Kill(static_cast<int>(i));
  }
  if (HasFailure()) {
    for (size_t i = 0; i < agents_.size(); ++i) {
      std::cerr << "==== member " << agents_[i].name << " (" << agents_[i].log_path
                << "), last lines ====\n"
                << LogTail(static_cast<int>(i), 40) << "\n";
    }
    std::cerr << "data kept in " << root_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void ClusterFixture::StartCluster(int n, const std::vector<std::string>& extra) {
  StartClusterWithFlags(n, [&](int) { return extra; });
}

void ClusterFixture::StartClusterWithFlags(
    int n, const std::function<std::vector<std::string>(int i)>& flags_for) {
  std::string initial;
  std::set<int> used;
  for (int i = 0; i < n; ++i) {
    Agent a;
    a.name = std::string(1, static_cast<char>('a' + i));
    // Ports are picked while none of the members is running; a port picked
    // twice is picked again.
    do {
      a.client_port = PickFreePort();
      a.peer_port = PickFreePort();
    } while (a.client_port == 0 || a.peer_port == 0 || a.client_port == a.peer_port ||
             used.count(a.client_port) || used.count(a.peer_port));
    used.insert(a.client_port);
    used.insert(a.peer_port);
    a.data_dir = root_ + "/" + a.name + ".data";
    a.log_path = root_ + "/" + a.name + ".log";
    initial += (initial.empty() ? "" : ",") + a.name + "=" + a.peer_url();
    agents_.push_back(a);
  }
  for (int i = 0; i < n; ++i) {
    agents_[i].initial_cluster = initial;
    agents_[i].extra_flags = flags_for(i);
  }
  for (int i = 0; i < n; ++i) Start(i);
}

int ClusterFixture::PrepareJoiner(const std::string& name) {
  Agent a;
  a.name = name;
  std::set<int> used;
  for (const Agent& o : agents_) {
    used.insert(o.client_port);
    used.insert(o.peer_port);
  }
  do {
    a.client_port = PickFreePort();
    a.peer_port = PickFreePort();
  } while (a.client_port == 0 || a.peer_port == 0 || a.client_port == a.peer_port ||
           used.count(a.client_port) || used.count(a.peer_port));
  a.data_dir = root_ + "/" + a.name + ".data";
  a.log_path = root_ + "/" + a.name + ".log";
  a.extra_flags = agents_.empty() ? std::vector<std::string>{} : agents_[0].extra_flags;
  std::string initial;
  for (const Agent& o : agents_) initial += o.name + "=" + o.peer_url() + ",";
  a.initial_cluster = initial + a.name + "=" + a.peer_url();
  a.cluster_state = "existing";
  agents_.push_back(a);
  return static_cast<int>(agents_.size()) - 1;
}

void ClusterFixture::Start(int i) {
  std::lock_guard<std::mutex> lock(procs_mu_);
  SpawnLocked(i);
}

void ClusterFixture::SpawnLocked(int i) {
  Agent& a = agents_[i];
  ASSERT_LE(a.pid, 0) << "member " << a.name << " is already running";
  std::vector<std::string> argv = {
      ShadekvBinary(),
      "--name",
      a.name,
      "--data-dir",
      a.data_dir,
      "--listen-client-urls",
      "http://127.0.0.1:" + std::to_string(a.client_port),
      "--listen-peer-urls",
      a.peer_url(),
      "--initial-advertise-peer-urls",
      a.peer_url(),
      "--initial-cluster",
      a.initial_cluster,
      "--initial-cluster-state",
      a.cluster_state,
      "--initial-cluster-token",
      token_,
      "--heartbeat-interval",
      "50",
      "--election-timeout",
      "500",
  };
  argv.insert(argv.end(), a.extra_flags.begin(), a.extra_flags.end());
  std::vector<char*> args;
  for (const std::string& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  int log_fd = open(a.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(log_fd, 0) << a.log_path << ": " << std::strerror(errno);
  std::string banner = "==== starting " + a.name + " ====\n";
  [[maybe_unused]] ssize_t w = write(log_fd, banner.data(), banner.size());
  pid_t pid = fork();
  if (pid == 0) {
    // Should the test binary itself die, its members die with it.
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
  a.pid = pid;
}

void ClusterFixture::Kill(int i) {
  std::lock_guard<std::mutex> lock(procs_mu_);
  Agent& a = agents_[i];
  if (a.pid <= 0) return;
  kill(a.pid, SIGKILL);
  int status = 0;
  waitpid(a.pid, &status, 0);
  a.pid = -1;
}

bool ClusterFixture::Running(int i) const {
  std::lock_guard<std::mutex> lock(procs_mu_);
  return agents_[i].pid > 0;
}

std::vector<int> ClusterFixture::LiveClientPorts() const {
  std::lock_guard<std::mutex> lock(procs_mu_);
  std::vector<int> ports;
  for (const Agent& a : agents_) {
    if (a.pid > 0) ports.push_back(a.client_port);
  }
  return ports;
}

std::vector<int> ClusterFixture::RunningMembers() const {
  std::lock_guard<std::mutex> lock(procs_mu_);
  std::vector<int> out;
  for (size_t i = 0; i < agents_.size(); ++i) {
    if (agents_[i].pid > 0) out.push_back(static_cast<int>(i));
  }
  return out;
}

int ClusterFixture::WaitForLeader(const std::vector<int>& members, milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  std::string last;
  while (Clock::now() < until) {
    std::set<uint64_t> leaders;
    bool all_ok = true;
    for (int i : members) {
      Result<StatusInfo> s = GetStatus(i);
      if (!s.ok()) {
        last = agents_[i].name + ": " + s.status().ToString();
        all_ok = false;
        break;
      }
      leaders.insert(s->leader);
    }
    if (all_ok && leaders.size() == 1 && *leaders.begin() != 0) {
      for (int i : members) {
        if (MemberIdOf(i) != *leaders.begin()) continue;
        Result<HttpReply> health =
            HttpCall(agents_[i].client_port, "GET", "/health", "", milliseconds(5000));
        if (health.ok() && health->status == 200) return i;
        // An active alarm keeps /health at 503 (as etcd reports alarms
        // there) while the leader serves: a linearizable read shows it does.
        Result<HttpReply> read = HttpCall(agents_[i].client_port, "POST", "/v3/kv/range",
                                          "{\"key\":\"AA==\"}", milliseconds(5000));
        if (read.ok() && read->status == 200) return i;
        last = "leader not healthy yet";
      }
    } else if (all_ok) {
      last = "members disagree on the leader (" + std::to_string(leaders.size()) + " values)";
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  ADD_FAILURE() << "no common leader within " << deadline.count() << " ms: " << last;
  return -1;
}

int64_t ClusterFixture::WaitForConvergence(const std::vector<int>& members, milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  std::string last;
  while (Clock::now() < until) {
    std::set<int64_t> revisions;
    bool all_ok = true;
    for (int i : members) {
      Result<StatusInfo> s = GetStatus(i);
      if (!s.ok()) {
        all_ok = false;
        last = agents_[i].name + ": " + s.status().ToString();
        break;
      }
      revisions.insert(s->revision);
    }
    if (all_ok && revisions.size() == 1) {
      int64_t revision = *revisions.begin();
      std::set<uint32_t> hashes;
      for (int i : members) {
        Result<HashInfo> h = HashKv(i, revision);
        if (!h.ok()) {
          all_ok = false;
          last = agents_[i].name + " hashkv: " + h.status().ToString();
          break;
        }
        hashes.insert(h->hash);
      }
      if (all_ok && hashes.size() == 1) return revision;
      if (all_ok) last = "hashes differ at revision " + std::to_string(revision);
    } else if (all_ok) {
      last = "revisions differ:";
      for (int64_t r : revisions) last += " " + std::to_string(r);
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ADD_FAILURE() << "members did not converge within " << deadline.count() << " ms: " << last;
  return -1;
}

uint64_t ClusterFixture::MemberIdOf(int i) {
  // The id is the same rule the daemon uses; asking the member avoids
  // duplicating it here.
  Result<StatusInfo> s = GetStatus(i);
  return s.ok() ? s->member_id : 0;
}

Result<HttpReply> ClusterFixture::Call(int i, const std::string& path, const std::string& body,
                                       milliseconds timeout) {
  return HttpCall(agents_[i].client_port, "POST", path, body, timeout);
}

Result<int64_t> ClusterFixture::Put(int i, const std::string& key, const std::string& value) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o,
                           ExpectOk(Call(i, "/v3/kv/put",
                                         "{\"key\":" + Quote(Base64(key)) +
                                             ",\"value\":" + Quote(Base64(value)) + "}")));
  return Int(o->getObject("header"), "revision");
}

Result<std::optional<KeyValue>> ClusterFixture::Get(int i, const std::string& key,
                                                    bool serializable) {
  SHADEKV_ASSIGN_OR_RETURN(
      Object::Ptr o, ExpectOk(Call(i, "/v3/kv/range",
                                   "{\"key\":" + Quote(Base64(key)) +
                                       (serializable ? ",\"serializable\":true" : "") + "}")));
  if (!o->has("kvs")) return std::optional<KeyValue>();
  Poco::JSON::Array::Ptr kvs = o->getArray("kvs");
  if (kvs->size() != 1) return Status::Internal("range of one key returned several");
  Object::Ptr kv = kvs->getObject(0);
  KeyValue out;
  out.value = kv->has("value") ? Unbase64(kv->getValue<std::string>("value")) : "";
  out.mod_revision = Int(kv, "mod_revision");
  out.create_revision = Int(kv, "create_revision");
  return std::optional<KeyValue>(out);
}

Result<std::map<std::string, KeyValue>> ClusterFixture::GetPrefix(int i, const std::string& prefix,
                                                                  bool serializable) {
  SHADEKV_ASSIGN_OR_RETURN(
      Object::Ptr o, ExpectOk(Call(i, "/v3/kv/range",
                                   "{\"key\":" + Quote(Base64(prefix)) +
                                       ",\"range_end\":" + Quote(Base64(PrefixEnd(prefix))) +
                                       (serializable ? ",\"serializable\":true" : "") + "}")));
  std::map<std::string, KeyValue> out;
  if (!o->has("kvs")) return out;
  Poco::JSON::Array::Ptr kvs = o->getArray("kvs");
  for (size_t k = 0; k < kvs->size(); ++k) {
    Object::Ptr kv = kvs->getObject(static_cast<unsigned>(k));
    KeyValue v;
    v.value = kv->has("value") ? Unbase64(kv->getValue<std::string>("value")) : "";
    v.mod_revision = Int(kv, "mod_revision");
    v.create_revision = Int(kv, "create_revision");
    out[Unbase64(kv->getValue<std::string>("key"))] = v;
  }
  return out;
}

Result<int64_t> ClusterFixture::Delete(int i, const std::string& key) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o, ExpectOk(Call(i, "/v3/kv/deleterange",
                                                        "{\"key\":" + Quote(Base64(key)) + "}")));
  return Int(o->getObject("header"), "revision");
}

Result<StatusInfo> ClusterFixture::GetStatus(int i) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o,
                           ExpectOk(Call(i, "/v3/maintenance/status", "{}", milliseconds(5000))));
  StatusInfo s;
  Object::Ptr header = o->getObject("header");
  s.member_id = Uint(header, "member_id");
  s.revision = Int(header, "revision");
  s.leader = Uint(o, "leader");
  s.raft_term = Uint(o, "raftTerm");
  s.raft_index = Uint(o, "raftIndex");
  s.applied_index = Uint(o, "raftAppliedIndex");
  s.is_learner = o->optValue<bool>("isLearner", false);
  return s;
}

Result<HashInfo> ClusterFixture::HashKv(int i, int64_t revision) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o,
                           ExpectOk(Call(i, "/v3/maintenance/hashkv",
                                         "{\"revision\":\"" + std::to_string(revision) + "\"}")));
  HashInfo h;
  h.hash = o->has("hash") ? static_cast<uint32_t>(o->getValue<int64_t>("hash")) : 0;
  h.compact_revision = Int(o, "compact_revision");
  h.revision = Int(o->getObject("header"), "revision");
  return h;
}

Result<std::vector<MemberInfo>> ClusterFixture::MemberList(int i) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o, ExpectOk(Call(i, "/v3/cluster/member/list", "{}")));
  std::vector<MemberInfo> out;
  if (!o->has("members")) return out;
  Poco::JSON::Array::Ptr members = o->getArray("members");
  for (size_t k = 0; k < members->size(); ++k) {
    Object::Ptr m = members->getObject(static_cast<unsigned>(k));
    MemberInfo info;
    info.id = Uint(m, "ID");
    info.name = m->optValue<std::string>("name", "");
    info.is_learner = m->optValue<bool>("isLearner", false);
    if (m->has("clientURLs")) {
      Poco::JSON::Array::Ptr urls = m->getArray("clientURLs");
      for (size_t u = 0; u < urls->size(); ++u) {
        info.client_urls.push_back(urls->getElement<std::string>(static_cast<unsigned>(u)));
      }
    }
    out.push_back(info);
  }
  return out;
}

Result<uint64_t> ClusterFixture::MemberAdd(int i, const std::string& peer_url, bool learner) {
  SHADEKV_ASSIGN_OR_RETURN(Object::Ptr o,
                           ExpectOk(Call(i, "/v3/cluster/member/add",
                                         "{\"peerURLs\":[" + Quote(peer_url) + "]" +
                                             (learner ? ",\"isLearner\":true" : "") + "}")));
  return Uint(o->getObject("member"), "ID");
}

Status ClusterFixture::MemberPromote(int i, uint64_t id) {
  return ExpectOk(Call(i, "/v3/cluster/member/promote", "{\"ID\":\"" + std::to_string(id) + "\"}"))
      .status();
}

Status ClusterFixture::MemberRemove(int i, uint64_t id) {
  return ExpectOk(Call(i, "/v3/cluster/member/remove", "{\"ID\":\"" + std::to_string(id) + "\"}"))
      .status();
}

std::string ClusterFixture::LogOf(int i) const {
  std::ifstream in(agents_[i].log_path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ClusterFixture::LogTail(int i, size_t lines) const {
  std::ifstream in(agents_[i].log_path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const std::string& l : tail) out += l + "\n";
  return out;
}

}  // namespace shadekv::cluster_testing
