// Response encoding in the exact shape etcd 3.4's gateway prints (jsonpb with
// OrigName and without EmitDefaults): proto field order, zero values left out.
#include <type_traits>
#include <variant>

#include "agent/api/etcd_json.h"
#include "agent/api/go_base64.h"
#include "agent/api/json_writer.h"

namespace shadekv::api {

void AppendHeader(std::string& out, const ResponseHeader& h) {
  JsonObjectWriter w(out);
  w.Uint64AsString("cluster_id", h.cluster_id);
  w.Uint64AsString("member_id", h.member_id);
  w.Int64AsString("revision", h.revision);
  w.Uint64AsString("raft_term", h.raft_term);
  w.Close();
}

namespace {

void AppendKeyValue(std::string& out, const store::KeyValue& kv) {
  JsonObjectWriter w(out);
  w.Bytes("key", kv.key);
  w.Int64AsString("create_revision", kv.create_revision);
  w.Int64AsString("mod_revision", kv.mod_revision);
  w.Int64AsString("version", kv.version);
  w.Bytes("value", kv.value);
  w.Int64AsString("lease", kv.lease);
  w.Close();
}

void AppendKeyValues(JsonObjectWriter& w, std::string_view name,
                     const std::vector<store::KeyValue>& kvs) {
  if (kvs.empty()) return;
  std::string& out = w.Field(name);
  out += '[';
  for (size_t i = 0; i < kvs.size(); ++i) {
    if (i > 0) out += ',';
    AppendKeyValue(out, kvs[i]);
  }
  out += ']';
}

void AppendStrings(JsonObjectWriter& w, std::string_view name,
                   const std::vector<std::string>& values) {
  if (values.empty()) return;
  std::string& out = w.Field(name);
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, values[i]);
  }
  out += ']';
}

// Each Append*Body writes the fields after "header" into an open object.
void AppendRangeBody(JsonObjectWriter& w, const store::RangeResponse& r) {
  AppendKeyValues(w, "kvs", r.kvs);
  w.True("more", r.more);
  w.Int64AsString("count", r.count);
}

void AppendPutBody(JsonObjectWriter& w, const store::PutResponse& r) {
  if (r.prev_kv.has_value()) AppendKeyValue(w.Field("prev_kv"), *r.prev_kv);
}

void AppendDeleteRangeBody(JsonObjectWriter& w, const store::DeleteRangeResponse& r) {
  w.Int64AsString("deleted", r.deleted);
  AppendKeyValues(w, "prev_kvs", r.prev_kvs);
}

void AppendTxnBody(JsonObjectWriter& w, const store::TxnResponse& r);

// Inside a txn a sub-response's header holds only its revision; a nested
// txn's header is empty (observed on etcd 3.4.23).
void AppendResponseOp(std::string& out, const store::ResponseOp& op) {
  JsonObjectWriter outer(out);
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        std::string_view name;
        if constexpr (std::is_same_v<T, store::RangeResponse>) {
          name = "response_range";
        } else if constexpr (std::is_same_v<T, store::PutResponse>) {
          name = "response_put";
        } else if constexpr (std::is_same_v<T, store::DeleteRangeResponse>) {
          name = "response_delete_range";
        } else {
          name = "response_txn";
        }
        JsonObjectWriter inner(outer.Field(name));
        ResponseHeader header;
        if constexpr (std::is_same_v<T, store::RangeResponse>) {
          header.revision = r.revision;
          AppendHeader(inner.Field("header"), header);
          AppendRangeBody(inner, r);
        } else if constexpr (std::is_same_v<T, store::PutResponse>) {
          header.revision = r.revision;
          AppendHeader(inner.Field("header"), header);
          AppendPutBody(inner, r);
        } else if constexpr (std::is_same_v<T, store::DeleteRangeResponse>) {
          header.revision = r.revision;
          AppendHeader(inner.Field("header"), header);
          AppendDeleteRangeBody(inner, r);
        } else {
          AppendHeader(inner.Field("header"), header);
          if (r != nullptr) AppendTxnBody(inner, *r);
        }
        inner.Close();
      },
      op.response);
  outer.Close();
}

