// Request decoding with the semantics of golang/protobuf's jsonpb (v1.3) as
// etcd 3.4's gateway runs it: fields visited in proto order, camelCase name
// preferred over the proto name, scalars re-parsed by encoding/json.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

#include "agent/api/etcd_json.h"
#include "agent/api/etcd_json_auth.h"
#include "agent/api/etcd_json_watch.h"
#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"

namespace shadekv::api {
namespace {

using Kind = JsonValue::Kind;

Status CannotUnmarshal(std::string_view what, std::string_view go_type) {
  return Status::InvalidArgument("json: cannot unmarshal " + std::string(what) +
                                 " into Go value of type " + std::string(go_type));
}

// jsonpb prefers the camelCase spelling when both are present.
const JsonValue* FieldOf(const JsonValue& obj, std::string_view proto_name,
                         std::string_view camel_name) {
  const JsonValue* v = obj.Find(camel_name);
  if (v == nullptr) v = obj.Find(proto_name);
  if (v != nullptr && v->kind == Kind::kNull) return nullptr;
  return v;
}

// A message-typed value: sets *obj to nullptr for null.
Status AsMessage(const JsonValue& v, const JsonValue** obj) {
  *obj = nullptr;
  if (v.kind == Kind::kNull) return Status::Ok();
  if (v.kind != Kind::kObject) {
    return CannotUnmarshal(GoKindName(v.kind), "map[string]json.RawMessage");
  }
  *obj = &v;
  return Status::Ok();
}

Status AsList(const JsonValue* v, const std::vector<JsonValue>** items) {
  static const std::vector<JsonValue> kEmpty;
  *items = &kEmpty;
  if (v == nullptr) return Status::Ok();
  if (v->kind != Kind::kArray) return CannotUnmarshal(GoKindName(v->kind), "[]json.RawMessage");
  *items = &v->items;
  return Status::Ok();
}

// strconv.ParseInt/ParseUint(lit, 10, bits) on a JSON number literal.
bool ParseDecimal(std::string_view lit, bool is_signed, int bits, int64_t* s, uint64_t* u) {
  bool negative = false;
  if (!lit.empty() && lit[0] == '-') {
    if (!is_signed) return false;
    negative = true;
    lit.remove_prefix(1);
  }
  if (lit.empty()) return false;
  uint64_t limit =
      is_signed ? (uint64_t{1} << (bits - 1)) - (negative ? 0 : 1)
                : (bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1);
  uint64_t v = 0;
  for (char c : lit) {
    if (c < '0' || c > '9') return false;
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  if (is_signed) {
    *s = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  } else {
    *u = v;
  }
  return true;
}

// An integer field. jsonpb strips the quotes of a string value without
// unescaping it and hands the rest to json.Unmarshal, hence the re-parse.
Status ReadInteger(const JsonValue* v, bool is_signed, int64_t* s, uint64_t* u) {
  if (v == nullptr) return Status::Ok();
  std::string_view go_type = is_signed ? "int64" : "uint64";
  JsonValue unquoted;
  const JsonValue* n = v;
  if (v->kind == Kind::kString) {
    SHADEKV_ASSIGN_OR_RETURN(unquoted, ParseWholeJson(v->raw.substr(1, v->raw.size() - 2)));
    n = &unquoted;
  }
  if (n->kind == Kind::kNull) return Status::Ok();
  if (n->kind != Kind::kNumber) return CannotUnmarshal(GoKindName(n->kind), go_type);
  if (!ParseDecimal(n->raw, is_signed, 64, s, u)) {
    return CannotUnmarshal("number " + std::string(n->raw), go_type);
  }
  return Status::Ok();
}

Status ReadInt64(const JsonValue* v, int64_t& out) {
  uint64_t unused = 0;
  return ReadInteger(v, true, &out, &unused);
}

Status ReadUint64(const JsonValue* v, uint64_t& out) {
  int64_t unused = 0;
  return ReadInteger(v, false, &unused, &out);
}

Status ReadBool(const JsonValue* v, bool& out) {
  if (v == nullptr) return Status::Ok();
  if (v->kind != Kind::kBool) return CannotUnmarshal(GoKindName(v->kind), "bool");
  out = v->boolean;
  return Status::Ok();
}

Status ReadString(const JsonValue* v, std::string& out) {
  if (v == nullptr) return Status::Ok();
  if (v->kind != Kind::kString) return CannotUnmarshal(GoKindName(v->kind), "string");
  out = v->text;
  return Status::Ok();
}

Status ReadStringList(const JsonValue* v, std::vector<std::string>& out) {
  const std::vector<JsonValue>* items;
  SHADEKV_RETURN_IF_ERROR(AsList(v, &items));
  out.clear();
  for (const JsonValue& item : *items) {
    std::string s;
    if (item.kind != Kind::kNull) SHADEKV_RETURN_IF_ERROR(ReadString(&item, s));
    out.push_back(std::move(s));
  }
  return Status::Ok();
}

// bytes: base64 text, or (encoding/json's []byte rule) an array of uint8.
Status ReadBytes(const JsonValue* v, std::string& out) {
  if (v == nullptr) return Status::Ok();
  if (v->kind == Kind::kString) {
    SHADEKV_ASSIGN_OR_RETURN(out, DecodeGoBase64(v->text));
    return Status::Ok();
  }
  if (v->kind != Kind::kArray) return CannotUnmarshal(GoKindName(v->kind), "[]uint8");
  std::string bytes;
  for (const JsonValue& item : v->items) {
    uint64_t b = 0;
    if (item.kind == Kind::kNumber) {
      int64_t unused = 0;
      if (!ParseDecimal(item.raw, false, 8, &unused, &b)) {
        return CannotUnmarshal("number " + std::string(item.raw), "uint8");
      }
    } else if (item.kind != Kind::kNull) {
      return CannotUnmarshal(GoKindName(item.kind), "uint8");
    }
    bytes += static_cast<char>(b);
  }
  out = std::move(bytes);
  return Status::Ok();
}

struct EnumType {
  std::string_view go_name;  // as in etcd's messages
  std::vector<std::string_view> names;
};

const EnumType kSortOrder{"etcdserverpb.RangeRequest_SortOrder", {"NONE", "ASCEND", "DESCEND"}};
const EnumType kSortTarget{"etcdserverpb.RangeRequest_SortTarget",
                           {"KEY", "VERSION", "CREATE", "MOD", "VALUE"}};
const EnumType kCompareResult{"etcdserverpb.Compare_CompareResult",
                              {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"}};
const EnumType kAlarmAction{"etcdserverpb.AlarmRequest_AlarmAction",
                            {"GET", "ACTIVATE", "DEACTIVATE"}};
const EnumType kAlarmType{"etcdserverpb.AlarmType", {"NONE", "NOSPACE", "CORRUPT"}};
const EnumType kCompareTarget{"etcdserverpb.Compare_CompareTarget",
                              {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"}};

// A name is matched against the raw (still escaped) string, as jsonpb does.
// Numbers outside the enum are kept, as etcd keeps them.
template <typename E>
Status ReadEnum(const JsonValue* v, const EnumType& type, E& out) {
  if (v == nullptr) return Status::Ok();
  if (v->kind == Kind::kString) {
    std::string_view name = v->raw.substr(1, v->raw.size() - 2);
    for (size_t i = 0; i < type.names.size(); ++i) {
      if (type.names[i] == name) {
        out = static_cast<E>(i);
        return Status::Ok();
      }
    }
    return Status::InvalidArgument("unknown value " + GoQuote(name) + " for enum " +
                                   std::string(type.go_name));
  }
  if (v->kind != Kind::kNumber) return CannotUnmarshal(GoKindName(v->kind), type.go_name);
  int64_t n = 0;
  uint64_t unused = 0;
  if (!ParseDecimal(v->raw, true, 32, &n, &unused)) {
    return CannotUnmarshal("number " + std::string(v->raw), type.go_name);
  }
  out = static_cast<E>(n);
  return Status::Ok();
}

// ---- Messages, fields in proto order ----

Status ReadRange(const JsonValue& o, store::RangeRequest& r) {
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), r.key));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "range_end", "rangeEnd"), r.range_end));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "limit", "limit"), r.limit));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "revision", "revision"), r.revision));
  SHADEKV_RETURN_IF_ERROR(
      ReadEnum(FieldOf(o, "sort_order", "sortOrder"), kSortOrder, r.sort_order));
  SHADEKV_RETURN_IF_ERROR(
      ReadEnum(FieldOf(o, "sort_target", "sortTarget"), kSortTarget, r.sort_target));
  // etcd 3.4 accepts any number here and then crashes the whole server
  // (sort.Sort on a nil sorter, observed): refuse it up front instead.
  if (auto t = static_cast<int>(r.sort_target);
      t < 0 || t >= static_cast<int>(kSortTarget.names.size())) {
    return Status::InvalidArgument("sort_target " + std::to_string(t) +
                                   " is not one of KEY, VERSION, CREATE, MOD, VALUE");
  }
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "serializable", "serializable"), r.serializable));
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "keys_only", "keysOnly"), r.keys_only));
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "count_only", "countOnly"), r.count_only));
  SHADEKV_RETURN_IF_ERROR(
      ReadInt64(FieldOf(o, "min_mod_revision", "minModRevision"), r.min_mod_revision));
  SHADEKV_RETURN_IF_ERROR(
      ReadInt64(FieldOf(o, "max_mod_revision", "maxModRevision"), r.max_mod_revision));
  SHADEKV_RETURN_IF_ERROR(
      ReadInt64(FieldOf(o, "min_create_revision", "minCreateRevision"), r.min_create_revision));
  return ReadInt64(FieldOf(o, "max_create_revision", "maxCreateRevision"), r.max_create_revision);
}

