// Reads watch messages with the agent's Go-compatible JSON reader, which is
// strict about syntax, so a truncated or garbled message is an error rather
// than a half-read event.
#include "bench/watch_fanout/watch_message.h"

#include <charconv>

#include "agent/api/json_value.h"

namespace shadekv::bench {
namespace {

using api::JsonValue;

// int64 fields are JSON strings on the wire; accept plain integers too, as
// the gateway itself does on input.
Result<int64_t> ReadInt64(const JsonValue* value, std::string_view field) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) return int64_t{0};
  std::string_view digits;
  if (value->kind == JsonValue::Kind::kString) {
    digits = value->text;
  } else if (value->kind == JsonValue::Kind::kNumber) {
    digits = value->raw;
  } else {
    return Status::InvalidArgument(std::string(field) + " is a JSON " +
                                   std::string(api::GoKindName(value->kind)) +
                                   ", want an int64 string");
  }
  int64_t out = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return Status::InvalidArgument(std::string(field) + " is \"" +
                                   std::string(digits.substr(0, 40)) + "\", want an int64");
  }
  return out;
}

Result<bool> ReadBool(const JsonValue* value, std::string_view field) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) return false;
  if (value->kind != JsonValue::Kind::kBool) {
    return Status::InvalidArgument(std::string(field) + " is not a JSON bool");
  }
  return value->boolean;
}

Status ServerError(const JsonValue& error) {
  if (error.kind == JsonValue::Kind::kString) {
    return Status::Unavailable("server sent a stream error: " + error.text);
  }
  std::string message = "server sent a stream error";
  if (error.kind == JsonValue::Kind::kObject) {
    if (const JsonValue* m = error.Find("message"); m && m->kind == JsonValue::Kind::kString) {
      message += ": " + m->text;
    }
    if (const JsonValue* c = error.Find("grpc_code"); c && c->kind == JsonValue::Kind::kNumber) {
      message += " (grpc code " + std::string(c->raw) + ")";
    }
  }
  return Status::Unavailable(message);
}

}  // namespace

Result<WatchMessage> ParseWatchMessage(std::string_view line) {
  Result<JsonValue> parsed = api::ParseWholeJson(line);
  if (!parsed.ok()) {
    return Status::InvalidArgument("watch message is not JSON (" + parsed.status().message() + ")");
  }
  const JsonValue& root = *parsed;
  if (root.kind != JsonValue::Kind::kObject) {
    return Status::InvalidArgument("watch message is not a JSON object");
  }
  if (const JsonValue* error = root.Find("error")) return ServerError(*error);
  const JsonValue* result = root.Find("result");
  if (result == nullptr || result->kind != JsonValue::Kind::kObject) {
    return Status::InvalidArgument("watch message has no \"result\" object");
  }

  WatchMessage msg;
  SHADEKV_ASSIGN_OR_RETURN(msg.created, ReadBool(result->Find("created"), "created"));
  SHADEKV_ASSIGN_OR_RETURN(msg.canceled, ReadBool(result->Find("canceled"), "canceled"));
  SHADEKV_ASSIGN_OR_RETURN(msg.watch_id, ReadInt64(result->Find("watch_id"), "watch_id"));
  SHADEKV_ASSIGN_OR_RETURN(msg.compact_revision,
                           ReadInt64(result->Find("compact_revision"), "compact_revision"));
  if (const JsonValue* reason = result->Find("cancel_reason");
      reason && reason->kind == JsonValue::Kind::kString) {
    msg.cancel_reason = reason->text;
  }
  if (const JsonValue* header = result->Find("header")) {
    if (header->kind != JsonValue::Kind::kObject) {
      return Status::InvalidArgument("watch message \"header\" is not an object");
    }
    SHADEKV_ASSIGN_OR_RETURN(msg.header_revision,
                             ReadInt64(header->Find("revision"), "header.revision"));
  }
  if (const JsonValue* events = result->Find("events");
      events && events->kind != JsonValue::Kind::kNull) {
    if (events->kind != JsonValue::Kind::kArray) {
      return Status::InvalidArgument("watch message \"events\" is not an array");
    }
    msg.event_revisions.reserve(events->items.size());
    for (const JsonValue& event : events->items) {
      const JsonValue* kv = event.kind == JsonValue::Kind::kObject ? event.Find("kv") : nullptr;
      if (kv == nullptr || kv->kind != JsonValue::Kind::kObject) {
        return Status::InvalidArgument("watch event has no \"kv\" object");
      }
      SHADEKV_ASSIGN_OR_RETURN(int64_t revision,
                               ReadInt64(kv->Find("mod_revision"), "kv.mod_revision"));
      if (revision <= 0) {
        return Status::InvalidArgument("watch event has no positive kv.mod_revision");
      }
      msg.event_revisions.push_back(revision);
    }
  }
  return msg;
}

}  // namespace shadekv::bench
