// N concurrent etcd-gateway watch streams driven by one thread: raw
// non-blocking TCP sockets under one epoll loop, each with its own HTTP
// stream parser. One thread keeps the client's own cost small and visible
// (1,000 client threads would compete with the server for the CPUs and
// distort the latency being measured).
//
// Not thread-safe: one thread creates the set and calls every method.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/watch_fanout/fanout_analysis.h"
#include "bench/watch_fanout/http_stream_parser.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct WatchStreamOptions {
  std::string host;  // IPv4 literal
  int port = 0;
  int streams = 0;
  // Body of each `POST /v3/watch`, e.g. {"create_request":{"key":..,"range_end":..}}.
  std::string create_body;
  int open_concurrency = 100;  // streams between connect() and `created` at once
};

class WatchStreamSet {
 public:
  // Now in nanoseconds on the steady clock the deliveries are stamped with.
  static int64_t NowNs();

  explicit WatchStreamSet(WatchStreamOptions options);
  ~WatchStreamSet();  // closes every socket
  WatchStreamSet(const WatchStreamSet&) = delete;
  WatchStreamSet& operator=(const WatchStreamSet&) = delete;

  // Connects every stream and waits until each has received `created`.
  // Fails on the first stream that cannot be opened (connect error, non-200
  // answer such as a server without /v3/watch, malformed response), or with
  // kDeadlineExceeded at `deadline_ns`; the message says which stream and why.
  Status OpenAll(int64_t deadline_ns);

  // Reads events until `finished(*this)` is true or `deadline_ns` passes
  // (kDeadlineExceeded). A stream that breaks (closed, canceled, malformed)
  // is marked failed and stops counting; the run goes on with the others.
  Status Pump(int64_t deadline_ns, const std::function<bool(const WatchStreamSet&)>& finished);

  // Every stream that has not failed has seen an event at `revision` or later.
  bool AllLiveStreamsReached(int64_t revision) const;
  // Highest header revision among the `created` messages.
  int64_t created_revision() const { return created_revision_; }
  int failed_streams() const;
  // The first failure, for the report ("" when none).
  std::string first_failure() const;
  // Deliveries of each stream in arrival order (failed streams included).
  std::vector<std::vector<Delivery>> TakeDeliveries();

 private:
  struct Stream;

  Status StartConnect(Stream& s);
  void Fail(Stream& s, Status status);
  Status OnWritable(Stream& s);
  // Reads what is available into s.inbox and stamps it; false on EOF/error.
  void ReceiveInto(Stream& s);
  void ProcessInbox(Stream& s);
  void HandleLine(Stream& s, const std::string& line);
  Status RunLoop(int64_t deadline_ns, const std::function<bool()>& finished);

  WatchStreamOptions options_;
  std::string request_;
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Stream>> streams_;
  int next_to_start_ = 0;
  int opening_ = 0;  // started but not yet created
  int created_count_ = 0;
  int64_t created_revision_ = 0;
  bool opening_phase_ = true;
};

}  // namespace shadekv::bench
