// Watch arguments, request body and printers against etcdctl 3.4's output
// for the same gateway messages (captured from etcd 3.4.23).
#include "agent/ctl/watch_format.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"
#include "agent/ctl/watch_request.h"
#include "tests/agent/ctl/json_input.h"

namespace shadekv::ctl {
namespace {

using testing::Json;

const char kHeader[] =
    R"("header":{"cluster_id":"10101560796677756362","member_id":"10221683743416816908",)";

std::string PutWithPrev() {
  return std::string("{") + kHeader +
         R"("revision":"6","raft_term":"2"},"events":[{"kv":{"key":"Zm9v","create_revision":"5",)"
         R"("mod_revision":"6","version":"2","value":"YmFyMg=="},"prev_kv":{"key":"Zm9v",)"
         R"("create_revision":"5","mod_revision":"5","version":"1","value":"YmFy"}}]})";
}

std::string Delete() {
  return std::string("{") + kHeader +
         R"("revision":"7","raft_term":"2"},"events":[{"type":"DELETE","kv":{"key":"Zm9v",)"
         R"("mod_revision":"7"}}]})";
}

std::string CompactedCancel() {
  return std::string("{") + kHeader + R"("raft_term":"2"},"canceled":true,"compact_revision":"5"})";
}

ParsedFlags Flags(std::vector<std::string> args) {
  Result<ParsedFlags> parsed = ParseFlags(args, WatchFlagSpecs());
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? *parsed : ParsedFlags();
}

TEST(WatchArgsTest, KeyOnly) {
  Result<WatchCommandArgs> args = ParseWatchArgs(Flags({"foo"}));
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->spec.key, "foo");
  EXPECT_EQ(args->spec.range_end, "");
  EXPECT_TRUE(args->exec.empty());
}

TEST(WatchArgsTest, PrefixRevAndPrevKv) {
  Result<WatchCommandArgs> args =
      ParseWatchArgs(Flags({"--prefix", "fo", "--rev", "7", "--prev-kv"}));
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->spec.range_end, "fp");
  EXPECT_EQ(args->spec.start_revision, 7);
  EXPECT_TRUE(args->spec.prev_kv);
}

TEST(WatchArgsTest, CommandAfterSeparatorKeepsItsOwnFlags) {
  Result<WatchCommandArgs> args = ParseWatchArgs(Flags({"foo", "--", "sh", "-c", "env"}));
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->spec.key, "foo");
  EXPECT_EQ(args->exec, (std::vector<std::string>{"sh", "-c", "env"}));
}

TEST(WatchArgsTest, RejectsBadArgumentsWithEtcdctlWording) {
  EXPECT_EQ(ParseWatchArgs(Flags({})).status().message(), "bad number of arguments");
  EXPECT_EQ(ParseWatchArgs(Flags({"a", "b", "c"})).status().message(), "bad number of arguments");
  EXPECT_EQ(ParseWatchArgs(Flags({"a", "--"})).status().message(),
            "bad number of arguments (found separator --, but no commands)");
  EXPECT_EQ(ParseWatchArgs(Flags({"a", "c", "--prefix"})).status().message(),
            "`range_end` and `--prefix` are mutually exclusive");
  EXPECT_EQ(ParseWatchArgs(Flags({"a"})).status().code(), StatusCode::kOk);
  EXPECT_EQ(ParseWatchArgs(Flags({})).status().code(), StatusCode::kInvalidArgument);
}

TEST(WatchRequestTest, CreateBodyLeavesZeroValuesOut) {
  WatchSpec spec;
  spec.key = "foo";
  EXPECT_EQ(WatchCreateBody(spec), R"({"create_request":{"key":"Zm9v"}})");
  spec.range_end = "fop";
  spec.start_revision = 12;
  spec.prev_kv = true;
  spec.progress_notify = true;
  // Field order is irrelevant to the gateway; Poco writes them sorted.
  EXPECT_EQ(WatchCreateBody(spec),
            R"({"create_request":{"key":"Zm9v","prev_kv":true,"progress_notify":true,)"
            R"("range_end":"Zm9w","start_revision":"12"}})");
}

