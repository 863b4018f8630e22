// Tests for the etcd v3 JSON gateway codec. Unless a comment says otherwise,
// every expected string (request verdicts, error messages, response bytes)
// was observed on etcd 3.4.23 (Debian) through its JSON gateway, e.g.
//   curl -X POST http://127.0.0.1:23790/v3/kv/range -d '{"key":"eA"}'
#include "agent/api/etcd_json.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agent/api/etcd_errors.h"
#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"

namespace shadekv::api {
namespace {

using store::Compare;
using store::KeyValue;

// The header etcd printed in these observations.
ResponseHeader ObservedHeader(int64_t revision) {
  return ResponseHeader{324952591200643719u, 3319814642761637952u, revision, 2};
}
constexpr std::string_view kHeader5 =
    R"("header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"5","raft_term":"2"})";

// Asserts that parsing fails with kInvalidArgument and exactly `message`.
template <typename T>
void ExpectError(const Result<T>& r, std::string_view message) {
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << message;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), message);
}

Result<store::RangeRequest> Range(std::string_view body) { return ParseRangeRequest(body); }

// ---------------------------------------------------------------- requests

TEST(EtcdJsonRequestTest, RangeReadsEveryFieldByProtoName) {
  auto r =
      Range(R"({"key":"Zm9v","range_end":"Zm9w","limit":"10","revision":7,"sort_order":"DESCEND",)"
            R"("sort_target":"VALUE","serializable":true,"keys_only":true,"count_only":true,)"
            R"("min_mod_revision":"1","max_mod_revision":2,"min_create_revision":"3",)"
            R"("max_create_revision":4})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->key, "foo");
  EXPECT_EQ(r->range_end, "fop");
  EXPECT_EQ(r->limit, 10);
  EXPECT_EQ(r->revision, 7);
  EXPECT_EQ(r->sort_order, store::SortOrder::kDescend);
  EXPECT_EQ(r->sort_target, store::SortTarget::kValue);
  EXPECT_TRUE(r->serializable);
  EXPECT_TRUE(r->keys_only);
  EXPECT_TRUE(r->count_only);
  EXPECT_EQ(r->min_mod_revision, 1);
  EXPECT_EQ(r->max_mod_revision, 2);
  EXPECT_EQ(r->min_create_revision, 3);
  EXPECT_EQ(r->max_create_revision, 4);
}

TEST(EtcdJsonRequestTest, RangeReadsEveryFieldByCamelCaseAndEnumNumbers) {
  auto r = Range(
      R"({"key":"Zm9v","rangeEnd":"AA==","limit":1,"revision":"7","sortOrder":1,)"
      R"("sortTarget":3,"serializable":false,"keysOnly":true,"countOnly":true,)"
      R"("minModRevision":5,"maxModRevision":"6","minCreateRevision":7,"maxCreateRevision":"8"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->range_end, std::string(1, '\0'));
  EXPECT_EQ(r->limit, 1);
  EXPECT_EQ(r->revision, 7);
  EXPECT_EQ(r->sort_order, store::SortOrder::kAscend);
  EXPECT_EQ(r->sort_target, store::SortTarget::kMod);
  EXPECT_TRUE(r->keys_only);
  EXPECT_TRUE(r->count_only);
  EXPECT_EQ(r->min_mod_revision, 5);
  EXPECT_EQ(r->max_mod_revision, 6);
  EXPECT_EQ(r->min_create_revision, 7);
  EXPECT_EQ(r->max_create_revision, 8);
}

TEST(EtcdJsonRequestTest, EmptyBodiesAreTheDefaultRequest) {
  // Observed: '', '   ', '{}' and 'null' all reach etcd's "key is not provided".
  for (std::string_view body : {"", "   ", "{}", "null", " \n{ } "}) {
    auto r = Range(body);
    ASSERT_TRUE(r.ok()) << "body '" << body << "': " << r.status().ToString();
    EXPECT_EQ(r->key, "");
    EXPECT_EQ(r->limit, 0);
  }
}

TEST(EtcdJsonRequestTest, IgnoresWhatFollowsTheFirstValue) {
  // Observed: '{"key":"Zm9v"} x' and '{"key":"Zm9v"}{}' read key foo.
  for (std::string_view body :
       {R"({"key":"Zm9v"} x)", R"({"key":"Zm9v"}{})", R"({"key":"Zm9v"}})"}) {
    auto r = Range(body);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->key, "foo");
  }
}

TEST(EtcdJsonRequestTest, UnknownFieldsAndNullsAreIgnored) {
  // Observed: {"key":"Zm9v","bogus":{"a":[1,2]}} and "limit":null, "keys_only":null work.
  auto r =
      Range(R"({"key":"Zm9v","bogus":{"a":[1,2]},"limit":null,"keys_only":null,"x":"\u00ff"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->key, "foo");
  EXPECT_EQ(r->limit, 0);
  EXPECT_FALSE(r->keys_only);
  auto n = Range(R"({"key":null})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->key, "");
}

TEST(EtcdJsonRequestTest, CamelCaseWinsOverProtoNameAndLastDuplicateWins) {
  // Observed: {"keys_only":true,"keysOnly":false} and the reverse both return values.
  auto a = Range(R"({"key":"Zm9v","keys_only":true,"keysOnly":false})");
  auto b = Range(R"({"key":"Zm9v","keysOnly":false,"keys_only":true})");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(a->keys_only);
  EXPECT_FALSE(b->keys_only);
  // Observed: {"key":"Zm9v","key":"eA=="} reads key "x".
  auto d = Range(R"({"key":"Zm9v","key":"eA=="})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->key, "x");
  // Names are matched after unescaping, as Go's map keys are.
  auto e = Range(R"({"k\u0065y":"eA=="})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->key, "x");
}

TEST(EtcdJsonRequestTest, Int64AcceptsNumbersAndStrings) {
  struct Case {
    std::string_view limit;
    int64_t expected;
  };
  // Observed: -1, "-1", " 1", -0, "null" and the int64 maximum are accepted.
  for (const Case& c : {Case{"-1", -1}, Case{R"("-1")", -1}, Case{R"(" 1")", 1}, Case{"-0", 0},
                        Case{R"("null")", 0}, Case{R"("9223372036854775807")", INT64_MAX},
                        Case{"-9223372036854775808", INT64_MIN}, Case{R"("12 ")", 12}}) {
    auto r = Range(std::string(R"({"key":"YQ==","limit":)") + std::string(c.limit) + "}");
    ASSERT_TRUE(r.ok()) << c.limit << ": " << r.status().ToString();
    EXPECT_EQ(r->limit, c.expected) << c.limit;
  }
}

TEST(EtcdJsonRequestTest, Int64RejectsWhatEtcdRejects) {
  struct Case {
    std::string_view limit;
    std::string_view message;
  };
  const Case cases[] = {
      {"1.0", "json: cannot unmarshal number 1.0 into Go value of type int64"},
      {R"("abc")", "invalid character 'a' looking for beginning of value"},
      {R"("99999999999999999999")",
       "json: cannot unmarshal number 99999999999999999999 into Go value of type int64"},
      {"99999999999999999999",
       "json: cannot unmarshal number 99999999999999999999 into Go value of type int64"},
      {"9223372036854775808",  // one above the int64 maximum
       "json: cannot unmarshal number 9223372036854775808 into Go value of type int64"},
      {"true", "json: cannot unmarshal bool into Go value of type int64"},
      {"1e2", "json: cannot unmarshal number 1e2 into Go value of type int64"},
      {R"("1e2")", "json: cannot unmarshal number 1e2 into Go value of type int64"},
      {R"("1e400")", "json: cannot unmarshal number 1e400 into Go value of type int64"},
      {R"("+1")", "invalid character '+' looking for beginning of value"},
      {R"("01")", "invalid character '1' after top-level value"},
      {R"("1 2")", "invalid character '2' after top-level value"},
      {R"("")", "unexpected end of JSON input"},
      {R"("\"1\"")", R"(invalid character '\\' looking for beginning of value)"},
      {R"("\"1")", R"(invalid character '\\' looking for beginning of value)"},
      {R"("-")", "invalid character ' ' in numeric literal"},
      {R"("1\u0030")", R"(invalid character '\\' after top-level value)"},
      {R"("tru")", "invalid character ' ' in literal true (expecting 'e')"},
      {R"("1.")", "invalid character ' ' after decimal point in numeric literal"},
      {R"("[1")", "unexpected end of JSON input"},
      {R"("\"x\"")", R"(invalid character '\\' looking for beginning of value)"},
      {"[]", "json: cannot unmarshal array into Go value of type int64"},
      {"{}", "json: cannot unmarshal object into Go value of type int64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.limit);
    ExpectError(Range(std::string(R"({"key":"YQ==","limit":)") + std::string(c.limit) + "}"),
                c.message);
  }
}

TEST(EtcdJsonRequestTest, BoolRejectsStringsAndNumbers) {
  ExpectError(Range(R"({"key":"Zm9v","keys_only":"true"})"),
              "json: cannot unmarshal string into Go value of type bool");
  ExpectError(Range(R"({"key":"Zm9v","keys_only":1})"),
              "json: cannot unmarshal number into Go value of type bool");
}

TEST(EtcdJsonRequestTest, EnumsByExactNameOrInt32Number) {
  auto r = Range(R"({"key":"Zm9v","sort_order":7})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();  // observed: accepted, etcd keeps the number
  EXPECT_EQ(static_cast<int>(r->sort_order), 7);
  auto negative = Range(R"({"key":"Zm9v","sort_order":-1})");
  ASSERT_TRUE(negative.ok()) << negative.status().ToString();  // observed: accepted
  EXPECT_EQ(static_cast<int>(negative->sort_order), -1);
  // Observed: {"key":"YQ==","sortTarget":27} makes etcd 3.4.23 panic in
  // sort.Sort and exit. We refuse unknown sort targets instead.
  ExpectError(Range(R"({"key":"Zm9v","sortTarget":27})"),
              "sort_target 27 is not one of KEY, VERSION, CREATE, MOD, VALUE");
  ExpectError(Range(R"({"key":"Zm9v","sort_target":-1})"),
              "sort_target -1 is not one of KEY, VERSION, CREATE, MOD, VALUE");
  ExpectError(Range(R"({"key":"Zm9v","sort_order":"descend"})"),
              R"(unknown value "descend" for enum etcdserverpb.RangeRequest_SortOrder)");
  ExpectError(Range(R"({"key":"Zm9v","sort_order":"FOO"})"),
              R"(unknown value "FOO" for enum etcdserverpb.RangeRequest_SortOrder)");
  ExpectError(Range(R"({"key":"Zm9v","sort_order":"2"})"),
              R"(unknown value "2" for enum etcdserverpb.RangeRequest_SortOrder)");
  ExpectError(Range(R"({"key":"Zm9v","sort_order":1.5})"),
              "json: cannot unmarshal number 1.5 into Go value of type "
              "etcdserverpb.RangeRequest_SortOrder");
  // Names are matched without unescaping and quoted with Go's %q.
  ExpectError(Range(R"({"key":"Zm9v","sort_target":"K\u0045Y"})"),
              R"(unknown value "K\\u0045Y" for enum etcdserverpb.RangeRequest_SortTarget)");
  ExpectError(Range(R"({"key":"Zm9v","sort_target":true})"),
              "json: cannot unmarshal bool into Go value of type "
              "etcdserverpb.RangeRequest_SortTarget");
  ExpectError(Range(R"({"key":"Zm9v","sort_target":2147483648})"),
              "json: cannot unmarshal number 2147483648 into Go value of type "
              "etcdserverpb.RangeRequest_SortTarget");
  auto named = Range(R"({"key":"Zm9v","sortOrder":2,"sortTarget":"VALUE"})");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->sort_order, store::SortOrder::kDescend);
  EXPECT_EQ(named->sort_target, store::SortTarget::kValue);
}

TEST(EtcdJsonRequestTest, BytesFollowGoBase64Exactly) {
  struct Case {
    std::string_view key;
    std::string_view message;
  };
  const Case bad[] = {
      {R"("eA")", "illegal base64 data at input byte 0"},
      {R"("eA=")", "illegal base64 data at input byte 3"},
      {R"("e")", "illegal base64 data at input byte 0"},
      {R"("YQ====")", "illegal base64 data at input byte 4"},
      {R"("YQ==YQ==")", "illegal base64 data at input byte 4"},
      {R"("Y Q==")", "illegal base64 data at input byte 1"},
      {R"("YWJj\u0064")", "illegal base64 data at input byte 4"},
      {R"("-_==")", "illegal base64 data at input byte 0"},
      {"123", "json: cannot unmarshal number into Go value of type []uint8"},
      {"true", "json: cannot unmarshal bool into Go value of type []uint8"},
      {"{}", "json: cannot unmarshal object into Go value of type []uint8"},
      {"[256]", "json: cannot unmarshal number 256 into Go value of type uint8"},
      {R"(["a"])", "json: cannot unmarshal string into Go value of type uint8"},
      {"[-1]", "json: cannot unmarshal number -1 into Go value of type uint8"},
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(c.key);
    ExpectError(Range(std::string(R"({"key":)") + std::string(c.key) + "}"), c.message);
  }
  struct Good {
    std::string_view key;
    std::string expected;
  };
  const Good good[] = {
      {R"("eA==")", "x"},
      {R"("YR==")", "a"},  // unused bits ignored: matched "YQ==" on etcd
      {R"("Zm\n9v")", "foo"},
      {R"("YQ\r=\n=")", "a"},
      {R"("")", ""},
      {"[]", ""},
      {"[1,2]", "\x01\x02"},
      {"[97,null]", std::string("a\0", 2)},
      {R"("AAEC/w==")", std::string("\x00\x01\x02\xff", 4)},
  };
  for (const Good& g : good) {
    SCOPED_TRACE(g.key);
    auto r = Range(std::string(R"({"key":)") + std::string(g.key) + "}");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->key, g.expected);
  }
}

TEST(EtcdJsonRequestTest, MalformedJsonGetsGoScannerMessages) {
  struct Case {
    std::string_view body;
    std::string_view message;
  };
  const Case cases[] = {
      {R"({"key":"Zm9v",})", "invalid character '}' looking for beginning of object key string"},
      {"{", "unexpected EOF"},
      {R"({"a":)", "unexpected EOF"},
      {R"({"a":-)", "unexpected EOF"},
      {R"({"a":"abc)", "unexpected EOF"},
      {R"({"a":tru})", "invalid character '}' in literal true (expecting 'e')"},
      {R"({"a":nul})", "invalid character '}' in literal null (expecting 'l')"},
      {R"({"a":fx})", "invalid character 'x' in literal false (expecting 'a')"},
      {R"({"a" 1})", "invalid character '1' after object key"},
      {R"({"a":1 "b":2})", R"(invalid character '"' after object key:value pair)"},
      {R"({"a":[1 2]})", "invalid character '2' after array element"},
      {R"({"a":[1,]})", "invalid character ']' looking for beginning of value"},
      {R"({"a":"\x"})", "invalid character 'x' in string escape code"},
      {R"({"a":"\u12g4"})", R"(invalid character 'g' in \u hexadecimal character escape)"},
      {R"({"a":-x})", "invalid character 'x' in numeric literal"},
      {R"({"a":1.})", "invalid character '}' after decimal point in numeric literal"},
      {R"({"a":1e})", "invalid character '}' in exponent of numeric literal"},
      {"{\"a\":\"\t\"}", R"(invalid character '\t' in string literal)"},
      {"{'a':1}", R"(invalid character '\'' looking for beginning of object key string)"},
      {"{1:1}", "invalid character '1' looking for beginning of object key string"},
      {"x", "invalid character 'x' looking for beginning of value"},
      {"{\"a\":\x01}", R"(invalid character '\x01' looking for beginning of value)"},
      {"{\"a\":\xff}", "invalid character '\xc3\xbf' looking for beginning of value"},
      {"[]", "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
      {R"("x")", "json: cannot unmarshal string into Go value of type map[string]json.RawMessage"},
      {"5x", "json: cannot unmarshal number into Go value of type map[string]json.RawMessage"},
      {"truex", "json: cannot unmarshal bool into Go value of type map[string]json.RawMessage"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    ExpectError(Range(c.body), c.message);
  }
}

TEST(EtcdJsonRequestTest, BoundsJsonNesting) {
  // etcd (Go, limit 10000) answered "unexpected EOF" for 600 unclosed '['; a
  // complete document that deep is refused here (our limit is 512).
  std::string deep = R"({"a":)" + std::string(600, '[') + std::string(600, ']') + "}";
  ExpectError(Range(deep), "invalid character '[' exceeded max depth");
  std::string ok = R"({"key":"YQ==","a":)" + std::string(500, '[') + std::string(500, ']') + "}";
  EXPECT_TRUE(Range(ok).ok());
}

TEST(EtcdJsonRequestTest, PutReadsEveryField) {
  auto p = ParsePutRequest(
      R"({"key":"Zm9v","value":"YmFy","lease":"4660","prev_kv":true,"ignore_value":true,)"
      R"("ignore_lease":true})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->key, "foo");
  EXPECT_EQ(p->value, "bar");
  EXPECT_EQ(p->lease, 4660);
  EXPECT_TRUE(p->prev_kv);
  EXPECT_TRUE(p->ignore_value);
  EXPECT_TRUE(p->ignore_lease);
  auto c = ParsePutRequest(R"({"key":"Zm9v","prevKv":true,"ignoreValue":true,"ignoreLease":true})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->prev_kv);
  EXPECT_TRUE(c->ignore_value);
  EXPECT_TRUE(c->ignore_lease);
  ExpectError(ParsePutRequest(R"({"key":"eA"})"), "illegal base64 data at input byte 0");
  ExpectError(ParsePutRequest(R"({"key":"eA=","value":""})"),
              "illegal base64 data at input byte 3");
  ExpectError(ParsePutRequest(R"({"key":123})"),
              "json: cannot unmarshal number into Go value of type []uint8");
}

TEST(EtcdJsonRequestTest, DeleteRangeReadsEveryField) {
  auto d = ParseDeleteRangeRequest(R"({"key":"AA==","range_end":"AA==","prev_kv":true})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->key, std::string(1, '\0'));
  EXPECT_EQ(d->range_end, std::string(1, '\0'));
  EXPECT_TRUE(d->prev_kv);
  auto c = ParseDeleteRangeRequest(R"({"key":"YQ==","rangeEnd":"Yg==","prevKv":true})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->range_end, "b");
  EXPECT_TRUE(c->prev_kv);
}

TEST(EtcdJsonRequestTest, ErrorsComeInProtoFieldOrder) {
  // Observed: with key [] (valid: empty bytes) and limit {}, the limit is blamed;
  // revision (field 4) loses to limit (field 3) whatever the JSON order.
  ExpectError(Range(R"({"key":[],"limit":{}})"),
              "json: cannot unmarshal object into Go value of type int64");
  ExpectError(Range(R"({"revision":true,"key":"YQ==","limit":{}})"),
              "json: cannot unmarshal object into Go value of type int64");
  ExpectError(Range(R"({"limit":true,"key":"eA"})"), "illegal base64 data at input byte 0");
}

TEST(EtcdJsonRequestTest, TxnReadsComparesAndNestedOps) {
  auto t = ParseTxnRequest(
      R"({"compare":[{"key":"Zm9v","target":"VALUE","result":"EQUAL","value":"YmF6"},)"
      R"({"key":"Zm9v","target":2,"result":"GREATER","mod_revision":"1","range_end":"AA=="},)"
      R"({"key":"YQ==","target":"CREATE","result":"LESS","create_revision":"100"},)"
      R"({"key":"YQ==","target":"VERSION","result":"NOT_EQUAL","version":1},)"
      R"({"key":"YQ==","target":"LEASE","lease":"5","rangeEnd":"Yg=="},)"
      R"({"key":"YQ==","target":"MOD","modRevision":9,"createRevision":8}],)"
      R"("success":[{"request_range":{"key":"Zm9v"}},)"
      R"({"request_put":{"key":"YQ==","value":"MQ==","prev_kv":true}},)"
      R"({"request_delete_range":{"key":"eA==","prev_kv":true}},)"
      R"({"request_txn":{"success":[{"request_range":{"key":"YQ=="}},{"requestPut":{"key":"Yg=="}}]}}],)"
      R"("failure":[{"requestRange":{"key":"Zm9v","count_only":true}},)"
      R"({"requestDeleteRange":{"key":"bm8="}},{"requestTxn":{}}]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->compare.size(), 6u);
  EXPECT_EQ(t->compare[0].target, Compare::Target::kValue);
  EXPECT_EQ(t->compare[0].result, Compare::Result::kEqual);
  EXPECT_EQ(t->compare[0].value, "baz");
  EXPECT_EQ(t->compare[1].target, Compare::Target::kMod);
  EXPECT_EQ(t->compare[1].result, Compare::Result::kGreater);
  EXPECT_EQ(t->compare[1].mod_revision, 1);
  EXPECT_EQ(t->compare[1].range_end, std::string(1, '\0'));
  EXPECT_EQ(t->compare[2].target, Compare::Target::kCreate);
  EXPECT_EQ(t->compare[2].result, Compare::Result::kLess);
  EXPECT_EQ(t->compare[2].create_revision, 100);
  EXPECT_EQ(t->compare[3].target, Compare::Target::kVersion);
  EXPECT_EQ(t->compare[3].result, Compare::Result::kNotEqual);
  EXPECT_EQ(t->compare[3].version, 1);
  EXPECT_EQ(t->compare[4].target, Compare::Target::kLease);
  EXPECT_EQ(t->compare[4].lease, 5);
  EXPECT_EQ(t->compare[4].range_end, "b");
  EXPECT_EQ(t->compare[5].mod_revision, 9);
  EXPECT_EQ(t->compare[5].create_revision, 8);

  ASSERT_EQ(t->success.size(), 4u);
  EXPECT_EQ(std::get<store::RangeRequest>(t->success[0].request).key, "foo");
  const auto& put = std::get<store::PutRequest>(t->success[1].request);
  EXPECT_EQ(put.key, "a");
  EXPECT_EQ(put.value, "1");
  EXPECT_TRUE(put.prev_kv);
  const auto& del = std::get<store::DeleteRangeRequest>(t->success[2].request);
  EXPECT_EQ(del.key, "x");
  EXPECT_TRUE(del.prev_kv);
  const auto& nested = *std::get<std::shared_ptr<const store::TxnRequest>>(t->success[3].request);
  ASSERT_EQ(nested.success.size(), 2u);
  EXPECT_EQ(std::get<store::PutRequest>(nested.success[1].request).key, "b");

  ASSERT_EQ(t->failure.size(), 3u);
  EXPECT_TRUE(std::get<store::RangeRequest>(t->failure[0].request).count_only);
  EXPECT_EQ(std::get<store::DeleteRangeRequest>(t->failure[1].request).key, "no");
  EXPECT_TRUE(
      std::get<std::shared_ptr<const store::TxnRequest>>(t->failure[2].request)->success.empty());
}

TEST(EtcdJsonRequestTest, EmptyTxnIsValid) {
  auto t = ParseTxnRequest("{}");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->compare.empty());
  EXPECT_TRUE(t->success.empty());
  EXPECT_TRUE(t->failure.empty());
}

TEST(EtcdJsonRequestTest, TxnRejectsWhatEtcdRejects) {
  ExpectError(ParseTxnRequest(R"({"compare":{}})"),
              "json: cannot unmarshal object into Go value of type []json.RawMessage");
  ExpectError(ParseTxnRequest(R"({"compare":[1]})"),
              "json: cannot unmarshal number into Go value of type map[string]json.RawMessage");
  ExpectError(ParseTxnRequest(R"({"success":[{}]})"), "etcdserver: key not found");
  ExpectError(ParseTxnRequest(R"({"success":[{"request_put":null}]})"),
              "etcdserver: key not found");
  // Observed: an op with only unknown fields is empty too, in either branch.
  ExpectError(ParseTxnRequest(R"({"success":[{"bogus":1}],"failure":[{}]})"),
              "etcdserver: key not found");
  // The empty op is found after decoding: a decoding error anywhere wins.
  ExpectError(ParseTxnRequest(R"({"success":[{}],"failure":[{"request_put":{"key":"eA"}}]})"),
              "illegal base64 data at input byte 0");
  // etcd 3.4 drops the connection on a null RequestOp; we answer like `{}`.
  ExpectError(ParseTxnRequest(R"({"failure":[null]})"), "etcdserver: key not found");
  ExpectError(ParseTxnRequest(R"({"compare":[{"key":"YQ==","target":"FOO"}]})"),
              R"(unknown value "FOO" for enum etcdserverpb.Compare_CompareTarget)");
  ExpectError(ParseTxnRequest(R"({"compare":[{"key":"YQ==","result":"FOO"}]})"),
              R"(unknown value "FOO" for enum etcdserverpb.Compare_CompareResult)");
  ExpectError(ParseTxnRequest(R"({"compare":[{"key":"YQ==","target":"VALUE","value":"eA"}]})"),
              "illegal base64 data at input byte 0");
  ExpectError(ParseTxnRequest(R"({"compare":[{"key":"YQ==","range_end":"eA"}]})"),
              "illegal base64 data at input byte 0");
  ExpectError(ParseTxnRequest(R"({"success":[{"request_put":"x"}]})"),
              "json: cannot unmarshal string into Go value of type map[string]json.RawMessage");
  ExpectError(ParseTxnRequest(
                  R"({"success":[{"request_txn":{"failure":[{"request_range":{"key":"e"}}]}}]})"),
              "illegal base64 data at input byte 0");
}

std::string RangeOps(int n) {
  std::string ops;
  for (int i = 0; i < n; ++i)
    ops += std::string(i > 0 ? "," : "") + R"({"request_range":{"key":"YQ=="}})";
  return ops;
}

// With an empty op in the body the parser answers for etcd's checkTxnRequest,
// so the first failing check in etcd's order wins. All observed on 3.4.23.
TEST(EtcdJsonRequestTest, EmptyOpReportsEtcdsFirstFailingCheck) {
  struct Case {
    std::string body;
    std::string_view message;
  };
  const Case cases[] = {
      {R"({"compare":[{}],"success":[{}]})", "etcdserver: key is not provided"},
      {R"({"compare":[{"key":""}],"failure":[{}]})", "etcdserver: key is not provided"},
      {R"({"compare":[{"key":"YQ=="}],"success":[{}]})", "etcdserver: key not found"},
      {R"({"success":[{"request_put":{"key":"YQ==","ignore_value":true,"value":"eA=="}},{}]})",
       "etcdserver: value is provided"},
      {R"({"success":[{"request_put":{"key":"YQ==","ignore_lease":true,"lease":"5"}},{}]})",
       "etcdserver: lease is provided"},
      {R"({"success":[{},{"request_range":{}}]})", "etcdserver: key not found"},
      {R"({"success":[{"request_range":{}},{}]})", "etcdserver: key is not provided"},
      {R"({"success":[{"request_delete_range":{}}],"failure":[{}]})",
       "etcdserver: key is not provided"},
      {R"({"success":[{}],"failure":[{"request_delete_range":{}}]})", "etcdserver: key not found"},
      {R"({"success":[{"request_txn":{"compare":[{}]}},{}]})", "etcdserver: key is not provided"},
      {R"({"success":[{"request_txn":{"success":[{}]}},{"request_range":{}}]})",
       "etcdserver: key not found"},
      {R"({"success":[{}],"failure":[)" + RangeOps(128) + ",{}]}",
       "etcdserver: too many operations in txn request"},
      // The nested txn's budget is 128 minus the outer level's op count.
      {R"({"success":[{"request_txn":{"success":[)" + RangeOps(100) + "]}},{}]}",
       "etcdserver: key not found"},
      {R"({"success":[{"request_txn":{"success":[)" + RangeOps(64) + "]}}," + RangeOps(64) +
           ",{}]}",
       "etcdserver: too many operations in txn request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    ExpectError(ParseTxnRequest(c.body), c.message);
  }
  // Without an empty op these checks are the store's: the parse succeeds.
  EXPECT_TRUE(ParseTxnRequest(R"({"compare":[{}],"success":[{"request_range":{}}]})").ok());
  EXPECT_TRUE(ParseTxnRequest(R"({"success":[)" + RangeOps(129) + "]}").ok());
}

TEST(EtcdJsonRequestTest, NullCompareIsADefaultCompare) {
  // etcd 3.4's gateway drops the connection on {"compare":[null]} (nil
  // dereference); we read it as an all-default Compare instead.
  auto t = ParseTxnRequest(R"({"compare":[null]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->compare.size(), 1u);
  EXPECT_EQ(t->compare[0].key, "");
  EXPECT_EQ(t->compare[0].target, Compare::Target::kVersion);
}

TEST(EtcdJsonRequestTest, RequestOpWithSeveralRequestsTakesTheFirstInProtoOrder) {
  // etcd picks one at random (Go map order); we take request_range here.
  auto t = ParseTxnRequest(
      R"({"success":[{"request_put":{"key":"YQ=="},"request_range":{"key":"Yg=="}}]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(std::get<store::RangeRequest>(t->success[0].request).key, "b");
}

std::string NestedTxnJson(int levels) {
  std::string json = R"({"success":[{"request_put":{"key":"YQ=="}}]})";
  for (int i = 0; i < levels; ++i) json = R"({"success":[{"request_txn":)" + json + "}]}";
  return json;
}

TEST(EtcdJsonRequestTest, BoundsTxnNesting) {
  auto ok = ParseTxnRequest(NestedTxnJson(kMaxTxnNesting));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  const store::TxnRequest* t = &*ok;
  for (int i = 0; i < kMaxTxnNesting; ++i) {
    t = std::get<std::shared_ptr<const store::TxnRequest>>(t->success[0].request).get();
  }
  EXPECT_EQ(std::get<store::PutRequest>(t->success[0].request).key, "a");
  ExpectError(ParseTxnRequest(NestedTxnJson(kMaxTxnNesting + 1)),
              "request_txn nested deeper than 64 levels");
}

TEST(EtcdJsonRequestTest, CompactionAndMaintenance) {
  auto c = ParseCompactionRequest(R"({"revision":"3","physical":true})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->revision, 3);
  EXPECT_TRUE(c->physical);
  auto c2 = ParseCompactionRequest(R"({"revision":3})");
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->revision, 3);
  EXPECT_FALSE(c2->physical);
  ExpectError(ParseCompactionRequest(R"({"revision":"x"})"),
              "invalid character 'x' looking for beginning of value");

  EXPECT_TRUE(ParseStatusRequest("").ok());
  EXPECT_TRUE(ParseStatusRequest("{}").ok());
  EXPECT_TRUE(ParseHashRequest(R"({"anything":1})").ok());
  ExpectError(ParseStatusRequest("{"), "unexpected EOF");
  ExpectError(ParseHashRequest("[1]"),
              "json: cannot unmarshal array into Go value of type map[string]json.RawMessage");
  auto h = ParseHashKvRequest(R"({"revision":"9"})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->revision, 9);
  EXPECT_EQ(ParseHashKvRequest("").value().revision, 0);
}

TEST(EtcdJsonRequestTest, MemberRequests) {
  EXPECT_TRUE(ParseMemberListRequest(R"({"linearizable":true})").ok());
  auto add = ParseMemberAddRequest(R"({"peerURLs":["http://127.0.0.1:23899"],"isLearner":true})");
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  EXPECT_EQ(add->peer_urls, std::vector<std::string>{"http://127.0.0.1:23899"});
  EXPECT_TRUE(add->is_learner);
  // Observed: snake_case spellings are unknown fields here (etcd then says
  // "etcdserver: given member URLs are invalid").
  auto snake = ParseMemberAddRequest(R"({"peer_URLs":["http://x:1"],"is_learner":true})");
  ASSERT_TRUE(snake.ok());
  EXPECT_TRUE(snake->peer_urls.empty());
  EXPECT_FALSE(snake->is_learner);
  ExpectError(ParseMemberAddRequest(R"({"peerURLs":"x"})"),
              "json: cannot unmarshal string into Go value of type []json.RawMessage");
  ExpectError(ParseMemberAddRequest(R"({"peerURLs":[1]})"),
              "json: cannot unmarshal number into Go value of type string");

  auto rm = ParseMemberRemoveRequest(R"({"ID":"18446744073709551615"})");
  ASSERT_TRUE(rm.ok());
  EXPECT_EQ(rm->id, UINT64_MAX);
  ExpectError(ParseMemberRemoveRequest(R"({"ID":"-1"})"),
              "json: cannot unmarshal number -1 into Go value of type uint64");
  ExpectError(ParseMemberRemoveRequest(R"({"ID":-1})"),
              "json: cannot unmarshal number -1 into Go value of type uint64");
  ExpectError(ParseMemberRemoveRequest(R"({"ID":"18446744073709551616"})"),
              "json: cannot unmarshal number 18446744073709551616 into Go value of type uint64");
  EXPECT_EQ(ParseMemberRemoveRequest("{}").value().id, 0u);

  auto up = ParseMemberUpdateRequest(
      R"({"ID":6691881381448881152,"peerURLs":["http://127.0.0.1:23897","http://h:2"]})");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->id, 6691881381448881152u);
  EXPECT_EQ(up->peer_urls.size(), 2u);
  auto pr = ParseMemberPromoteRequest(R"({"ID":"6691881381448881152"})");
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->id, 6691881381448881152u);
}

// ---------------------------------------------------------------- responses

KeyValue Kv(std::string key, int64_t create, int64_t mod, int64_t version, std::string value,
            int64_t lease = 0) {
  return KeyValue{std::move(key), std::move(value), create, mod, version, lease};
}

TEST(EtcdJsonResponseTest, PutResponses) {
  store::PutResponse put;
  put.revision = 2;
  EXPECT_EQ(EncodePutResponse(ObservedHeader(2), put),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"2","raft_term":"2"}})");
  put.revision = 3;
  put.prev_kv = Kv("foo", 2, 2, 1, "bar");
  EXPECT_EQ(EncodePutResponse(ObservedHeader(3), put),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"3","raft_term":"2"},"prev_kv":{"key":"Zm9v","create_revision":"2",)"
            R"("mod_revision":"2","version":"1","value":"YmFy"}})");
}

TEST(EtcdJsonResponseTest, RangeResponses) {
  store::RangeResponse r;
  r.revision = 5;
  r.count = 2;
  r.more = true;
  r.kvs = {Kv("foo", 2, 4, 3, "baz")};
  EXPECT_EQ(EncodeRangeResponse(ObservedHeader(5), r),
            "{" + std::string(kHeader5) +
                R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"4","version":"3",)"
                R"("value":"YmF6"}],"more":true,"count":"2"})");
  // A missing key: header only (no count:0, no kvs:[]).
  EXPECT_EQ(EncodeRangeResponse(ObservedHeader(5), store::RangeResponse{5, {}, false, 0}),
            "{" + std::string(kHeader5) + "}");
  // count_only.
  EXPECT_EQ(EncodeRangeResponse(ObservedHeader(5), store::RangeResponse{5, {}, false, 1}),
            "{" + std::string(kHeader5) + R"(,"count":"1"})");
  // Empty value omitted; lease last.
  store::RangeResponse two{12, {Kv("x", 5, 5, 1, ""), Kv("l", 12, 12, 1, "v", 4660)}, false, 2};
  EXPECT_EQ(EncodeRangeResponse(ObservedHeader(12), two),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"12","raft_term":"2"},"kvs":[{"key":"eA==","create_revision":"5",)"
            R"("mod_revision":"5","version":"1"},{"key":"bA==","create_revision":"12",)"
            R"("mod_revision":"12","version":"1","value":"dg==","lease":"4660"}],"count":"2"})");
}

TEST(EtcdJsonResponseTest, DeleteRangeResponses) {
  store::DeleteRangeResponse d{9, 2, {Kv("b", 6, 6, 1, ""), Kv("foo", 2, 4, 3, "baz")}};
  EXPECT_EQ(EncodeDeleteRangeResponse(ObservedHeader(9), d),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"9","raft_term":"2"},"deleted":"2","prev_kvs":[{"key":"Yg==",)"
            R"("create_revision":"6","mod_revision":"6","version":"1"},{"key":"Zm9v",)"
            R"("create_revision":"2","mod_revision":"4","version":"3","value":"YmF6"}]})");
  EXPECT_EQ(EncodeDeleteRangeResponse(ObservedHeader(8), store::DeleteRangeResponse{8, 0, {}}),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"8","raft_term":"2"}})");
}

TEST(EtcdJsonResponseTest, TxnResponseWithEverySubResponse) {
  auto nested = std::make_shared<store::TxnResponse>();
  nested->revision = 6;
  nested->succeeded = true;
  nested->responses = {
      store::ResponseOp{store::RangeResponse{6, {Kv("a", 6, 6, 1, "1")}, false, 1}},
      store::ResponseOp{store::PutResponse{6, std::nullopt}}};
  store::TxnResponse t;
  t.revision = 6;
  t.succeeded = true;
  t.responses = {store::ResponseOp{store::RangeResponse{5, {Kv("foo", 2, 4, 3, "baz")}, false, 1}},
                 store::ResponseOp{store::PutResponse{6, std::nullopt}},
                 store::ResponseOp{store::DeleteRangeResponse{6, 1, {Kv("x", 5, 5, 1, "")}}},
                 store::ResponseOp{nested}};
  EXPECT_EQ(
      EncodeTxnResponse(ObservedHeader(6), t),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
      R"("revision":"6","raft_term":"2"},"succeeded":true,"responses":[{"response_range":)"
      R"({"header":{"revision":"5"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"4",)"
      R"("version":"3","value":"YmF6"}],"count":"1"}},{"response_put":{"header":{"revision":"6"}}},)"
      R"({"response_delete_range":{"header":{"revision":"6"},"deleted":"1","prev_kvs":[{"key":"eA==",)"
      R"("create_revision":"5","mod_revision":"5","version":"1"}]}},{"response_txn":{"header":{},)"
      R"("succeeded":true,"responses":[{"response_range":{"header":{"revision":"6"},"kvs":)"
      R"([{"key":"YQ==","create_revision":"6","mod_revision":"6","version":"1","value":"MQ=="}],)"
      R"("count":"1"}},{"response_put":{"header":{"revision":"6"}}}]}}]})");
}

TEST(EtcdJsonResponseTest, FailedTxnAndEmptyTxn) {
  auto empty_nested = std::make_shared<store::TxnResponse>();
  empty_nested->succeeded = true;
  store::TxnResponse t;
  t.revision = 6;
  t.responses = {store::ResponseOp{store::RangeResponse{6, {}, false, 1}},
                 store::ResponseOp{store::DeleteRangeResponse{6, 0, {}}},
                 store::ResponseOp{empty_nested}};
  EXPECT_EQ(
      EncodeTxnResponse(ObservedHeader(6), t),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
      R"("revision":"6","raft_term":"2"},"responses":[{"response_range":{"header":)"
      R"({"revision":"6"},"count":"1"}},{"response_delete_range":{"header":{"revision":"6"}}},)"
      R"({"response_txn":{"header":{},"succeeded":true}}]})");
  // {} with compares that failed: header only; `{}` txn: succeeded:true only.
  EXPECT_EQ(EncodeTxnResponse(ObservedHeader(6), store::TxnResponse{6, false, {}}),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"6","raft_term":"2"}})");
  EXPECT_EQ(EncodeTxnResponse(ObservedHeader(5), store::TxnResponse{5, true, {}}),
            "{" + std::string(kHeader5) + R"(,"succeeded":true})");
}

TEST(EtcdJsonResponseTest, CompactionIsHeaderOnly) {
  EXPECT_EQ(EncodeCompactionResponse(ObservedHeader(11)),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"11","raft_term":"2"}})");
}

TEST(EtcdJsonResponseTest, StatusAndHash) {
  StatusResponse s;
  s.version = "3.4.23";
  s.db_size = 20480;
  s.leader = 3319814642761637952u;
  s.raft_index = 19;
  s.raft_term = 2;
  s.raft_applied_index = 19;
  s.db_size_in_use = 16384;
  EXPECT_EQ(EncodeStatusResponse(ObservedHeader(11), s),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"11","raft_term":"2"},"version":"3.4.23","dbSize":"20480",)"
            R"("leader":"3319814642761637952","raftIndex":"19","raftTerm":"2",)"
            R"("raftAppliedIndex":"19","dbSizeInUse":"16384"})");
  // Not observed (healthy voter): errors and isLearner in proto order.
  s.errors = {"memberID:1 alarm:NOSPACE "};
  s.is_learner = true;
  EXPECT_NE(EncodeStatusResponse(ObservedHeader(11), s)
                .find(R"("raftAppliedIndex":"19","errors":["memberID:1 alarm:NOSPACE "],)"
                      R"("dbSizeInUse":"16384","isLearner":true})"),
            std::string::npos);

  EXPECT_EQ(EncodeHashResponse(ObservedHeader(11), 31029886),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"11","raft_term":"2"},"hash":31029886})");
  // etcd 3.4's gateway answers 404 for hashkv; the shape follows HashKVResponse.
  EXPECT_EQ(EncodeHashKvResponse(ObservedHeader(11), store::HashResult{4294967295u, 11, 3}),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("revision":"11","raft_term":"2"},"hash":4294967295,"compact_revision":"3"})");
}

TEST(EtcdJsonResponseTest, MemberResponses) {
  ResponseHeader h{324952591200643719u, 3319814642761637952u, 0, 2};
  Member self{3319814642761637952u,
              "default",
              {"http://127.0.0.1:23800"},
              {"http://127.0.0.1:23790"},
              false};
  Member learner{6691881381448881152u, "", {"http://127.0.0.1:23899"}, {}, true};
  EXPECT_EQ(EncodeMembersResponse(h, {self}),
            R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
            R"("raft_term":"2"},"members":[{"ID":"3319814642761637952","name":"default",)"
            R"("peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]}]})");
  EXPECT_EQ(
      EncodeMemberAddResponse(h, learner, {self, learner}),
      R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
      R"("raft_term":"2"},"member":{"ID":"6691881381448881152","peerURLs":)"
      R"(["http://127.0.0.1:23899"],"isLearner":true},"members":[{"ID":"3319814642761637952",)"
      R"("name":"default","peerURLs":["http://127.0.0.1:23800"],"clientURLs":)"
      R"(["http://127.0.0.1:23790"]},{"ID":"6691881381448881152","peerURLs":)"
      R"(["http://127.0.0.1:23899"],"isLearner":true}]})");
}

TEST(EtcdJsonResponseTest, WatchEvents) {
  store::KeyChange del;
  del.type = store::KeyChange::Type::kDelete;
  del.kv = KeyValue{"a", "", 0, 8, 0, 0};
  del.prev_kv = Kv("a", 6, 7, 2, "");
  store::KeyChange put;
  put.kv = Kv("a", 10, 11, 2, "2");
  put.prev_kv = Kv("a", 10, 10, 1, "1");
  store::KeyChange created;
  created.kv = Kv("a", 10, 10, 1, "1");
  EXPECT_EQ(
      EncodeEvents({del, created, put}),
      R"([{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"8"},"prev_kv":{"key":"YQ==",)"
      R"("create_revision":"6","mod_revision":"7","version":"2"}},{"kv":{"key":"YQ==",)"
      R"("create_revision":"10","mod_revision":"10","version":"1","value":"MQ=="}},{"kv":)"
      R"({"key":"YQ==","create_revision":"10","mod_revision":"11","version":"2","value":"Mg=="},)"
      R"("prev_kv":{"key":"YQ==","create_revision":"10","mod_revision":"10","version":"1",)"
      R"("value":"MQ=="}}])");
  del.prev_kv.reset();
  EXPECT_EQ(EncodeEvent(del), R"({"type":"DELETE","kv":{"key":"YQ==","mod_revision":"8"}})");
  EXPECT_EQ(EncodeEvents({}), "[]");
}

TEST(EtcdJsonResponseTest, ZeroHeaderAndZeroKeyValueAreEmptyObjects) {
  EXPECT_EQ(EncodeCompactionResponse(ResponseHeader{}), R"({"header":{}})");
  EXPECT_EQ(EncodeKeyValue(KeyValue{}), "{}");
  // Long values stay on one line (Poco's encoder would wrap at 72 by default).
  EXPECT_EQ(EncodeKeyValue(Kv(std::string(300, '\xff'), 1, 1, 1, "v")),
            R"({"key":")" + std::string(400, '/') +
                R"(","create_revision":"1","mod_revision":"1","version":"1","value":"dg=="})");
}

