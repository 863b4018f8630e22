// The hunt rule engine on crafted streams: each rule type fires on the
// stream it hunts for and stays silent on a benign one, at its boundaries
// (N vs N+1 in a window, the window sliding, hours and day edges, UTC
// offsets, prefix scope). Alerts carry the triggering bodies byte for byte.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "plugins/hunt/alert_json.h"
#include "plugins/hunt/rule_engine.h"
#include "shadekv/bus/codec.h"

namespace shadekv::hunt {
namespace {

using bus::Alert;
using bus::ChangeEvent;
using bus::RequestOutcome;
using bus::RequestRecord;
using store::KeyChange;

constexpr int64_t kMonday = 1'794'787'200'000;  // 2026-11-16T00:00:00Z, a Monday
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kSecond = 1000;

KeyChange Put(const std::string& key, const std::string& value) {
  KeyChange c;
  c.type = KeyChange::Type::kPut;
  c.kv.key = key;
  c.kv.value = value;
  c.kv.create_revision = 2;
  c.kv.mod_revision = 2;
  c.kv.version = 1;
  return c;
}

KeyChange Del(const std::string& key) {
  KeyChange c;
  c.type = KeyChange::Type::kDelete;
  c.kv.key = key;
  c.kv.mod_revision = 3;
  return c;
}

class HuntEngineTest : public ::testing::Test {
 protected:
  // Loads the rules given as the elements of the "rules" list.
  void Load(const std::string& rules) {
    Result<std::vector<Rule>> parsed = ParseRules("{\"rules\":[" + rules + "]}");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    engine_ = std::make_unique<RuleEngine>(std::move(*parsed));
  }

  // One event at `time_ms` by `user`; revisions count up by themselves.
  std::vector<Alert> Event(int64_t time_ms, std::vector<KeyChange> changes,
                           const std::string& user = "alice",
                           const std::string& address = "10.0.0.1:4000") {
    ChangeEvent e;
    e.revision = ++revision_;
    e.leader_time_ms = time_ms;
    e.member_id = 7;
    e.request_id = static_cast<uint64_t>(revision_);
    e.user = user;
    e.client_address = address;
    e.changes = std::move(changes);
    last_body_ = bus::EncodeEvent(e);
    return engine_->OnEvent(e, last_body_);
  }

  std::vector<Alert> Request(int64_t time_ms, RequestOutcome outcome,
                             const std::string& user = "mallory",
                             const std::string& address = "10.9.9.9:5000",
                             const std::string& key = "/config/a") {
    RequestRecord r;
    r.time_ms = time_ms;
    r.member_id = 7;
    r.user = user;
    r.client_address = address;
    r.operation = "/v3/kv/put";
    r.key = key;
    r.outcome = outcome;
    r.code = outcome == RequestOutcome::kDenied ? 7 : 0;
    r.message = outcome == RequestOutcome::kDenied ? "etcdserver: permission denied" : "";
    last_body_ = bus::EncodeRequestRecord(r);
    return engine_->OnRequest(r, last_body_);
  }

  std::vector<Alert> Denied(int64_t time_ms, const std::string& user = "mallory",
                            const std::string& address = "10.9.9.9:5000") {
    return Request(time_ms, RequestOutcome::kDenied, user, address);
  }

