// Auth and RBAC end to end on real shadekv processes on 127.0.0.1: users and
// roles created on one member, a token issued by another and used on a
// third; an RBAC matrix over HTTP where every denied request changes
// nothing; expired, forged and superseded tokens; wrong passwords; the auth
// state surviving SIGKILL + restart and a snapshot install; and plugins
// seeing denied requests with their user.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <fstream>
#include <thread>

#include "shadekv/bus/codec.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

constexpr char kDenied[] = "etcdserver: permission denied";
constexpr char kInvalidToken[] = "etcdserver: invalid auth token";
constexpr char kUserEmpty[] = "etcdserver: user name is empty";

std::string Q(const std::string& raw) { return "\"" + Base64(raw) + "\""; }

class AuthClusterTest : public ClusterFixture {
 protected:
  // POST with an optional Authorization header (the token, bare, as etcd's
  // gateway takes it).
  // A member that is not listening yet is a test failure unless `may_be_down`.
  HttpReply Post(int i, const std::string& path, const std::string& body,
                 const std::string& token = "", bool may_be_down = false) {
    try {
      Poco::Net::HTTPClientSession session("127.0.0.1",
                                           static_cast<Poco::UInt16>(agents_[i].client_port));
      session.setTimeout(Poco::Timespan(15, 0));
      Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
      if (!token.empty()) request.set("Authorization", token);
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      HttpReply reply;
      Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
      reply.status = response.getStatus();
      return reply;
    } catch (const Poco::Exception& e) {
      if (!may_be_down) ADD_FAILURE() << path << ": " << e.displayText();
      return {};
    }
  }

  // The first line of a watch stream opened with `create` (a JSON object).
  std::string FirstWatchLine(int i, const std::string& create, const std::string& token) {
    try {
      Poco::Net::HTTPClientSession session("127.0.0.1",
                                           static_cast<Poco::UInt16>(agents_[i].client_port));
      session.setTimeout(Poco::Timespan(10, 0));
      Poco::Net::HTTPRequest request("POST", "/v3/watch", Poco::Net::HTTPMessage::HTTP_1_1);
      if (!token.empty()) request.set("Authorization", token);
      std::string body = "{\"create_request\":" + create + "}";
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session.receiveResponse(response);
      std::string line;
      std::getline(in, line);
      session.abort();
      return line;
    } catch (const Poco::Exception& e) {
      ADD_FAILURE() << "watch: " << e.displayText();
      return "";
    }
  }

  void ExpectOk(const HttpReply& r, const std::string& what) {
    EXPECT_EQ(r.status, 200) << what << " -> " << r.body;
  }
  void ExpectError(const HttpReply& r, int http, const std::string& message,
                   const std::string& what) {
    EXPECT_EQ(r.status, http) << what << " -> " << r.body;
    EXPECT_NE(r.body.find("\"message\":\"" + message + "\""), std::string::npos)
        << what << " -> " << r.body;
  }

  std::string Authenticate(int i, const std::string& user, const std::string& password) {
    HttpReply r = Post(i, "/v3/auth/authenticate",
                       "{\"name\":\"" + user + "\",\"password\":\"" + password + "\"}");
    EXPECT_EQ(r.status, 200) << "authenticate " << user << " on " << i << ": " << r.body;
    if (r.status != 200) return "";
    return Poco::JSON::Parser()
        .parse(r.body)
        .extract<Poco::JSON::Object::Ptr>()
        ->getValue<std::string>("token");
  }

