// Command-line flags of bus_bench. Pure: parsing only, so every bad flag
// gets its own message and nothing is started on bad input.
#pragma once

#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

enum class BusBenchMode {
  kBus,  // puts through a shadekv agent, events through its publisher plugin
  kZmq,  // the reference: plain ZeroMQ PUB/SUB inside this process
};

struct BusBenchFlags {
  BusBenchMode mode = BusBenchMode::kBus;
  // kBus only: the agent's client URL and its publisher's PUB endpoint.
  std::string host;  // an IPv4 literal ("localhost" is taken as 127.0.0.1)
  int port = 0;
  std::string bus;  // tcp://127.0.0.1:PORT
  int subscribers = 1;
  int events = 5000;  // puts (kBus) or messages (kZmq)
  int rate = 1000;    // target sends per second (token bucket)
  // How far behind its schedule the sender may fall and still catch up (the
  // bucket's burst, as a time): a shared machine stalls processes for tens
  // of ms, and a short burst would turn every stall into lost sends.
  int burst_ms = 100;
  int clients = 16;      // kBus: HTTP client threads, each one keep-alive connection
  int value_bytes = 32;  // kBus: put value size (at least the 24-byte stamp)
  // kZmq: message body size; 0 = the size of the EVENT a kBus put of the
  // same key and value produces, so both modes move the same bytes.
  int message_bytes = 0;
  int server_pid = 0;      // kBus: sample the agent's CPU; 0 = no sampling
  int timeout_s = 120;     // bound on the whole run
  std::string key_prefix;  // kBus; empty: unique per run
  std::string label;       // copied into the RESULT line
  bool help = false;
};

// Parses argv[1..] ("--flag value" or "--flag=value"). In bus mode
// --endpoint and --bus are required; in zmq mode they are refused. Errors
// (kInvalidArgument) name the flag and the accepted range.
Result<BusBenchFlags> ParseBusBenchFlags(const std::vector<std::string>& args);

std::string BusBenchUsage();

}  // namespace shadekv::bench