  std::unique_ptr<RuleEngine> engine_;
  int64_t revision_ = 1;
  std::string last_body_;
};

// --- sensitive_prefix ---

TEST_F(HuntEngineTest, SensitivePrefixFiresOnAPutUnderAnyPrefixWithTheEvent) {
  Load(R"({"name":"secrets","type":"sensitive_prefix","severity":"high",
           "prefixes":["/secrets/","/creds/"]})");
  EXPECT_TRUE(Event(kMonday, {Put("/secret", "x"), Put("/config/secrets/a", "y")}).empty());
  std::vector<Alert> alerts = Event(kMonday + 5, {Put("/public/a", "1"), Put("/creds/db", "pw")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "secrets");
  EXPECT_EQ(alerts[0].rule_type, "sensitive_prefix");
  EXPECT_EQ(alerts[0].severity, "high");
  EXPECT_EQ(alerts[0].time_ms, kMonday + 5);
  EXPECT_EQ(alerts[0].summary,
            "user \"alice\" from 10.0.0.1:4000 put 1 key under a sensitive prefix at revision 3 "
            "(first: \"/creds/db\")");
  EXPECT_EQ(alerts[0].events, std::vector<std::string>{last_body_});
  EXPECT_TRUE(alerts[0].requests.empty());
  alerts = Event(kMonday + 6, {Del("/secrets/a"), Del("/secrets/b")}, "", "");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary,
            "an unauthenticated client deleted 2 keys under a sensitive prefix at revision 4 "
            "(first: \"/secrets/a\")");
}

TEST_F(HuntEngineTest, SensitivePrefixOpsFilterAndScope) {
  Load(R"({"name":"del-only","type":"sensitive_prefix","severity":"low",
           "prefixes":["/s/"],"ops":["delete"]},
          {"name":"scoped","type":"sensitive_prefix","severity":"low",
           "prefixes":["/s/"],"prefix":"/s/prod/"})");
  EXPECT_TRUE(Event(kMonday, {Put("/s/dev/a", "1")}).empty());
  std::vector<Alert> alerts = Event(kMonday, {Put("/s/prod/a", "1")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "scoped");
  alerts = Event(kMonday, {Del("/s/dev/a")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "del-only");
  EXPECT_EQ(Event(kMonday, {Put("/s/prod/b", "1"), Del("/s/prod/c")}).size(), 2u);
}

// --- mass_delete ---

TEST_F(HuntEngineTest, MassDeleteExactlyNInTheWindowIsSilentNPlusOneFiresOnce) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"critical",
           "max_keys":3,"window_seconds":10})");
  EXPECT_TRUE(Event(kMonday, {Del("/a")}).empty());
  EXPECT_TRUE(Event(kMonday + 1 * kSecond, {Del("/b"), Put("/x", "1")}).empty());
  EXPECT_TRUE(Event(kMonday + 2 * kSecond, {Put("/y", "1")}).empty());  // puts do not count
  EXPECT_TRUE(Event(kMonday + 3 * kSecond, {Del("/c")}).empty());       // 3: at the limit
  std::vector<Alert> alerts = Event(kMonday + 9'999, {Del("/d")});      // 4 within 10 s
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule_type, "mass_delete");
  EXPECT_EQ(alerts[0].time_ms, kMonday + 9'999);
  EXPECT_EQ(alerts[0].summary,
            "4 keys were deleted within 10 s (limit 3), the last by user \"alice\" from "
            "10.0.0.1:4000 at revision 6");
  ASSERT_EQ(alerts[0].events.size(), 4u);  // the delete events, not the put-only one
  EXPECT_EQ(alerts[0].events.back(), last_body_);
  // The burst goes on: no alert per event.
  EXPECT_TRUE(Event(kMonday + 9'999, {Del("/e")}).empty());
  EXPECT_TRUE(Event(kMonday + 10 * kSecond, {Del("/f")}).empty());
}

TEST_F(HuntEngineTest, MassDeleteWindowSlidesAHitExactlyOneWindowOldNoLongerCounts) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"high",
           "max_keys":2,"window_seconds":10})");
  EXPECT_TRUE(Event(kMonday, {Del("/a")}).empty());
  EXPECT_TRUE(Event(kMonday + 5 * kSecond, {Del("/b")}).empty());
  // /a is exactly 10 s old: out of the window, so this is 2, not 3.
  EXPECT_TRUE(Event(kMonday + 10 * kSecond, {Del("/c")}).empty());
  // /b is 9.999 s old: still in, 3 > 2.
  EXPECT_EQ(Event(kMonday + 14'999, {Del("/d")}).size(), 1u);
}

TEST_F(HuntEngineTest, MassDeleteNewBurstAfterTheWindowEmptiesFiresAgain) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"high",
           "max_keys":1,"window_seconds":60})");
  EXPECT_EQ(Event(kMonday, {Del("/a"), Del("/b")}).size(), 1u);  // one event, 2 keys
  EXPECT_TRUE(Event(kMonday + 30 * kSecond, {Del("/c"), Del("/d")}).empty());
  // Still a burst (the /c /d event is in the window) ...
  EXPECT_TRUE(Event(kMonday + 61 * kSecond, {Del("/e")}).empty());
  // ... until a benign event slides everything out: then a new burst alerts.
  EXPECT_TRUE(Event(kMonday + 200 * kSecond, {Put("/p", "1")}).empty());
  EXPECT_TRUE(Event(kMonday + 201 * kSecond, {Del("/f")}).empty());
  EXPECT_EQ(Event(kMonday + 202 * kSecond, {Del("/g")}).size(), 1u);
}

