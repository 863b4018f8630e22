// Renders alerts for the alerts file (alert_json.h), by hand like
// bus/sub/event_json.cc so the field order is fixed and int64s are strings.
#include "plugins/hunt/alert_json.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSONString.h>

#include <set>
#include <sstream>

#include "plugins/hunt/local_time.h"
#include "shadekv/bus/codec.h"

namespace shadekv::hunt {
namespace {

std::string Base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

std::string Quote(std::string_view text) {
  return Poco::toJSON(std::string(text), Poco::JSON_WRAP_STRINGS);
}

std::string Str(int64_t v) { return "\"" + std::to_string(v) + "\""; }
std::string Str(uint64_t v) { return "\"" + std::to_string(v) + "\""; }

void Int(std::string& out, const char* name, int64_t value) {
  if (value == 0) return;
  out += ",\"";
  out += name;
  out += "\":" + Str(value);
}

std::string KvJson(const store::KeyValue& kv) {
  std::string out = "{\"key\":\"" + Base64(kv.key) + "\"";
  Int(out, "create_revision", kv.create_revision);
  Int(out, "mod_revision", kv.mod_revision);
  Int(out, "version", kv.version);
  if (!kv.value.empty()) out += ",\"value\":\"" + Base64(kv.value) + "\"";
  Int(out, "lease", kv.lease);
  return out + "}";
}

std::string EventJson(const bus::ChangeEvent& e) {
  std::string out = "{\"revision\":" + Str(e.revision);
  out += ",\"time\":\"" + FormatRfc3339(e.leader_time_ms) + "\"";
  out += ",\"user\":" + Quote(e.user);
  out += ",\"client_address\":" + Quote(e.client_address);
  out += ",\"member_id\":" + Str(e.member_id);
  out += ",\"request_id\":" + Str(e.request_id);
  out += ",\"changes\":[";
  for (size_t i = 0; i < e.changes.size(); ++i) {
    const store::KeyChange& c = e.changes[i];
    out += i == 0 ? "{" : ",{";
    if (c.type == store::KeyChange::Type::kDelete) out += "\"type\":\"DELETE\",";
    out += "\"kv\":" + KvJson(c.kv);
    if (c.prev_kv) out += ",\"prev_kv\":" + KvJson(*c.prev_kv);
    out += "}";
  }
  return out + "]}";
}

std::string RequestJson(const bus::RequestRecord& r) {
  std::string out = "{\"time\":\"" + FormatRfc3339(r.time_ms) + "\"";
  out += ",\"user\":" + Quote(r.user);
  out += ",\"client_address\":" + Quote(r.client_address);
  out += ",\"operation\":" + Quote(r.operation);
  out += ",\"key\":\"" + Base64(r.key) + "\"";
  out += ",\"range_end\":\"" + Base64(r.range_end) + "\"";
  out += ",\"outcome\":" + Quote(bus::RequestOutcomeName(r.outcome));
  out += ",\"code\":" + std::to_string(r.code);
  out += ",\"message\":" + Quote(r.message);
  out += ",\"revision\":" + Str(r.revision);
  out += ",\"member_id\":" + Str(r.member_id);
  out += ",\"request_id\":" + Str(r.request_id);
  return out + "}";
}

std::string Undecodable(std::string_view body) {
  return "{\"undecodable\":\"" + Base64(body) + "\"}";
}

}  // namespace

std::string AlertJsonLine(const bus::Alert& alert) {
  std::set<int64_t> revisions;
  std::string events, requests;
  for (const std::string& body : alert.events) {
    Result<bus::ChangeEvent> e = bus::DecodeEvent(body);
    if (!events.empty()) events += ",";
    if (e.ok()) {
      revisions.insert(e->revision);
      events += EventJson(*e);
    } else {
      events += Undecodable(body);
    }
  }
  for (const std::string& body : alert.requests) {
    Result<bus::RequestRecord> r = bus::DecodeRequestRecord(body);
    if (!requests.empty()) requests += ",";
    if (r.ok()) {
      if (r->revision != 0) revisions.insert(r->revision);
      requests += RequestJson(*r);
    } else {
      requests += Undecodable(body);
    }
  }
  std::string out = "{\"time\":\"" + FormatRfc3339(alert.time_ms) + "\"";
  out += ",\"rule\":" + Quote(alert.rule);
  out += ",\"type\":" + Quote(alert.rule_type);
  out += ",\"severity\":" + Quote(alert.severity);
  out += ",\"summary\":" + Quote(alert.summary);
  out += ",\"revisions\":[";
  bool first = true;
  for (int64_t r : revisions) {
    out += (first ? "" : ",") + Str(r);
    first = false;
  }
  out += "],\"events\":[" + events + "],\"requests\":[" + requests + "]}";
  return out;
}

}  // namespace shadekv::hunt
