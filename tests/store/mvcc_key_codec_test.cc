// The kv key layout: user key order is preserved, versions sort newest first,
// and malformed keys are recognised. Golden bytes pin the on-disk format.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "store/key_codec.h"
#include "store/kv_record.h"

namespace shadekv::store {
namespace {

TEST(MvccKeyCodecTest, GoldenBytes) {
  const std::string key = EncodeVersionKey(std::string("a\0b", 3), Revision{2, 1});
  const std::string want = std::string(
                               "ka\0\xff"
                               "b\0\x01",
                               7) +
                           std::string("\xff\xff\xff\xff\xff\xff\xff\xfd", 8) +
                           std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8);
  EXPECT_EQ(key, want);
  EXPECT_EQ(EncodeHistoryKey(Revision{1, 2}),
            std::string("r\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x02", 17));
  KeyValue kv{"k", "v", 3, 4, 5, 6};
  EXPECT_EQ(EncodePutRecord(kv), std::string("\x01\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0\x05"
                                             "\0\0\0\0\0\0\0\x06v",
                                             26));
  EXPECT_EQ(EncodeTombstoneRecord(), std::string("\x02"));
}

TEST(MvccKeyCodecTest, RoundTripsAndKeepsUserKeyOrder) {
  std::mt19937 rng(7);
  std::vector<std::string> keys = {std::string("\0", 1),
                                   std::string("\0\0", 2),
                                   "a",
                                   std::string("a\0", 2),
                                   std::string("a\0\xff", 3),
                                   "a\x01",
                                   "ab",
                                   "\xff",
                                   "\xff\xff"};
  for (int i = 0; i < 300; ++i) {
    std::string k;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int j = 0; j < n; ++j)
      k.push_back(
          "\0\x01\xff"
          "a"[rng() % 4]);
    keys.push_back(k);
  }
  std::vector<std::pair<std::string, std::string>> encoded;  // (encoded, user key)
  for (const std::string& k : keys) {
    for (uint64_t main : {1ull, 7ull, 1000000ull}) {
      const std::string e = EncodeVersionKey(k, Revision{main, main % 3});
      std::string user_key;
      Revision revision;
      ASSERT_TRUE(DecodeVersionKey(e, &user_key, &revision));
      EXPECT_EQ(user_key, k);
      EXPECT_EQ(revision, (Revision{main, main % 3}));
      EXPECT_LT(e, EncodeKeyUpperBound(k));
      EXPECT_TRUE(e.starts_with(EncodeKeyPrefix(k)));
      encoded.emplace_back(e, k);
    }
  }
  std::sort(encoded.begin(), encoded.end());
  for (size_t i = 1; i < encoded.size(); ++i) {
    const auto& [a, ka] = encoded[i - 1];
    const auto& [b, kb] = encoded[i];
    EXPECT_LE(ka, kb) << "encoded order must follow user key order";
    if (ka == kb) {
      std::string ignored;
      Revision ra, rb;
      ASSERT_TRUE(DecodeVersionKey(a, &ignored, &ra));
      ASSERT_TRUE(DecodeVersionKey(b, &ignored, &rb));
      EXPECT_GE(ra, rb) << "versions of one key sort newest first";
    } else {
      EXPECT_LE(EncodeKeyUpperBound(ka), b) << "upper bound stays below the next key";
    }
  }
}

TEST(MvccKeyCodecTest, RejectsMalformedKeys) {
  std::string user_key;
  Revision revision;
  EXPECT_FALSE(DecodeVersionKey("", &user_key, &revision));
  EXPECT_FALSE(DecodeVersionKey("kabc", &user_key, &revision));
  std::string bad = EncodeVersionKey("a", Revision{1, 0});
  bad[0] = 'x';
  EXPECT_FALSE(DecodeVersionKey(bad, &user_key, &revision));
  std::string unescaped = std::string("ka\0b\0\x01", 6) + std::string(16, '\0');
  EXPECT_FALSE(DecodeVersionKey(unescaped, &user_key, &revision));
  EXPECT_FALSE(DecodeHistoryKey("r123", &revision));
  KeyValue kv;
  EXPECT_FALSE(DecodePutRecord("\x01short", true, &kv));
  EXPECT_FALSE(DecodePutRecord("\x02", true, &kv));
  EXPECT_FALSE(IsValidRecord(""));
  EXPECT_FALSE(IsValidRecord("\x03"));
  EXPECT_TRUE(IsValidRecord("\x02"));
}

}  // namespace
}  // namespace shadekv::store
