// The canonical JSON line of an audit record, written by hand rather than
// through a JSON library so the member order and the bytes never depend on
// a library's map ordering or number formatting: the hash covers them.
#include "plugins/audit/audit_record.h"

#include "shadekv/codec/json_string.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include <cstdio>
#include <ctime>
#include <sstream>

namespace shadekv::audit {
namespace {

void AppendMember(const char* name, const std::string& value, std::string& out) {
  out += ",\"";
  out += name;
  out += "\":";
  codec::AppendGoJsonString(out, value);
}

void AppendNumber(const char* name, int64_t value, std::string& out) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

std::string MemberIdHex(uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

}  // namespace

Result<ValuesPolicy> ParseValuesPolicy(const std::string& text) {
  if (text == "hash") return ValuesPolicy::kHash;
  if (text == "full") return ValuesPolicy::kFull;
  if (text == "none") return ValuesPolicy::kNone;
  return Status::InvalidArgument("audit.values must be hash, full or none, not \"" + text + "\"");
}

std::string CanonicalJson(const AuditRecord& r) {
  std::string out = "{\"seq\":" + std::to_string(r.seq);
  AppendMember("prev", r.prev, out);
  AppendMember("kind", r.kind, out);
  AppendMember("time", FormatRfc3339Millis(r.time_ms), out);
  AppendNumber("revision", r.revision, out);
  AppendMember("member_id", MemberIdHex(r.member_id), out);
  AppendMember("request_id", std::to_string(r.request_id), out);
  AppendMember("user", r.user, out);
  AppendMember("client", r.client_address, out);
  if (r.kind == "event") {
    out += ",\"changes\":[";
    for (size_t i = 0; i < r.changes.size(); ++i) {
      const AuditChange& c = r.changes[i];
      if (i > 0) out += ',';
      out += "{\"type\":";
      codec::AppendGoJsonString(out, c.type);
      AppendMember("key", Base64Encode(c.key), out);
      if (c.value_size) AppendNumber("value_size", static_cast<int64_t>(*c.value_size), out);
      if (!c.value_sha256.empty()) AppendMember("value_sha256", c.value_sha256, out);
      if (c.value) AppendMember("value", Base64Encode(*c.value), out);
      out += '}';
    }
    out += ']';
  } else {
    AppendMember("operation", r.operation, out);
    AppendMember("key", Base64Encode(r.key), out);
    AppendMember("range_end", Base64Encode(r.range_end), out);
    AppendMember("outcome", r.outcome, out);
    AppendNumber("code", static_cast<int64_t>(r.code), out);
    AppendMember("message", r.message, out);
  }
  out += '}';
  return out;
}

std::string FormatRfc3339Millis(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

Result<int64_t> ParseTimeArgument(const std::string& text) {
  if (!text.empty() && text.size() <= 12 &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<int64_t>(std::stoll(text)) * 1000;
  }
  // RFC 3339 requires a date, a time and an offset; Poco's ISO 8601 parser
  // with fractions accepts exactly that family (and no fraction too).
  if (text.size() >= 20 && text[4] == '-' && text[10] == 'T') {
    try {
      int tzd = 0;
      Poco::DateTime dt;
      if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt,
                                         tzd)) {
        dt.makeUTC(tzd);
        return static_cast<int64_t>(dt.timestamp().epochMicroseconds() / 1000);
      }
    } catch (const Poco::Exception&) {
      // Falls through to the error below.
    }
  }
  return Status::InvalidArgument("invalid time \"" + text +
                                 "\": give RFC 3339 (2026-11-21T05:25:40Z, "
                                 "2026-11-21T07:25:40.5+02:00) or Unix seconds (1795238740)");
}

std::string HexEncode(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Base64Encode(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

Result<std::string> Base64Decode(const std::string& text) {
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    if (Base64Encode(out) != text) {
      return Status::InvalidArgument("not canonical base64: \"" + text + "\"");
    }
    return out;
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("not base64: \"" + text + "\": " + e.displayText());
  }
}

}  // namespace shadekv::audit
