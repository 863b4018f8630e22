// Command-line flags of watch_fanout_bench. Pure: parsing only, so every bad
// flag gets its own message and nothing is started on bad input.
#pragma once

#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

struct FanoutFlags {
  std::string host;  // an IPv4 literal ("localhost" is taken as 127.0.0.1)
  int port = 0;
  int watchers = 1000;
  int puts = 500;
  // Every watcher watches [key_prefix, prefix_end(key_prefix)); put i writes
  // key_prefix + zero-padded i. Empty: a prefix unique to this process.
  std::string key_prefix;
  int server_pid = 0;  // 0: no /proc sampling of the server
  int timeout_s = 120;
  int put_interval_ms = 0;     // pause between puts; 0 = back to back
  int open_concurrency = 100;  // watch streams connecting at once
  int value_bytes = 16;
  std::string label;  // copied into the RESULT line, e.g. "etcd" or "shadekv"
  bool help = false;
};

// Parses argv[1..] ("--flag value" or "--flag=value"). --endpoint is
// required unless --help is given. Errors (kInvalidArgument) name the flag
// and the accepted range.
Result<FanoutFlags> ParseFanoutFlags(const std::vector<std::string>& args);

std::string FanoutUsage();

}  // namespace shadekv::bench
