// shadekv-bench's pure parts: flags, the latency histogram's percentile
// math, key layout and request bodies, reply verdicts, and both renderings
// of a result (the JSON one is read back with the agent's JSON reader).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "bench/shadekv_bench/bench_flags.h"
#include "bench/shadekv_bench/bench_result.h"
#include "bench/shadekv_bench/key_count_check.h"
#include "bench/shadekv_bench/latency_histogram.h"
#include "bench/shadekv_bench/workload.h"

namespace shadekv::bench {
namespace {

Result<BenchFlags> Parse(std::vector<std::string> args) { return ParseBenchFlags(args); }

TEST(ShadekvBenchFlagsTest, ParsesEtcdBenchmarkStyleFlags) {
  auto f = Parse({"range",
                  "--endpoints",
                  "http://127.0.0.1:2379,localhost:2380/",
                  "--conns=64",
                  "--clients",
                  "128",
                  "--total",
                  "5000",
                  "--key-size",
                  "40",
                  "--val-size=128",
                  "--key-space-size",
                  "1000",
                  "--sequential-keys",
                  "--rate",
                  "250.5",
                  "--warmup",
                  "10",
                  "--consistency",
                  "s",
                  "-w",
                  "json",
                  "--label",
                  "etcd"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->workload, Workload::kRange);
  ASSERT_EQ(f->endpoints.size(), 2u);
  EXPECT_EQ(f->endpoints[0].ToString(), "127.0.0.1:2379");
  EXPECT_EQ(f->endpoints[1].ToString(), "127.0.0.1:2380");
  EXPECT_EQ(f->check_endpoint.ToString(), "127.0.0.1:2379");
  EXPECT_EQ(f->conns, 64);
  EXPECT_EQ(f->clients, 128);
  EXPECT_EQ(f->total, 5000);
  EXPECT_EQ(f->key_size, 40);
  EXPECT_EQ(f->val_size, 128);
  EXPECT_EQ(f->key_space_size, 1000);
  EXPECT_TRUE(f->sequential_keys);
  EXPECT_DOUBLE_EQ(f->rate, 250.5);
  EXPECT_EQ(f->warmup, 10);
  EXPECT_EQ(f->consistency, "s");
  EXPECT_EQ(f->output, OutputFormat::kJson);
  EXPECT_EQ(f->label, "etcd");
}

TEST(ShadekvBenchFlagsTest, DefaultsAndConnsCappedByClients) {
  auto f = Parse({"put", "--endpoints", "127.0.0.1:1", "--conns", "8"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->conns, 1);  // one client cannot use eight connections
  EXPECT_EQ(f->clients, 1);
  EXPECT_EQ(f->total, 10000);
  EXPECT_EQ(f->output, OutputFormat::kTable);
  EXPECT_EQ(f->label, "127.0.0.1:1");
  EXPECT_TRUE(f->check);
  EXPECT_TRUE(f->progress);
}

TEST(ShadekvBenchFlagsTest, BooleanFlagsTakeExplicitValues) {
  auto f = Parse({"put", "--check=false", "--endpoints", "127.0.0.1:1", "--progress=false",
                  "--sequential-keys=true", "--check-endpoint", "127.0.0.1:9"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f->check);
  EXPECT_FALSE(f->progress);
  EXPECT_TRUE(f->sequential_keys);
  EXPECT_EQ(f->check_endpoint.ToString(), "127.0.0.1:9");
}

TEST(ShadekvBenchFlagsTest, RejectsBadInputWithTheFlagNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--endpoints", "127.0.0.1:1"}, "a workload is required"},
      {{"put"}, "--endpoints HOST:PORT"},
      {{"scan", "--endpoints", "127.0.0.1:1"}, "unknown workload \"scan\""},
      {{"put", "range", "--endpoints", "127.0.0.1:1"}, "unexpected argument \"range\""},
      {{"put", "--endpoints", "127.0.0.1"}, "takes HOST:PORT"},
      {{"put", "--endpoints", "example.com:1"}, "IPv4 address"},
      {{"put", "--endpoints", "127.0.0.1:70000"}, "port must be an integer"},
      {{"put", "--endpoints", "https://127.0.0.1:1"}, "https is not supported"},
      {{"put", "--endpoints", "127.0.0.1:1,"}, "takes HOST:PORT"},
      {{"put", "--endpoints", "127.0.0.1:1", "--total", "0"}, "--total must be an integer"},
      {{"put", "--endpoints", "127.0.0.1:1", "--clients", "x"}, "--clients must be an integer"},
      {{"put", "--endpoints", "127.0.0.1:1", "--rate", "-1"}, "--rate must be a number"},
      {{"put", "--endpoints", "127.0.0.1:1", "--duration", "nan"}, "--duration must be a number"},
      {{"put", "--endpoints", "127.0.0.1:1", "--read-ratio", "1.5"}, "--read-ratio must be"},
      {{"put", "--endpoints", "127.0.0.1:1", "--consistency", "x"}, "--consistency takes l"},
      {{"put", "--endpoints", "127.0.0.1:1", "-w", "yaml"}, "--write-out takes table or json"},
      {{"put", "--endpoints", "127.0.0.1:1", "--check=maybe"}, "--check takes true or false"},
      {{"put", "--endpoints", "127.0.0.1:1", "--prefix", ""}, "--prefix must not be empty"},
      {{"put", "--endpoints", "127.0.0.1:1", "--prefix", "\xff\xff"}, "no prefix end"},
      {{"put", "--endpoints", "127.0.0.1:1", "--nope", "1"}, "unknown flag \"--nope\""},
      {{"put", "--endpoints", "127.0.0.1:1", "--total"}, "flag --total needs a value"},
  };
  for (const Case& c : cases) {
    auto f = Parse(c.args);
    ASSERT_FALSE(f.ok()) << c.message;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find(c.message), std::string::npos)
        << "got: " << f.status().message() << "\nwanted: " << c.message;
  }
}

TEST(ShadekvBenchFlagsTest, HelpWinsAndNamesEveryWorkload) {
  auto f = Parse({"--help"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->help);
  for (const char* w : {"put", "range", "txn-put", "delete", "watch", "lease-keepalive", "mixed"}) {
    auto parsed = ParseWorkload(w);
    ASSERT_TRUE(parsed.ok()) << w;
    EXPECT_EQ(WorkloadName(*parsed), w);
    EXPECT_NE(BenchUsage().find(w), std::string::npos) << w;
  }
}

TEST(LatencyHistogramTest, EmptyHistogramSummarizesToZero) {
  LatencyHistogram h;
  LatencySummary s = h.Summarize();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99, 0);
  EXPECT_EQ(s.max, 0);
  EXPECT_EQ(h.Percentile(0.5), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExactWithNearestRank) {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  LatencySummary s = h.Summarize();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p90, 90);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.p999, 100);
  EXPECT_EQ(s.max, 100);
  EXPECT_EQ(s.mean, 51);  // 50.5 rounded
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueAndStayWithinOneSixtyFourth) {
  int previous_bucket = -1;
  for (int64_t v :
       {int64_t{0}, int64_t{127}, int64_t{128}, int64_t{129}, int64_t{130}, int64_t{1'000},
        int64_t{999'999}, int64_t{1'000'000'007}, int64_t{1} << 40, INT64_MAX}) {
    const int b = LatencyHistogram::BucketOf(v);
    EXPECT_GE(b, previous_bucket) << v;
    previous_bucket = b;
    const int64_t highest = LatencyHistogram::BucketHighest(b);
    EXPECT_GE(highest, v) << v;
    EXPECT_LE(static_cast<double>(highest - v), static_cast<double>(v) / 64.0 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::BucketHighest(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogramTest, PercentilesOfShuffledMillisecondsMatchSortedSamples) {
  std::vector<int64_t> values;
  for (int i = 1; i <= 10'000; ++i) values.push_back(int64_t{i} * 1000 + 17);  // ns
  std::vector<int64_t> shuffled = values;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(3));
  LatencyHistogram h;
  for (int64_t v : shuffled) h.Record(v);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const int64_t exact = values[static_cast<size_t>(q * 10'000) - 1];
    const int64_t got = h.Percentile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * (1 + 1.0 / 64)) << q;
  }
  EXPECT_EQ(h.Summarize().max, values.back());
  EXPECT_EQ(h.Summarize().min, values.front());
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (int i = 0; i < 500; ++i) {
    const int64_t v = (i * 7919) % 100'000;
    (i % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  LatencySummary m = a.Summarize(), e = all.Summarize();
  EXPECT_EQ(m.count, e.count);
  EXPECT_EQ(m.min, e.min);
  EXPECT_EQ(m.p50, e.p50);
  EXPECT_EQ(m.p99, e.p99);
  EXPECT_EQ(m.max, e.max);
  EXPECT_EQ(m.mean, e.mean);
}

TEST(LatencyHistogramTest, NegativeSamplesCountAsZero) {
  LatencyHistogram h;
  h.Record(-5);
  EXPECT_EQ(h.Summarize().min, 0);
  EXPECT_EQ(h.Summarize().max, 0);
}

TEST(ShadekvBenchWorkloadTest, KeysFillKeySizeAndSortInIndexOrder) {
  EXPECT_EQ(KeyOf("p/", 8, 42), "p/000042");
  EXPECT_EQ(KeyOf("p/", 3, 42), "p/42");  // never truncated
  EXPECT_LT(KeyOf("p/", 8, 9), KeyOf("p/", 8, 10));
  EXPECT_TRUE(ValidateKeyLayout("p/", 8, 1'000'000).ok());
  Status st = ValidateKeyLayout("p/", 7, 1'000'001);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("--key-size 9"), std::string::npos) << st.message();
}

TEST(ShadekvBenchWorkloadTest, PrefixEndAndChooser) {
  EXPECT_EQ(PrefixEnd("a/"), "a0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  KeyChooser sequential(3, true, 1);
  EXPECT_EQ(sequential.Next(0), 0);
  EXPECT_EQ(sequential.Next(4), 1);
  KeyChooser random(10, false, 1);
  for (int i = 0; i < 1000; ++i) {
    const int64_t k = random.Next(i);
    ASSERT_GE(k, 0);
    ASSERT_LT(k, 10);
  }
}

TEST(ShadekvBenchWorkloadTest, BodiesAreGatewayJsonWithBase64) {
  auto put = api::ParseWholeJson(PutBody("k", "v"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->Find("key")->text, api::EncodeBase64("k"));
  auto txn = api::ParseWholeJson(TxnPutBody("k", "v"));
  ASSERT_TRUE(txn.ok());
  const api::JsonValue* compare = txn->Find("compare");
  ASSERT_NE(compare, nullptr);
  EXPECT_EQ(compare->items.at(0).Find("target")->text, "MOD");
  EXPECT_EQ(compare->items.at(0).Find("result")->text, "LESS");
  EXPECT_NE(txn->Find("success")->items.at(0).Find("request_put"), nullptr);
  auto range = api::ParseWholeJson(RangeBody("k", true));
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->Find("serializable")->boolean);
  EXPECT_EQ(api::ParseWholeJson(RangeBody("k", false))->Find("serializable"), nullptr);
  auto count = api::ParseWholeJson(CountPrefixBody("p/"));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Find("range_end")->text, api::EncodeBase64("p0"));
  EXPECT_TRUE(count->Find("count_only")->boolean);
}

TEST(ShadekvBenchWorkloadTest, JudgesRepliesByContentNotOnlyStatus) {
  const std::string header = R"("header":{"revision":"5"})";
  EXPECT_TRUE(JudgeReply(Workload::kPut, 200, "{" + header + "}", false).ok());
  EXPECT_EQ(JudgeReply(Workload::kPut, 200, "{}", false).kind, "bad_response");
  EXPECT_EQ(JudgeReply(Workload::kPut, 200, "garbage", false).kind, "bad_response");
  EXPECT_EQ(JudgeReply(Workload::kPut, 429, R"({"error":"x","code":8})", false).kind,
            "grpc_code_8");
  EXPECT_EQ(JudgeReply(Workload::kPut, 503, "busy", false).kind, "http_503");
  EXPECT_EQ(JudgeReply(Workload::kRange, 200, "{" + header + "}", false).kind, "key_missing");
  EXPECT_TRUE(
      JudgeReply(Workload::kRange, 200, "{" + header + R"(,"kvs":[{"key":"aw=="}]})", false).ok());
  EXPECT_EQ(JudgeReply(Workload::kMixed, 200, "{" + header + "}", true).kind, "key_missing");
  EXPECT_TRUE(JudgeReply(Workload::kMixed, 200, "{" + header + "}", false).ok());
  EXPECT_EQ(JudgeReply(Workload::kTxnPut, 200, "{" + header + "}", false).kind,
            "txn_not_succeeded");
  EXPECT_TRUE(
      JudgeReply(Workload::kTxnPut, 200, "{" + header + R"(,"succeeded":true})", false).ok());
  EXPECT_EQ(JudgeReply(Workload::kDelete, 200, "{" + header + "}", false).kind, "key_missing");
  EXPECT_TRUE(JudgeReply(Workload::kDelete, 200, "{" + header + R"(,"deleted":"1"})", false).ok());
  EXPECT_TRUE(JudgeReply(Workload::kLeaseKeepalive, 200,
                         R"({"result":{)" + header + R"(,"ID":"7","TTL":"60"}})" + "\n", false)
                  .ok());
  EXPECT_EQ(JudgeReply(Workload::kLeaseKeepalive, 200, R"({"result":{)" + header + R"(,"ID":"7"}})",
                       false)
                .kind,
            "lease_expired");
}

TEST(ShadekvBenchWorkloadTest, ReadsCountLeaseIdAndDeleted) {
  EXPECT_EQ(*ReadCount(R"({"header":{},"count":"12"})"), 12);
  EXPECT_EQ(*ReadCount(R"({"header":{}})"), 0);  // etcd omits zero values
  EXPECT_EQ(ReadCount(R"({"count":"x"})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ReadLeaseId(R"({"ID":"12345","TTL":"60"})"), 12345);
  EXPECT_FALSE(ReadLeaseId(R"({"TTL":"60"})").ok());
  EXPECT_EQ(*ReadDeleted(R"({"deleted":"3"})"), 3);
}

TEST(ShadekvBenchCheckTest, CountMustMatchUnlessWritesWereUncertain) {
  EXPECT_TRUE(KeyCountMatches(10, 10, false));
  EXPECT_FALSE(KeyCountMatches(10, 9, false));
  EXPECT_FALSE(KeyCountMatches(10, 11, false));
  EXPECT_TRUE(KeyCountMatches(10, 11, true));
  EXPECT_FALSE(KeyCountMatches(10, 9, true));  // a lost key is never excused
}

BenchResult SampleResult() {
  BenchResult r;
  r.label = "shadekv \"a\"";
  r.workload = "put";
  r.endpoints = "127.0.0.1:1";
  r.conns = 2;
  r.clients = 4;
  r.key_size = 32;
  r.val_size = 128;
  r.key_space_size = 100;
  r.requests = 10;
  r.ok = 8;
  r.errors = {{"grpc_code_8", 1}, {"transport", 1}};
  r.first_error = "transport: refused";
  r.elapsed_s = 2;
  r.throughput = 4;
  r.latency = LatencySummary{8,         1'000'000, 4'500'000, 4'000'000,
                             8'000'000, 8'000'000, 8'000'000, 8'000'000};
  r.check_ran = true;
  r.check_passed = false;
  r.check_expected = 8;
  r.check_found = 7;
  return r;
}

TEST(ShadekvBenchResultTest, JsonCarriesCountsLatencyErrorsAndCheck) {
  // The parsed values point into the text: it must outlive them.
  const std::string text = FormatJson(SampleResult());
  auto json = api::ParseWholeJson(text);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->Find("label")->text, "shadekv \"a\"");
  EXPECT_EQ(json->Find("requests")->raw, "10");
  EXPECT_EQ(json->Find("ok")->raw, "8");
  EXPECT_EQ(json->Find("throughput")->raw, "4.000");
  EXPECT_EQ(json->Find("errors")->Find("grpc_code_8")->raw, "1");
  EXPECT_EQ(json->Find("errors")->Find("transport")->raw, "1");
  const api::JsonValue* latency = json->Find("latency_ms");
  EXPECT_EQ(latency->Find("min")->raw, "1.000");
  EXPECT_EQ(latency->Find("p50")->raw, "4.000");
  EXPECT_EQ(latency->Find("p99")->raw, "8.000");
  EXPECT_EQ(latency->Find("p99_9")->raw, "8.000");
  EXPECT_EQ(latency->Find("max")->raw, "8.000");
  EXPECT_EQ(json->Find("check")->Find("passed")->raw, "false");
  EXPECT_EQ(json->Find("check")->Find("found")->raw, "7");
  EXPECT_EQ(json->Find("watch"), nullptr);
  EXPECT_EQ(json->Find("consistency"), nullptr);
}

TEST(ShadekvBenchResultTest, TableShowsThroughputPercentilesErrorsAndCheck) {
  const std::string table = FormatTable(SampleResult());
  EXPECT_NE(table.find("throughput            4.0 req/s"), std::string::npos) << table;
  EXPECT_NE(table.find("min 1.000  p50 4.000  p90 8.000  p99 8.000  p99.9 8.000  max 8.000"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("grpc_code_8 1, transport 1"), std::string::npos) << table;
  EXPECT_NE(table.find("check                 FAILED: expected 8 keys"), std::string::npos)
      << table;
}

TEST(ShadekvBenchResultTest, WatchFieldsAppearOnlyForWatch) {
  BenchResult r = SampleResult();
  r.watchers = 10;
  r.writers = 2;
  r.events_expected = 80;
  const std::string text = FormatJson(r);
  auto json = api::ParseWholeJson(text);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->Find("watch")->Find("watchers")->raw, "10");
  EXPECT_EQ(json->Find("watch")->Find("events_expected")->raw, "80");
  EXPECT_NE(FormatTable(r).find("put-to-event ms"), std::string::npos);
}

TEST(ShadekvBenchResultTest, JsonStringsAreEscapedAsGoWritesThem) {
  BenchResult r = SampleResult();
  r.label = std::string("a\"b\\c\n\x01<", 8);
  r.first_error = "connection refused";
  const std::string text = FormatJson(r);
  EXPECT_NE(text.find("\"label\":\"a\\\"b\\\\c\\n\\u0001\\u003c\""), std::string::npos) << text;
  EXPECT_TRUE(api::ParseWholeJson(text).ok()) << text;
}

}  // namespace
}  // namespace shadekv::bench
