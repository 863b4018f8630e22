// The watch stream codec against what etcd 3.4.23's gateway reads and
// prints (observed with curl on a real etcd; the lines below are its bytes
// with only the ids changed).
#include "agent/api/etcd_json_watch.h"

#include <gtest/gtest.h>

namespace shadekv::api {
namespace {

ResponseHeader Header(int64_t revision) {
  return ResponseHeader{13230800269370599107ull, 11807953553833480120ull, revision, 2};
}
constexpr char kHeader5[] =
    R"({"cluster_id":"13230800269370599107","member_id":"11807953553833480120","revision":"5","raft_term":"2"})";

TEST(EtcdJsonWatchTest, ParsesEveryCreateField) {
  Result<WatchRequest> r = ParseWatchRequest(
      R"({"create_request":{"key":"Zm9v","range_end":"Zm9w","start_revision":"7",)"
      R"("progress_notify":true,"filters":["NOPUT",1],"prev_kv":true,"watch_id":3,"fragment":true}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, WatchRequest::Kind::kCreate);
  EXPECT_EQ(r->create.key, "foo");
  EXPECT_EQ(r->create.range_end, "fop");
  EXPECT_EQ(r->create.start_revision, 7);
  EXPECT_TRUE(r->create.progress_notify);
  EXPECT_TRUE(r->create.no_put);
  EXPECT_TRUE(r->create.no_delete);
  EXPECT_TRUE(r->create.prev_kv);
  EXPECT_EQ(r->create.watch_id, 3);
  EXPECT_TRUE(r->create.fragment);
}

TEST(EtcdJsonWatchTest, AcceptsCamelCaseAndIgnoresUnknownFieldsAndFilterNumbers) {
  Result<WatchRequest> r = ParseWatchRequest(
      R"({"createRequest":{"key":"YQ==","rangeEnd":"AA==","startRevision":2,"prevKv":true,)"
      R"("watchId":"9","bogus":{"x":1},"filters":[7]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->create.range_end, std::string(1, '\0'));
  EXPECT_EQ(r->create.start_revision, 2);
  EXPECT_EQ(r->create.watch_id, 9);
  EXPECT_FALSE(r->create.no_put);
  EXPECT_FALSE(r->create.no_delete);
}

TEST(EtcdJsonWatchTest, ParsesCancelProgressAndNothing) {
  Result<WatchRequest> cancel = ParseWatchRequest(R"({"cancel_request":{"watch_id":"4"}})");
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->kind, WatchRequest::Kind::kCancel);
  EXPECT_EQ(cancel->cancel_watch_id, 4);
  Result<WatchRequest> progress = ParseWatchRequest(R"({"progress_request":{}})");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->kind, WatchRequest::Kind::kProgress);
  for (const char* nothing : {"{}", "null", R"({"create_request":null})", R"({"x":1})"}) {
    Result<WatchRequest> r = ParseWatchRequest(nothing);
    ASSERT_TRUE(r.ok()) << nothing;
    EXPECT_EQ(r->kind, WatchRequest::Kind::kNone) << nothing;
  }
  // Several members of the oneof: the first in proto order wins.
  Result<WatchRequest> both =
      ParseWatchRequest(R"({"progress_request":{},"create_request":{"key":"YQ=="}})");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->kind, WatchRequest::Kind::kCreate);
}

TEST(EtcdJsonWatchTest, ReportsEtcdsDecodingErrors) {
  auto message = [](std::string_view body) {
    Result<WatchRequest> r = ParseWatchRequest(body);
    EXPECT_FALSE(r.ok()) << body;
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_EQ(message(R"({"create_request":{"key":"Zm9v!"}})"),
            "illegal base64 data at input byte 4");
  EXPECT_EQ(message(R"({"create_request":{"key":"Zm9v")"), "unexpected EOF");
  EXPECT_EQ(message(R"({"create_request":{"watch_id":"abc"}})").rfind("invalid character", 0), 0u);
  EXPECT_EQ(message(R"({"create_request":{"filters":["NOBODY"]}})"),
            "unknown value \"NOBODY\" for enum etcdserverpb.WatchCreateRequest_FilterType");
  EXPECT_EQ(message(R"({"create_request":{"prev_kv":1}})"),
            "json: cannot unmarshal number into Go value of type bool");
}

TEST(EtcdJsonWatchTest, EncodesLikeEtcd) {
  watch::WatchResponse created;
  created.created = true;
  EXPECT_EQ(EncodeWatchResponse(Header(5), created),
            std::string(R"({"result":{"header":)") + kHeader5 + R"(,"created":true}})");
  watch::WatchResponse dup;
  dup.watch_id = -1;
  dup.created = dup.canceled = true;
  dup.cancel_reason = watch::kDuplicateWatchId;
  EXPECT_EQ(EncodeWatchResponse(Header(5), dup),
            std::string(R"({"result":{"header":)") + kHeader5 +
                R"(,"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: )"
                R"(duplicate watch ID provided on the WatchStream"}})");
  watch::WatchResponse compacted;
  compacted.canceled = true;
  compacted.compact_revision = 3;
  EXPECT_EQ(EncodeWatchResponse(Header(0), compacted),
            R"({"result":{"header":{"cluster_id":"13230800269370599107","member_id":)"
            R"("11807953553833480120","raft_term":"2"},"canceled":true,"compact_revision":"3"}})");
  watch::WatchResponse events;
  events.watch_id = 1;
  store::KeyChange put;
  put.kv = store::KeyValue{"foo", "bar", 2, 3, 2, 0};
  put.prev_kv = store::KeyValue{"foo", "bar", 2, 2, 1, 0};
  store::KeyChange del;
  del.type = store::KeyChange::Type::kDelete;
  del.kv.key = "foo";
  del.kv.mod_revision = 5;
  events.events = {put, del};
  EXPECT_EQ(EncodeWatchResponse(Header(5), events),
            std::string(R"({"result":{"header":)") + kHeader5 +
                R"(,"watch_id":"1","events":[{"kv":{"key":"Zm9v","create_revision":"2",)"
                R"("mod_revision":"3","version":"2","value":"YmFy"},"prev_kv":{"key":"Zm9v",)"
                R"("create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}},)"
                R"({"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"5"}}]}})");
}

