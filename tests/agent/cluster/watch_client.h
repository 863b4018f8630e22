// A small client for POST /v3/watch streams, for the cluster tests: it sends
// watch requests as chunks of an open request body (interactive, like the
// gateway's clients) and reads the chunked, newline-delimited responses one
// line at a time with a timeout. It can stop reading for a while to play a
// slow watcher. Plain sockets on 127.0.0.1; no Poco session, which would end
// the request body before reading the response.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::cluster_testing {

struct WatchEvent {
  bool is_delete = false;
  std::string key;  // decoded
  std::string value;
  int64_t mod_revision = 0;
  int64_t create_revision = 0;
  int64_t version = 0;
  bool has_prev = false;
  std::string prev_value;
  friend bool operator==(const WatchEvent&, const WatchEvent&) = default;
};

struct WatchMessage {
  int64_t watch_id = 0;
  int64_t revision = 0;  // header revision
  bool created = false;
  bool canceled = false;
  bool fragment = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<WatchEvent> events;
  std::string line;  // the raw line
};

// Parses one response line ({"result":{...}}). Errors: kInvalidArgument.
Result<WatchMessage> ParseWatchMessage(const std::string& line);

// A create_request body for `key` (raw bytes; base64-encoded here).
std::string WatchCreateJson(const std::string& key, const std::string& range_end = "",
                            int64_t start_revision = 0, bool prev_kv = false,
                            const std::string& extra_fields = "");

class WatchClient {
 public:
  // Connects to 127.0.0.1:port and starts POST /v3/watch with a chunked
  // body. `receive_buffer` > 0 shrinks the socket's receive buffer (a slow
  // reader then stalls the server sooner). Errors: kUnavailable.
  static Result<std::unique_ptr<WatchClient>> Open(int port, int receive_buffer = 0);
  // Like `curl -d BODY`: the whole body at once, with a Content-Length.
  static Result<std::unique_ptr<WatchClient>> OpenWithBody(int port, const std::string& body);
  ~WatchClient();

  // Sends one request value as a chunk.
  Status Send(const std::string& json);
  // Ends the request body (the stream stays open for responses).
  Status EndBody();

  // The next response line. Errors: kDeadlineExceeded when none arrived in
  // time, kUnavailable when the server ended the stream or the connection,
  // kInvalidArgument for a non-200 answer (its status and body).
  Result<std::string> NextLine(std::chrono::milliseconds timeout);
  // NextLine, parsed.
  Result<WatchMessage> Next(std::chrono::milliseconds timeout);

 private:
  WatchClient() = default;
  static Result<std::unique_ptr<WatchClient>> Connect(int port, int receive_buffer,
                                                      const std::string& rest);
  Status SendAll(const std::string& bytes);
  // Reads more bytes into raw_ (false on EOF/error/timeout, with *status set).
  bool Fill(std::chrono::steady_clock::time_point deadline, Status* status);
  // Pulls decoded body bytes out of raw_ into body_ as chunks complete.
  Status DecodeChunks();

  int fd_ = -1;
  bool headers_done_ = false;
  bool body_ended_ = false;  // the server's last chunk arrived
  int http_status_ = 0;
  std::string raw_;   // undecoded bytes from the socket
  std::string body_;  // decoded body bytes not yet returned as lines
};

}  // namespace shadekv::cluster_testing