Status ReadPut(const JsonValue& o, store::PutRequest& r) {
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), r.key));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "value", "value"), r.value));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "lease", "lease"), r.lease));
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "prev_kv", "prevKv"), r.prev_kv));
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "ignore_value", "ignoreValue"), r.ignore_value));
  return ReadBool(FieldOf(o, "ignore_lease", "ignoreLease"), r.ignore_lease);
}

Status ReadDeleteRange(const JsonValue& o, store::DeleteRangeRequest& r) {
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), r.key));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "range_end", "rangeEnd"), r.range_end));
  return ReadBool(FieldOf(o, "prev_kv", "prevKv"), r.prev_kv);
}

// Regular fields first, then the target_union oneof (jsonpb's order).
Status ReadCompare(const JsonValue& o, store::Compare& c) {
  SHADEKV_RETURN_IF_ERROR(ReadEnum(FieldOf(o, "result", "result"), kCompareResult, c.result));
  SHADEKV_RETURN_IF_ERROR(ReadEnum(FieldOf(o, "target", "target"), kCompareTarget, c.target));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), c.key));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "range_end", "rangeEnd"), c.range_end));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "version", "version"), c.version));
  SHADEKV_RETURN_IF_ERROR(
      ReadInt64(FieldOf(o, "create_revision", "createRevision"), c.create_revision));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "mod_revision", "modRevision"), c.mod_revision));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "value", "value"), c.value));
  return ReadInt64(FieldOf(o, "lease", "lease"), c.lease);
}

