// HTTP/1.1 response framing (RFC 9112: status line, fields, chunked coding)
// reduced to what a streaming JSON response needs, with a bound on every
// buffer so that a misbehaving server cannot grow the client without limit.
#include "bench/watch_fanout/http_stream_parser.h"

#include <algorithm>
#include <cctype>

namespace shadekv::bench {
namespace {

// A chunk-size line is a few hex digits plus optional extensions.
constexpr size_t kMaxChunkLineBytes = 1024;
// No legitimate chunk of a watch stream comes near this; a larger size is
// treated as garbage rather than as a promise to buffer it.
constexpr uint64_t kMaxChunkBytes = 64ull * 1024 * 1024;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Printable excerpt of bad input for an error message.
std::string Excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60)) {
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  if (s.size() > 60) out += "...";
  return out;
}

}  // namespace

Status HttpStreamParser::Fail(std::string message) {
  state_ = State::kFailed;
  error_ = Status::InvalidArgument("malformed HTTP response: " + std::move(message));
  return error_;
}

bool HttpStreamParser::TakeLine(std::string_view& in, std::string& line, bool& too_long) {
  too_long = false;
  const size_t limit = state_ <= State::kHeaders ? limits_.max_head_bytes : kMaxChunkLineBytes;
  const size_t newline = in.find('\n');
  const size_t take = newline == std::string_view::npos ? in.size() : newline + 1;
  if (state_ <= State::kHeaders) head_bytes_ += take;
  if (scratch_.size() + take > limit || head_bytes_ > limits_.max_head_bytes) {
    too_long = true;
    return false;
  }
  scratch_.append(in.substr(0, take));
  in.remove_prefix(take);
  if (newline == std::string_view::npos) return false;
  scratch_.pop_back();  // '\n'
  if (!scratch_.empty() && scratch_.back() == '\r') scratch_.pop_back();
  line.swap(scratch_);
  scratch_.clear();
  return true;
}

Status HttpStreamParser::ParseStatusLine(std::string_view line) {
  // HTTP-version SP status-code SP [reason-phrase]
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 ") ||
      !std::isdigit(static_cast<unsigned char>(line[9])) ||
      !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11])) ||
      (line.size() > 12 && line[12] != ' ')) {
    return Fail("bad status line \"" + Excerpt(line) + "\"");
  }
  status_code_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status_code_ < 100) return Fail("bad status code in \"" + Excerpt(line) + "\"");
  state_ = State::kHeaders;
  return Status::Ok();
}

Status HttpStreamParser::ParseHeader(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Fail("bad header line \"" + Excerpt(line) + "\"");
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
    // "chunked" must be the final coding; nothing else makes sense here.
    const size_t comma = value.rfind(',');
    const std::string_view last =
        Trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
    if (!EqualsIgnoreCase(last, "chunked")) {
      return Fail("unsupported Transfer-Encoding \"" + Excerpt(value) + "\"");
    }
    chunked_ = true;
  } else if (EqualsIgnoreCase(name, "Content-Length")) {
    if (value.empty() || value.size() > 15 || !std::all_of(value.begin(), value.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return Fail("bad Content-Length \"" + Excerpt(value) + "\"");
    }
    uint64_t length = std::stoull(std::string(value));
    if (has_content_length_ && length != remaining_) {
      return Fail("conflicting Content-Length headers");
    }
    has_content_length_ = true;
    remaining_ = length;
  }
  return Status::Ok();
}

Status HttpStreamParser::StartBody() {
  if (status_code_ >= 100 && status_code_ < 200) {
    // An interim response (e.g. 100 Continue): the real one follows.
    state_ = State::kStatusLine;
    chunked_ = has_content_length_ = false;
    remaining_ = 0;
    return Status::Ok();
  }
  if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_content_length_) {
    state_ = remaining_ == 0 ? State::kDone : State::kLengthBody;
  } else {
    state_ = State::kCloseBody;
  }
  return Status::Ok();
}

Status HttpStreamParser::ParseChunkSize(std::string_view line) {
  const std::string_view digits = Trim(line.substr(0, line.find(';')));
  if (digits.empty() || digits.size() > 15) {
    return Fail("bad chunk size line \"" + Excerpt(line) + "\"");
  }
  uint64_t size = 0;
  for (char c : digits) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Fail("bad chunk size line \"" + Excerpt(line) + "\"");
    }
    size = size * 16 +
           static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                     ? c - '0'
                                     : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  }
  if (size > kMaxChunkBytes) {
    return Fail("chunk of " + std::to_string(size) + " bytes exceeds the " +
                std::to_string(kMaxChunkBytes) + "-byte limit");
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailers : State::kChunkData;
  return Status::Ok();
}

