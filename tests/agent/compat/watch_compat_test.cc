// Watch streams compared with a real etcd 3.4: the same scripted stream
// (testdata/watch/*.txt) runs against both servers and the normalized
// responses must match line for line. The request/reply format of the other
// compat sequences cannot express a stream, hence this runner.
//
// Script lines: PUT key value | DEL key | COMPACT rev (unary calls);
// OPEN (a chunked request body that stays open) then SEND json (one request
// as a chunk); ONESHOT json (a new stream with that body and a
// Content-Length, like curl -d); EXPECT n (the next n response lines);
// EXPECT_ANY_ORDER n (the same, sorted: etcd orders the responses of
// several watchers to one revision at random); QUIET (no response within a
// short wait). %b64(text) expands to base64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/cluster/watch_client.h"
#include "tests/agent/compat/compat_runner.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::compat {
namespace {

using cluster_testing::Base64;
using cluster_testing::WatchClient;
using ctl::testing::EtcdProcess;
using std::chrono::milliseconds;

std::string Expand(std::string text) {
  for (size_t at = text.find("%b64("); at != std::string::npos; at = text.find("%b64(", at)) {
    size_t close = text.find(')', at);
    std::string encoded = Base64(text.substr(at + 5, close - at - 5));
    text.replace(at, close + 1 - at, encoded);
    at += encoded.size();
  }
  return text;
}

// Runs a script against the server on `port`; returns the transcript of
// normalized responses, one entry per response line (or "(quiet)").
std::vector<std::string> RunScript(int port, const std::string& script) {
  std::vector<std::string> transcript;
  std::unique_ptr<WatchClient> stream;
  std::vector<std::unique_ptr<WatchClient>> finished;  // kept open, like curl still running
  std::istringstream lines(script);
  std::string line;
  int number = 0;
  auto unary = [&](const std::string& path, const std::string& body) {
    Result<HttpReply> r = SendRequest(port, "POST", path, body, 10000);
    EXPECT_TRUE(r.ok() && r->status == 200) << "line " << number << ": " << body;
  };
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::string verb = line.substr(0, line.find(' '));
    std::string rest = line.size() > verb.size() ? Expand(line.substr(verb.size() + 1)) : "";
    if (verb == "PUT") {
      std::string key = rest.substr(0, rest.find(' '));
      std::string value = rest.substr(rest.find(' ') + 1);
      unary("/v3/kv/put", "{\"key\":\"" + Base64(key) + "\",\"value\":\"" + Base64(value) + "\"}");
    } else if (verb == "DEL") {
      unary("/v3/kv/deleterange", "{\"key\":\"" + Base64(rest) + "\"}");
    } else if (verb == "COMPACT") {
      unary("/v3/kv/compaction", "{\"revision\":\"" + rest + "\"}");
    } else if (verb == "OPEN" || verb == "ONESHOT") {
      if (stream != nullptr) finished.push_back(std::move(stream));
      Result<std::unique_ptr<WatchClient>> c =
          verb == "OPEN" ? WatchClient::Open(port) : WatchClient::OpenWithBody(port, rest);
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      if (!c.ok()) return transcript;
      stream = std::move(c).value();
    } else if (verb == "SEND") {
      EXPECT_TRUE(stream->Send(rest).ok()) << "line " << number;
      // Give the server the request before the next step (as a person would).
      std::this_thread::sleep_for(milliseconds(100));
    } else if (verb == "EXPECT" || verb == "EXPECT_ANY_ORDER") {
      const size_t first = transcript.size();
      for (int n = std::stoi(rest); n > 0; --n) {
        Result<std::string> r = stream->NextLine(milliseconds(10000));
        if (r.ok()) {
          transcript.push_back(std::to_string(number) + ": " +
                               Normalize(HttpReply{200, "application/json", *r}, 1, false));
        } else {
          transcript.push_back(std::to_string(number) + ": " + r.status().message());
        }
      }
      if (verb == "EXPECT_ANY_ORDER") {
        std::sort(transcript.begin() + static_cast<std::ptrdiff_t>(first), transcript.end());
      }
    } else if (verb == "QUIET") {
      Result<std::string> r = stream->NextLine(milliseconds(700));
      transcript.push_back(std::to_string(number) + ": " + (r.ok() ? *r : std::string("(quiet)")));
    } else {
      ADD_FAILURE() << "line " << number << ": unknown step " << verb;
    }
  }
  return transcript;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class WatchCompatTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WatchCompatTest, SameStreamAsEtcd) {
  std::string script = ReadFile(std::string(COMPAT_TESTDATA_DIR) + "/watch/" + GetParam() + ".txt");
  ASSERT_FALSE(script.empty());
  Result<std::unique_ptr<EtcdProcess>> ours = Status::Unavailable("not started");
  std::thread start_ours([&] {
    ours = EtcdProcess::StartShadekv(SHADEKV_BIN, "watch-compat-shadekv", std::chrono::seconds(90));
  });
  Result<std::unique_ptr<EtcdProcess>> etcd =
      EtcdProcess::Start("watch-compat-etcd", std::chrono::seconds(30));
  start_ours.join();
  ASSERT_TRUE(etcd.ok()) << etcd.status().ToString();
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  std::vector<std::string> theirs = RunScript((*etcd)->client_port(), script);
  std::vector<std::string> mine = RunScript((*ours)->client_port(), script);
  ASSERT_FALSE(theirs.empty());
  // A transcript of timeouts would match trivially: etcd must have answered.
  for (const std::string& t : theirs) {
    EXPECT_EQ(t.find("no watch response in time"), std::string::npos) << t;
  }
  if (std::getenv("WATCH_COMPAT_VERBOSE") != nullptr) {
    for (const std::string& t : theirs) std::cout << t << "\n";
  }
  EXPECT_EQ(mine.size(), theirs.size());
  for (size_t i = 0; i < std::min(mine.size(), theirs.size()); ++i) {
    EXPECT_EQ(mine[i], theirs[i]) << "response " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Scripts, WatchCompatTest, ::testing::Values("stream", "oneshot"));

}  // namespace
}  // namespace shadekv::compat
