// Exactly-once across SIGKILL: a real child process applies a primary's EVENT
// bodies to a mirror and is killed mid-stream; the reopened mirror stands at
// a revision it holds completely (hash equal to the primary's there), refuses
// that revision again, and finishes the stream to the primary's state.
//
// The child is this test binary itself, running the disabled test below with
// the directories passed in the environment.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "shadekv/mirror/mirror_store.h"
#include "tests/mirror/mirror_test_util.h"
#include "tests/mirror/primary_workload.h"
#include "tests/store/temp_dir.h"

extern char** environ;

namespace shadekv::mirror::testing {
namespace {

constexpr char kDirEnv[] = "SHADEKV_MIRROR_KILL_DIR";
constexpr char kEventsEnv[] = "SHADEKV_MIRROR_KILL_EVENTS";
constexpr char kProgressEnv[] = "SHADEKV_MIRROR_KILL_PROGRESS";

// events := (be32(length) body)*
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

std::vector<std::string> ReadEvents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> bodies;
  unsigned char length[4];
  while (in.read(reinterpret_cast<char*>(length), 4)) {
    const uint32_t n = (uint32_t{length[0]} << 24) | (uint32_t{length[1]} << 16) |
                       (uint32_t{length[2]} << 8) | uint32_t{length[3]};
    std::string body(n, '\0');
    if (!in.read(body.data(), n)) break;
    bodies.push_back(std::move(body));
  }
  return bodies;
}

off_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// The child: applies every body above its position, writing one byte to the
// progress file after each (a raw write, so the parent sees it at once).
TEST(MirrorKillChild, DISABLED_ApplyEventsUntilKilled) {
  const char* dir = std::getenv(kDirEnv);
  const char* events = std::getenv(kEventsEnv);
  const char* progress = std::getenv(kProgressEnv);
  if (dir == nullptr || events == nullptr || progress == nullptr) {
    GTEST_SKIP() << "only run as the child of MirrorKill tests";
  }
  auto mirror = MustOpen(dir);
  ASSERT_NE(mirror, nullptr);
  const int fd = ::open(progress, O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  for (const std::string& body : ReadEvents(events)) {
    Status applied = mirror->ApplyEvent(body);
    if (applied.code() == StatusCode::kFailedPrecondition) continue;  // already held
    ASSERT_TRUE(applied.ok()) << applied.ToString();
    ASSERT_EQ(::write(fd, "+", 1), 1);
  }
  ::close(fd);
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

  std::vector<std::string> env_strings = {std::string(kDirEnv) + "=" + mirror_dir,
                                          std::string(kEventsEnv) + "=" + events,
                                          std::string(kProgressEnv) + "=" + progress};
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string filter = "--gtest_filter=MirrorKillChild.DISABLED_ApplyEventsUntilKilled";
  std::string disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv = {exe.data(), filter.data(), disabled.data(), nullptr};
  pid_t child = 0;
  ASSERT_EQ(::posix_spawn(&child, exe.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);

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
