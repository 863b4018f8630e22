// etcdctl's auth argument rules and the /v3/auth/* request bodies.
#include "agent/ctl/auth_requests.h"

#include <cctype>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<PermType> ParsePermType(std::string_view text) {
  const std::string upper = Upper(text);
  if (upper == "READ") return PermType::kRead;
  if (upper == "WRITE") return PermType::kWrite;
  if (upper == "READWRITE") return PermType::kReadWrite;
  return Status::InvalidArgument("invalid permission type: " + std::string(text));
}

std::string PermTypeName(PermType type) {
  switch (type) {
    case PermType::kRead:
      return "READ";
    case PermType::kWrite:
      return "WRITE";
    case PermType::kReadWrite:
      return "READWRITE";
  }
  return "READ";
}

PermType PermTypeFromJson(const Poco::JSON::Object::Ptr& perm) {
  if (!perm || !perm->has("permType")) return PermType::kRead;
  Poco::Dynamic::Var value = perm->get("permType");
  if (value.isString()) {
    Result<PermType> parsed = ParsePermType(value.toString());
    return parsed.ok() ? *parsed : PermType::kRead;
  }
  const int64_t number = GetInt64(perm, "permType");
  if (number == 1) return PermType::kWrite;
  if (number == 2) return PermType::kReadWrite;
  return PermType::kRead;
}

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  for (size_t i = end.size(); i-- > 0;) {
    if (static_cast<unsigned char>(end[i]) < 0xff) {
      end[i] = static_cast<char>(static_cast<unsigned char>(end[i]) + 1);
      end.resize(i + 1);
      return end;
    }
  }
  return std::string(1, '\0');
}

Result<PermRange> PermRangeFromArgs(const std::vector<std::string>& key_args, bool prefix,
                                    bool from_key) {
  if (key_args.empty()) return Status::InvalidArgument("missing key argument");
  PermRange range;
  range.key = key_args[0];
  if (range.key.empty()) {
    if (prefix && from_key) {
      return Status::InvalidArgument("--from-key and --prefix flags are mutually exclusive");
    }
    // etcd's permission intervals are half-open byte ranges, so "every key"
    // is ["\x00", open end) rather than an empty key.
    range.key = std::string(1, '\0');
    if (prefix || from_key) range.range_end = std::string(1, '\0');
    return range;
  }
  if (key_args.size() == 1) {
    if (prefix && from_key) {
      return Status::InvalidArgument("--from-key and --prefix flags are mutually exclusive");
    }
    if (prefix) range.range_end = PrefixRangeEnd(range.key);
    if (from_key) range.range_end = std::string(1, '\0');
    return range;
  }
  if (prefix) return Status::InvalidArgument("unexpected endkey argument with --prefix flag");
  if (from_key) return Status::InvalidArgument("unexpected endkey argument with --from-key flag");
  range.range_end = key_args[1];
  return range;
}

std::optional<Credentials> CredentialsFromFlags(const std::string& user_flag,
                                                const std::string& password_flag) {
  if (user_flag.empty()) return std::nullopt;
  Credentials credentials;
  if (!password_flag.empty()) {
    credentials.user = user_flag;
    credentials.password = password_flag;
    return credentials;
  }
  const size_t colon = user_flag.find(':');
  if (colon == std::string::npos) {
    credentials.user = user_flag;
    credentials.ask_password = true;
    return credentials;
  }
  credentials.user = user_flag.substr(0, colon);
  credentials.password = user_flag.substr(colon + 1);
  return credentials;
}

std::string FirstWord(std::string_view input) {
  size_t start = 0;
  while (start < input.size() &&
         (input[start] == ' ' || input[start] == '\t' || input[start] == '\r')) {
    ++start;
  }
  size_t end = start;
  while (end < input.size() && !std::isspace(static_cast<unsigned char>(input[end]))) ++end;
  return std::string(input.substr(start, end - start));
}

namespace {

Poco::JSON::Object::Ptr NewObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

}  // namespace

Poco::JSON::Object::Ptr AuthenticateRequest(const std::string& user, const std::string& password) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", user);
  body->set("password", password);
  return body;
}

Poco::JSON::Object::Ptr UserAddRequest(const std::string& user, const std::string& password,
                                       bool no_password) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", user);
  body->set("password", password);
  if (no_password) {
    Poco::JSON::Object::Ptr options = NewObject();
    options->set("no_password", true);
    body->set("options", options);
  }
  return body;
}

Poco::JSON::Object::Ptr UserNameRequest(const std::string& user) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", user);
  return body;
}

Poco::JSON::Object::Ptr UserChangePasswordRequest(const std::string& user,
                                                  const std::string& password) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", user);
  body->set("password", password);
  return body;
}

Poco::JSON::Object::Ptr UserGrantRoleRequest(const std::string& user, const std::string& role) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("user", user);
  body->set("role", role);
  return body;
}

Poco::JSON::Object::Ptr UserRevokeRoleRequest(const std::string& user, const std::string& role) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", user);
  body->set("role", role);
  return body;
}

Poco::JSON::Object::Ptr RoleAddRequest(const std::string& role) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", role);
  return body;
}

Poco::JSON::Object::Ptr RoleNameRequest(const std::string& role) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("role", role);
  return body;
}

Poco::JSON::Object::Ptr RoleGrantPermissionRequest(const std::string& role, PermType type,
                                                   const PermRange& range) {
  Poco::JSON::Object::Ptr perm = NewObject();
  perm->set("permType", PermTypeName(type));
  perm->set("key", Base64Encode(range.key));
  if (!range.range_end.empty()) perm->set("range_end", Base64Encode(range.range_end));
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("name", role);
  body->set("perm", perm);
  return body;
}

Poco::JSON::Object::Ptr RoleRevokePermissionRequest(const std::string& role,
                                                    const PermRange& range) {
  Poco::JSON::Object::Ptr body = NewObject();
  body->set("role", role);
  body->set("key", Base64Encode(range.key));
  if (!range.range_end.empty()) body->set("range_end", Base64Encode(range.range_end));
  return body;
}

}  // namespace shadekv::ctl
