// TempDir: a fresh directory under /tmp for one test, removed with everything
// in it when the TempDir goes out of scope.
//
// Store tests run on real LevelDB; each test gets its own directory so tests
// never see each other's data and can run in parallel (ctest -j).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace shadekv::store::testing {

class TempDir {
 public:
  // Creates /tmp/<prefix>XXXXXX with mkdtemp. Aborts when that fails: a test
  // without a directory cannot mean anything.
  explicit TempDir(std::string_view prefix = "shadekv-test-") {
    std::string pattern = "/tmp/" + std::string(prefix) + "XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }

  ~TempDir() {
    std::error_code ignored;  // best effort: a leftover dir must not fail a test
    std::filesystem::remove_all(path_, ignored);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory itself.
  const std::string& path() const { return path_; }

  // path()/name, not created.
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace shadekv::store::testing
