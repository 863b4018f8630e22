// Auth records in meta: round trips, diffs, and hostile bytes.
#include "agent/auth/auth_record.h"

#include <gtest/gtest.h>

#include <map>

namespace shadekv::auth {
namespace {

AuthState Sample() {
  AuthState s;
  AuthChange c;
  c.kind = AuthChange::Kind::kUserAdd;
  c.user = "root";
  c.password_hash = "$argon2id$fake";
  EXPECT_TRUE(s.Apply(c).ok());
  c.user = std::string("we\0ird/", 7);
  EXPECT_TRUE(s.Apply(c).ok());
  c = {};
  c.kind = AuthChange::Kind::kRoleAdd;
  c.role = "app";
  EXPECT_TRUE(s.Apply(c).ok());
  c.kind = AuthChange::Kind::kRoleGrantPermission;
  c.perm = {PermType::kReadWrite, "a", std::string(1, '\0')};
  EXPECT_TRUE(s.Apply(c).ok());
  c = {};
  c.kind = AuthChange::Kind::kUserGrantRole;
  c.user = "root";
  c.role = "root";
  EXPECT_TRUE(s.Apply(c).ok());
  c.role = "app";
  EXPECT_TRUE(s.Apply(c).ok());
  c = {};
  c.kind = AuthChange::Kind::kEnable;
  c.secret = std::string("\x00\xff secret", 9);
  EXPECT_TRUE(s.Apply(c).ok());
  return s;
}

// Applies writes to a map standing in for the meta namespace.
void ApplyWrites(const std::vector<store::MetaWrite>& writes,
                 std::map<std::string, std::string>* meta) {
  for (const store::MetaWrite& w : writes) {
    if (w.value.has_value()) {
      (*meta)[w.key] = *w.value;
    } else {
      meta->erase(w.key);
    }
  }
}

Result<AuthState> Decode(const std::map<std::string, std::string>& meta) {
  return DecodeAuthState({meta.begin(), meta.end()});
}

TEST(AuthRecordTest, RoundTripsAWholeState) {
  AuthState s = Sample();
  std::map<std::string, std::string> meta;
  ApplyWrites(AuthMetaWrites(s), &meta);
  Result<AuthState> back = Decode(meta);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
}

TEST(AuthRecordTest, NoRecordsIsTheDefaultState) {
  Result<AuthState> back = DecodeAuthState({});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, AuthState());
}

TEST(AuthRecordTest, DiffWritesOnlyWhatChangedAndDeletesWhatVanished) {
  AuthState before = Sample();
  AuthState after = before;
  AuthChange c;
  c.kind = AuthChange::Kind::kDisable;
  ASSERT_TRUE(after.Apply(c).ok());
  c.kind = AuthChange::Kind::kUserDelete;
  c.user = std::string("we\0ird/", 7);
  ASSERT_TRUE(after.Apply(c).ok());
  std::vector<store::MetaWrite> writes = AuthMetaWrites(before, after);
  ASSERT_EQ(writes.size(), 2u);  // the state record, the deleted user
  EXPECT_EQ(writes[1].key, "auth/user/" + c.user);
  EXPECT_FALSE(writes[1].value.has_value());
  std::map<std::string, std::string> meta;
  ApplyWrites(AuthMetaWrites(before), &meta);
  ApplyWrites(writes, &meta);
  Result<AuthState> back = Decode(meta);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, after);
}

TEST(AuthRecordTest, HostileBytesAreDataLossNotACrash) {
  std::map<std::string, std::string> good;
  ApplyWrites(AuthMetaWrites(Sample()), &good);
  for (const auto& [key, value] : good) {
    // Every truncation of every record.
    for (size_t n = 0; n < value.size(); ++n) {
      std::map<std::string, std::string> bad = good;
      bad[key] = value.substr(0, n);
      Result<AuthState> r = Decode(bad);
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << key << " cut at " << n;
    }
    // Every single-byte flip: an error or a state, never a crash.
    for (size_t i = 0; i < value.size(); ++i) {
      std::map<std::string, std::string> bad = good;
      bad[key][i] = static_cast<char>(bad[key][i] ^ 0x5a);
      Result<AuthState> r = Decode(bad);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
      }
    }
  }
  std::map<std::string, std::string> renamed = good;
  renamed["auth/user/other"] = good["auth/user/root"];
  EXPECT_EQ(Decode(renamed).status().code(), StatusCode::kDataLoss);
  std::map<std::string, std::string> stranger = good;
  stranger["auth/zzz"] = good["auth/state"];
  EXPECT_EQ(Decode(stranger).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace shadekv::auth