  // Authenticates until it works (a member may not have applied the user
  // yet when it just restarted), bounded.
  std::string AuthenticateEventually(int i, const std::string& user, const std::string& password) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpReply r = Post(i, "/v3/auth/authenticate",
                         "{\"name\":\"" + user + "\",\"password\":\"" + password + "\"}", "",
                         /*may_be_down=*/true);
      if (r.status == 200) {
        return Poco::JSON::Parser()
            .parse(r.body)
            .extract<Poco::JSON::Object::Ptr>()
            ->getValue<std::string>("token");
      }
      last = r.body;
      std::this_thread::sleep_for(milliseconds(200));
    }
    ADD_FAILURE() << "authenticate " << user << " on member " << i << " never worked: " << last;
    return "";
  }

  int64_t RevisionAsRoot(int i, const std::string& root_token) {
    HttpReply r = Post(i, "/v3/kv/range", "{\"key\":" + Q("x") + "}", root_token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return -1;
    return std::stoll(Poco::JSON::Parser()
                          .parse(r.body)
                          .extract<Poco::JSON::Object::Ptr>()
                          ->getObject("header")
                          ->getValue<std::string>("revision"));
  }

  // root (root role), alice (READWRITE on app/), reader (READ on app/),
  // created through member `i`; auth enabled at the end.
  void SetUpUsers(int i) {
    ExpectError(Post(i, "/v3/auth/enable", "{}"), 412, "etcdserver: root user does not exist",
                "enable without root");
    ExpectOk(Post(i, "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"rootpw\"}"), "root");
    ExpectError(Post(i, "/v3/auth/enable", "{}"), 412,
                "etcdserver: root user does not have root role", "enable without root role");
    ExpectOk(Post(i, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}"), "grant");
    ExpectOk(Post(i, "/v3/auth/user/add", "{\"name\":\"alice\",\"password\":\"alicepw\"}"), "a");
    ExpectOk(Post(i, "/v3/auth/user/add", "{\"name\":\"reader\",\"password\":\"readerpw\"}"), "r");
    ExpectOk(Post(i, "/v3/auth/role/add", "{\"name\":\"app-rw\"}"), "role");
    ExpectOk(Post(i, "/v3/auth/role/add", "{\"name\":\"app-r\"}"), "role");
    ExpectOk(Post(i, "/v3/auth/role/grant",
                  "{\"name\":\"app-rw\",\"perm\":{\"permType\":\"READWRITE\",\"key\":" + Q("app/") +
                      ",\"range_end\":" + Q("app0") + "}}"),
             "perm");
    ExpectOk(Post(i, "/v3/auth/role/grant",
                  "{\"name\":\"app-r\",\"perm\":{\"key\":" + Q("app/") +
                      ",\"range_end\":" + Q("app0") + "}}"),
             "perm");
    ExpectOk(Post(i, "/v3/auth/user/grant", "{\"user\":\"alice\",\"role\":\"app-rw\"}"), "g");
    ExpectOk(Post(i, "/v3/auth/user/grant", "{\"user\":\"reader\",\"role\":\"app-r\"}"), "g");
    // Keys to read and delete, written before auth is on.
    ASSERT_TRUE(Put(i, "app/k", "v").ok());
    ASSERT_TRUE(Put(i, "other", "v").ok());
    ExpectOk(Post(i, "/v3/auth/enable", "{}"), "enable");
  }
};

TEST_F(AuthClusterTest, TokenFromOneMemberWorksOnAnotherAndRbacMatrixHolds) {
  StartCluster(3);
  WaitForLeader({0, 1, 2}, milliseconds(20000));
  SetUpUsers(0);
  // Issued by member 1, used on member 2.
  const std::string root = AuthenticateEventually(1, "root", "rootpw");
  const std::string alice = AuthenticateEventually(1, "alice", "alicepw");
  const std::string reader = AuthenticateEventually(1, "reader", "readerpw");
  ASSERT_FALSE(root.empty() || alice.empty() || reader.empty());
  ExpectOk(Post(2, "/v3/kv/put", "{\"key\":" + Q("app/a") + ",\"value\":" + Q("1") + "}", alice),
           "alice put on member 2");

  // A lease with a key outside alice's range, one with a key inside.
  auto grant = [&](const std::string& key) {
    HttpReply g = Post(2, "/v3/lease/grant", "{\"TTL\":\"600\"}", root);
    EXPECT_EQ(g.status, 200) << g.body;
    std::string id = Poco::JSON::Parser()
                         .parse(g.body)
                         .extract<Poco::JSON::Object::Ptr>()
                         ->getValue<std::string>("ID");
    ExpectOk(
        Post(2, "/v3/kv/put",
             "{\"key\":" + Q(key) + ",\"value\":" + Q("l") + ",\"lease\":\"" + id + "\"}", root),
        "lease put");
    return id;
  };
  const std::string outside_lease = grant("other-leased");
  const std::string inside_lease = grant("app/leased");

  struct Op {
    std::string name, path, body;
    bool writes;
  };
  const std::vector<Op> ops = {
      {"put inside", "/v3/kv/put", "{\"key\":" + Q("app/k") + ",\"value\":" + Q("n") + "}", true},
      {"put outside", "/v3/kv/put", "{\"key\":" + Q("other") + ",\"value\":" + Q("n") + "}", true},
      {"range inside", "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", false},
      {"range prefix", "/v3/kv/range",
       "{\"key\":" + Q("app/") + ",\"range_end\":" + Q("app0") + "}", false},
      {"range outside", "/v3/kv/range", "{\"key\":" + Q("other") + "}", false},
      {"txn outside compare", "/v3/kv/txn",
       "{\"compare\":[{\"key\":" + Q("other") + ",\"target\":\"VERSION\",\"version\":\"0\"}]}",
       false},
      {"txn put outside in failure", "/v3/kv/txn",
       "{\"compare\":[{\"key\":" + Q("app/k") +
           ",\"target\":\"VERSION\",\"version\":\"0\"}],\"failure\":[{\"request_put\":{\"key\":" +
           Q("other") + ",\"value\":" + Q("t") + "}}]}",
       true},
      {"txn inside", "/v3/kv/txn",
       "{\"compare\":[{\"key\":" + Q("app/k") +
           ",\"target\":\"VERSION\",\"version\":\"0\"}],\"failure\":[{\"request_put\":{\"key\":" +
           Q("app/t") + ",\"value\":" + Q("t") + "}}]}",
       true},
      {"delete outside", "/v3/kv/deleterange", "{\"key\":" + Q("other") + "}", true},
      {"lease revoke outside", "/v3/lease/revoke", "{\"ID\":\"" + outside_lease + "\"}", true},
      {"delete inside", "/v3/kv/deleterange", "{\"key\":" + Q("app/k") + "}", true},
  };
  // Expected: 'A' allowed, 'D' permission denied. Columns: alice, reader.
  const std::map<std::string, std::string> expected = {
      {"put inside", "AD"},
      {"put outside", "DD"},
      {"range inside", "AA"},
      {"range prefix", "AA"},
      {"range outside", "DD"},
      {"txn outside compare", "DD"},
      {"txn put outside in failure", "DD"},
      {"txn inside", "AD"},
      {"delete outside", "DD"},
      {"lease revoke outside", "DD"},
      {"delete inside", "AD"},
  };
  const std::vector<std::pair<std::string, std::string>> users = {{"reader", reader},
                                                                  {"alice", alice}};
  for (const auto& [user, token] : users) {
    const size_t column = user == "alice" ? 0 : 1;
    for (const Op& op : ops) {
      const int member = static_cast<int>(op.name.size() % 3);
      const int64_t before = RevisionAsRoot(0, root);
      HttpReply r = Post(member, op.path, op.body, token);
      const std::string what = user + " " + op.name;
      if (expected.at(op.name)[column] == 'A') {
        ExpectOk(r, what);
      } else {
        ExpectError(r, 403, kDenied, what);
        EXPECT_EQ(RevisionAsRoot(0, root), before) << what << " changed the store";
      }
    }
  }
  // Watches: inside is created, outside is created+canceled like etcd.
  std::string inside = FirstWatchLine(1, "{\"key\":" + Q("app/k") + "}", reader);
  EXPECT_NE(inside.find("\"created\":true"), std::string::npos) << inside;
  EXPECT_EQ(inside.find("canceled"), std::string::npos) << inside;
  std::string outside = FirstWatchLine(1, "{\"key\":" + Q("other") + "}", reader);
  EXPECT_NE(outside.find("\"watch_id\":\"-1\",\"created\":true,\"canceled\":true,"
                         "\"cancel_reason\":\"rpc error: code = PermissionDenied desc = "
                         "etcdserver: permission denied\""),
            std::string::npos)
      << outside;
  // A lease whose keys alice may write.
  ExpectOk(Post(0, "/v3/lease/revoke", "{\"ID\":\"" + inside_lease + "\"}", alice), "revoke in");

  // Admin routes need root.
  ExpectError(Post(2, "/v3/auth/user/list", "{}", alice), 403, kDenied, "alice user list");
  ExpectOk(Post(2, "/v3/auth/user/list", "{}", root), "root user list");
  ExpectOk(Post(2, "/v3/auth/user/get", "{\"name\":\"alice\"}", alice), "alice gets herself");
  ExpectError(Post(2, "/v3/cluster/member/remove", "{\"ID\":\"5\"}", alice), 403, kDenied,
              "member remove");
  ExpectError(Post(2, "/v3/auth/user/delete", "{\"name\":\"root\"}", root), 400,
              "etcdserver: invalid auth management", "delete root");

  // No token, a forged token, a wrong password.
  ExpectError(Post(1, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}"), 400, kUserEmpty, "none");
  std::string forged = alice;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'a' ? 'b' : 'a';
  ExpectError(Post(1, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", forged), 401, kInvalidToken,
              "forged");
  ExpectError(Post(1, "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\"nope\"}"), 400,
              "etcdserver: authentication failed, invalid user ID or password", "wrong password");

  // A password change on member 0 kills alice's tokens everywhere.
  ExpectOk(Post(0, "/v3/auth/user/changepw", "{\"name\":\"alice\",\"password\":\"new\"}", root),
           "changepw");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  HttpReply stale;
  do {
    stale = Post(2, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", alice);
    if (stale.status == 401) break;
    std::this_thread::sleep_for(milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  ExpectError(stale, 401, kInvalidToken, "token after changepw");
  const std::string alice2 = AuthenticateEventually(2, "alice", "new");
  ExpectOk(Post(2, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", alice2), "new token");

  // Disable: every token is refused, requests without one are served.
  ExpectError(Post(0, "/v3/auth/disable", "{}", alice2), 403, kDenied, "alice disables");
  ExpectOk(Post(0, "/v3/auth/disable", "{}", root), "disable");
  ExpectError(Post(0, "/v3/kv/range", "{\"key\":" + Q("other") + "}", root), 401, kInvalidToken,
              "token after disable");
  ExpectOk(Post(0, "/v3/kv/range", "{\"key\":" + Q("other") + "}"), "no token after disable");
}

TEST_F(AuthClusterTest, TokensExpireAfterTheConfiguredTtl) {
  StartCluster(1, {"--auth-token-ttl", "2"});
  WaitForLeader({0}, milliseconds(20000));
  SetUpUsers(0);
  const std::string alice = Authenticate(0, "alice", "alicepw");
  ExpectOk(Post(0, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", alice), "fresh token");
  std::this_thread::sleep_for(milliseconds(3100));
  ExpectError(Post(0, "/v3/kv/range", "{\"key\":" + Q("app/k") + "}", alice), 401, kInvalidToken,
              "expired token");
}

TEST_F(AuthClusterTest, AuthStateSurvivesSigkillAndSnapshotInstall) {
  StartCluster(3, {"--snapshot-count", "5"});
  const int leader = WaitForLeader({0, 1, 2}, milliseconds(20000));
  // The member taken down is a follower, so the other two keep serving.
  const int down = (leader + 1) % 3;
  const int up = 3 - leader - down;
  SetUpUsers(leader);
  const std::string root = AuthenticateEventually(leader, "root", "rootpw");
  Kill(down);
  // While it is down: a new user, and enough entries that the others
  // compact their logs and must send it a snapshot.
  ExpectOk(Post(leader, "/v3/auth/user/add", "{\"name\":\"late\",\"password\":\"latepw\"}", root),
           "late user");
  ExpectOk(Post(up, "/v3/auth/user/grant", "{\"user\":\"late\",\"role\":\"app-r\"}", root),
           "grant late");
  for (int n = 0; n < 30; ++n) {
    ExpectOk(
        Post(n % 2 == 0 ? leader : up, "/v3/kv/put",
             "{\"key\":" + Q("app/n" + std::to_string(n)) + ",\"value\":" + Q("v") + "}", root),
        "filler put");
  }
  Restart(down);
  const std::string late = AuthenticateEventually(down, "late", "latepw");
  ASSERT_FALSE(late.empty());
  ExpectOk(Post(down, "/v3/kv/range", "{\"key\":" + Q("app/n1") + "}", late), "late reads");
  ExpectError(
      Post(down, "/v3/kv/put", "{\"key\":" + Q("app/n1") + ",\"value\":" + Q("x") + "}", late), 403,
      kDenied, "late writes");
  ExpectOk(Post(down, "/v3/kv/range", "{\"key\":" + Q("other") + "}", root), "root token");
  EXPECT_NE(LogOf(down).find("installed snapshot"), std::string::npos) << "no snapshot installed";

  // Everyone SIGKILLed and restarted: the state and the signing secret
  // survive, so the tokens issued before still work.
  for (int i = 0; i < 3; ++i) Kill(i);
  for (int i = 0; i < 3; ++i) Restart(i);
  WaitForLeader({0, 1, 2}, milliseconds(20000));
  for (int i = 0; i < 3; ++i) {
    ExpectOk(Post(i, "/v3/kv/range", "{\"key\":" + Q("app/n1") + "}", late), "late after restart");
    ExpectError(Post(i, "/v3/kv/range", "{\"key\":" + Q("other") + "}", late), 403, kDenied,
                "late outside after restart");
    ExpectError(Post(i, "/v3/kv/range", "{\"key\":" + Q("other") + "}"), 400, kUserEmpty,
                "no token after restart");
  }
  EXPECT_FALSE(AuthenticateEventually(up, "alice", "alicepw").empty());
}

// Plugins see a denied request with its user (what audit and hunt consume).
TEST_F(AuthClusterTest, PluginSeesDeniedRequestWithItsUser) {
  const std::string record_path = root_ + "/a.records";
  StartClusterWithFlags(1, [&](int) {
    return std::vector<std::string>{"--plugin", RECORDING_PLUGIN_PATH, "--plugin-config",
                                    "recording.path=" + record_path};
  });
  WaitForLeader({0}, milliseconds(20000));
  SetUpUsers(0);
  const std::string reader = Authenticate(0, "reader", "readerpw");
  ExpectError(
      Post(0, "/v3/kv/put", "{\"key\":" + Q("app/k") + ",\"value\":" + Q("x") + "}", reader), 403,
      kDenied, "reader put");
  // A wrong password is a denied login.
  ExpectError(Post(0, "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\"guess\"}"), 400,
              "etcdserver: authentication failed, invalid user ID or password", "guess");
  // A watch outside reader's range: refused in the stream, DENIED in the record.
  std::string refused = FirstWatchLine(0, "{\"key\":" + Q("other") + "}", reader);
  EXPECT_NE(refused.find("\"canceled\":true"), std::string::npos) << refused;
  // An allowed write: its change event carries the user.
  const std::string alice = Authenticate(0, "alice", "alicepw");
  ExpectOk(Post(0, "/v3/kv/put", "{\"key\":" + Q("app/k") + ",\"value\":" + Q("y") + "}", alice),
           "alice put");
  // Records are written by the plugin's own thread: poll for them, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<bus::RequestRecord> denied;
  std::optional<bus::RequestRecord> denied_watch;
  std::optional<bus::RequestRecord> denied_login;
  std::optional<bus::ChangeEvent> alice_event;
  while ((!denied || !denied_watch || !denied_login || !alice_event) &&
         std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(record_path);
    std::string line;
    while (std::getline(in, line)) {
      const bool request = line.rfind("request ", 0) == 0;
      const bool event = line.rfind("event ", 0) == 0;
      if (!request && !event) continue;
      std::string hex = line.substr(request ? 8 : 6), bytes;
      for (size_t p = 0; p + 1 < hex.size(); p += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(p, 2), nullptr, 16)));
      }
      if (event) {
        Result<bus::ChangeEvent> e = bus::DecodeEvent(bytes);
        ASSERT_TRUE(e.ok()) << e.status().ToString();
        if (e->user == "alice") alice_event = *e;
        continue;
      }
      Result<bus::RequestRecord> r = bus::DecodeRequestRecord(bytes);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (r->outcome == bus::RequestOutcome::kDenied && r->operation == "/v3/kv/put") denied = *r;
      if (r->outcome == bus::RequestOutcome::kDenied && r->operation == "/v3/watch") {
        denied_watch = *r;
      }
      if (r->outcome == bus::RequestOutcome::kDenied && r->operation == "/v3/auth/authenticate") {
        denied_login = *r;
      }
    }
    if (!denied || !denied_watch || !denied_login || !alice_event) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  ASSERT_TRUE(denied_login.has_value()) << "no DENIED login record in " << record_path;
  ASSERT_TRUE(denied_watch.has_value()) << "no DENIED watch record in " << record_path;
  EXPECT_EQ(denied_watch->user, "reader");
  EXPECT_EQ(denied_watch->message, kDenied);
  ASSERT_TRUE(alice_event.has_value()) << "no event by alice in " << record_path;
  ASSERT_EQ(alice_event->changes.size(), 1u);
  EXPECT_EQ(alice_event->changes[0].kv.key, "app/k");
  ASSERT_TRUE(denied.has_value()) << "no DENIED record in " << record_path;
  EXPECT_EQ(denied->user, "reader");
  EXPECT_EQ(denied->key, "app/k");
  EXPECT_EQ(denied->code, static_cast<uint64_t>(StatusCode::kPermissionDenied));
  EXPECT_EQ(denied->message, kDenied);
  EXPECT_EQ(denied->request_id, 0u);  // nothing was proposed
}

// A follower forwards a time-to-live query to the leader with the caller's
// token, so the leader's request record names the user.
TEST_F(AuthClusterTest, ForwardedLeaseCallCarriesTheCallersIdentity) {
  StartClusterWithFlags(3, [&](int i) {
    return std::vector<std::string>{
        "--plugin", RECORDING_PLUGIN_PATH, "--plugin-config",
        "recording.path=" + root_ + "/" + std::to_string(i) + ".records"};
  });
  const int leader = WaitForLeader({0, 1, 2}, milliseconds(20000));
  const int follower = (leader + 1) % 3;
  SetUpUsers(leader);
  const std::string alice = AuthenticateEventually(follower, "alice", "alicepw");
  ExpectOk(Post(follower, "/v3/lease/timetolive", "{\"ID\":\"12345\"}", alice), "ttl");
  const std::string path = root_ + "/" + std::to_string(leader) + ".records";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("request ", 0) != 0) continue;
      std::string hex = line.substr(8), bytes;
      for (size_t p = 0; p + 1 < hex.size(); p += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(p, 2), nullptr, 16)));
      }
      Result<bus::RequestRecord> r = bus::DecodeRequestRecord(bytes);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (r->operation == "/v3/lease/timetolive" && r->user == "alice") seen = true;
    }
    if (!seen) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(seen) << "the leader recorded no time-to-live by alice in " << path;
}

// The value of a counter in GET /metrics (-1 when absent).
int64_t CounterValue(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(metrics.substr(at + name.size() + 2));
}

TEST_F(AuthClusterTest, SnapshotAndDefragmentAreRootsAndCorruptionChecksStillCompare) {
  StartCluster(3, {"--experimental-corrupt-check-time", "300ms"});
  const int leader = WaitForLeader({0, 1, 2}, milliseconds(20000));
  SetUpUsers(leader);
  const std::string root = AuthenticateEventually(leader, "root", "rootpw");
  const std::string alice = AuthenticateEventually(leader, "alice", "alicepw");

  // Both carry the whole store or touch every file of it: root only.
  for (const std::string route : {"/v3/maintenance/snapshot", "/v3/maintenance/defragment"}) {
    HttpReply denied = Post(leader, route, "{}", alice);
    EXPECT_NE(denied.status, 200) << route << " -> " << denied.body;
    EXPECT_NE(denied.body.find("permission denied"), std::string::npos)
        << route << " -> " << denied.body;
    HttpReply anonymous = Post(leader, route, "{}");
    EXPECT_NE(anonymous.status, 200) << route << " -> " << anonymous.body;
  }
  HttpReply snapshot = Post(leader, "/v3/maintenance/snapshot", "{}", root);
  EXPECT_EQ(snapshot.status, 200);
  EXPECT_NE(snapshot.body.find("\"blob\""), std::string::npos) << snapshot.body.substr(0, 200);
  ExpectOk(Post(leader, "/v3/maintenance/defragment", "{}", root), "root defragments");

  // With auth on, the leader's hashkv calls to its peers carry an internal
  // root token: comparisons keep running and find nothing.
  auto checks = [&](int i) {
    Result<HttpReply> m =
        HttpCall(agents_[i].client_port, "GET", "/metrics", "", milliseconds(5000));
    return m.ok() ? CounterValue(m->body, "shadekv_corruption_checks_total") : -1;
  };
  const int64_t before = checks(leader);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (checks(leader) <= before + 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_GT(checks(leader), before + 2) << LogTail(leader, 30);
  Result<HttpReply> metrics =
      HttpCall(agents_[leader].client_port, "GET", "/metrics", "", milliseconds(5000));
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(CounterValue(metrics->body, "shadekv_corruption_detected_total"), 0);
}

}  // namespace
}  // namespace shadekv::cluster_testing
