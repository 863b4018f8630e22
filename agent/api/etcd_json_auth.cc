// Response bodies of /v3/auth/*, byte-for-byte as etcd 3.4.23's gateway
// prints them.
#include "agent/api/etcd_json_auth.h"

#include "agent/api/json_writer.h"

namespace shadekv::api {
namespace {

const char* PermTypeName(auth::PermType t) {
  switch (t) {
    case auth::PermType::kWrite:
      return "WRITE";
    case auth::PermType::kReadWrite:
      return "READWRITE";
    default:
      return "READ";
  }
}

}  // namespace

std::string EncodeAuthEmptyResponse(const ResponseHeader& header) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  w.Close();
  return out;
}

std::string EncodeAuthenticateResponse(const ResponseHeader& header, const std::string& token) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  w.String("token", token);
  w.Close();
  return out;
}

std::string EncodeAuthNamesResponse(const ResponseHeader& header, const std::string& field,
                                    const std::vector<std::string>& names) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  if (!names.empty()) {
    std::string& list = w.Field(field);
    list += '[';
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) list += ',';
      AppendJsonString(list, names[i]);
    }
    list += ']';
  }
  w.Close();
  return out;
}

std::string EncodeRoleGetResponse(const ResponseHeader& header,
                                  const std::vector<auth::Permission>& perms) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  if (!perms.empty()) {
    std::string& list = w.Field("perm");
    list += '[';
    for (size_t i = 0; i < perms.size(); ++i) {
      if (i > 0) list += ',';
      JsonObjectWriter p(list);
      if (perms[i].type != auth::PermType::kRead) p.String("permType", PermTypeName(perms[i].type));
      p.Bytes("key", perms[i].key);
      p.Bytes("range_end", perms[i].range_end);
      p.Close();
    }
    list += ']';
  }
  w.Close();
  return out;
}

std::string EncodeAuthStatusResponse(const ResponseHeader& header, bool enabled,
                                     uint64_t auth_revision) {
  std::string out;
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  w.True("enabled", enabled);
  w.Uint64AsString("authRevision", auth_revision);
  w.Close();
  return out;
}

}  // namespace shadekv::api
