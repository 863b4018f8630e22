// etcdctl 3.4's auth printers over the gateway's JSON. Golden strings in
// tests/agent/ctl/auth_format_test.cc pin every format.
#include "agent/ctl/auth_format.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/auth_requests.h"
#include "agent/ctl/go_format.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

Result<AuthOutputFormat> ParseAuthOutputFormat(std::string_view name) {
  if (name == "simple") return AuthOutputFormat::kSimple;
  if (name == "json") return AuthOutputFormat::kJson;
  if (name == "fields") return AuthOutputFormat::kFields;
  if (name == "table") return AuthOutputFormat::kTable;
  return Status::Unimplemented("unsupported output format \"" + std::string(name) +
                               "\" (shadectl's auth, user and role commands support simple, "
                               "json, fields and table)");
}

namespace {

Status NotSupported(AuthOutputFormat format) {
  return Status::Unimplemented(
      std::string(format == AuthOutputFormat::kTable ? "table" : "fields") +
      " not supported as output format");
}

// printer_fields.go's hdr(): the four header fields, zero when absent.
std::string FieldsHeader(const Poco::JSON::Object::Ptr& resp) {
  Poco::JSON::Object::Ptr header = GetObject(resp, "header");
  return "\"ClusterID\" : " + std::to_string(GetUint64(header, "cluster_id")) +
         "\n\"MemberID\" : " + std::to_string(GetUint64(header, "member_id")) +
         "\n\"Revision\" : " + std::to_string(GetInt64(header, "revision")) +
         "\n\"RaftTerm\" : " + std::to_string(GetUint64(header, "raft_term")) + "\n";
}

// `"header":{...}` as Go's encoding/json prints pb.ResponseHeader, or "" when
// the response has none (Go would print nothing for a nil header pointer).
std::string JsonHeaderMember(const Poco::JSON::Object::Ptr& resp) {
  if (!resp || !resp->has("header")) return "";
  return "\"header\":" + EtcdctlJson(resp->get("header"));
}

std::string JsonObject(const std::vector<std::string>& members) {
  std::string out = "{";
  bool first = true;
  for (const std::string& m : members) {
    if (m.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += m;
  }
  return out + "}\n";
}

std::vector<std::string> StringArray(const Poco::JSON::Object::Ptr& resp, const std::string& key) {
  std::vector<std::string> items;
  if (Poco::JSON::Array::Ptr array = GetArray(resp, key)) {
    for (size_t i = 0; i < array->size(); ++i) items.push_back(array->get(i).toString());
  }
  return items;
}

// `"roles":["a","b"]`, or "" for none (omitempty).
std::string JsonStringsMember(const std::string& key, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  std::string out = GoJsonQuote(key) + ":[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + GoJsonQuote(items[i]);
  return out + "]";
}

std::string AckLine(AuthAck ack, const std::string& name, const std::string& role) {
  switch (ack) {
    case AuthAck::kUserAdd:
      return "User " + name + " created\n";
    case AuthAck::kUserDelete:
      return "User " + name + " deleted\n";
    case AuthAck::kUserChangePassword:
      return "Password updated\n";
    case AuthAck::kUserGrantRole:
      return "Role " + role + " is granted to user " + name + "\n";
    case AuthAck::kUserRevokeRole:
      return "Role " + role + " is revoked from user " + name + "\n";
    case AuthAck::kRoleAdd:
      return "Role " + name + " created\n";
    case AuthAck::kRoleDelete:
      return "Role " + name + " deleted\n";
    case AuthAck::kRoleGrantPermission:
      return "Role " + name + " updated\n";
  }
  return "";
}

Result<std::string> HeaderOnly(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format,
                               const std::string& simple) {
  switch (format) {
    case AuthOutputFormat::kSimple:
      return simple;
    case AuthOutputFormat::kJson:
      return JsonObject({JsonHeaderMember(resp)});
    case AuthOutputFormat::kFields:
      return FieldsHeader(resp);
    case AuthOutputFormat::kTable:
      break;
  }
  return NotSupported(format);
}

struct Perm {
  PermType type;
  std::string key;
  std::string range_end;
};

std::vector<Perm> Perms(const Poco::JSON::Object::Ptr& resp) {
  std::vector<Perm> perms;
  if (Poco::JSON::Array::Ptr array = GetArray(resp, "perm")) {
    for (size_t i = 0; i < array->size(); ++i) {
      Poco::JSON::Object::Ptr item = array->getObject(i);
      if (!item) continue;
      perms.push_back({PermTypeFromJson(item), GetBytes(item, "key"), GetBytes(item, "range_end")});
    }
  }
  return perms;
}

// printer_simple.go's RoleGet line for one permission.
std::string SimplePermLine(const Perm& perm) {
  if (perm.range_end.empty()) return "\t" + perm.key + "\n";
  std::string line = perm.range_end != std::string(1, '\0')
                         ? "\t[" + perm.key + ", " + perm.range_end + ")"
                         : "\t[" + perm.key + ", <open ended>";
  if (PrefixRangeEnd(perm.key) == perm.range_end) line += " (prefix " + perm.key + ")";
  return line + "\n";
}

std::string SimpleRoleGet(const std::string& role, const std::vector<Perm>& perms) {
  std::string out = "Role " + role + "\nKV Read:\n";
  for (const Perm& p : perms) {
    if (p.type == PermType::kRead || p.type == PermType::kReadWrite) out += SimplePermLine(p);
  }
  out += "KV Write:\n";
  for (const Perm& p : perms) {
    if (p.type == PermType::kWrite || p.type == PermType::kReadWrite) out += SimplePermLine(p);
  }
  return out;
}

// authpb.Permission through encoding/json: permType as a number, bytes as
// base64, zero values omitted.
std::string JsonPerm(const Perm& perm) {
  std::vector<std::string> members;
  if (perm.type != PermType::kRead) {
    members.push_back("\"permType\":" + std::to_string(static_cast<int>(perm.type)));
  }
  if (!perm.key.empty()) members.push_back("\"key\":" + GoJsonQuote(Base64Encode(perm.key)));
  if (!perm.range_end.empty()) {
    members.push_back("\"range_end\":" + GoJsonQuote(Base64Encode(perm.range_end)));
  }
  std::string text = JsonObject(members);
  text.pop_back();  // JsonObject ends its top-level line
  return text;
}

}  // namespace

Result<std::string> FormatAuthAck(AuthAck ack, const std::string& name, const std::string& role,
                                  const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format) {
  return HeaderOnly(resp, format, AckLine(ack, name, role));
}

Result<std::string> FormatRoleRevokePermission(const std::string& role, const std::string& key_arg,
                                               const std::string& range_end,
                                               const Poco::JSON::Object::Ptr& resp,
                                               AuthOutputFormat format) {
  std::string simple;
  if (range_end.empty()) {
    simple = "Permission of key " + key_arg + " is revoked from role " + role + "\n";
  } else if (range_end != std::string(1, '\0')) {
    simple = "Permission of range [" + key_arg + ", " + range_end + ") is revoked from role " +
             role + "\n";
  } else {
    simple =
        "Permission of range [" + key_arg + ", <open ended> is revoked from role " + role + "\n";
  }
  return HeaderOnly(resp, format, simple);
}

Result<std::string> FormatRoleGet(const std::string& role, const Poco::JSON::Object::Ptr& resp,
                                  AuthOutputFormat format) {
  const std::vector<Perm> perms = Perms(resp);
  switch (format) {
    case AuthOutputFormat::kSimple:
      return SimpleRoleGet(role, perms);
    case AuthOutputFormat::kJson: {
      std::string perm_member;
      if (!perms.empty()) {
        perm_member = "\"perm\":[";
        for (size_t i = 0; i < perms.size(); ++i) {
          perm_member += (i > 0 ? "," : "") + JsonPerm(perms[i]);
        }
        perm_member += "]";
      }
      return JsonObject({JsonHeaderMember(resp), perm_member});
    }
    case AuthOutputFormat::kFields: {
      std::string out = FieldsHeader(resp);
      for (const Perm& p : perms) {
        // etcdctl prints this label with a trailing space before Println's own.
        out += "\"PermType\" :  " + PermTypeName(p.type) + "\n";
        out += "\"Key\" : " + GoQuote(p.key) + "\n";
        out += "\"RangeEnd\" : " + GoQuote(p.range_end) + "\n";
      }
      return out;
    }
    case AuthOutputFormat::kTable:
      break;
  }
  return NotSupported(format);
}

namespace {

Result<std::string> FormatNameList(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format,
                                   const std::string& key, const std::string& fields_label) {
  const std::vector<std::string> names = StringArray(resp, key);
  switch (format) {
    case AuthOutputFormat::kSimple: {
      std::string out;
      for (const std::string& n : names) out += n + "\n";
      return out;
    }
    case AuthOutputFormat::kJson:
      return JsonObject({JsonHeaderMember(resp), JsonStringsMember(key, names)});
    case AuthOutputFormat::kFields: {
      if (fields_label.empty()) break;
      std::string out = FieldsHeader(resp) + "\"" + fields_label + "\" :";
      for (const std::string& n : names) out += " " + GoQuote(n);
      return out + "\n";
    }
    case AuthOutputFormat::kTable:
      break;
  }
  return NotSupported(format);
}

}  // namespace

Result<std::string> FormatRoleList(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format) {
  return FormatNameList(resp, format, "roles", "Roles");
}

Result<std::string> FormatUserList(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format) {
  return FormatNameList(resp, format, "users", "");
}

Result<std::string> FormatUserGet(const std::string& user, const Poco::JSON::Object::Ptr& resp,
                                  AuthOutputFormat format) {
  const std::vector<std::string> roles = StringArray(resp, "roles");
  switch (format) {
    case AuthOutputFormat::kSimple: {
      std::string out = "User: " + user + "\nRoles:";
      for (const std::string& r : roles) out += " " + r;
      return out + "\n";
    }
    case AuthOutputFormat::kJson:
      return JsonObject({JsonHeaderMember(resp), JsonStringsMember("roles", roles)});
    case AuthOutputFormat::kFields:
    case AuthOutputFormat::kTable:
      break;
  }
  return NotSupported(format);
}

Result<std::string> FormatAuthStatus(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format) {
  const bool enabled = GetBool(resp, "enabled");
  // The proto field is authRevision; accept the snake_case spelling too.
  const uint64_t revision = resp && resp->has("authRevision") ? GetUint64(resp, "authRevision")
                                                              : GetUint64(resp, "auth_revision");
  const std::string enabled_text = enabled ? "true" : "false";
  switch (format) {
    case AuthOutputFormat::kSimple:
      return "Authentication Status: " + enabled_text +
             "\nAuthRevision: " + std::to_string(revision) + "\n";
    case AuthOutputFormat::kJson:
      return JsonObject({JsonHeaderMember(resp), enabled ? "\"enabled\":true" : "",
                         revision != 0 ? "\"authRevision\":" + std::to_string(revision) : ""});
    case AuthOutputFormat::kFields:
      return FieldsHeader(resp) + "\"Enabled\" : " + enabled_text +
             "\n\"AuthRevision\" : " + std::to_string(revision) + "\n";
    case AuthOutputFormat::kTable:
      break;
  }
  return NotSupported(format);
}

}  // namespace shadekv::ctl