// etcd checks a decoded txn (checkTxnRequest in v3rpc/key.go) before the
// store sees it; the one check that cannot wait for the store is an op that
// names no request, which the store types cannot express. When the body has
// such an op, the parser reports the first failing check in etcd's order:
// per txn, the op count, then the compare keys, then each op in branch order
// (nested txns at their position). Otherwise the store does all the checks.
struct TxnWalk {
  int depth = 0;
  int64_t max_ops = kMaxTxnOps;  // etcd's --max-txn-ops budget left at this level
  Status* first_check = nullptr;
  bool* empty_op = nullptr;

  void Note(const char* message) const {
    if (first_check->ok()) *first_check = Status::InvalidArgument(message);
  }
};

void CheckOp(const store::RequestOp& op, const TxnWalk& walk) {
  if (const auto* r = std::get_if<store::RangeRequest>(&op.request)) {
    if (r->key.empty()) walk.Note("etcdserver: key is not provided");
  } else if (const auto* p = std::get_if<store::PutRequest>(&op.request)) {
    if (p->key.empty()) walk.Note("etcdserver: key is not provided");
    if (p->ignore_value && !p->value.empty()) walk.Note("etcdserver: value is provided");
    if (p->ignore_lease && p->lease != 0) walk.Note("etcdserver: lease is provided");
  } else if (const auto* d = std::get_if<store::DeleteRangeRequest>(&op.request)) {
    if (d->key.empty()) walk.Note("etcdserver: key is not provided");
  }  // a nested txn was checked while it was read
}

