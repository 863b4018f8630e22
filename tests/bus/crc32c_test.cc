// CRC-32C against the published check value and incremental use.
#include "shadekv/bus/crc32c.h"

#include <gtest/gtest.h>

namespace shadekv::bus {
namespace {

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, ExtendsAcrossChunksLikeOneCall) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t crc = Crc32cExtend(Crc32c(data.substr(0, split)), data.substr(split));
    EXPECT_EQ(crc, Crc32c(data)) << "split at " << split;
  }
}

}  // namespace
}  // namespace shadekv::bus