TEST(WatchFormatTest, SimplePrintsTypePrevKvThenKv) {
  PrintOptions opts;
  EXPECT_EQ(*FormatWatchResponse(Json(PutWithPrev()), opts), "PUT\nfoo\nbar\nfoo\nbar2\n");
  EXPECT_EQ(*FormatWatchResponse(Json(Delete()), opts), "DELETE\nfoo\n\n");
}

TEST(WatchFormatTest, HexEscapesKeysAndValues) {
  PrintOptions opts;
  opts.hex = true;
  EXPECT_EQ(*FormatWatchResponse(Json(Delete()), opts), "DELETE\n\\x66\\x6f\\x6f\n\n");
}

TEST(WatchFormatTest, JsonMatchesEtcdctl) {
  PrintOptions opts;
  opts.format = OutputFormat::kJson;
  EXPECT_EQ(*FormatWatchResponse(Json(Delete()), opts),
            R"({"Header":{"cluster_id":10101560796677756362,"member_id":10221683743416816908,)"
            R"("revision":7,"raft_term":2},"Events":[{"type":1,"kv":{"key":"Zm9v",)"
            R"("mod_revision":7}}],"CompactRevision":0,"Canceled":false,"Created":false})"
            "\n");
  EXPECT_EQ(*FormatWatchResponse(Json(CompactedCancel()), opts),
            R"({"Header":{"cluster_id":10101560796677756362,"member_id":10221683743416816908,)"
            R"("raft_term":2},"Events":[],"CompactRevision":5,"Canceled":true,"Created":false})"
            "\n");
}

TEST(WatchFormatTest, TableIsUnsupportedLikeEtcdctl) {
  PrintOptions opts;
  opts.format = OutputFormat::kTable;
  EXPECT_EQ(FormatWatchResponse(Json(Delete()), opts).status().code(), StatusCode::kUnimplemented);
}

TEST(WatchFormatTest, CanceledLineNamesTheReason) {
  EXPECT_EQ(WatchCanceledLine(Json(CompactedCancel())),
            "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n");
  EXPECT_EQ(WatchCanceledLine(Json(R"({"canceled":true,"cancel_reason":"no leader"})")),
            "watch was canceled (no leader)\n");
}

TEST(WatchFormatTest, ClassifiesResponses) {
  EXPECT_TRUE(IsWatchCreated(Json(R"({"created":true})")));
  EXPECT_TRUE(IsWatchCanceled(Json(CompactedCancel())));
  EXPECT_TRUE(IsWatchProgress(Json(std::string("{") + kHeader + R"("revision":"9"}})")));
  EXPECT_FALSE(IsWatchProgress(Json(Delete())));
  EXPECT_EQ(WatchEventCount(Json(PutWithPrev())), 1u);
  EXPECT_TRUE(IsDeleteEvent(Json(Delete()), 0));
  EXPECT_FALSE(IsDeleteEvent(Json(PutWithPrev()), 0));
  EXPECT_FALSE(IsDeleteEvent(Json(PutWithPrev()), 5));  // out of range is not a delete
  EXPECT_EQ(WatchHeaderRevision(Json(Delete())), 7);
}

TEST(WatchFormatTest, CommandEnvironmentQuotesLikeGo) {
  std::string put = std::string("{") + kHeader +
                    R"("revision":"9","raft_term":"2"},"events":[{"kv":{"key":"Zm9v",)"
                    R"("value":"YSBiImM="}}]})";  // value: a b"c
  EXPECT_EQ(WatchEventEnvironment(Json(put), 0),
            (std::vector<std::string>{"ETCD_WATCH_REVISION=9", "ETCD_WATCH_EVENT_TYPE=\"PUT\"",
                                      "ETCD_WATCH_KEY=\"foo\"", "ETCD_WATCH_VALUE=\"a b\\\"c\""}));
  EXPECT_EQ(WatchEventEnvironment(Json(Delete()), 0)[1], "ETCD_WATCH_EVENT_TYPE=\"DELETE\"");
}

}  // namespace
}  // namespace shadekv::ctl