Status ReadTxn(const JsonValue& o, TxnWalk walk, store::TxnRequest& t);

// Reads one oneof member into `op` unless an earlier one was taken.
template <typename Request, typename Reader>
Status ReadOneof(const JsonValue& o, std::string_view proto_name, std::string_view camel_name,
                 bool& taken, store::RequestOp& op, Reader read) {
  const JsonValue* v = FieldOf(o, proto_name, camel_name);
  if (v == nullptr) return Status::Ok();
  const JsonValue* m;
  SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &m));
  if (m == nullptr) return Status::Ok();
  Request r;
  SHADEKV_RETURN_IF_ERROR(read(*m, r));
  if (!taken) {
    taken = true;
    if constexpr (std::is_same_v<Request, store::TxnRequest>) {
      op.request = std::make_shared<const store::TxnRequest>(std::move(r));
    } else {
      op.request = std::move(r);
    }
  }
  return Status::Ok();
}

// `nested_walk` is the walk a request_txn in this op gets.
Status ReadRequestOp(const JsonValue& o, const TxnWalk& walk, const TxnWalk& nested_walk,
                     store::RequestOp& op) {
  bool taken = false;
  SHADEKV_RETURN_IF_ERROR(
      ReadOneof<store::RangeRequest>(o, "request_range", "requestRange", taken, op, ReadRange));
  SHADEKV_RETURN_IF_ERROR(
      ReadOneof<store::PutRequest>(o, "request_put", "requestPut", taken, op, ReadPut));
  SHADEKV_RETURN_IF_ERROR(ReadOneof<store::DeleteRangeRequest>(
      o, "request_delete_range", "requestDeleteRange", taken, op, ReadDeleteRange));
  SHADEKV_RETURN_IF_ERROR(
      ReadOneof<store::TxnRequest>(o, "request_txn", "requestTxn", taken, op,
                                   [&nested_walk](const JsonValue& m, store::TxnRequest& t) {
                                     return ReadTxn(m, nested_walk, t);
                                   }));
  if (taken) {
    CheckOp(op, walk);
  } else {
    walk.Note("etcdserver: key not found");
    *walk.empty_op = true;
  }
  return Status::Ok();
}

// A repeated message field; a null element is read as an empty object.
template <typename T, typename Reader>
Status ReadMessageList(const JsonValue* v, std::vector<T>& out, Reader read) {
  static const JsonValue kEmptyObject = [] {
    JsonValue v;
    v.kind = JsonValue::Kind::kObject;
    return v;
  }();
  const std::vector<JsonValue>* items;
  SHADEKV_RETURN_IF_ERROR(AsList(v, &items));
  out.clear();
  out.reserve(items->size());
  for (const JsonValue& item : *items) {
    const JsonValue* m;
    SHADEKV_RETURN_IF_ERROR(AsMessage(item, &m));
    T element;
    SHADEKV_RETURN_IF_ERROR(read(m == nullptr ? kEmptyObject : *m, element));
    out.push_back(std::move(element));
  }
  return Status::Ok();
}

int64_t ListSize(const JsonValue* v) {
  return v != nullptr && v->kind == Kind::kArray ? static_cast<int64_t>(v->items.size()) : 0;
}

