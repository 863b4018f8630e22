// Splits a streaming request body into its JSON values, as the etcd gateway's
// json.Decoder does for client-streaming calls (watch, lease keepalive): the
// body is a sequence of JSON values, optionally separated by whitespace.
//
// Only the bytes of the next value are read, never beyond it, so a client
// that sends one request and waits for its answer before sending the next
// (an interactive watch, a keep-alive loop over a chunked body) is answered
// at once instead of waiting for bytes that will not come.
//
// The splitter checks structure only as far as it must to find a value's end
// (brackets, strings, escapes); the caller's parser judges the text and
// reports Go's messages for anything malformed or truncated.
//
// Thread-safety: none; one reader per body.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::api {

class JsonValueStream {
 public:
  // `max_value_bytes` bounds one value (not the body): a client cannot make
  // the server buffer without limit by never closing a bracket.
  JsonValueStream(std::istream& in, size_t max_value_bytes);

  // The next value's text; nullopt when the body ends cleanly (only
  // whitespace left). A value cut short by the end of the body is returned
  // as far as it goes (its parser then says "unexpected EOF"). Errors:
  // kInvalidArgument "etcdserver: request is too large" when one value
  // exceeds the bound. After an error the stream is finished.
  Result<std::optional<std::string>> Next();

 private:
  // Appends the next byte to `value`; false at the end of the body.
  bool Take(std::string& value);

  std::istream& in_;
  const size_t max_value_bytes_;
  bool finished_ = false;
};

}  // namespace shadekv::api