TEST_F(HuntEngineTest, MassDeleteAttachesAtMostKMaxAttachedEventsAndSaysSo) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"high",
           "max_keys":20,"window_seconds":60})");
  std::vector<std::string> bodies;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Event(kMonday + i, {Del("/k" + std::to_string(i))}).empty());
    bodies.push_back(last_body_);
  }
  std::vector<Alert> alerts = Event(kMonday + 20, {Del("/k20")});
  bodies.push_back(last_body_);
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_EQ(alerts[0].events.size(), RuleEngine::kMaxAttached);
  EXPECT_EQ(alerts[0].events,
            std::vector<std::string>(bodies.end() - RuleEngine::kMaxAttached, bodies.end()));
  EXPECT_NE(alerts[0].summary.find("(the last 16 of 21 triggering events attached)"),
            std::string::npos)
      << alerts[0].summary;
}

TEST_F(HuntEngineTest, MassDeleteCountsOnlyKeysUnderItsPrefix) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"high",
           "max_keys":2,"window_seconds":60,"prefix":"/prod/"})");
  EXPECT_TRUE(
      Event(kMonday, {Del("/dev/a"), Del("/dev/b"), Del("/dev/c"), Del("/prod/a")}).empty());
  EXPECT_TRUE(Event(kMonday + 1, {Del("/prod/b")}).empty());
  EXPECT_EQ(Event(kMonday + 2, {Del("/prod/c")}).size(), 1u);
}

TEST_F(HuntEngineTest, MassDeleteClockGoingBackwardsCountsAtTheLatestTime) {
  Load(R"({"name":"mass","type":"mass_delete","severity":"high",
           "max_keys":1,"window_seconds":10})");
  EXPECT_TRUE(Event(kMonday + 100 * kSecond, {Del("/a")}).empty());
  // A new leader with a slow clock: still within the window of the first.
  EXPECT_EQ(Event(kMonday, {Del("/b")}).size(), 1u);
}

// --- user_not_allowed ---

TEST_F(HuntEngineTest, UserNotAllowedFiresForOtherUsersAndUnauthenticatedUnlessListed) {
  Load(R"({"name":"writers","type":"user_not_allowed","severity":"medium",
           "allowed_users":["deploy","ops"],"prefix":"/config/"})");
  EXPECT_TRUE(Event(kMonday, {Put("/config/a", "1")}, "deploy").empty());
  EXPECT_TRUE(Event(kMonday, {Del("/config/a")}, "ops").empty());
  EXPECT_TRUE(Event(kMonday, {Put("/other/a", "1")}, "bob").empty());  // out of scope
  std::vector<Alert> alerts = Event(kMonday, {Put("/config/a", "1")}, "bob", "10.1.1.1:99");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary,
            "user \"bob\" from 10.1.1.1:99 changed 1 key at revision 5 but is not in the rule's "
            "allowed_users (first: \"/config/a\")");
  EXPECT_EQ(Event(kMonday, {Put("/config/a", "1")}, "").size(), 1u);
  EXPECT_EQ(Event(kMonday, {Put("/config/a", "1")}, "Deploy").size(), 1u);  // exact match

  Load(R"({"name":"anon-ok","type":"user_not_allowed","severity":"low","allowed_users":[""]})");
  EXPECT_TRUE(Event(kMonday, {Put("/config/a", "1")}, "").empty());
  EXPECT_EQ(Event(kMonday, {Put("/config/a", "1")}, "root").size(), 1u);
}

// --- denied_burst ---