Status HttpStreamParser::ConsumeBody(std::string_view bytes, std::vector<std::string>* lines) {
  if (status_code_ != 200) {
    const size_t room = limits_.max_error_body_bytes - error_body_.size();
    error_body_.append(bytes.substr(0, std::min(room, bytes.size())));
    return Status::Ok();
  }
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (partial_line_.size() + piece.size() > limits_.max_line_bytes) {
      return Fail("a JSON message exceeds " + std::to_string(limits_.max_line_bytes) + " bytes");
    }
    partial_line_.append(piece);
    if (newline == std::string_view::npos) break;
    bytes.remove_prefix(newline + 1);
    if (!partial_line_.empty() && partial_line_.back() == '\r') partial_line_.pop_back();
    if (!partial_line_.empty()) lines->push_back(std::move(partial_line_));
    partial_line_.clear();
  }
  return Status::Ok();
}

Status HttpStreamParser::Feed(std::string_view in, std::vector<std::string>* lines) {
  std::string line;
  bool too_long = false;
  while (!in.empty()) {
    switch (state_) {
      case State::kFailed:
        return error_;
      case State::kDone:
        return Fail("unexpected bytes after the end of the response: \"" + Excerpt(in) + "\"");
      case State::kStatusLine:
      case State::kHeaders:
      case State::kChunkSize:
      case State::kChunkDataEnd:
      case State::kTrailers: {
        if (!TakeLine(in, line, too_long)) {
          if (too_long) {
            return Fail(state_ <= State::kHeaders
                            ? "status line and headers exceed " +
                                  std::to_string(limits_.max_head_bytes) + " bytes"
                            : "a chunk framing line exceeds " + std::to_string(kMaxChunkLineBytes) +
                                  " bytes");
          }
          return Status::Ok();  // need more bytes
        }
        if (state_ == State::kStatusLine) {
          SHADEKV_RETURN_IF_ERROR(ParseStatusLine(line));
        } else if (state_ == State::kHeaders) {
          if (line.empty()) {
            SHADEKV_RETURN_IF_ERROR(StartBody());
          } else {
            SHADEKV_RETURN_IF_ERROR(ParseHeader(line));
          }
        } else if (state_ == State::kChunkSize) {
          SHADEKV_RETURN_IF_ERROR(ParseChunkSize(line));
        } else if (state_ == State::kChunkDataEnd) {
          if (!line.empty()) return Fail("chunk data longer than its declared size");
          state_ = State::kChunkSize;
        } else if (line.empty()) {  // kTrailers: an empty line ends the message
          state_ = State::kDone;
          if (!partial_line_.empty()) lines->push_back(std::move(partial_line_));
          partial_line_.clear();
        }
        break;
      }
      case State::kChunkData:
      case State::kLengthBody: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
        SHADEKV_RETURN_IF_ERROR(ConsumeBody(in.substr(0, take), lines));
        in.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          if (state_ == State::kChunkData) {
            state_ = State::kChunkDataEnd;
          } else {
            state_ = State::kDone;
            if (!partial_line_.empty()) lines->push_back(std::move(partial_line_));
            partial_line_.clear();
          }
        }
        break;
      }
      case State::kCloseBody:
        SHADEKV_RETURN_IF_ERROR(ConsumeBody(in, lines));
        in = {};
        break;
    }
  }
  return state_ == State::kFailed ? error_ : Status::Ok();
}

Status HttpStreamParser::FinishOnClose(std::vector<std::string>* lines) {
  switch (state_) {
    case State::kFailed:
      return error_;
    case State::kDone:
      return Status::Ok();
    case State::kCloseBody:
      state_ = State::kDone;
      if (!partial_line_.empty()) lines->push_back(std::move(partial_line_));
      partial_line_.clear();
      return Status::Ok();
    case State::kStatusLine:
      if (status_code_ == 0 && scratch_.empty() && head_bytes_ == 0) {
        return Fail("connection closed before any response");
      }
      return Fail("connection closed inside the response headers");
    case State::kHeaders:
      return Fail("connection closed inside the response headers");
    default:
      return Fail("connection closed before the end of the response body");
  }
}

}  // namespace shadekv::bench
