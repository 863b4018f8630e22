// Exactly-once across SIGKILL: a real child process applies a primary's EVENT
// bodies to a mirror and is killed mid-stream; the reopened mirror stands at
// a revision it holds completely (hash equal to the primary's there), refuses
// that revision again, and finishes the stream to the primary's state.
//
// The child is tests/mirror/mirror_apply_child.cc.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "shadekv/mirror/mirror_store.h"
#include "tests/mirror/mirror_test_util.h"
#include "tests/mirror/primary_workload.h"
#include "tests/store/temp_dir.h"

extern char** environ;

namespace shadekv::mirror::testing {
namespace {

// events := (be32(length) body)*, as mirror_apply_child reads them.
void WriteEvents(const std::string& path, const std::map<int64_t, std::string>& bodies) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& [revision, body] : bodies) {
    const auto n = static_cast<uint32_t>(body.size());
    const char length[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                            static_cast<char>(n >> 8), static_cast<char>(n)};
    out.write(length, 4);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
  }
  ASSERT_TRUE(out.good());
}

off_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

TEST(MirrorKill, SigkillMidStreamNeitherLosesNorRepeatsARevision) {
  store::testing::TempDir dir("shadekv-mirror-kill-");
  PrimaryWorkload workload(dir.Sub("primary"), 4242, /*compactions=*/false);
  for (int i = 0; i < 20000 && workload.bodies().size() < 3000; ++i) workload.Step();
  const auto& bodies = workload.bodies();
  ASSERT_EQ(bodies.size(), 3000u);
  const std::string events = dir.Sub("events");
  const std::string progress = dir.Sub("progress");
  const std::string mirror_dir = dir.Sub("mirror");
  WriteEvents(events, bodies);

  std::string exe = MIRROR_APPLY_CHILD_PATH;
  std::string dir_arg = mirror_dir;
  std::string events_arg = events;
  std::string progress_arg = progress;
  std::vector<char*> argv = {exe.data(), dir_arg.data(), events_arg.data(), progress_arg.data(),
                             nullptr};
  pid_t child = 0;
  ASSERT_EQ(::posix_spawn(&child, exe.c_str(), nullptr, nullptr, argv.data(), environ), 0);

  // Kill it once a third of the stream is in (or it ended on its own).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (FileSize(progress) >= static_cast<off_t>(bodies.size() / 3)) break;
    if (::waitpid(child, &status, WNOHANG) == child) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!exited) {
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  } else {
    ADD_FAILURE() << "the child ended before it was killed, status " << status;
  }
  const off_t reported = FileSize(progress);
  ASSERT_GT(reported, 0);

  auto mirror = MustOpen(mirror_dir);
  ASSERT_NE(mirror, nullptr);
  const int64_t at = mirror->AppliedRevision();
  // Every applied revision it reported is held, and at most one more.
  EXPECT_GE(at, 1 + reported);
  EXPECT_LE(at, 2 + reported);
  ASSERT_LT(at, workload.primary().CurrentRevision()) << "killed after the end";
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(workload.primary(), at).hash);
  EXPECT_EQ(mirror->ApplyEvent(bodies.at(at)).code(), StatusCode::kFailedPrecondition);
  for (auto it = bodies.upper_bound(at); it != bodies.end(); ++it) {
    Status applied = mirror->ApplyEvent(it->second);
    ASSERT_TRUE(applied.ok()) << "revision " << it->first << ": " << applied.ToString();
  }
  ExpectSameHistory(workload.primary(), *mirror->Store(), 1, bodies);
}

}  // namespace
}  // namespace shadekv::mirror::testing