TEST_F(HuntEngineTest, DeniedBurstPerUserExactlyNIsSilentNPlusOneFiresOnce) {
  Load(R"({"name":"guess","type":"denied_burst","severity":"high",
           "max_denied":2,"window_seconds":30,"group_by":["user"]})");
  EXPECT_TRUE(Denied(kMonday, "mallory", "10.0.0.1:1").empty());
  EXPECT_TRUE(Request(kMonday + 1, RequestOutcome::kOk).empty());  // served: not counted
  EXPECT_TRUE(Request(kMonday + 2, RequestOutcome::kFailed).empty());
  EXPECT_TRUE(Denied(kMonday + 3, "eve", "10.0.0.2:1").empty());      // another user
  EXPECT_TRUE(Denied(kMonday + 4, "mallory", "10.0.0.3:1").empty());  // 2: at the limit
  std::vector<Alert> alerts = Denied(kMonday + 29'999, "mallory", "10.0.0.4:1");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule_type, "denied_burst");
  EXPECT_EQ(alerts[0].time_ms, kMonday + 29'999);
  EXPECT_EQ(alerts[0].summary,
            "3 requests from user \"mallory\" were denied within 30 s (limit 2), the last on "
            "\"/v3/kv/put\"");
  ASSERT_EQ(alerts[0].requests.size(), 3u);
  EXPECT_EQ(alerts[0].requests.back(), last_body_);
  EXPECT_TRUE(alerts[0].events.empty());
  EXPECT_TRUE(Denied(kMonday + 29'999, "mallory").empty());  // same burst
}

TEST_F(HuntEngineTest, DeniedBurstWindowSlides) {
  Load(R"({"name":"guess","type":"denied_burst","severity":"high",
           "max_denied":1,"window_seconds":10,"group_by":["user"]})");
  EXPECT_TRUE(Denied(kMonday).empty());
  EXPECT_TRUE(Denied(kMonday + 10 * kSecond).empty());  // the first is exactly 10 s old
  EXPECT_EQ(Denied(kMonday + 19'999).size(), 1u);
  // The burst ends once the window empties; the next crossing alerts again.
  EXPECT_TRUE(Denied(kMonday + 60 * kSecond).empty());
  EXPECT_EQ(Denied(kMonday + 61 * kSecond).size(), 1u);
}

TEST_F(HuntEngineTest, DeniedBurstPerClientHostIgnoresThePortAndCountsAcrossUsers) {
  Load(R"({"name":"scan","type":"denied_burst","severity":"high",
           "max_denied":2,"window_seconds":60,"group_by":["client_address"]})");
  EXPECT_TRUE(Denied(kMonday, "a", "192.0.2.7:1000").empty());
  EXPECT_TRUE(Denied(kMonday, "b", "192.0.2.8:1001").empty());
  EXPECT_TRUE(Denied(kMonday, "c", "192.0.2.7:1002").empty());
  std::vector<Alert> alerts = Denied(kMonday, "d", "192.0.2.7:1003");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary,
            "3 requests from client host \"192.0.2.7\" were denied within 60 s (limit 2), the "
            "last on \"/v3/kv/put\"");
  // IPv6 "[addr]:port" groups by the bracketed address.
  EXPECT_TRUE(Denied(kMonday, "a", "[::1]:1").empty());
  EXPECT_TRUE(Denied(kMonday, "a", "[::1]:2").empty());
  EXPECT_EQ(Denied(kMonday, "a", "[::1]:3").size(), 1u);
}

TEST_F(HuntEngineTest, DeniedBurstByUserAndHostAlertsForEachGroupThatBursts) {
  Load(R"({"name":"both","type":"denied_burst","severity":"high",
           "max_denied":1,"window_seconds":60})");
  EXPECT_TRUE(Denied(kMonday, "", "10.0.0.1:1").empty());
  std::vector<Alert> alerts = Denied(kMonday, "", "10.0.0.1:2");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_NE(alerts[0].summary.find("from unauthenticated clients"), std::string::npos);
  EXPECT_NE(alerts[1].summary.find("from client host \"10.0.0.1\""), std::string::npos);
}

TEST_F(HuntEngineTest, DeniedBurstHonoursItsPrefixAndIgnoresEvents) {
  Load(R"({"name":"p","type":"denied_burst","severity":"high","max_denied":0,
           "window_seconds":60,"prefix":"/secrets/","group_by":["user"]})");
  EXPECT_TRUE(Request(kMonday, RequestOutcome::kDenied, "m", "1.1.1.1:1", "/config/a").empty());
  EXPECT_TRUE(Event(kMonday, {Del("/secrets/a")}).empty());
  EXPECT_EQ(Request(kMonday, RequestOutcome::kDenied, "m", "1.1.1.1:1", "/secrets/a").size(), 1u);
}

