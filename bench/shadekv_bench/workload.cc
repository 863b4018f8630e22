// Replies are judged on content, not only on HTTP 200: a range that finds no
// key or a txn whose compare failed would otherwise count as fast successes
// and flatter the server that got them.
#include "bench/shadekv_bench/workload.h"

#include <charconv>
#include <cstdio>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"

namespace shadekv::bench {
namespace {

int Digits(int64_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

std::string B64(std::string_view bytes) { return api::EncodeBase64(bytes); }

// An int64 gateway field: a JSON string of digits (or a number); absent = 0.
Result<int64_t> Int64Field(const api::JsonValue* value, const char* name) {
  if (value == nullptr) return int64_t{0};
  std::string_view text = value->kind == api::JsonValue::Kind::kString ? value->text : value->raw;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string("field ") + name +
                                   " is not an integer: " + std::string(value->raw));
  }
  return out;
}

Result<api::JsonValue> ParseReply(std::string_view body) {
  Result<api::DecodedBody> decoded = api::DecodeFirstJsonValue(body);
  if (!decoded.ok() || !decoded->found || decoded->value.kind != api::JsonValue::Kind::kObject) {
    return Status::InvalidArgument("reply is not a JSON object: " +
                                   std::string(body.substr(0, 200)));
  }
  return std::move(decoded->value);
}

ReplyVerdict Bad(std::string kind, std::string_view body) {
  return ReplyVerdict{std::move(kind), std::string(body.substr(0, 200))};
}

}  // namespace

Status ValidateKeyLayout(const std::string& prefix, int key_size, int64_t key_space_size) {
  const int digits = Digits(key_space_size - 1);
  const int64_t needed = static_cast<int64_t>(prefix.size()) + digits;
  if (needed > key_size) {
    return Status::InvalidArgument(
        "--key-size " + std::to_string(key_size) + " cannot hold the prefix \"" + prefix + "\" (" +
        std::to_string(prefix.size()) + " bytes) and " + std::to_string(digits) +
        " digits of the key space; use " + "--key-size " + std::to_string(needed) +
        " or more, or a shorter --prefix");
  }
  return Status::Ok();
}

std::string KeyOf(const std::string& prefix, int key_size, int64_t index) {
  char digits[24];
  const int n = std::snprintf(digits, sizeof(digits), "%lld", static_cast<long long>(index));
  std::string key = prefix;
  const int pad = key_size - static_cast<int>(prefix.size()) - n;
  if (pad > 0) key.append(static_cast<size_t>(pad), '0');
  key.append(digits, static_cast<size_t>(n));
  return key;
}

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // etcd's "no end": every key
}

int64_t KeyChooser::Next(int64_t n) {
  if (sequential_) return n % key_space_size_;
  return static_cast<int64_t>(rng_() % static_cast<uint64_t>(key_space_size_));
}

std::string PutBody(std::string_view key, std::string_view value) {
  return "{\"key\":\"" + B64(key) + "\",\"value\":\"" + B64(value) + "\"}";
}

std::string PutWithLeaseBody(std::string_view key, std::string_view value, int64_t lease_id) {
  return "{\"key\":\"" + B64(key) + "\",\"value\":\"" + B64(value) + "\",\"lease\":\"" +
         std::to_string(lease_id) + "\"}";
}

std::string RangeBody(std::string_view key, bool serializable) {
  return "{\"key\":\"" + B64(key) + (serializable ? "\",\"serializable\":true}" : "\"}");
}

std::string TxnPutBody(std::string_view key, std::string_view value) {
  return "{\"compare\":[{\"key\":\"" + B64(key) +
         "\",\"target\":\"MOD\",\"result\":\"LESS\",\"mod_revision\":\"9223372036854775807\"}],"
         "\"success\":[{\"request_put\":{\"key\":\"" +
         B64(key) + "\",\"value\":\"" + B64(value) + "\"}}]}";
}

