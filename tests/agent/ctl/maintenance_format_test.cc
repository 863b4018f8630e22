// Alarm and defrag printers against etcdctl 3.4's output for the same gateway
// answers (captured from etcdctl 3.4.23 against etcd 3.4.23).
#include "agent/ctl/maintenance_format.h"

#include <gtest/gtest.h>

#include "tests/agent/ctl/json_input.h"

namespace shadekv::ctl {
namespace {

PrintOptions As(OutputFormat format) {
  PrintOptions opts;
  opts.format = format;
  return opts;
}

const char kTwoAlarms[] = R"({"alarms":[{"memberID":"5","alarm":"NOSPACE"},{"alarm":"CORRUPT"}]})";

TEST(MaintenanceFormatTest, SimpleAlarmsAreCompactProtoText) {
  // etcdctl prints "%+v" of each AlarmMember: zero fields left out and a
  // trailing space.
  Result<std::string> text = FormatAlarms(testing::Json(kTwoAlarms), As(OutputFormat::kSimple));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "memberID:5 alarm:NOSPACE \nalarm:CORRUPT \n");
  Result<std::string> none = FormatAlarms(testing::Json("{}"), As(OutputFormat::kSimple));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
}

TEST(MaintenanceFormatTest, JsonAlarmsUseNumbers) {
  Result<std::string> text = FormatAlarms(testing::Json(kTwoAlarms), As(OutputFormat::kJson));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"alarms\":[{\"memberID\":5,\"alarm\":1},{\"alarm\":2}]}\n");
}

TEST(MaintenanceFormatTest, TableIsNotSupported) {
  EXPECT_EQ(FormatAlarms(testing::Json(kTwoAlarms), As(OutputFormat::kTable)).status().code(),
            StatusCode::kUnimplemented);
}

TEST(MaintenanceFormatTest, DefragLineThenSizes) {
  EXPECT_EQ(FormatDefragDone("127.0.0.1:2379", 0, 0),
            "Finished defragmenting etcd member[127.0.0.1:2379]\n");
  EXPECT_EQ(FormatDefragDone("http://127.0.0.1:2379", 4096, 2048),
            "Finished defragmenting etcd member[http://127.0.0.1:2379]\n"
            "  db size: 4096 -> 2048 bytes\n");
}

}  // namespace
}  // namespace shadekv::ctl
