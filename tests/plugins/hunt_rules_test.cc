// The hunt plugin's rules file parser and calendar helpers: every rule type
// parses (the example file included), and every kind of bad file is refused
// with a message naming the rule and the field.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "plugins/hunt/local_time.h"
#include "plugins/hunt/rules.h"

namespace shadekv::hunt {
namespace {

// {"rules":[<rule>]}
std::string One(const std::string& rule) { return "{\"rules\":[" + rule + "]}"; }

std::string ParseError(const std::string& text) {
  Result<std::vector<Rule>> rules = ParseRules(text);
  EXPECT_FALSE(rules.ok()) << text;
  if (rules.ok()) return "";
  EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument);
  return rules.status().message();
}

TEST(HuntRulesTest, ExampleFileHasOneRuleOfEachTypeAndParses) {
  std::ifstream in(HUNT_EXAMPLE_RULES_PATH);
  ASSERT_TRUE(in) << HUNT_EXAMPLE_RULES_PATH;
  std::stringstream text;
  text << in.rdbuf();
  Result<std::vector<Rule>> rules = ParseRules(text.str());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<std::string> types;
  for (const Rule& r : *rules) types.push_back(r.type);
  EXPECT_EQ(types, (std::vector<std::string>{"sensitive_prefix", "mass_delete", "user_not_allowed",
                                             "denied_burst", "outside_hours", "value_size",
                                             "value_pattern"}));
  const Rule& hours = (*rules)[4];
  const auto& allowed = std::get<OutsideHoursRule>(hours.params).allowed;
  EXPECT_EQ(allowed.start_minute, 8 * 60);
  EXPECT_EQ(allowed.end_minute, 18 * 60);
  EXPECT_EQ(allowed.days_mask, 0x1f);  // mon..fri
  EXPECT_EQ(allowed.offset_minutes, 60);
  EXPECT_EQ((*rules)[2].prefix, "/config/");
  const auto& pattern = std::get<ValuePatternRule>((*rules)[6].params);
  EXPECT_TRUE(pattern.match_key);
  EXPECT_TRUE(pattern.match_value);
}

TEST(HuntRulesTest, DefaultsOfOptionalFields) {
  Result<std::vector<Rule>> rules = ParseRules(R"({"rules":[
    {"name":"a","type":"sensitive_prefix","severity":"low","prefixes":["/s/"]},
    {"name":"b","type":"denied_burst","severity":"low","max_denied":0,"window_seconds":1},
    {"name":"c","type":"outside_hours","severity":"low","allowed_hours":"22:00-06:00"},
    {"name":"d","type":"value_pattern","severity":"low","pattern":"x"},
    {"name":"e","type":"user_not_allowed","severity":"low","allowed_users":[""]}]})");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const auto& a = std::get<SensitivePrefixRule>((*rules)[0].params);
  EXPECT_TRUE(a.puts && a.deletes);
  EXPECT_EQ((*rules)[0].prefix, "");
  const auto& b = std::get<DeniedBurstRule>((*rules)[1].params);
  EXPECT_TRUE(b.per_user && b.per_client_host);
  const auto& c = std::get<OutsideHoursRule>((*rules)[2].params).allowed;
  EXPECT_EQ(c.days_mask, 0x7f);
  EXPECT_EQ(c.offset_minutes, 0);
  const auto& d = std::get<ValuePatternRule>((*rules)[3].params);
  EXPECT_TRUE(d.match_value);
  EXPECT_FALSE(d.match_key);
  EXPECT_EQ(std::get<UserNotAllowedRule>((*rules)[4].params).allowed_users,
            std::vector<std::string>{""});
}

TEST(HuntRulesTest, EmptyRuleListIsAllowed) {
  Result<std::vector<Rule>> rules = ParseRules(R"({"rules":[]})");
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(rules->empty());
}

