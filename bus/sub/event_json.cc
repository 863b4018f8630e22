#include "bus/sub/event_json.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSONString.h>

#include <sstream>

namespace shadekv::bus {
namespace {

std::string Base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // one line, as etcd's JSON
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

std::string Quote(std::string_view text) {
  return Poco::toJSON(std::string(text), Poco::JSON_WRAP_STRINGS);
}

// etcd's JSON gateway writes int64 as strings and omits zero values.
void Int(std::string& out, const char* name, int64_t value) {
  if (value == 0) return;
  out += ",\"";
  out += name;
  out += "\":\"" + std::to_string(value) + "\"";
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

}  // namespace

std::string EventJsonLine(const ChangeEvent& event, std::string_view prefix) {
  std::string changes;
  for (const store::KeyChange& change : event.changes) {
    if (change.kv.key.compare(0, prefix.size(), prefix) != 0) continue;
    if (!changes.empty()) changes += ",";
    // etcd omits the default type (PUT), as protobuf JSON does.
    changes += "{";
    if (change.type == store::KeyChange::Type::kDelete) changes += "\"type\":\"DELETE\",";
    changes += "\"kv\":" + KvJson(change.kv);
    if (change.prev_kv) changes += ",\"prev_kv\":" + KvJson(*change.prev_kv);
    changes += "}";
  }
  if (changes.empty()) return "";
  std::string out = "{\"revision\":\"" + std::to_string(event.revision) + "\"";
  out += ",\"time_ms\":\"" + std::to_string(event.leader_time_ms) + "\"";
  out += ",\"user\":" + Quote(event.user);
  out += ",\"client_address\":" + Quote(event.client_address);
  out += ",\"request_id\":\"" + std::to_string(event.request_id) + "\"";
  out += ",\"member_id\":\"" + std::to_string(event.member_id) + "\"";
  out += ",\"events\":[" + changes + "]}";
  return out;
}

std::string SnapshotJsonLine(int64_t revision, uint64_t bytes) {
  return "{\"snapshot\":{\"revision\":\"" + std::to_string(revision) + "\",\"bytes\":\"" +
         std::to_string(bytes) + "\"}}";
}

}  // namespace shadekv::bus