// ---------------------------------------------------------------- errors

TEST(EtcdErrorsTest, HttpStatusTable) {
  // Observed on etcd 3.4.23: 2, 3, 5, 9, 11, 16.
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnauthenticated), 401);
  // grpc-gateway v1 HTTPStatusFromCode (ETCD-NOTES lists 7, 8, 14 as observed).
  EXPECT_EQ(HttpStatusForCode(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kCancelled), 408);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusForCode(static_cast<StatusCode>(99)), 500);
}

TEST(EtcdErrorsTest, ErrorBodiesMatchEtcdByteForByte) {
  EXPECT_EQ(EncodeErrorBody(Status::InvalidArgument("etcdserver: key is not provided")),
            R"({"error":"etcdserver: key is not provided","message":"etcdserver: key is not )"
            R"(provided","code":3})");
  EXPECT_EQ(EncodeErrorBody(Status::OutOfRange("etcdserver: mvcc: required revision has been "
                                               "compacted")),
            R"({"error":"etcdserver: mvcc: required revision has been compacted","message":)"
            R"("etcdserver: mvcc: required revision has been compacted","code":11})");
  EXPECT_EQ(EncodeErrorBody(Status::Unauthenticated("etcdserver: invalid auth token")),
            R"({"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth )"
            R"(token","code":16})");
  EXPECT_EQ(EncodeErrorBody(Status::FailedPrecondition("etcdserver: Peer URLs already exists")),
            R"({"error":"etcdserver: Peer URLs already exists","message":"etcdserver: Peer URLs )"
            R"(already exists","code":9})");
  // Go's escaping of quotes and backslashes (observed) and of <, >, & and
  // control bytes (Go's encoding/json).
  auto parse_error = Range(R"({"key":"YQ==","limit":"\"1\""})");
  EXPECT_EQ(EncodeErrorBody(parse_error.status()),
            R"({"error":"invalid character '\\\\' looking for beginning of value","message":)"
            R"("invalid character '\\\\' looking for beginning of value","code":3})");
  auto enum_error = Range(R"({"key":"Zm9v","sort_order":"FOO"})");
  EXPECT_EQ(EncodeErrorBody(enum_error.status()),
            R"({"error":"unknown value \"FOO\" for enum etcdserverpb.RangeRequest_SortOrder",)"
            R"("message":"unknown value \"FOO\" for enum etcdserverpb.RangeRequest_SortOrder",)"
            R"("code":3})");
  EXPECT_EQ(EncodeErrorBody(Status::Internal("a<b>&\n\x01\xff")),
            R"({"error":"a\u003cb\u003e\u0026\n\u0001\ufffd","message":)"
            R"("a\u003cb\u003e\u0026\n\u0001\ufffd","code":13})");
  EXPECT_EQ(EncodeErrorBody(Status::Ok()),
            R"({"error":"unknown error","message":"unknown error","code":2})");
}

// ---------------------------------------------------------------- pieces

TEST(GoBase64Test, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < all.size(); n += 37) {
    std::string part = all.substr(0, n);
    auto decoded = DecodeGoBase64(EncodeBase64(part));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, part);
  }
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("x"), "eA==");
  EXPECT_EQ(EncodeBase64(""), "");
}

TEST(JsonValueTest, UnescapesStringsLikeGo) {
  auto v = ParseWholeJson(R"("a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00")");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text, "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\xef\xbf\xbd");
  auto bad_utf8 = ParseWholeJson("\"\xff\xc3\"");
  ASSERT_TRUE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8->text, "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(GoQuote("a\"b\\\n\x01"), R"("a\"b\\\n\x01")");
}

}  // namespace
}  // namespace shadekv::api