TEST(HuntRulesTest, FileThatIsNotJsonIsRefused) {
  EXPECT_EQ(ParseError("{\"rules\": [").rfind("rules file is not valid JSON: ", 0), 0u);
  EXPECT_EQ(ParseError("").rfind("rules file is not valid JSON: ", 0), 0u);
  EXPECT_EQ(ParseError("[1,2]"), "rules file: expected a JSON object {\"rules\": [...]}");
  EXPECT_EQ(ParseError("{\"rules\":{}}"), "rules file: \"rules\" must be a list of rule objects");
  EXPECT_EQ(ParseError("{}"), "rules file: \"rules\" must be a list of rule objects");
  EXPECT_EQ(ParseError("{\"rules\":[],\"rule\":[]}"),
            "rules file: unknown top-level field \"rule\" (only \"rules\")");
  EXPECT_EQ(ParseError("{\"rules\":[3]}"), "rules[0]: expected a rule object");
}

TEST(HuntRulesTest, UnknownTypeNamesTheRuleAndTheKnownTypes) {
  EXPECT_EQ(ParseError(R"({"rules":[
      {"name":"ok","type":"value_size","severity":"low","max_bytes":1},
      {"name":"bad","type":"port_scan","severity":"low"}]})"),
            "rules[1] (\"bad\"): type: unknown rule type \"port_scan\" (known: denied_burst, "
            "mass_delete, outside_hours, sensitive_prefix, user_not_allowed, value_pattern, "
            "value_size)");
}

TEST(HuntRulesTest, MissingFieldsAreNamed) {
  EXPECT_EQ(ParseError(One(R"({"type":"value_size","severity":"low","max_bytes":1})")),
            "rules[0]: name: missing (expected a string)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","severity":"low","max_bytes":1})")),
            "rules[0] (\"n\"): type: missing (expected a string)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_size","max_bytes":1})")),
            "rules[0] (\"n\"): severity: missing (expected a string)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "window_seconds":10})")),
            "rules[0] (\"n\"): max_keys: missing (expected an integer)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low"})")),
            "rules[0] (\"n\"): prefixes: missing (expected a list of strings)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"user_not_allowed","severity":"low"})")),
            "rules[0] (\"n\"): allowed_users: missing (expected a list of strings; \"\" stands "
            "for unauthenticated)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_pattern","severity":"low"})")),
            "rules[0] (\"n\"): pattern: missing (expected a string)");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"outside_hours","severity":"low"})")),
            "rules[0] (\"n\"): allowed_hours: missing (expected a string)");
}

TEST(HuntRulesTest, MistypedFieldsAreNamedWithWhatWasFound) {
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":"5","window_seconds":10})")),
            "rules[0] (\"n\"): max_keys: expected an integer, got a string");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":5,"window_seconds":1.5})")),
            "rules[0] (\"n\"): window_seconds: expected an integer, got a number");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":true,"window_seconds":1})")),
            "rules[0] (\"n\"): max_keys: expected an integer, got a boolean");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":-1,"window_seconds":1})")),
            "rules[0] (\"n\"): max_keys: must be from 0 to 9223372036854775807, got -1");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":1,"window_seconds":0})")),
            "rules[0] (\"n\"): window_seconds: must be from 1 to 316224000, got 0");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"mass_delete","severity":"low",
                               "max_keys":18446744073709551615,"window_seconds":1})")),
            "rules[0] (\"n\"): max_keys: 18446744073709551615 is out of range");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":"/s/"})")),
            "rules[0] (\"n\"): prefixes: expected a list of strings, got a string");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":["/s/",7]})")),
            "rules[0] (\"n\"): prefixes[1]: expected a string, got a number");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":[]})")),
            "rules[0] (\"n\"): prefixes: must not be empty");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":[""]})")),
            "rules[0] (\"n\"): prefixes[0]: must not be empty");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_size","severity":"low",
                               "max_bytes":1,"prefix":null})")),
            "rules[0] (\"n\"): prefix: expected a string, got null");
  EXPECT_EQ(ParseError(One(R"({"name":7,"type":"value_size","severity":"low","max_bytes":1})")),
            "rules[0]: name: expected a string, got a number");
}