void AppendTxnBody(JsonObjectWriter& w, const store::TxnResponse& r) {
  w.True("succeeded", r.succeeded);
  if (r.responses.empty()) return;
  std::string& out = w.Field("responses");
  out += '[';
  for (size_t i = 0; i < r.responses.size(); ++i) {
    if (i > 0) out += ',';
    AppendResponseOp(out, r.responses[i]);
  }
  out += ']';
}

void AppendMember(std::string& out, const Member& m) {
  JsonObjectWriter w(out);
  w.Uint64AsString("ID", m.id);
  w.String("name", m.name);
  AppendStrings(w, "peerURLs", m.peer_urls);
  AppendStrings(w, "clientURLs", m.client_urls);
  w.True("isLearner", m.is_learner);
  w.Close();
}

void AppendMembers(JsonObjectWriter& w, const std::vector<Member>& members) {
  if (members.empty()) return;
  std::string& out = w.Field("members");
  out += '[';
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ',';
    AppendMember(out, members[i]);
  }
  out += ']';
}

// Runs `body` between the header and the closing brace of a top-level response.
template <typename Body>
std::string Encode(const ResponseHeader& header, Body body) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  body(w);
  w.Close();
  return out;
}

}  // namespace

std::string EncodeRangeResponse(const ResponseHeader& header, const store::RangeResponse& r) {
  return Encode(header, [&](JsonObjectWriter& w) { AppendRangeBody(w, r); });
}

std::string EncodePutResponse(const ResponseHeader& header, const store::PutResponse& r) {
  return Encode(header, [&](JsonObjectWriter& w) { AppendPutBody(w, r); });
}

std::string EncodeDeleteRangeResponse(const ResponseHeader& header,
                                      const store::DeleteRangeResponse& r) {
  return Encode(header, [&](JsonObjectWriter& w) { AppendDeleteRangeBody(w, r); });
}

std::string EncodeTxnResponse(const ResponseHeader& header, const store::TxnResponse& r) {
  return Encode(header, [&](JsonObjectWriter& w) { AppendTxnBody(w, r); });
}

std::string EncodeCompactionResponse(const ResponseHeader& header) {
  return Encode(header, [](JsonObjectWriter&) {});
}

std::string EncodeStatusResponse(const ResponseHeader& header, const StatusResponse& r) {
  return Encode(header, [&](JsonObjectWriter& w) {
    w.String("version", r.version);
    w.Int64AsString("dbSize", r.db_size);
    w.Uint64AsString("leader", r.leader);
    w.Uint64AsString("raftIndex", r.raft_index);
    w.Uint64AsString("raftTerm", r.raft_term);
    w.Uint64AsString("raftAppliedIndex", r.raft_applied_index);
    AppendStrings(w, "errors", r.errors);
    w.Int64AsString("dbSizeInUse", r.db_size_in_use);
    w.True("isLearner", r.is_learner);
  });
}

std::string EncodeHashResponse(const ResponseHeader& header, uint32_t hash) {
  return Encode(header, [&](JsonObjectWriter& w) {
    if (hash != 0) w.Field("hash") += std::to_string(hash);
  });
}

std::string EncodeAlarmResponse(
    const ResponseHeader& /*header*/,
    const std::vector<std::pair<uint64_t, AlarmRequest::Type>>& alarms) {
  static const char* const kNames[] = {"NONE", "NOSPACE", "CORRUPT"};
  // Observed on etcd 3.4.23: the alarm reply never carries a header (its
  // maintenance server leaves it nil), so with no alarm it is `{}`; zero
  // member ids and NONE types are omitted like any proto3 zero value.
  if (alarms.empty()) return "{}";
  std::string out;
  JsonObjectWriter w(out);
  std::string& list = w.Field("alarms");
  list += '[';
  for (size_t i = 0; i < alarms.size(); ++i) {
    if (i > 0) list += ',';
    int type = static_cast<int>(alarms[i].second);
    JsonObjectWriter item(list);
    item.Uint64AsString("memberID", alarms[i].first);
    if (type > 0 && type < 3) item.Field("alarm") += std::string("\"") + kNames[type] + "\"";
    item.Close();
  }
  list += ']';
  w.Close();
  return out;
}