TEST_F(HuntEngineTest, DeniedBurstForgetsIdleGroupsYetStillCounts) {
  Load(R"({"name":"g","type":"denied_burst","severity":"high","max_denied":1,
           "window_seconds":1,"group_by":["user"]})");
  // Thousands of one-off users over a long time: memory must not matter to
  // the answer; a real burst is still seen afterwards.
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(Denied(kMonday + i * kSecond, "user" + std::to_string(i)).empty());
  }
  EXPECT_TRUE(Denied(kMonday + 4000 * kSecond, "m").empty());
  EXPECT_EQ(Denied(kMonday + 4000 * kSecond + 1, "m").size(), 1u);
}

// --- outside_hours ---

TEST_F(HuntEngineTest, OutsideHoursEdgesAreStartInclusiveEndExclusive) {
  Load(R"({"name":"office","type":"outside_hours","severity":"low",
           "allowed_hours":"08:00-18:00","allowed_days":["mon","tue","wed","thu","fri"]})");
  EXPECT_EQ(Event(kMonday + 8 * kHour - 1, {Put("/a", "1")}).size(), 1u);  // 07:59:59.999
  EXPECT_TRUE(Event(kMonday + 8 * kHour, {Put("/a", "1")}).empty());       // 08:00
  EXPECT_TRUE(Event(kMonday + 18 * kHour - 1, {Put("/a", "1")}).empty());  // 17:59:59.999
  std::vector<Alert> alerts = Event(kMonday + 18 * kHour, {Del("/a")});    // 18:00
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary,
            "user \"alice\" from 10.0.0.1:4000 changed 1 key at revision 5 on mon 18:00 "
            "(UTC+00:00), outside the allowed 08:00-18:00 on mon,tue,wed,thu,fri (first: \"/a\")");
}

TEST_F(HuntEngineTest, OutsideHoursDayEdges) {
  Load(R"({"name":"office","type":"outside_hours","severity":"low",
           "allowed_hours":"00:00-24:00","allowed_days":["mon","tue","wed","thu","fri"]})");
  EXPECT_EQ(Event(kMonday - 1, {Put("/a", "1")}).size(), 1u);  // Sunday 23:59:59.999
  EXPECT_TRUE(Event(kMonday, {Put("/a", "1")}).empty());       // Monday 00:00
  constexpr int64_t kSaturday = kMonday + 5 * 24 * kHour;
  EXPECT_TRUE(Event(kSaturday - 1, {Put("/a", "1")}).empty());  // Friday 23:59:59.999
  EXPECT_EQ(Event(kSaturday, {Put("/a", "1")}).size(), 1u);
  EXPECT_EQ(Event(kSaturday + 12 * kHour, {Put("/a", "1")}).size(), 1u);
}

TEST_F(HuntEngineTest, OutsideHoursUtcOffsetShiftsHoursAndDays) {
  Load(R"({"name":"paris","type":"outside_hours","severity":"low",
           "allowed_hours":"08:00-18:00","allowed_days":["mon"],"utc_offset":"+02:00"})");
  EXPECT_TRUE(Event(kMonday + 6 * kHour, {Put("/a", "1")}).empty());  // 08:00 local
  EXPECT_EQ(Event(kMonday + 6 * kHour - 1, {Put("/a", "1")}).size(), 1u);
  EXPECT_TRUE(Event(kMonday + 16 * kHour - 1, {Put("/a", "1")}).empty());
  EXPECT_EQ(Event(kMonday + 16 * kHour, {Put("/a", "1")}).size(), 1u);

  Load(R"({"name":"west","type":"outside_hours","severity":"low",
           "allowed_hours":"00:00-24:00","allowed_days":["sun"],"utc_offset":"-05:30"})");
  // Monday 05:29 UTC is still Sunday 23:59 at UTC-05:30; 05:30 UTC is Monday.
  EXPECT_TRUE(Event(kMonday + 5 * kHour + 29 * kMinute, {Put("/a", "1")}).empty());
  std::vector<Alert> alerts = Event(kMonday + 5 * kHour + 30 * kMinute, {Put("/a", "1")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].summary.find("on mon 00:00 (UTC-05:30)"), std::string::npos)
      << alerts[0].summary;
}