std::string DeleteBody(std::string_view key) { return "{\"key\":\"" + B64(key) + "\"}"; }

std::string CountPrefixBody(const std::string& prefix) {
  return "{\"key\":\"" + B64(prefix) + "\",\"range_end\":\"" + B64(PrefixEnd(prefix)) +
         "\",\"count_only\":true}";
}

std::string LeaseGrantBody(int64_t ttl_s) { return "{\"TTL\":\"" + std::to_string(ttl_s) + "\"}"; }

std::string LeaseIdBody(int64_t lease_id) {
  return "{\"ID\":\"" + std::to_string(lease_id) + "\"}";
}

ReplyVerdict JudgeReply(Workload workload, int http_status, std::string_view body,
                        bool is_range_in_mixed) {
  if (http_status != 200) {
    Result<api::JsonValue> json = ParseReply(body);
    if (json.ok()) {
      const api::JsonValue* code = json->Find("code");
      if (code != nullptr && code->kind == api::JsonValue::Kind::kNumber) {
        return Bad("grpc_code_" + std::string(code->raw), body);
      }
    }
    return Bad("http_" + std::to_string(http_status), body);
  }
  Result<api::JsonValue> json = ParseReply(body);
  if (!json.ok()) return Bad("bad_response", body);
  const api::JsonValue* root = &*json;
  // Streaming calls (lease keep-alive) wrap their message in "result".
  if (const api::JsonValue* result = root->Find("result"); result != nullptr) root = result;
  if (root->Find("error") != nullptr) return Bad("stream_error", body);
  const api::JsonValue* header = root->Find("header");
  if (header == nullptr) return Bad("bad_response", body);

  switch (workload) {
    case Workload::kPut:
    case Workload::kWatch:
      break;
    case Workload::kRange: {
      const api::JsonValue* kvs = root->Find("kvs");
      if (kvs == nullptr || kvs->kind != api::JsonValue::Kind::kArray || kvs->items.empty()) {
        return Bad("key_missing", body);
      }
      break;
    }
    case Workload::kMixed:
      if (is_range_in_mixed) return JudgeReply(Workload::kRange, http_status, body, false);
      break;
    case Workload::kTxnPut: {
      const api::JsonValue* succeeded = root->Find("succeeded");
      if (succeeded == nullptr || !succeeded->boolean) return Bad("txn_not_succeeded", body);
      break;
    }
    case Workload::kDelete: {
      Result<int64_t> deleted = Int64Field(root->Find("deleted"), "deleted");
      if (!deleted.ok()) return Bad("bad_response", body);
      if (*deleted != 1) return Bad("key_missing", body);
      break;
    }
    case Workload::kLeaseKeepalive: {
      Result<int64_t> ttl = Int64Field(root->Find("TTL"), "TTL");
      if (!ttl.ok()) return Bad("bad_response", body);
      if (*ttl <= 0) return Bad("lease_expired", body);
      break;
    }
  }
  return ReplyVerdict{};
}

Result<int64_t> ReadCount(std::string_view range_reply) {
  SHADEKV_ASSIGN_OR_RETURN(api::JsonValue json, ParseReply(range_reply));
  return Int64Field(json.Find("count"), "count");
}

Result<int64_t> ReadLeaseId(std::string_view grant_reply) {
  SHADEKV_ASSIGN_OR_RETURN(api::JsonValue json, ParseReply(grant_reply));
  SHADEKV_ASSIGN_OR_RETURN(int64_t id, Int64Field(json.Find("ID"), "ID"));
  if (id == 0) {
    return Status::InvalidArgument("lease grant reply has no ID: " +
                                   std::string(grant_reply.substr(0, 200)));
  }
  return id;
}

Result<int64_t> ReadDeleted(std::string_view delete_reply) {
  SHADEKV_ASSIGN_OR_RETURN(api::JsonValue json, ParseReply(delete_reply));
  return Int64Field(json.Find("deleted"), "deleted");
}

}  // namespace shadekv::bench