TEST(HuntRulesTest, BadWordsInListsAreNamed) {
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":["/s/"],"ops":["put","write"]})")),
            "rules[0] (\"n\"): ops[1]: \"write\" is not one of \"put\", \"delete\"");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"sensitive_prefix","severity":"low",
                               "prefixes":["/s/"],"ops":[]})")),
            "rules[0] (\"n\"): ops: must not be empty");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"denied_burst","severity":"low",
                               "max_denied":1,"window_seconds":1,"group_by":["ip"]})")),
            "rules[0] (\"n\"): group_by[0]: \"ip\" is not one of \"user\", \"client_address\"");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_pattern","severity":"low",
                               "pattern":"x","targets":["values"]})")),
            "rules[0] (\"n\"): targets[0]: \"values\" is not one of \"value\", \"key\"");
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_size","severity":"urgent",
                               "max_bytes":1})")),
            "rules[0] (\"n\"): severity: \"urgent\" is not one of low, medium, high, critical");
}

TEST(HuntRulesTest, UnknownFieldIsRefusedSoATypoNeverDisablesARule) {
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_size","severity":"low",
                               "max_byte":1})")),
            "rules[0] (\"n\"): max_byte: unknown field for a value_size rule");
  // A field of another type is unknown here too.
  EXPECT_EQ(ParseError(One(R"({"name":"n","type":"value_size","severity":"low",
                               "max_bytes":1,"window_seconds":5})")),
            "rules[0] (\"n\"): window_seconds: unknown field for a value_size rule");
}

TEST(HuntRulesTest, DuplicateNamesAreRefused) {
  EXPECT_EQ(ParseError(R"({"rules":[
      {"name":"x","type":"value_size","severity":"low","max_bytes":1},
      {"name":"x","type":"value_size","severity":"low","max_bytes":2}]})"),
            "rules[1] (\"x\"): name: another rule is already named \"x\"");
}

TEST(HuntRulesTest, BadRegexIsRefusedWithThePattern) {
  std::string message = ParseError(One(R"({"name":"re","type":"value_pattern","severity":"low",
                                           "pattern":"AKIA[0-9"})"));
  EXPECT_EQ(message.rfind("rules[0] (\"re\"): pattern: \"AKIA[0-9\" is not a valid regular "
                          "expression: ",
                          0),
            0u)
      << message;
}

