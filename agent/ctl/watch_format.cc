// etcdctl's watch printers over gateway JSON. The gateway names the event type
// "DELETE" (and omits PUT, the zero value); Go's encoding/json of the gogo
// struct prints the enum as its number.
#include "agent/ctl/watch_format.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/go_format.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/output_format.h"

namespace shadekv::ctl {

namespace {

Poco::JSON::Object::Ptr Event(const Poco::JSON::Object::Ptr& result, size_t index) {
  Poco::JSON::Array::Ptr events = GetArray(result, "events");
  if (!events || index >= events->size()) return nullptr;
  return events->getObject(static_cast<unsigned>(index));
}

std::string EventJson(const Poco::JSON::Object::Ptr& event) {
  std::string out = "{";
  bool first = true;
  for (const std::string& name : event->getNames()) {
    std::string value;
    if (name == "type") {
      std::string type = GetString(event, "type");
      if (type == "PUT" || type.empty()) continue;
      value = type == "DELETE" ? "1" : EtcdctlJson(event->get(name));
    } else {
      value = EtcdctlJson(event->get(name));
    }
    if (!first) out += ",";
    first = false;
    out += GoJsonQuote(name) + ":" + value;
  }
  return out + "}";
}

std::string WatchJson(const Poco::JSON::Object::Ptr& result) {
  Poco::JSON::Object::Ptr header = GetObject(result, "header");
  std::string out = "{\"Header\":" + (header ? EtcdctlJson(header) : std::string("{}"));
  out += ",\"Events\":[";
  for (size_t i = 0; i < WatchEventCount(result); ++i) {
    if (i > 0) out += ",";
    out += EventJson(Event(result, i));
  }
  out += "],\"CompactRevision\":" + std::to_string(GetInt64(result, "compact_revision"));
  out += std::string(",\"Canceled\":") + (GetBool(result, "canceled") ? "true" : "false");
  out += std::string(",\"Created\":") + (GetBool(result, "created") ? "true" : "false");
  return out + "}\n";
}

}  // namespace

Result<std::string> FormatWatchResponse(const Poco::JSON::Object::Ptr& result,
                                        const PrintOptions& opts) {
  switch (opts.format) {
    case OutputFormat::kJson:
      return WatchJson(result);
    case OutputFormat::kTable:
      return Status::Unimplemented("table not supported as output format");
    case OutputFormat::kSimple:
      break;
  }
  std::string out;
  for (size_t i = 0; i < WatchEventCount(result); ++i) {
    Poco::JSON::Object::Ptr event = Event(result, i);
    out += IsDeleteEvent(result, i) ? "DELETE\n" : "PUT\n";
    if (Poco::JSON::Object::Ptr prev = GetObject(event, "prev_kv")) AppendSimpleKv(prev, opts, out);
    AppendSimpleKv(GetObject(event, "kv"), opts, out);
  }
  return out;
}

std::string WatchCanceledLine(const Poco::JSON::Object::Ptr& result) {
  // clientv3's WatchResponse.Err(), in its order of precedence.
  std::string reason;
  if (GetInt64(result, "compact_revision") != 0) {
    reason = "etcdserver: mvcc: required revision has been compacted";
  } else if (std::string cancel = GetString(result, "cancel_reason"); !cancel.empty()) {
    reason = cancel;
  } else {
    reason = "etcdserver: mvcc: required revision is a future revision";
  }
  return "watch was canceled (" + reason + ")\n";
}

std::vector<std::string> WatchEventEnvironment(const Poco::JSON::Object::Ptr& result,
                                               size_t index) {
  Poco::JSON::Object::Ptr kv = GetObject(Event(result, index), "kv");
  return {"ETCD_WATCH_REVISION=" + std::to_string(WatchHeaderRevision(result)),
          std::string("ETCD_WATCH_EVENT_TYPE=") +
              (IsDeleteEvent(result, index) ? "\"DELETE\"" : "\"PUT\""),
          "ETCD_WATCH_KEY=" + GoQuote(GetBytes(kv, "key")),
          "ETCD_WATCH_VALUE=" + GoQuote(GetBytes(kv, "value"))};
}

bool IsWatchCreated(const Poco::JSON::Object::Ptr& result) { return GetBool(result, "created"); }

bool IsWatchCanceled(const Poco::JSON::Object::Ptr& result) { return GetBool(result, "canceled"); }

bool IsWatchProgress(const Poco::JSON::Object::Ptr& result) {
  return WatchEventCount(result) == 0 && !IsWatchCreated(result) && !IsWatchCanceled(result);
}

size_t WatchEventCount(const Poco::JSON::Object::Ptr& result) {
  Poco::JSON::Array::Ptr events = GetArray(result, "events");
  return events ? events->size() : 0;
}

Poco::JSON::Object::Ptr WatchEventKv(const Poco::JSON::Object::Ptr& result, size_t index) {
  return GetObject(Event(result, index), "kv");
}

bool IsDeleteEvent(const Poco::JSON::Object::Ptr& result, size_t index) {
  Poco::JSON::Object::Ptr event = Event(result, index);
  if (!event || !event->has("type")) return false;
  const Poco::Dynamic::Var& type = event->get("type");
  if (type.isString()) return type.extract<std::string>() == "DELETE";
  return GetInt64(event, "type") == 1;
}

int64_t WatchHeaderRevision(const Poco::JSON::Object::Ptr& result) {
  return GetInt64(GetObject(result, "header"), "revision");
}

}  // namespace shadekv::ctl