Status ReadTxn(const JsonValue& o, TxnWalk walk, store::TxnRequest& t) {
  if (walk.depth > kMaxTxnNesting) {
    return Status::InvalidArgument("request_txn nested deeper than " +
                                   std::to_string(kMaxTxnNesting) + " levels");
  }
  const JsonValue* compare = FieldOf(o, "compare", "compare");
  const JsonValue* success = FieldOf(o, "success", "success");
  const JsonValue* failure = FieldOf(o, "failure", "failure");
  int64_t ops = std::max({ListSize(compare), ListSize(success), ListSize(failure)});
  if (ops > walk.max_ops) walk.Note("etcdserver: too many operations in txn request");
  TxnWalk nested{walk.depth + 1, walk.max_ops - ops, walk.first_check, walk.empty_op};
  SHADEKV_RETURN_IF_ERROR(
      ReadMessageList(compare, t.compare, [&](const JsonValue& m, store::Compare& c) {
        SHADEKV_RETURN_IF_ERROR(ReadCompare(m, c));
        if (c.key.empty()) walk.Note("etcdserver: key is not provided");
        return Status::Ok();
      }));
  auto read_op = [&](const JsonValue& m, store::RequestOp& op) {
    return ReadRequestOp(m, walk, nested, op);
  };
  SHADEKV_RETURN_IF_ERROR(ReadMessageList(success, t.success, read_op));
  return ReadMessageList(failure, t.failure, read_op);
}

// ---- Watch (etcd_json_watch.h) ----

const EnumType kWatchFilter{"etcdserverpb.WatchCreateRequest_FilterType", {"NOPUT", "NODELETE"}};

Status ReadWatchCreate(const JsonValue& o, watch::WatchCreate& c) {
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), c.key));
  SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "range_end", "rangeEnd"), c.range_end));
  SHADEKV_RETURN_IF_ERROR(
      ReadInt64(FieldOf(o, "start_revision", "startRevision"), c.start_revision));
  SHADEKV_RETURN_IF_ERROR(
      ReadBool(FieldOf(o, "progress_notify", "progressNotify"), c.progress_notify));
  const std::vector<JsonValue>* filters;
  SHADEKV_RETURN_IF_ERROR(AsList(FieldOf(o, "filters", "filters"), &filters));
  for (const JsonValue& f : *filters) {
    int filter = 0;  // null reads as the zero value, NOPUT
    SHADEKV_RETURN_IF_ERROR(ReadEnum(&f, kWatchFilter, filter));
    if (filter == 0) c.no_put = true;
    if (filter == 1) c.no_delete = true;
  }
  SHADEKV_RETURN_IF_ERROR(ReadBool(FieldOf(o, "prev_kv", "prevKv"), c.prev_kv));
  SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "watch_id", "watchId"), c.watch_id));
  return ReadBool(FieldOf(o, "fragment", "fragment"), c.fragment);
}

// The request_union oneof: every member is decoded (errors count), the
// first present one is taken.
Status ReadWatchRequest(const JsonValue& o, WatchRequest& r) {
  const JsonValue* m;
  if (const JsonValue* v = FieldOf(o, "create_request", "createRequest")) {
    SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &m));
    if (m != nullptr) {
      SHADEKV_RETURN_IF_ERROR(ReadWatchCreate(*m, r.create));
      r.kind = WatchRequest::Kind::kCreate;
    }
  }
  if (const JsonValue* v = FieldOf(o, "cancel_request", "cancelRequest")) {
    SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &m));
    if (m != nullptr) {
      int64_t id = 0;
      SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(*m, "watch_id", "watchId"), id));
      if (r.kind == WatchRequest::Kind::kNone) {
        r.kind = WatchRequest::Kind::kCancel;
        r.cancel_watch_id = id;
      }
    }
  }
  if (const JsonValue* v = FieldOf(o, "progress_request", "progressRequest")) {
    SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &m));
    if (m != nullptr && r.kind == WatchRequest::Kind::kNone) {
      r.kind = WatchRequest::Kind::kProgress;
    }
  }
  return Status::Ok();
}

// The gateway's body handling: json.Decoder (first value only, EOF = empty
// request) and then jsonpb into a message.
template <typename T, typename Reader>
Result<T> ParseBody(std::string_view body, Reader read) {
  SHADEKV_ASSIGN_OR_RETURN(DecodedBody decoded, DecodeFirstJsonValue(body));
  T out{};
  if (!decoded.found) return out;
  const JsonValue* m;
  SHADEKV_RETURN_IF_ERROR(AsMessage(decoded.value, &m));
  if (m != nullptr) SHADEKV_RETURN_IF_ERROR(read(*m, out));
  return out;
}

