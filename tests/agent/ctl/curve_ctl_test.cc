// shadectl curve keygen as a real process in a temp dir: the files it
// writes load back as a keypair, it never overwrites, bad arguments exit 128.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "shadekv/bus/curve_keys.h"
#include "tests/agent/ctl/etcd_fixture.h"
#include "tests/store/temp_dir.h"

namespace shadekv::ctl {
namespace {

using shadekv::ctl::testing::ProcessResult;
using shadekv::ctl::testing::RunProcess;
using shadekv::store::testing::TempDir;

ProcessResult Shadectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SHADECTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, "", {}, std::chrono::milliseconds(15000));
}

TEST(CurveCtlTest, KeygenWritesAKeyPairThatLoadsBack) {
  TempDir dir;
  ProcessResult r = Shadectl({"curve", "keygen", "--out", dir.Sub("a")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<bus::CurveKeyPair> pair = bus::LoadCurveKeyPair(dir.Sub("a"));
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_NE(r.out.find(pair->public_key), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(pair->secret_key), std::string::npos) << "the secret is never printed";
  Result<std::string> pub = bus::LoadCurvePublicKey(dir.Sub("a.pub"));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, pair->public_key);
  struct stat st {};
  ASSERT_EQ(::stat(dir.Sub("a.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(CurveCtlTest, KeygenNeverOverwritesAndRejectsBadArguments) {
  TempDir dir;
  ASSERT_EQ(Shadectl({"curve", "keygen", "--out", dir.Sub("a")}).exit_code, 0);
  Result<bus::CurveKeyPair> first = bus::LoadCurveKeyPair(dir.Sub("a"));
  ASSERT_TRUE(first.ok());
  ProcessResult again = Shadectl({"curve", "keygen", "--out", dir.Sub("a")});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("refusing to overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(*bus::LoadCurveKeyPair(dir.Sub("a")), *first);

  EXPECT_EQ(Shadectl({"curve", "keygen"}).exit_code, 128);
  EXPECT_EQ(Shadectl({"curve", "keygen", "--out", dir.Sub("b"), "extra"}).exit_code, 128);
  ProcessResult no_dir = Shadectl({"curve", "keygen", "--out", dir.Sub("missing/b")});
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_NE(no_dir.err.find("create the directory first"), std::string::npos) << no_dir.err;
}

}  // namespace
}  // namespace shadekv::ctl