TEST_F(HuntEngineTest, OutsideHoursWindowMayWrapMidnight) {
  Load(R"({"name":"night-shift","type":"outside_hours","severity":"low",
           "allowed_hours":"22:00-06:00"})");
  EXPECT_TRUE(Event(kMonday + 23 * kHour, {Put("/a", "1")}).empty());
  EXPECT_TRUE(Event(kMonday + 6 * kHour - 1, {Put("/a", "1")}).empty());
  EXPECT_EQ(Event(kMonday + 6 * kHour, {Put("/a", "1")}).size(), 1u);
  EXPECT_EQ(Event(kMonday + 22 * kHour - 1, {Put("/a", "1")}).size(), 1u);
  EXPECT_TRUE(Event(kMonday + 22 * kHour, {Put("/a", "1")}).empty());
}

TEST_F(HuntEngineTest, OutsideHoursOnlyCountsChangesInScope) {
  Load(R"({"name":"prod","type":"outside_hours","severity":"low",
           "allowed_hours":"08:00-18:00","prefix":"/prod/"})");
  EXPECT_TRUE(Event(kMonday + 3 * kHour, {Put("/dev/a", "1")}).empty());
  EXPECT_EQ(Event(kMonday + 3 * kHour, {Put("/dev/a", "1"), Put("/prod/a", "1")}).size(), 1u);
}

// --- value_size ---

TEST_F(HuntEngineTest, ValueSizeExactlyMaxIsSilentOneMoreFires) {
  Load(R"({"name":"big","type":"value_size","severity":"medium","max_bytes":8})");
  EXPECT_TRUE(Event(kMonday, {Put("/a", std::string(8, 'x')), Del("/b")}).empty());
  std::vector<Alert> alerts =
      Event(kMonday, {Put("/a", std::string(9, 'x')), Put("/b", std::string(100, 'y'))});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary,
            "user \"alice\" from 10.0.0.1:4000 put a value of 9 bytes (limit 8) at \"/a\" at "
            "revision 3, and 1 more");
}

// --- value_pattern ---

TEST_F(HuntEngineTest, ValuePatternFindsSecretsWithoutRepeatingThem) {
  Load(R"({"name":"aws","type":"value_pattern","severity":"critical",
           "pattern":"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|password="})");
  EXPECT_TRUE(Event(kMonday, {Put("/a", "AKIA123"), Put("/b", "passwd: x")}).empty());
  std::vector<Alert> alerts = Event(kMonday, {Put("/app/aws", "id=AKIAABCDEFGHIJKLMNOP;")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].summary.find("AKIAABCDEFGHIJKLMNOP"), std::string::npos);
  EXPECT_NE(alerts[0].summary.find("put a value matching the pattern /"), std::string::npos);
  EXPECT_EQ(Event(kMonday, {Put("/k", "x\n-----BEGIN RSA PRIVATE KEY-----\nMII")}).size(), 1u);
  // Values are bytes: NULs and invalid UTF-8 around the secret do not hide it.
  std::string binary("\xff\xfe\0db password=hunter2", 23);
  EXPECT_EQ(Event(kMonday, {Put("/bin", binary)}).size(), 1u);
  // The key is not searched unless targets says so; deletes are never.
  EXPECT_TRUE(Event(kMonday, {Put("/password=1", "x"), Del("/password=2")}).empty());
}

TEST_F(HuntEngineTest, ValuePatternTargetsKeys) {
  Load(R"({"name":"k","type":"value_pattern","severity":"low","pattern":"^/tmp/",
           "targets":["key"]})");
  EXPECT_TRUE(Event(kMonday, {Put("/a", "/tmp/x")}).empty());
  std::vector<Alert> alerts = Event(kMonday, {Put("/tmp/x", "1")});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].summary.find("put a key matching"), std::string::npos);
}

