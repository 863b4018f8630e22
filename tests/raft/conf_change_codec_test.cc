// The persisted byte layout of ConfChange entries (see conf_change_codec.cc).
#include <gtest/gtest.h>

#include <string>

#include "shadekv/raft/raw_node.h"

namespace shadekv::raft {
namespace {

TEST(ConfChangeCodecTest, RoundTripsEveryType) {
  for (ConfChangeType type :
       {ConfChangeType::kAddVoter, ConfChangeType::kRemoveNode, ConfChangeType::kAddLearner}) {
    ConfChange cc{type, 0x0102030405060708ULL, "tcp://10.0.0.4:2380"};
    auto decoded = DecodeConfChange(EncodeConfChange(cc));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, cc);
  }
}

// The layout is persisted in logs: this golden value must never change.
TEST(ConfChangeCodecTest, EncodingIsTheDocumentedGoldenLayout) {
  const std::string bytes = EncodeConfChange(ConfChange{ConfChangeType::kAddLearner, 258, "ab"});
  const std::string golden(
      "\x01\x02\x02\x01\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00"
      "ab",
      16);
  EXPECT_EQ(bytes, golden);
}

TEST(ConfChangeCodecTest, DecodeRejectsTruncatedInputWithInvalidArgument) {
  const std::string bytes = EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, 4, "url"});
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto decoded = DecodeConfChange(std::string_view(bytes).substr(0, len));
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << "length " << len;
  }
}

TEST(ConfChangeCodecTest, DecodeRejectsGarbage) {
  std::string bytes = EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, 4, ""});
  std::string bad_version = bytes;
  bad_version[0] = 7;
  EXPECT_EQ(DecodeConfChange(bad_version).status().code(), StatusCode::kInvalidArgument);
  std::string bad_type = bytes;
  bad_type[1] = 3;
  EXPECT_EQ(DecodeConfChange(bad_type).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeConfChange(bytes + "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeConfChange(EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, 0, ""}))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeConfChange("hello world, not a conf change").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadekv::raft
