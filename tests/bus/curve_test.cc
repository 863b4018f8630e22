// CURVE key files (round trip, permissions, corruption) and the ZAP
// authenticator over real sockets on 127.0.0.1.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "shadekv/bus/curve_authenticator.h"
#include "shadekv/bus/curve_keys.h"
#include "tests/store/temp_dir.h"

namespace shadekv::bus {
namespace {

using store::testing::TempDir;

void WriteFile(const std::string& path, const std::string& body) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << body;
}

CurveKeyPair NewPair() {
  Result<CurveKeyPair> pair = GenerateCurveKeyPair();
  EXPECT_TRUE(pair.ok()) << pair.status().ToString();
  return *pair;
}

TEST(CurveKeysTest, WrittenKeyPairLoadsBack) {
  TempDir dir;
  CurveKeyPair pair = NewPair();
  ASSERT_TRUE(WriteCurveKeyPair(dir.Sub("a"), pair).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.Sub("a.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<CurveKeyPair> loaded = LoadCurveKeyPair(dir.Sub("a"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, pair);
  Result<CurveKeyPair> by_file = LoadCurveKeyPair(dir.Sub("a.key"));
  ASSERT_TRUE(by_file.ok());
  EXPECT_EQ(*by_file, pair);
  Result<std::string> pub = LoadCurvePublicKey(dir.Sub("a"));
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(*pub, pair.public_key);
}

TEST(CurveKeysTest, RefusesToOverwriteAKey) {
  TempDir dir;
  ASSERT_TRUE(WriteCurveKeyPair(dir.Sub("a"), NewPair()).ok());
  CurveKeyPair first = *LoadCurveKeyPair(dir.Sub("a"));
  Status again = WriteCurveKeyPair(dir.Sub("a"), NewPair());
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  EXPECT_EQ(*LoadCurveKeyPair(dir.Sub("a")), first);
  Status no_dir = WriteCurveKeyPair(dir.Sub("missing/a"), NewPair());
  EXPECT_EQ(no_dir.code(), StatusCode::kNotFound) << no_dir.ToString();
}

TEST(CurveKeysTest, RefusesASecretKeyOthersCanRead) {
  TempDir dir;
  ASSERT_TRUE(WriteCurveKeyPair(dir.Sub("a"), NewPair()).ok());
  ASSERT_EQ(::chmod(dir.Sub("a.key").c_str(), 0640), 0);
  Result<CurveKeyPair> loaded = LoadCurveKeyPair(dir.Sub("a"));
  ASSERT_EQ(loaded.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(loaded.status().message().find("chmod 600"), std::string::npos);
  EXPECT_NE(loaded.status().message().find("0640"), std::string::npos);
  ASSERT_EQ(::chmod(dir.Sub("a.key").c_str(), 0604), 0);
  EXPECT_EQ(LoadCurveKeyPair(dir.Sub("a")).status().code(), StatusCode::kPermissionDenied);
}

TEST(CurveKeysTest, MissingKeyIsNotFound) {
  TempDir dir;
  EXPECT_EQ(LoadCurveKeyPair(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LoadCurvePublicKey(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
}

TEST(CurveKeysTest, CorruptSecretKeyFilesAreRefusedWithTheReason) {
  CurveKeyPair pair = NewPair();
  CurveKeyPair other = NewPair();
  std::string good = FormatSecretKeyFile(pair);
  ASSERT_TRUE(ParseSecretKeyFile(good, "k").ok());
  struct Case {
    std::string body;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"", "not a shadekv CURVE secret key file"},
      {"garbage\n", "not a shadekv CURVE secret key file"},
      {good.substr(0, good.size() - 10), "40-character"},
      {good + "extra\n", "not a shadekv CURVE secret key file"},
      {"# shadekv CURVE secret key v1\nsecret-key: " + pair.secret_key +
           "\npublic-key: " + pair.public_key + "\n",
       "line 2"},
      {FormatSecretKeyFile({other.public_key, pair.secret_key}), "does not belong"},
      {"# shadekv CURVE secret key v1\npublic-key: " + pair.public_key +
           "\nsecret-key: " + std::string(40, '"') + "\n",
       "Z85"},
      {FormatPublicKeyFile(pair.public_key), "not a shadekv CURVE secret key file"},
  };
  for (const Case& c : cases) {
    Result<CurveKeyPair> parsed = ParseSecretKeyFile(c.body, "k.key");
    ASSERT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_NE(parsed.status().message().find(c.expect), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("k.key"), std::string::npos);
  }
  // The same through the file loader, with proper permissions.
  TempDir dir;
  WriteFile(dir.Sub("bad.key"), "garbage\n");
  ASSERT_EQ(::chmod(dir.Sub("bad.key").c_str(), 0600), 0);
  EXPECT_EQ(LoadCurveKeyPair(dir.Sub("bad")).status().code(), StatusCode::kInvalidArgument);
}

TEST(CurveKeysTest, PublicKeyFileWithoutNewlineParsesAndGarbageDoesNot) {
  CurveKeyPair pair = NewPair();
  std::string body = FormatPublicKeyFile(pair.public_key);
  Result<std::string> trimmed = ParsePublicKeyFile(body.substr(0, body.size() - 1), "p");
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed, pair.public_key);
  EXPECT_FALSE(ParsePublicKeyFile("# shadekv CURVE public key v1\npublic-key: short\n", "p").ok());
  EXPECT_FALSE(ParsePublicKeyFile(FormatSecretKeyFile(pair), "p").ok());
}

TEST(CurveKeysTest, AuthorizedKeysFileAndDirectory) {
  CurveKeyPair a = NewPair();
  CurveKeyPair b = NewPair();
  Result<std::vector<AuthorizedKey>> keys = ParseAuthorizedKeys(
      "# members\n\n" + a.public_key + " alpha\n" + b.public_key + "\n", "auth");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0], (AuthorizedKey{a.public_key, "alpha"}));
  EXPECT_EQ((*keys)[1], (AuthorizedKey{b.public_key, ""}));

  Result<std::vector<AuthorizedKey>> bad = ParseAuthorizedKeys(a.public_key + "x\n", "auth");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("auth line 1"), std::string::npos);
  EXPECT_FALSE(ParseAuthorizedKeys(a.public_key + " two words\n", "auth").ok());

  TempDir dir;
  ASSERT_TRUE(WriteCurveKeyPair(dir.Sub("m1"), a).ok());
  ASSERT_TRUE(WriteCurveKeyPair(dir.Sub("m2"), b).ok());
  Result<std::vector<AuthorizedKey>> from_dir = LoadAuthorizedKeys(dir.path());
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().ToString();
  ASSERT_EQ(from_dir->size(), 2u);  // the .key files are not keys to authorize
  EXPECT_EQ((*from_dir)[0], (AuthorizedKey{a.public_key, "m1"}));
  EXPECT_EQ((*from_dir)[1], (AuthorizedKey{b.public_key, "m2"}));

  WriteFile(dir.Sub("empty"), "# nobody\n");
  EXPECT_EQ(LoadAuthorizedKeys(dir.Sub("empty")).status().code(), StatusCode::kInvalidArgument);
  WriteFile(dir.Sub("corrupt.pub"), "junk");
  EXPECT_EQ(LoadAuthorizedKeys(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

// A CURVE server (PULL) whose context runs an authenticator, and clients
// (PUSH) with various keys: what reaches the server is what was allowed.
class ZapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_pair_ = NewPair();
    allowed_pair_ = NewPair();
    Result<std::unique_ptr<CurveAuthenticator>> auth =
        CurveAuthenticator::Start(server_ctx_, {allowed_pair_.public_key}, "shadekv.test");
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    auth_ = std::move(auth).value();
    server_.set(zmq::sockopt::linger, 0);
    server_.set(zmq::sockopt::curve_server, 1);
    server_.set(zmq::sockopt::curve_secretkey, server_pair_.secret_key);
    server_.set(zmq::sockopt::zap_domain, "test");
    server_.bind("tcp://127.0.0.1:*");
    endpoint_ = server_.get(zmq::sockopt::last_endpoint);
  }

  zmq::socket_t Client(const CurveKeyPair& client, bool curve = true) {
    zmq::socket_t push(client_ctx_, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 0);
    if (curve) {
      push.set(zmq::sockopt::curve_serverkey, server_pair_.public_key);
      push.set(zmq::sockopt::curve_publickey, client.public_key);
      push.set(zmq::sockopt::curve_secretkey, client.secret_key);
    }
    push.connect(endpoint_);
    return push;
  }

  // What the server receives within `wait`.
  std::vector<std::string> Drain(std::chrono::milliseconds wait) {
    std::vector<std::string> got;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{server_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) == 0) continue;
      zmq::message_t m;
      while (server_.recv(m, zmq::recv_flags::dontwait)) got.push_back(m.to_string());
    }
    return got;
  }

  zmq::context_t server_ctx_;
  zmq::context_t client_ctx_;
  CurveKeyPair server_pair_;
  CurveKeyPair allowed_pair_;
  std::unique_ptr<CurveAuthenticator> auth_;  // after its context: destroyed first
  zmq::socket_t server_{server_ctx_, zmq::socket_type::pull};
  std::string endpoint_;
};

TEST_F(ZapTest, AllowsTheAuthorizedKeyOnly) {
  zmq::socket_t good = Client(allowed_pair_);
  zmq::socket_t bad = Client(NewPair());
  zmq::socket_t plain = Client({}, /*curve=*/false);
  for (int i = 0; i < 5; ++i) {
    // PUSH queues until connected; a refused client never connects.
    (void)good.send(zmq::str_buffer("good"), zmq::send_flags::dontwait);
    (void)bad.send(zmq::str_buffer("bad"), zmq::send_flags::dontwait);
    (void)plain.send(zmq::str_buffer("plain"), zmq::send_flags::dontwait);
  }
  std::vector<std::string> got = Drain(std::chrono::milliseconds(1500));
  ASSERT_EQ(got.size(), 5u);
  for (const std::string& m : got) EXPECT_EQ(m, "good");
  EXPECT_GE(auth_->allowed(), 1u);
  EXPECT_GE(auth_->refused(), 1u);  // the wrong key; the plaintext one fails before ZAP
}

TEST_F(ZapTest, AnswersMalformedRequestsAndKeepsServing) {
  // Talk to the ZAP endpoint directly, as libzmq would, with garbage.
  zmq::socket_t req(server_ctx_, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 2000);
  req.connect("inproc://zeromq.zap.01");
  req.send(zmq::str_buffer("2.0"), zmq::send_flags::sndmore);
  req.send(zmq::str_buffer("id7"), zmq::send_flags::none);
  std::vector<std::string> reply;
  zmq::message_t m;
  do {
    ASSERT_TRUE(req.recv(m));
    reply.push_back(m.to_string());
  } while (req.get(zmq::sockopt::rcvmore));
  ASSERT_EQ(reply.size(), 6u);
  EXPECT_EQ(reply[0], "1.0");
  EXPECT_EQ(reply[1], "id7");
  EXPECT_EQ(reply[2], "500");
  EXPECT_EQ(auth_->malformed(), 1u);

  // A well-formed CURVE request for an unknown key gets 400.
  uint8_t unknown[32] = {1, 2, 3};
  const char* frames[] = {"1.0", "r1", "d", "127.0.0.1", "", "CURVE"};
  for (const char* f : frames) req.send(zmq::buffer(std::string(f)), zmq::send_flags::sndmore);
  req.send(zmq::buffer(unknown, 32), zmq::send_flags::none);
  reply.clear();
  do {
    ASSERT_TRUE(req.recv(m));
    reply.push_back(m.to_string());
  } while (req.get(zmq::sockopt::rcvmore));
  ASSERT_EQ(reply.size(), 6u);
  EXPECT_EQ(reply[1], "r1");
  EXPECT_EQ(reply[2], "400");

  zmq::socket_t good = Client(allowed_pair_);
  (void)good.send(zmq::str_buffer("still"), zmq::send_flags::dontwait);
  std::vector<std::string> got = Drain(std::chrono::milliseconds(1000));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "still");
}

TEST(CurveAuthenticatorTest, RefusesBadConfigurationAndASecondHandler) {
  zmq::context_t ctx;
  EXPECT_EQ(CurveAuthenticator::Start(ctx, {}, "t").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CurveAuthenticator::Start(ctx, {"short"}, "t").status().code(),
            StatusCode::kInvalidArgument);
  Result<std::unique_ptr<CurveAuthenticator>> first =
      CurveAuthenticator::Start(ctx, {NewPair().public_key}, "t");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(CurveAuthenticator::Start(ctx, {NewPair().public_key}, "t").status().code(),
            StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace shadekv::bus
