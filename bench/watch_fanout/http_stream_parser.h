// An incremental parser for one HTTP/1.1 response carrying a stream of
// newline-delimited JSON messages, as etcd's JSON gateway answers /v3/watch:
// a status line, headers, then a chunked body whose chunks concatenate to
// `{"result":...}\n{"result":...}\n...`. Chunk boundaries and line boundaries
// are unrelated, and bytes arrive from the socket in arbitrary pieces, so the
// parser accepts any split of the input.
//
// Pure: no sockets, no clock. Every buffer is bounded; input that is not a
// well-formed response (or exceeds a bound) puts the parser in a failed state
// with a message saying what was wrong, and it consumes nothing more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

struct HttpStreamLimits {
  size_t max_head_bytes = 16 * 1024;        // status line plus headers
  size_t max_line_bytes = 4 * 1024 * 1024;  // one NDJSON message
  size_t max_error_body_bytes = 64 * 1024;  // body kept from a non-200 response
};

class HttpStreamParser {
 public:
  explicit HttpStreamParser(HttpStreamLimits limits = {}) : limits_(limits) {}

  // Consumes `bytes`. Complete NDJSON lines of a 200 response (without the
  // '\n', empty lines skipped) are appended to `lines`. Returns the parser's
  // error once it has failed (and then keeps returning it). A non-200
  // response is not a parse error: its body is collected into error_body()
  // and `done()` becomes true when the body is complete.
  Status Feed(std::string_view bytes, std::vector<std::string>* lines);

  // The peer closed the connection. For a body delimited by the close (no
  // Content-Length, not chunked) this completes it, appending an unterminated
  // last line to `lines`; anywhere else it is an error ("connection closed
  // before ...").
  Status FinishOnClose(std::vector<std::string>* lines);

  // 0 until the status line has been parsed.
  int status_code() const { return status_code_; }
  bool headers_done() const { return state_ > State::kHeaders; }
  // The response ended (terminating chunk, Content-Length reached, or close).
  bool done() const { return state_ == State::kDone; }
  // Body of a non-200 response, truncated to max_error_body_bytes.
  const std::string& error_body() const { return error_body_; }

 private:
  enum class State {
    kStatusLine,
    kHeaders,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kLengthBody,
    kCloseBody,
    kDone,
    kFailed,
  };

  Status Fail(std::string message);
  // Takes one CRLF-terminated line from the input into `line` (without the
  // CRLF). Returns false when more bytes are needed.
  bool TakeLine(std::string_view& in, std::string& line, bool& too_long);
  Status ParseStatusLine(std::string_view line);
  Status ParseHeader(std::string_view line);
  Status StartBody();
  Status ParseChunkSize(std::string_view line);
  // Body bytes: NDJSON for a 200 response, error text otherwise.
  Status ConsumeBody(std::string_view bytes, std::vector<std::string>* lines);

  HttpStreamLimits limits_;
  State state_ = State::kStatusLine;
  Status error_;
  std::string scratch_;  // partial CRLF line (head, chunk size, trailers)
  size_t head_bytes_ = 0;
  int status_code_ = 0;
  bool chunked_ = false;
  bool has_content_length_ = false;
  uint64_t remaining_ = 0;  // bytes left in the current chunk or Content-Length body
  std::string partial_line_;
  std::string error_body_;
};

}  // namespace shadekv::bench