// --- every rule at once, and the rendering ---

TEST_F(HuntEngineTest, BenignStreamRaisesNothingUnderTheExampleRules) {
  Load(R"({"name":"s","type":"sensitive_prefix","severity":"high","prefixes":["/secrets/"]},
          {"name":"m","type":"mass_delete","severity":"high","max_keys":5,"window_seconds":60},
          {"name":"u","type":"user_not_allowed","severity":"high","allowed_users":["deploy"]},
          {"name":"d","type":"denied_burst","severity":"high","max_denied":3,"window_seconds":60},
          {"name":"h","type":"outside_hours","severity":"high","allowed_hours":"08:00-18:00",
           "allowed_days":["mon","tue","wed","thu","fri"]},
          {"name":"v","type":"value_size","severity":"high","max_bytes":1024},
          {"name":"p","type":"value_pattern","severity":"high","pattern":"password="})");
  for (int i = 0; i < 200; ++i) {
    int64_t t = kMonday + 9 * kHour + i * 10 * kSecond;  // Monday, office hours
    ASSERT_TRUE(Event(t, {Put("/config/k" + std::to_string(i), "mode=fast")}, "deploy").empty());
    if (i % 20 == 0) {
      ASSERT_TRUE(Event(t, {Del("/config/k" + std::to_string(i))}, "deploy").empty());
    }
    if (i % 30 == 0) {
      ASSERT_TRUE(Denied(t, "deploy").empty());
    }
    ASSERT_TRUE(Request(t, RequestOutcome::kOk, "deploy").empty());
  }
}

TEST_F(HuntEngineTest, AlertJsonLineIsValidJsonWithTheTriggeringBodies) {
  Load(R"({"name":"secrets","type":"sensitive_prefix","severity":"high",
           "prefixes":["/secrets/"]},
          {"name":"g","type":"denied_burst","severity":"low","max_denied":0,
           "window_seconds":5,"group_by":["user"]})");
  std::vector<Alert> alerts = Event(kMonday + 1234, {Put("/secrets/\"q\"", "v\n1")}, "al\"ice");
  ASSERT_EQ(alerts.size(), 1u);
  std::string line = AlertJsonLine(alerts[0]);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  Poco::JSON::Parser parser;
  auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(object->getValue<std::string>("time"), "2026-11-16T00:00:01.234Z");
  EXPECT_EQ(object->getValue<std::string>("rule"), "secrets");
  EXPECT_EQ(object->getValue<std::string>("type"), "sensitive_prefix");
  EXPECT_EQ(object->getValue<std::string>("severity"), "high");
  EXPECT_EQ(object->getValue<std::string>("summary"), alerts[0].summary);
  EXPECT_EQ(object->getArray("revisions")->getElement<std::string>(0), "2");
  auto event = object->getArray("events")->getObject(0);
  EXPECT_EQ(event->getValue<std::string>("user"), "al\"ice");
  auto change = event->getArray("changes")->getObject(0);
  EXPECT_EQ(change->getObject("kv")->getValue<std::string>("key"), "L3NlY3JldHMvInEi");
  EXPECT_EQ(change->getObject("kv")->getValue<std::string>("value"), "dgox");
  EXPECT_EQ(object->getArray("requests")->size(), 0u);

  alerts = Denied(kMonday, "m", "1.2.3.4:5");
  ASSERT_EQ(alerts.size(), 1u);
  object = parser.parse(AlertJsonLine(alerts[0])).extract<Poco::JSON::Object::Ptr>();
  auto request = object->getArray("requests")->getObject(0);
  EXPECT_EQ(request->getValue<std::string>("outcome"), "DENIED");
  EXPECT_EQ(request->getValue<std::string>("operation"), "/v3/kv/put");
  EXPECT_EQ(request->getValue<std::string>("key"), "L2NvbmZpZy9h");
  EXPECT_EQ(request->getValue<int>("code"), 7);

  Alert garbage = alerts[0];
  garbage.events = {"\x01\x02"};
  object = parser.parse(AlertJsonLine(garbage)).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(object->getArray("events")->getObject(0)->getValue<std::string>("undecodable"), "AQI=");
}

}  // namespace
}  // namespace shadekv::hunt
