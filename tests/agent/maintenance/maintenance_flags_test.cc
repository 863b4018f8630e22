// --auto-compaction-* and --experimental-*corrupt-check* flags: defaults,
// etcd's retention forms, and a clear error for every bad value.
#include "agent/maintenance/maintenance_flags.h"

#include <gtest/gtest.h>

namespace shadekv::maintenance {
namespace {

using Flags = std::map<std::string, std::vector<std::string>>;

Result<MaintenanceConfig> Parse(const Flags& f) { return ParseMaintenanceFlags(f); }

TEST(MaintenanceFlags, DefaultsAreAllOff) {
  Result<MaintenanceConfig> c = Parse({{"name", {"x"}}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->auto_compaction, AutoCompactionMode::kOff);
  EXPECT_FALSE(c->initial_corrupt_check);
  EXPECT_EQ(c->corrupt_check_interval.count(), 0);
  EXPECT_EQ(c->revision_mode_interval, std::chrono::minutes(5));
}

TEST(MaintenanceFlags, PeriodicTakesADurationOrWholeHours) {
  Result<MaintenanceConfig> c = Parse({{"auto-compaction-retention", {"30m"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->auto_compaction, AutoCompactionMode::kPeriodic);
  EXPECT_EQ(c->compaction_period, std::chrono::minutes(30));
  c = Parse({{"auto-compaction-mode", {"periodic"}}, {"auto-compaction-retention", {"2"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->compaction_period, std::chrono::hours(2));
  c = Parse({{"auto-compaction-retention", {"1h30m"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->compaction_period, std::chrono::minutes(90));
}

TEST(MaintenanceFlags, ZeroRetentionIsOff) {
  for (const char* zero : {"0", "0s"}) {
    Result<MaintenanceConfig> c = Parse({{"auto-compaction-retention", {zero}}});
    ASSERT_TRUE(c.ok()) << zero;
    EXPECT_EQ(c->auto_compaction, AutoCompactionMode::kOff) << zero;
  }
  Result<MaintenanceConfig> c =
      Parse({{"auto-compaction-mode", {"revision"}}, {"auto-compaction-retention", {"0"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->auto_compaction, AutoCompactionMode::kOff);
}

TEST(MaintenanceFlags, RevisionModeTakesACount) {
  Result<MaintenanceConfig> c =
      Parse({{"auto-compaction-mode", {"revision"}},
             {"auto-compaction-retention", {"1000"}},
             {"experimental-auto-compaction-revision-interval", {"300ms"}}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->auto_compaction, AutoCompactionMode::kRevision);
  EXPECT_EQ(c->compaction_revisions, 1000);
  EXPECT_EQ(c->revision_mode_interval, std::chrono::milliseconds(300));
}

TEST(MaintenanceFlags, LastValueWins) {
  Result<MaintenanceConfig> c = Parse({{"auto-compaction-retention", {"1h", "10m"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->compaction_period, std::chrono::minutes(10));
}

TEST(MaintenanceFlags, CorruptChecks) {
  Result<MaintenanceConfig> c = Parse({{"experimental-initial-corrupt-check", {"true"}},
                                       {"experimental-corrupt-check-time", {"2s"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->initial_corrupt_check);
  EXPECT_EQ(c->corrupt_check_interval, std::chrono::seconds(2));
  c = Parse({{"experimental-initial-corrupt-check", {"false"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->initial_corrupt_check);
  EXPECT_TRUE(IsMaintenanceBoolFlag("experimental-initial-corrupt-check"));
  EXPECT_FALSE(IsMaintenanceBoolFlag("experimental-corrupt-check-time"));
}

struct BadCase {
  Flags flags;
  std::string message;
};

TEST(MaintenanceFlags, BadValuesAreClearErrors) {
  const std::vector<BadCase> cases = {
      {{{"auto-compaction-mode", {"hourly"}}},
       "--auto-compaction-mode 'hourly': expected periodic or revision"},
      {{{"auto-compaction-retention", {"soon"}}},
       "--auto-compaction-retention 'soon': expected a duration like 1h or 30m, or a whole "
       "number of hours"},
      {{{"auto-compaction-retention", {"-1"}}},
       "--auto-compaction-retention '-1': expected a duration like 1h or 30m, or a whole "
       "number of hours"},
      {{{"auto-compaction-retention", {"-5m"}}},
       "--auto-compaction-retention '-5m': expected a positive duration like 1h or 30m"},
      {{{"auto-compaction-mode", {"revision"}}, {"auto-compaction-retention", {"1h"}}},
       "--auto-compaction-retention '1h': expected a number of revisions to keep (0: off)"},
      {{{"auto-compaction-mode", {"revision"}}, {"auto-compaction-retention", {"-3"}}},
       "--auto-compaction-retention '-3': expected a number of revisions to keep (0: off)"},
      {{{"experimental-initial-corrupt-check", {"yes"}}},
       "--experimental-initial-corrupt-check 'yes': expected true or false"},
      {{{"experimental-corrupt-check-time", {"often"}}},
       "--experimental-corrupt-check-time 'often': expected a duration like 5m or 500ms (0: off)"},
      {{{"experimental-corrupt-check-time", {"-1s"}}},
       "--experimental-corrupt-check-time '-1s': expected a duration like 5m or 500ms (0: off)"},
      {{{"experimental-corrupt-check-time", {"10us"}}},
       "--experimental-corrupt-check-time '10us': expected a duration like 5m or 500ms (0: off)"},
      {{{"experimental-auto-compaction-revision-interval", {"0"}}},
       "--experimental-auto-compaction-revision-interval '0': expected a positive duration "
       "like 5m or 500ms"},
  };
  for (const BadCase& bad : cases) {
    Result<MaintenanceConfig> c = Parse(bad.flags);
    ASSERT_FALSE(c.ok()) << bad.message;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.status().message(), bad.message);
  }
}

TEST(MaintenanceFlags, NamesCoverEveryParsedFlag) {
  for (const std::string& name : MaintenanceFlagNames()) {
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name.rfind("--", 0), 0u) << name;
  }
  EXPECT_EQ(MaintenanceFlagNames().size(), 5u);
}

}  // namespace
}  // namespace shadekv::maintenance
