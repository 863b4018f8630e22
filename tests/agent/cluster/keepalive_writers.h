// Write load for the process tests (bus and shadow): threads putting and deleting
// over keep-alive HTTP connections to whichever primary members are alive,
// moving to another member when one fails (killed, restarting, no leader).
// Bounded: every write has a bounded number of attempts and the whole load a
// wall-clock limit, so a dead cluster fails the test instead of hanging it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace shadekv::cluster_testing {

struct WriteLoad {
  int64_t total = 0;          // writes to make (claimed in order 0..total-1)
  int threads = 8;            // concurrent keep-alive connections
  std::string prefix;         // every key is prefix + number
  int64_t key_space = 5000;   // write n goes to key n % key_space (overwrites)
  int64_t delete_every = 16;  // write n is a delete when n % delete_every == delete_every - 1
  std::chrono::milliseconds limit = std::chrono::minutes(10);
};

class KeepAliveWriters {
 public:
  // `client_ports` is asked for the live members' client ports each time a
  // connection is (re)opened; it must be safe to call from the threads.
  KeepAliveWriters(std::function<std::vector<int>()> client_ports, WriteLoad load);
  ~KeepAliveWriters();
  KeepAliveWriters(const KeepAliveWriters&) = delete;
  KeepAliveWriters& operator=(const KeepAliveWriters&) = delete;

  // Stops claiming new writes and joins the threads.
  void Join();
  int64_t done() const { return done_.load(); }
  int64_t failed_attempts() const { return failures_.load(); }
  int64_t abandoned() const { return abandoned_.load(); }
  bool finished() const { return done_.load() + abandoned_.load() >= load_.total; }

  // The request write `n` makes: path and JSON body.
  static std::pair<std::string, std::string> Request(const WriteLoad& load, int64_t n);

 private:
  void Run(int thread);

  std::function<std::vector<int>()> client_ports_;
  const WriteLoad load_;
  std::atomic<int64_t> claimed_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> failures_{0};
  std::atomic<int64_t> abandoned_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace shadekv::cluster_testing