TEST(EtcdJsonWatchTest, FragmentsOnlyWhenAskedAndTooLarge) {
  watch::WatchResponse r;
  r.watch_id = 2;
  for (int i = 0; i < 10; ++i) {
    store::KeyChange c;
    c.kv = store::KeyValue{"k" + std::to_string(i), std::string(100, 'v'), 2, 2 + i, 1, 0};
    r.events.push_back(c);
  }
  EXPECT_EQ(EncodeWatchResponseLines(Header(5), r, 500).size(), 1u);  // not asked
  r.fragment = true;
  EXPECT_EQ(EncodeWatchResponseLines(Header(5), r, 1 << 20).size(), 1u);  // fits
  std::vector<std::string> lines = EncodeWatchResponseLines(Header(5), r, 700);
  ASSERT_GT(lines.size(), 2u);
  size_t events = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LT(lines[i].size(), 700u);
    bool fragment = lines[i].find(R"("fragment":true)") != std::string::npos;
    EXPECT_EQ(fragment, i + 1 < lines.size()) << lines[i];
    for (size_t at = lines[i].find("\"kv\""); at != std::string::npos;
         at = lines[i].find("\"kv\"", at + 1)) {
      ++events;
    }
  }
  EXPECT_EQ(events, 10u);
  // One event larger than the limit still goes, alone.
  std::vector<std::string> tiny = EncodeWatchResponseLines(Header(5), r, 10);
  EXPECT_EQ(tiny.size(), 10u);
}

}  // namespace
}  // namespace shadekv::api
