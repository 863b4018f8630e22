// Parsing a sealed audit line with Poco's JSON parser (catching its
// exceptions here, at the edge) and the readable one-line rendering.
#include "plugins/audit/audit_line.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_record.h"

namespace shadekv::audit {
namespace {

std::string GetString(const Poco::JSON::Object::Ptr& o, const std::string& name) {
  if (o.isNull() || !o->has(name)) return "";
  Poco::Dynamic::Var v = o->get(name);
  return v.isString() ? v.extract<std::string>() : v.toString();
}

std::string Printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string DecodedKey(const std::string& b64) {
  Result<std::string> key = Base64Decode(b64);
  return key.ok() ? *key : b64;
}

}  // namespace

std::optional<uint64_t> PeekSeq(std::string_view line) {
  constexpr std::string_view kStart = "{\"seq\":";
  if (line.substr(0, kStart.size()) != kStart) return std::nullopt;
  uint64_t seq = 0;
  size_t i = kStart.size();
  size_t digits = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 19; ++i, ++digits) {
    seq = seq * 10 + static_cast<uint64_t>(line[i] - '0');
  }
  if (digits == 0 || i >= line.size() || line[i] != ',') return std::nullopt;
  return seq;
}

Result<LoggedRecord> ParseLoggedLine(std::string_view line) {
  SHADEKV_ASSIGN_OR_RETURN(SealedLine sealed, SplitSealedLine(line));
  LoggedRecord record;
  record.hash = std::move(sealed.hash);
  record.body = std::move(sealed.body);
  record.computed_hash = Sha256Hex(record.body);
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(record.body);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return Status::InvalidArgument("not a JSON object");
    }
    record.object = parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("not JSON: " + e.displayText());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("not JSON: ") + e.what());
  }
  std::optional<uint64_t> seq = PeekSeq(record.body);
  if (!seq || *seq == 0) return Status::InvalidArgument("no \"seq\" >= 1 at its start");
  record.seq = *seq;
  record.prev = GetString(record.object, "prev");
  if (!IsHashText(record.prev)) {
    return Status::InvalidArgument("its \"prev\" is not 64 lowercase hex digits");
  }
  return record;
}

Result<RecordView> ViewRecord(const LoggedRecord& record) {
  RecordView view;
  const Poco::JSON::Object::Ptr& o = record.object;
  view.kind = GetString(o, "kind");
  if (view.kind != "event" && view.kind != "request") {
    return Status::InvalidArgument("\"kind\" is neither event nor request");
  }
  SHADEKV_ASSIGN_OR_RETURN(view.time_ms, ParseTimeArgument(GetString(o, "time")));
  view.user = GetString(o, "user");
  if (view.kind == "event") {
    Poco::JSON::Array::Ptr changes = o->getArray("changes");
    if (changes.isNull()) return Status::InvalidArgument("event without \"changes\"");
    for (size_t i = 0; i < changes->size(); ++i) {
      Poco::JSON::Object::Ptr c = changes->getObject(static_cast<unsigned>(i));
      if (c.isNull()) return Status::InvalidArgument("a change is not an object");
      SHADEKV_ASSIGN_OR_RETURN(std::string key, Base64Decode(GetString(c, "key")));
      view.keys.push_back(std::move(key));
    }
  } else {
    SHADEKV_ASSIGN_OR_RETURN(std::string key, Base64Decode(GetString(o, "key")));
    view.keys.push_back(std::move(key));
  }
  return view;
}

std::string FormatSimple(const LoggedRecord& record) {
  const Poco::JSON::Object::Ptr& o = record.object;
  const std::string kind = GetString(o, "kind");
  std::string user = GetString(o, "user");
  std::string out = GetString(o, "time") + " seq=" + std::to_string(record.seq) + " " + kind +
                    " rev=" + GetString(o, "revision") +
                    " user=" + (user.empty() ? "-" : Printable(user)) +
                    " from=" + Printable(GetString(o, "client")) +
                    " member=" + GetString(o, "member_id") + " req=" + GetString(o, "request_id");
  if (kind == "event") {
    Poco::JSON::Array::Ptr changes = o->getArray("changes");
    for (size_t i = 0; !changes.isNull() && i < changes->size(); ++i) {
      Poco::JSON::Object::Ptr c = changes->getObject(static_cast<unsigned>(i));
      if (c.isNull()) continue;
      out += (i == 0 ? " " : "; ") + GetString(c, "type") + " " +
             Printable(DecodedKey(GetString(c, "key")));
      if (c->has("value_size")) {
        out += " (" + GetString(c, "value_size") + " bytes";
        if (c->has("value_sha256")) out += ", sha256 " + GetString(c, "value_sha256");
        if (c->has("value")) out += ", value " + Printable(DecodedKey(GetString(c, "value")));
        out += ")";
      }
    }
  } else {
    out += " " + Printable(GetString(o, "operation")) + " " +
           Printable(DecodedKey(GetString(o, "key")));
    std::string range_end = DecodedKey(GetString(o, "range_end"));
    if (!range_end.empty()) out += " .. " + Printable(range_end);
    out += " " + GetString(o, "outcome");
    std::string code = GetString(o, "code");
    if (code != "0") out += " code=" + code;
    std::string message = GetString(o, "message");
    if (!message.empty()) out += " \"" + Printable(message) + "\"";
  }
  return out;
}

}  // namespace shadekv::audit