template <typename T>
Status ReadNothing(const JsonValue&, T&) {
  return Status::Ok();
}

}  // namespace

Result<store::RangeRequest> ParseRangeRequest(std::string_view body) {
  return ParseBody<store::RangeRequest>(body, ReadRange);
}

Result<store::PutRequest> ParsePutRequest(std::string_view body) {
  return ParseBody<store::PutRequest>(body, ReadPut);
}

Result<store::DeleteRangeRequest> ParseDeleteRangeRequest(std::string_view body) {
  return ParseBody<store::DeleteRangeRequest>(body, ReadDeleteRange);
}

Result<store::TxnRequest> ParseTxnRequest(std::string_view body) {
  return ParseBody<store::TxnRequest>(body, [](const JsonValue& o, store::TxnRequest& t) {
    Status first_check;
    bool empty_op = false;
    SHADEKV_RETURN_IF_ERROR(ReadTxn(o, TxnWalk{0, kMaxTxnOps, &first_check, &empty_op}, t));
    return empty_op ? first_check : Status::Ok();
  });
}

Result<store::CompactionRequest> ParseCompactionRequest(std::string_view body) {
  return ParseBody<store::CompactionRequest>(
      body, [](const JsonValue& o, store::CompactionRequest& r) {
        SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "revision", "revision"), r.revision));
        return ReadBool(FieldOf(o, "physical", "physical"), r.physical);
      });
}

Result<WatchRequest> ParseWatchRequest(std::string_view value) {
  return ParseBody<WatchRequest>(value, ReadWatchRequest);
}

Result<StatusRequest> ParseStatusRequest(std::string_view body) {
  return ParseBody<StatusRequest>(body, ReadNothing<StatusRequest>);
}

Result<HashRequest> ParseHashRequest(std::string_view body) {
  return ParseBody<HashRequest>(body, ReadNothing<HashRequest>);
}

Result<HashKvRequest> ParseHashKvRequest(std::string_view body) {
  return ParseBody<HashKvRequest>(body, [](const JsonValue& o, HashKvRequest& r) {
    return ReadInt64(FieldOf(o, "revision", "revision"), r.revision);
  });
}

Result<AlarmRequest> ParseAlarmRequest(std::string_view body) {
  return ParseBody<AlarmRequest>(body, [](const JsonValue& o, AlarmRequest& r) {
    SHADEKV_RETURN_IF_ERROR(ReadEnum(FieldOf(o, "action", "action"), kAlarmAction, r.action));
    SHADEKV_RETURN_IF_ERROR(ReadUint64(FieldOf(o, "memberID", "memberID"), r.member_id));
    return ReadEnum(FieldOf(o, "alarm", "alarm"), kAlarmType, r.alarm);
  });
}

Result<MemberListRequest> ParseMemberListRequest(std::string_view body) {
  return ParseBody<MemberListRequest>(body, ReadNothing<MemberListRequest>);
}

Result<MemberAddRequest> ParseMemberAddRequest(std::string_view body) {
  return ParseBody<MemberAddRequest>(body, [](const JsonValue& o, MemberAddRequest& r) {
    SHADEKV_RETURN_IF_ERROR(ReadStringList(FieldOf(o, "peerURLs", "peerURLs"), r.peer_urls));
    return ReadBool(FieldOf(o, "isLearner", "isLearner"), r.is_learner);
  });
}

Result<MemberRemoveRequest> ParseMemberRemoveRequest(std::string_view body) {
  return ParseBody<MemberRemoveRequest>(body, [](const JsonValue& o, MemberRemoveRequest& r) {
    return ReadUint64(FieldOf(o, "ID", "ID"), r.id);
  });
}

Result<MemberUpdateRequest> ParseMemberUpdateRequest(std::string_view body) {
  return ParseBody<MemberUpdateRequest>(body, [](const JsonValue& o, MemberUpdateRequest& r) {
    SHADEKV_RETURN_IF_ERROR(ReadUint64(FieldOf(o, "ID", "ID"), r.id));
    return ReadStringList(FieldOf(o, "peerURLs", "peerURLs"), r.peer_urls);
  });
}

