// Watch messages as etcd 3.4 sends them, and every way one can be malformed.
#include "bench/watch_fanout/watch_message.h"

#include <gtest/gtest.h>

namespace shadekv::bench {
namespace {

TEST(WatchMessageTest, ReadsEtcdCreatedMessage) {
  auto msg = ParseWatchMessage(
      R"({"result":{"header":{"cluster_id":"14491909627031339330","member_id":"14944926082807026864","revision":"3","raft_term":"2"},"created":true}})");
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_TRUE(msg->created);
  EXPECT_FALSE(msg->canceled);
  EXPECT_EQ(msg->watch_id, 0);  // zero, so etcd omits it
  EXPECT_EQ(msg->header_revision, 3);
  EXPECT_TRUE(msg->event_revisions.empty());
}

TEST(WatchMessageTest, ReadsEveryEventRevisionInOrderPutsAndDeletes) {
  auto msg = ParseWatchMessage(
      R"({"result":{"header":{"revision":"9"},"watch_id":"7","events":[)"
      R"({"kv":{"key":"YQ==","create_revision":"2","mod_revision":"8","version":"3","value":"eA=="}},)"
      R"({"type":"DELETE","kv":{"key":"Yg==","mod_revision":"9"}}]}})");
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(msg->watch_id, 7);
  EXPECT_EQ(msg->event_revisions, (std::vector<int64_t>{8, 9}));
}

TEST(WatchMessageTest, AcceptsInt64FieldsAsNumbers) {
  auto msg = ParseWatchMessage(
      R"({"result":{"header":{"revision":12},"events":[{"kv":{"mod_revision":12}}]}})");
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(msg->header_revision, 12);
  EXPECT_EQ(msg->event_revisions, std::vector<int64_t>{12});
}

TEST(WatchMessageTest, ReadsCompactionCancel) {
  auto msg = ParseWatchMessage(
      R"({"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"4"}})");
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_TRUE(msg->canceled);
  EXPECT_EQ(msg->compact_revision, 4);
  EXPECT_EQ(msg->header_revision, 0);
}

TEST(WatchMessageTest, TurnsAStreamErrorIntoUnavailableWithTheServersMessage) {
  auto msg = ParseWatchMessage(
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}})");
  ASSERT_FALSE(msg.ok());
  EXPECT_EQ(msg.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(msg.status().message(),
            "server sent a stream error: etcdserver: no leader (grpc code 14)");

  auto plain = ParseWatchMessage(R"({"error":"boom","code":2})");
  EXPECT_EQ(plain.status().message(), "server sent a stream error: boom");
}

struct Malformed {
  const char* name;
  const char* line;
  const char* expected_message;
};

void PrintTo(const Malformed& input, std::ostream* os) { *os << input.name; }

class WatchMessageRejects : public ::testing::TestWithParam<Malformed> {};

TEST_P(WatchMessageRejects, WithInvalidArgument) {
  auto msg = ParseWatchMessage(GetParam().line);
  ASSERT_FALSE(msg.ok());
  EXPECT_EQ(msg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(msg.status().message().find(GetParam().expected_message), std::string::npos)
      << msg.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Lines, WatchMessageRejects,
    ::testing::Values(
        Malformed{"Truncated", R"({"result":{"header":{"revision":"3"})", "not JSON"},
        Malformed{"TrailingGarbage", R"({"result":{}}x)", "not JSON"},
        Malformed{"Empty", "", "not JSON"}, Malformed{"NotAnObject", "[1,2]", "not a JSON object"},
        Malformed{"NoResult", R"({"header":{}})", "no \"result\""},
        Malformed{"ResultNotObject", R"({"result":"x"})", "no \"result\""},
        Malformed{"HeaderNotObject", R"({"result":{"header":1}})", "\"header\" is not an object"},
        Malformed{"RevisionNotNumber", R"({"result":{"header":{"revision":"3a"}}})",
                  "header.revision is \"3a\""},
        Malformed{"RevisionBool", R"({"result":{"header":{"revision":true}}})",
                  "header.revision is a JSON bool"},
        Malformed{"CreatedNotBool", R"({"result":{"created":"yes"}})",
                  "created is not a JSON bool"},
        Malformed{"EventsNotArray", R"({"result":{"events":{}}})", "\"events\" is not an array"},
        Malformed{"EventWithoutKv", R"({"result":{"events":[{"type":"DELETE"}]}})",
                  "no \"kv\" object"},
        Malformed{"EventWithoutRevision", R"({"result":{"events":[{"kv":{"key":"YQ=="}}]}})",
                  "no positive kv.mod_revision"},
        Malformed{"EventRevisionOverflow",
                  R"({"result":{"events":[{"kv":{"mod_revision":"99999999999999999999"}}]}})",
                  "want an int64"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace shadekv::bench