TEST(HuntRulesTest, BadHoursDaysAndOffsetsAreRefused) {
  auto hours = [](const std::string& extra) {
    return ParseError(One(R"({"name":"h","type":"outside_hours","severity":"low",)" + extra + "}"));
  };
  EXPECT_EQ(hours(R"("allowed_hours":"25:00-06:00")"),
            "rules[0] (\"h\"): allowed_hours: \"25:00-06:00\" is not HH:MM-HH:MM with times "
            "from 00:00 to 24:00");
  EXPECT_EQ(hours(R"("allowed_hours":"8:00-18:00")"),
            "rules[0] (\"h\"): allowed_hours: \"8:00-18:00\" is not HH:MM-HH:MM with times "
            "from 00:00 to 24:00");
  EXPECT_EQ(hours(R"("allowed_hours":"08:60-18:00")"),
            "rules[0] (\"h\"): allowed_hours: \"08:60-18:00\" is not HH:MM-HH:MM with times "
            "from 00:00 to 24:00");
  EXPECT_EQ(hours(R"("allowed_hours":"08:00 18:00")"),
            "rules[0] (\"h\"): allowed_hours: \"08:00 18:00\" is not HH:MM-HH:MM with times "
            "from 00:00 to 24:00");
  EXPECT_EQ(hours(R"("allowed_hours":"24:30-06:00")"),
            "rules[0] (\"h\"): allowed_hours: \"24:30-06:00\" is not HH:MM-HH:MM with times "
            "from 00:00 to 24:00");
  EXPECT_EQ(hours(R"("allowed_hours":"09:00-09:00")"),
            "rules[0] (\"h\"): allowed_hours: \"09:00-09:00\" is an empty window (start equals "
            "end)");
  EXPECT_EQ(hours(R"("allowed_hours":"24:00-06:00")"),
            "rules[0] (\"h\"): allowed_hours: \"24:00-06:00\" starts at 24:00; use 00:00");
  EXPECT_EQ(hours(R"("allowed_hours":"08:00-18:00","allowed_days":["mon","Tue"])"),
            "rules[0] (\"h\"): allowed_days[1]: \"Tue\" is not a day; use mon, tue, wed, thu, "
            "fri, sat or sun");
  EXPECT_EQ(hours(R"("allowed_hours":"08:00-18:00","allowed_days":[])"),
            "rules[0] (\"h\"): allowed_days: must not be empty");
  EXPECT_EQ(hours(R"("allowed_hours":"08:00-18:00","utc_offset":"+2")"),
            "rules[0] (\"h\"): utc_offset: \"+2\" is not a UTC offset like +02:00, -05:30 or Z");
  EXPECT_EQ(hours(R"("allowed_hours":"08:00-18:00","utc_offset":"+15:00")"),
            "rules[0] (\"h\"): utc_offset: \"+15:00\" is not a UTC offset like +02:00, -05:30 "
            "or Z");
}

TEST(HuntLocalTimeTest, OffsetsParse) {
  AllowedTime t;
  ASSERT_TRUE(ParseUtcOffset("-05:30", &t).ok());
  EXPECT_EQ(t.offset_minutes, -330);
  ASSERT_TRUE(ParseUtcOffset("+14:00", &t).ok());
  EXPECT_EQ(t.offset_minutes, 840);
  ASSERT_TRUE(ParseUtcOffset("Z", &t).ok());
  EXPECT_EQ(t.offset_minutes, 0);
  ASSERT_TRUE(ParseHours("00:00-24:00", &t).ok());
  EXPECT_EQ(t.end_minute, 1440);
}

TEST(HuntLocalTimeTest, Rfc3339FromUnixMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(1'794'787'200'000), "2026-11-16T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(951'782'400'000 + 86'399'999), "2000-02-29T23:59:59.999Z");
  // Hostile times must not crash or overflow.
  EXPECT_FALSE(FormatRfc3339(INT64_MAX).empty());
  EXPECT_FALSE(FormatRfc3339(INT64_MIN).empty());
}

TEST(HuntLocalTimeTest, WeekdaysAndOffsets) {
  constexpr int64_t kMonday = 1'794'787'200'000;  // 2026-11-16T00:00Z
  EXPECT_EQ(ToLocal(kMonday, 0).weekday, 0);
  EXPECT_EQ(ToLocal(kMonday - 1, 0).weekday, 6);  // Sunday 23:59:59.999
  EXPECT_EQ(ToLocal(kMonday - 1, 0).minute_of_day, 1439);
  EXPECT_EQ(ToLocal(kMonday, -60).weekday, 6);  // 23:00 Sunday at UTC-1
  EXPECT_EQ(ToLocal(0, 0).weekday, 3);          // 1970-01-01 was a Thursday
  EXPECT_EQ(ToLocal(-1, 0).weekday, 2);
  EXPECT_EQ(DescribeLocal(kMonday + 90 * 60'000, 120), "mon 03:30 (UTC+02:00)");
  EXPECT_EQ(DescribeLocal(kMonday, -330), "sun 18:30 (UTC-05:30)");
  LocalTime extreme = ToLocal(INT64_MAX, 840);
  EXPECT_GE(extreme.weekday, 0);
  EXPECT_LT(extreme.weekday, 7);
}

}  // namespace
}  // namespace shadekv::hunt