Result<MemberPromoteRequest> ParseMemberPromoteRequest(std::string_view body) {
  return ParseBody<MemberPromoteRequest>(body, [](const JsonValue& o, MemberPromoteRequest& r) {
    return ReadUint64(FieldOf(o, "ID", "ID"), r.id);
  });
}

Result<LeaseGrantRequest> ParseLeaseGrantRequest(std::string_view body) {
  return ParseBody<LeaseGrantRequest>(body, [](const JsonValue& o, LeaseGrantRequest& r) {
    SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "TTL", "TTL"), r.ttl));
    return ReadInt64(FieldOf(o, "ID", "ID"), r.id);
  });
}

Result<LeaseIdRequest> ParseLeaseRevokeRequest(std::string_view body) {
  return ParseBody<LeaseIdRequest>(body, [](const JsonValue& o, LeaseIdRequest& r) {
    return ReadInt64(FieldOf(o, "ID", "ID"), r.id);
  });
}

Result<LeaseIdRequest> ParseLeaseKeepAliveRequest(std::string_view body) {
  return ParseLeaseRevokeRequest(body);
}

Result<LeaseTimeToLiveRequest> ParseLeaseTimeToLiveRequest(std::string_view body) {
  return ParseBody<LeaseTimeToLiveRequest>(body, [](const JsonValue& o, LeaseTimeToLiveRequest& r) {
    SHADEKV_RETURN_IF_ERROR(ReadInt64(FieldOf(o, "ID", "ID"), r.id));
    return ReadBool(FieldOf(o, "keys", "keys"), r.keys);
  });
}

Result<LeaseLeasesRequest> ParseLeaseLeasesRequest(std::string_view body) {
  return ParseBody<LeaseLeasesRequest>(body, ReadNothing<LeaseLeasesRequest>);
}

}  // namespace shadekv::api

// ---- /v3/auth/* (declared in etcd_json_auth.h; here for the shared readers) ----

namespace shadekv::api {
namespace {

const EnumType kPermType{"authpb.Permission_Type", {"READ", "WRITE", "READWRITE"}};

Status ReadAuth(const JsonValue& o, uint32_t fields, AuthRequest& r) {
  if (fields & kAuthName) SHADEKV_RETURN_IF_ERROR(ReadString(FieldOf(o, "name", "name"), r.name));
  if (fields & kAuthPassword) {
    SHADEKV_RETURN_IF_ERROR(ReadString(FieldOf(o, "password", "password"), r.password));
  }
  if (fields & kAuthUser) SHADEKV_RETURN_IF_ERROR(ReadString(FieldOf(o, "user", "user"), r.user));
  if (fields & kAuthRole) SHADEKV_RETURN_IF_ERROR(ReadString(FieldOf(o, "role", "role"), r.role));
  if (fields & kAuthPerm) {
    if (const JsonValue* v = FieldOf(o, "perm", "perm")) {
      const JsonValue* p;
      SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &p));
      if (p != nullptr) {
        r.has_perm = true;
        SHADEKV_RETURN_IF_ERROR(
            ReadEnum(FieldOf(*p, "permType", "permType"), kPermType, r.perm.type));
        SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(*p, "key", "key"), r.perm.key));
        SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(*p, "range_end", "rangeEnd"), r.perm.range_end));
      }
    }
  }
  if (fields & kAuthKeyRange) {
    SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "key", "key"), r.perm.key));
    SHADEKV_RETURN_IF_ERROR(ReadBytes(FieldOf(o, "range_end", "rangeEnd"), r.perm.range_end));
  }
  if (fields & kAuthOptions) {
    if (const JsonValue* v = FieldOf(o, "options", "options")) {
      const JsonValue* opts;
      SHADEKV_RETURN_IF_ERROR(AsMessage(*v, &opts));
      if (opts != nullptr) {
        SHADEKV_RETURN_IF_ERROR(
            ReadBool(FieldOf(*opts, "no_password", "noPassword"), r.no_password));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<AuthRequest> ParseAuthRequest(std::string_view body, uint32_t fields) {
  return ParseBody<AuthRequest>(
      body, [fields](const JsonValue& o, AuthRequest& r) { return ReadAuth(o, fields, r); });
}

}  // namespace shadekv::api
