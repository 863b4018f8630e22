// Auth records in the store's meta namespace.
#include "agent/auth/auth_record.h"

#include <msgpack.hpp>

#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::auth {
namespace {

constexpr uint64_t kRecordVersion = 1;
constexpr char kStateKey[] = "auth/state";
constexpr char kUserPrefix[] = "auth/user/";
constexpr char kRolePrefix[] = "auth/role/";

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackBin(Packer& pk, std::string_view b) {
  pk.pack_bin(static_cast<uint32_t>(b.size()));
  pk.pack_bin_body(b.data(), static_cast<uint32_t>(b.size()));
}

std::string EncodeStateRecord(const AuthState& s) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint64(kRecordVersion);
  if (s.enabled()) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
  pk.pack_uint64(s.revision());
  PackBin(pk, s.secret());
  return std::string(buf.data(), buf.size());
}

std::string EncodeUser(const User& u) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(5);
  pk.pack_uint64(kRecordVersion);
  PackBin(pk, u.name);
  pk.pack_str(static_cast<uint32_t>(u.password_hash.size()));
  pk.pack_str_body(u.password_hash.data(), static_cast<uint32_t>(u.password_hash.size()));
  pk.pack_array(static_cast<uint32_t>(u.roles.size()));
  for (const std::string& r : u.roles) PackBin(pk, r);
  pk.pack_uint64(u.epoch);
  return std::string(buf.data(), buf.size());
}

std::string EncodeRole(const Role& r) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint64(kRecordVersion);
  PackBin(pk, r.name);
  pk.pack_array(static_cast<uint32_t>(r.perms.size()));
  for (const Permission& p : r.perms) {
    pk.pack_array(3);
    pk.pack_int32(static_cast<int32_t>(p.type));
    PackBin(pk, p.key);
    PackBin(pk, p.range_end);
  }
  return std::string(buf.data(), buf.size());
}

template <typename T, typename Encode>
void Diff(const std::map<std::string, T>& before, const std::map<std::string, T>& after,
          const std::string& prefix, Encode encode, std::vector<store::MetaWrite>* out) {
  for (const auto& [name, value] : after) {
    auto it = before.find(name);
    if (it == before.end() || !(it->second == value)) {
      out->push_back({prefix + name, encode(value)});
    }
  }
  for (const auto& [name, value] : before) {
    if (after.find(name) == after.end()) out->push_back({prefix + name, std::nullopt});
  }
}

Status Damaged(const std::string& key, const std::string& why) {
  return Status::DataLoss("auth record '" + key + "' is damaged: " + why +
                          " (restore this member from a snapshot)");
}

// Unpacks one record and checks its version; `fields` is its array size.
Result<msgpack::object_handle> Unpack(const std::string& key, const std::string& value) {
  msgpack::unpack_limit limits(/*array=*/1u << 16, /*map=*/0, /*str=*/1u << 16,
                               /*bin=*/1u << 20, /*ext=*/0, /*depth=*/8);
  Result<msgpack::object_handle> h = codec::UnpackExactlyOne(value, limits, "auth record", key);
  if (!h.ok()) return Damaged(key, h.status().message());
  return h;
}

}  // namespace

std::vector<store::MetaWrite> AuthMetaWrites(const AuthState& before, const AuthState& after) {
  std::vector<store::MetaWrite> out;
  out.push_back({kStateKey, EncodeStateRecord(after)});
  Diff(before.users(), after.users(), kUserPrefix, EncodeUser, &out);
  Diff(before.roles(), after.roles(), kRolePrefix, EncodeRole, &out);
  return out;
}

std::vector<store::MetaWrite> AuthMetaWrites(const AuthState& state) {
  return AuthMetaWrites(AuthState(), state);
}

Result<AuthState> DecodeAuthState(const std::vector<std::pair<std::string, std::string>>& entries) {
  bool enabled = false;
  uint64_t revision = 0;
  std::string secret;
  std::map<std::string, User> users;
  std::map<std::string, Role> roles;
  for (const auto& [key, value] : entries) {
    SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle h, Unpack(key, value));
    codec::MsgpackReader r("auth record " + key, {1u << 16, 1u << 16});
    const msgpack::object& o = h.get();
    if (key == kStateKey) {
      const msgpack::object* f = r.Fields(o, "state", 4);
      if (f != nullptr) {
        if (r.Uint(f[0], "version") != kRecordVersion && !r.failed()) {
          return Damaged(key, "unsupported version");
        }
        enabled = r.Bool(f[1], "enabled");
        revision = r.Uint(f[2], "revision");
        secret = r.Bin(f[3], "secret");
      }
    } else if (key.starts_with(kUserPrefix)) {
      User u;
      const msgpack::object* f = r.Fields(o, "user", 5);
      if (f != nullptr) {
        if (r.Uint(f[0], "version") != kRecordVersion && !r.failed()) {
          return Damaged(key, "unsupported version");
        }
        u.name = r.Bin(f[1], "name");
        u.password_hash = r.Str(f[2], "password_hash");
        uint32_t n = 0;
        const msgpack::object* list = r.List(f[3], "roles", &n);
        for (uint32_t i = 0; list != nullptr && i < n && !r.failed(); ++i) {
          u.roles.push_back(r.Bin(list[i], "roles[" + std::to_string(i) + "]"));
        }
        u.epoch = r.Uint(f[4], "epoch");
      }
      if (!r.failed() && key.substr(sizeof(kUserPrefix) - 1) != u.name) {
        return Damaged(key, "the key does not match the user name inside");
      }
      if (!r.failed() && !std::is_sorted(u.roles.begin(), u.roles.end())) {
        return Damaged(key, "roles are not sorted");
      }
      if (!r.failed()) users[u.name] = std::move(u);
    } else if (key.starts_with(kRolePrefix)) {
      Role role;
      const msgpack::object* f = r.Fields(o, "role", 3);
      if (f != nullptr) {
        if (r.Uint(f[0], "version") != kRecordVersion && !r.failed()) {
          return Damaged(key, "unsupported version");
        }
        role.name = r.Bin(f[1], "name");
        uint32_t n = 0;
        const msgpack::object* list = r.List(f[2], "perms", &n);
        for (uint32_t i = 0; list != nullptr && i < n && !r.failed(); ++i) {
          std::string path = "perms[" + std::to_string(i) + "]";
          const msgpack::object* p = r.Fields(list[i], path, 3);
          if (p == nullptr) break;
          Permission perm;
          int64_t type = r.Int(p[0], path + ".type");
          if (!r.failed() && (type < 0 || type > 2)) return Damaged(key, path + ": bad type");
          perm.type = static_cast<PermType>(type);
          perm.key = r.Bin(p[1], path + ".key");
          perm.range_end = r.Bin(p[2], path + ".range_end");
          role.perms.push_back(std::move(perm));
        }
      }
      if (!r.failed() && key.substr(sizeof(kRolePrefix) - 1) != role.name) {
        return Damaged(key, "the key does not match the role name inside");
      }
      if (!r.failed()) roles[role.name] = std::move(role);
    } else {
      return Damaged(key, "unknown auth record");
    }
    if (r.failed()) return Damaged(key, r.error().message());
  }
  AuthState state;
  state.Reset(enabled, revision, std::move(secret), std::move(users), std::move(roles));
  return state;
}

}  // namespace shadekv::auth