std::string EncodeHashKvResponse(const ResponseHeader& header, const store::HashResult& r) {
  return Encode(header, [&](JsonObjectWriter& w) {
    if (r.hash != 0) w.Field("hash") += std::to_string(r.hash);
    w.Int64AsString("compact_revision", r.compact_revision);
  });
}

std::string EncodeMembersResponse(const ResponseHeader& header,
                                  const std::vector<Member>& members) {
  return Encode(header, [&](JsonObjectWriter& w) { AppendMembers(w, members); });
}

std::string EncodeMemberAddResponse(const ResponseHeader& header, const Member& added,
                                    const std::vector<Member>& members) {
  return Encode(header, [&](JsonObjectWriter& w) {
    AppendMember(w.Field("member"), added);
    AppendMembers(w, members);
  });
}

std::string EncodeKeyValue(const store::KeyValue& kv) {
  std::string out;
  AppendKeyValue(out, kv);
  return out;
}

std::string EncodeEvent(const store::KeyChange& change) {
  std::string out;
  JsonObjectWriter w(out);
  if (change.type == store::KeyChange::Type::kDelete) w.Field("type") += "\"DELETE\"";
  AppendKeyValue(w.Field("kv"), change.kv);
  if (change.prev_kv.has_value()) AppendKeyValue(w.Field("prev_kv"), *change.prev_kv);
  w.Close();
  return out;
}

std::string EncodeEvents(const std::vector<store::KeyChange>& changes) {
  std::string out = "[";
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i > 0) out += ',';
    out += EncodeEvent(changes[i]);
  }
  out += ']';
  return out;
}

std::string EncodeLeaseGrantResponse(const ResponseHeader& header, int64_t id, int64_t ttl) {
  return Encode(header, [&](JsonObjectWriter& w) {
    w.Int64AsString("ID", id);
    w.Int64AsString("TTL", ttl);
  });
}

std::string EncodeLeaseRevokeResponse(const ResponseHeader& header) {
  return Encode(header, [](JsonObjectWriter&) {});
}

std::string EncodeLeaseKeepAliveMessage(const ResponseHeader& header, int64_t id, int64_t ttl) {
  std::string out;
  JsonObjectWriter w(out);
  w.Field("result") += EncodeLeaseGrantResponse(header, id, ttl);
  w.Close();
  return out;
}

std::string EncodeLeaseTimeToLiveResponse(const ResponseHeader& header, int64_t id, int64_t ttl,
                                          int64_t granted_ttl,
                                          const std::vector<std::string>& keys) {
  return Encode(header, [&](JsonObjectWriter& w) {
    w.Int64AsString("ID", id);
    w.Int64AsString("TTL", ttl);
    w.Int64AsString("grantedTTL", granted_ttl);
    if (keys.empty()) return;
    std::string& out = w.Field("keys");
    out += '[';
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      out += EncodeBase64(keys[i]);
      out += '"';
    }
    out += ']';
  });
}

std::string EncodeLeaseLeasesResponse(const ResponseHeader& header,
                                      const std::vector<int64_t>& ids) {
  return Encode(header, [&](JsonObjectWriter& w) {
    if (ids.empty()) return;
    std::string& out = w.Field("leases");
    out += '[';
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out += ',';
      JsonObjectWriter lease(out);
      lease.Int64AsString("ID", ids[i]);
      lease.Close();
    }
    out += ']';
  });
}

}  // namespace shadekv::api
