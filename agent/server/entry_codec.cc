// Raft entry payload encoding. Byte layout (MessagePack, positional arrays):
//
//   entry      := array(7)[ version:uint (=1), request_id:uint, origin:uint, user:str,
//                           client_address:str, leader_time_ms:int, op ]
//   op         := array(2)[ tag:uint, body ]        top level: tags 2-5, 16-18, 32-42, 64, 80
//   request    := array(2)[ tag:uint, body ]        inside a txn: tags 1, 2, 3, 4
//   body(1 range)        := array(13)[ key:bin, range_end:bin, limit:int, revision:int,
//                             sort_order:int, sort_target:int, serializable:bool,
//                             keys_only:bool, count_only:bool, min_mod_revision:int,
//                             max_mod_revision:int, min_create_revision:int,
//                             max_create_revision:int ]
//   body(2 put)          := array(6)[ key:bin, value:bin, lease:int, prev_kv:bool,
//                             ignore_value:bool, ignore_lease:bool ]
//   body(3 delete_range) := array(3)[ key:bin, range_end:bin, prev_kv:bool ]
//   body(4 txn)          := array(3)[ compare:array(n)[compare], success:array(n)[request],
//                             failure:array(n)[request] ]
//   body(5 compaction)   := array(2)[ revision:int, physical:bool ]
//   body(16 lease_grant)      := array(2)[ id:int, ttl:int ]
//   body(17 lease_revoke)     := array(1)[ id:int ]
//   body(18 lease_checkpoint) := array(1)[ checkpoints:array(n)[ array(2)[ id:int,
//                                  remaining_ttl:int ] ] ]
//   body(32-42 auth change, tag = 32 + AuthChange::Kind)
//                        := array(5)[ user:bin, role:bin, password_hash:str,
//                             perm:array(3)[ type:int, key:bin, range_end:bin ], secret:bin ]
//   body(64 member_attributes) := array(3)[ member_id:uint, name:str,
//                                   client_urls:array(n)[str] ]
//   body(80 alarm)       := array(3)[ action:uint (1 activate, 2 deactivate), member_id:uint,
//                             type:int (1 NOSPACE, 2 CORRUPT) ]
//   compare    := array(9)[ result:int, target:int, key:bin, range_end:bin, version:int,
//                           create_revision:int, mod_revision:int, value:bin, lease:int ]
//
// int is any MessagePack integer within int64 (enums within int32: etcd keeps
// unknown enum numbers, so do we). Never renumber a tag, never reorder or
// remove a field: add a new tag, or bump kEntryFormatVersion. Tags 19-31
// (leases), 43-63 (auth), 65-79 (membership) and 81-95 (maintenance) are
// reserved for later ops.
#include "agent/server/entry_codec.h"

#include "shadekv/codec/msgpack_reader.h"

#include <msgpack.hpp>

#include <exception>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace shadekv::agent {
namespace {

using codec::MsgpackReader;
using codec::UnpackExactlyOne;

using Packer = msgpack::packer<msgpack::sbuffer>;
using store::CompactionRequest;
using store::Compare;
using store::DeleteRangeRequest;
using store::PutRequest;
using store::RangeRequest;
using store::RequestOp;
using store::TxnRequest;

void PackBin(Packer& pk, std::string_view bytes) {
  pk.pack_bin(static_cast<uint32_t>(bytes.size()));
  pk.pack_bin_body(bytes.data(), static_cast<uint32_t>(bytes.size()));
}

void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void PackBool(Packer& pk, bool b) {
  if (b) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
}

template <typename E>
void PackEnum(Packer& pk, E e) {
  pk.pack_int32(static_cast<int32_t>(e));
}

void PackTag(Packer& pk, EntryOpTag tag) {
  pk.pack_array(2);
  pk.pack_uint32(static_cast<uint32_t>(tag));
}

void PackRange(Packer& pk, const RangeRequest& r) {
  pk.pack_array(13);
  PackBin(pk, r.key);
  PackBin(pk, r.range_end);
  pk.pack_int64(r.limit);
  pk.pack_int64(r.revision);
  PackEnum(pk, r.sort_order);
  PackEnum(pk, r.sort_target);
  PackBool(pk, r.serializable);
  PackBool(pk, r.keys_only);
  PackBool(pk, r.count_only);
  pk.pack_int64(r.min_mod_revision);
  pk.pack_int64(r.max_mod_revision);
  pk.pack_int64(r.min_create_revision);
  pk.pack_int64(r.max_create_revision);
}

void PackPut(Packer& pk, const PutRequest& r) {
  pk.pack_array(6);
  PackBin(pk, r.key);
  PackBin(pk, r.value);
  pk.pack_int64(r.lease);
  PackBool(pk, r.prev_kv);
  PackBool(pk, r.ignore_value);
  PackBool(pk, r.ignore_lease);
}

void PackDeleteRange(Packer& pk, const DeleteRangeRequest& r) {
  pk.pack_array(3);
  PackBin(pk, r.key);
  PackBin(pk, r.range_end);
  PackBool(pk, r.prev_kv);
}

void PackCompare(Packer& pk, const Compare& c) {
  pk.pack_array(9);
  PackEnum(pk, c.result);
  PackEnum(pk, c.target);
  PackBin(pk, c.key);
  PackBin(pk, c.range_end);
  pk.pack_int64(c.version);
  pk.pack_int64(c.create_revision);
  pk.pack_int64(c.mod_revision);
  PackBin(pk, c.value);
  pk.pack_int64(c.lease);
}

void PackTxn(Packer& pk, const TxnRequest& t);

void PackRequests(Packer& pk, const std::vector<RequestOp>& ops) {
  pk.pack_array(static_cast<uint32_t>(ops.size()));
  for (const RequestOp& op : ops) {
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            PackTag(pk, EntryOpTag::kRange);
            PackRange(pk, r);
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            PackTag(pk, EntryOpTag::kPut);
            PackPut(pk, r);
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            PackTag(pk, EntryOpTag::kDeleteRange);
            PackDeleteRange(pk, r);
          } else {
            PackTag(pk, EntryOpTag::kTxn);
            PackTxn(pk, r != nullptr ? *r : TxnRequest{});
          }
        },
        op.request);
  }
}

void PackTxn(Packer& pk, const TxnRequest& t) {
  pk.pack_array(3);
  pk.pack_array(static_cast<uint32_t>(t.compare.size()));
  for (const Compare& c : t.compare) PackCompare(pk, c);
  PackRequests(pk, t.success);
  PackRequests(pk, t.failure);
}

RangeRequest ReadRange(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  RangeRequest q;
  const msgpack::object* f = r.Fields(o, path, 13);
  if (f == nullptr) return q;
  q.key = r.Bin(f[0], path + ".key");
  q.range_end = r.Bin(f[1], path + ".range_end");
  q.limit = r.Int(f[2], path + ".limit");
  q.revision = r.Int(f[3], path + ".revision");
  q.sort_order = r.Enum<store::SortOrder>(f[4], path + ".sort_order");
  q.sort_target = r.Enum<store::SortTarget>(f[5], path + ".sort_target");
  q.serializable = r.Bool(f[6], path + ".serializable");
  q.keys_only = r.Bool(f[7], path + ".keys_only");
  q.count_only = r.Bool(f[8], path + ".count_only");
  q.min_mod_revision = r.Int(f[9], path + ".min_mod_revision");
  q.max_mod_revision = r.Int(f[10], path + ".max_mod_revision");
  q.min_create_revision = r.Int(f[11], path + ".min_create_revision");
  q.max_create_revision = r.Int(f[12], path + ".max_create_revision");
  return q;
}

PutRequest ReadPut(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  PutRequest q;
  const msgpack::object* f = r.Fields(o, path, 6);
  if (f == nullptr) return q;
  q.key = r.Bin(f[0], path + ".key");
  q.value = r.Bin(f[1], path + ".value");
  q.lease = r.Int(f[2], path + ".lease");
  q.prev_kv = r.Bool(f[3], path + ".prev_kv");
  q.ignore_value = r.Bool(f[4], path + ".ignore_value");
  q.ignore_lease = r.Bool(f[5], path + ".ignore_lease");
  return q;
}

DeleteRangeRequest ReadDeleteRange(MsgpackReader& r, const msgpack::object& o,
                                   const std::string& path) {
  DeleteRangeRequest q;
  const msgpack::object* f = r.Fields(o, path, 3);
  if (f == nullptr) return q;
  q.key = r.Bin(f[0], path + ".key");
  q.range_end = r.Bin(f[1], path + ".range_end");
  q.prev_kv = r.Bool(f[2], path + ".prev_kv");
  return q;
}

CompactionRequest ReadCompaction(MsgpackReader& r, const msgpack::object& o,
                                 const std::string& path) {
  CompactionRequest q;
  const msgpack::object* f = r.Fields(o, path, 2);
  if (f == nullptr) return q;
  q.revision = r.Int(f[0], path + ".revision");
  q.physical = r.Bool(f[1], path + ".physical");
  return q;
}

Compare ReadCompare(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  Compare c;
  const msgpack::object* f = r.Fields(o, path, 9);
  if (f == nullptr) return c;
  c.result = r.Enum<Compare::Result>(f[0], path + ".result");
  c.target = r.Enum<Compare::Target>(f[1], path + ".target");
  c.key = r.Bin(f[2], path + ".key");
  c.range_end = r.Bin(f[3], path + ".range_end");
  c.version = r.Int(f[4], path + ".version");
  c.create_revision = r.Int(f[5], path + ".create_revision");
  c.mod_revision = r.Int(f[6], path + ".mod_revision");
  c.value = r.Bin(f[7], path + ".value");
  c.lease = r.Int(f[8], path + ".lease");
  return c;
}

TxnRequest ReadTxn(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                   int nesting);

std::vector<RequestOp> ReadRequests(MsgpackReader& r, const msgpack::object& o,
                                    const std::string& path, int nesting) {
  std::vector<RequestOp> ops;
  uint32_t n = 0;
  const msgpack::object* items = r.List(o, path, &n);
  if (items == nullptr) return ops;
  ops.reserve(n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    const msgpack::object* f = r.Fields(items[i], item_path, 2);
    if (f == nullptr) break;
    uint64_t tag = r.Uint(f[0], item_path + ".tag");
    std::string body = item_path + ".body";
    RequestOp op;
    switch (tag) {
      case static_cast<uint64_t>(EntryOpTag::kRange):
        op.request = ReadRange(r, f[1], body);
        break;
      case static_cast<uint64_t>(EntryOpTag::kPut):
        op.request = ReadPut(r, f[1], body);
        break;
      case static_cast<uint64_t>(EntryOpTag::kDeleteRange):
        op.request = ReadDeleteRange(r, f[1], body);
        break;
      case static_cast<uint64_t>(EntryOpTag::kTxn):
        op.request = std::make_shared<const TxnRequest>(ReadTxn(r, f[1], body, nesting + 1));
        break;
      default:
        r.Fail(item_path + ".tag", "op tag " + std::to_string(tag) + " is not allowed in a txn");
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

TxnRequest ReadTxn(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                   int nesting) {
  TxnRequest t;
  if (nesting > kMaxEntryTxnNesting) {
    r.Fail(path, "txn nested deeper than " + std::to_string(kMaxEntryTxnNesting) + " levels");
    return t;
  }
  const msgpack::object* f = r.Fields(o, path, 3);
  if (f == nullptr) return t;
  uint32_t n = 0;
  const msgpack::object* compares = r.List(f[0], path + ".compare", &n);
  if (compares != nullptr) {
    t.compare.reserve(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      t.compare.push_back(
          ReadCompare(r, compares[i], path + ".compare[" + std::to_string(i) + "]"));
    }
  }
  t.success = ReadRequests(r, f[1], path + ".success", nesting);
  t.failure = ReadRequests(r, f[2], path + ".failure", nesting);
  return t;
}

MemberAttributes ReadMemberAttributes(MsgpackReader& r, const msgpack::object& o,
                                      const std::string& path) {
  MemberAttributes a;
  const msgpack::object* f = r.Fields(o, path, 3);
  if (f == nullptr) return a;
  a.member_id = r.Uint(f[0], path + ".member_id");
  a.name = r.Str(f[1], path + ".name");
  uint32_t size = 0;
  const msgpack::object* urls = r.List(f[2], path + ".client_urls", &size);
  for (uint32_t i = 0; urls != nullptr && i < size && !r.failed(); ++i) {
    a.client_urls.push_back(r.Str(urls[i], path + ".client_urls[" + std::to_string(i) + "]"));
  }
  return a;
}

LeaseGrant ReadLeaseGrant(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  LeaseGrant g;
  const msgpack::object* f = r.Fields(o, path, 2);
  if (f == nullptr) return g;
  g.id = r.Int(f[0], path + ".id");
  g.ttl = r.Int(f[1], path + ".ttl");
  return g;
}

LeaseRevoke ReadLeaseRevoke(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  LeaseRevoke v;
  const msgpack::object* f = r.Fields(o, path, 1);
  if (f == nullptr) return v;
  v.id = r.Int(f[0], path + ".id");
  return v;
}

LeaseCheckpoint ReadLeaseCheckpoint(MsgpackReader& r, const msgpack::object& o,
                                    const std::string& path) {
  LeaseCheckpoint c;
  const msgpack::object* f = r.Fields(o, path, 1);
  if (f == nullptr) return c;
  uint32_t n = 0;
  const msgpack::object* items = r.List(f[0], path + ".checkpoints", &n);
  for (uint32_t i = 0; items != nullptr && i < n && !r.failed(); ++i) {
    std::string item_path = path + ".checkpoints[" + std::to_string(i) + "]";
    const msgpack::object* g = r.Fields(items[i], item_path, 2);
    if (g == nullptr) break;
    LeaseCheckpoint::Item item;
    item.id = r.Int(g[0], item_path + ".id");
    item.remaining_ttl = r.Int(g[1], item_path + ".remaining_ttl");
    c.checkpoints.push_back(item);
  }
  return c;
}

auth::AuthChange ReadAuthChange(MsgpackReader& r, uint64_t kind, const msgpack::object& o,
                                const std::string& path) {
  auth::AuthChange c;
  c.kind = static_cast<auth::AuthChange::Kind>(kind);
  const msgpack::object* f = r.Fields(o, path, 5);
  if (f == nullptr) return c;
  c.user = r.Bin(f[0], path + ".user");
  c.role = r.Bin(f[1], path + ".role");
  c.password_hash = r.Str(f[2], path + ".password_hash");
  const msgpack::object* p = r.Fields(f[3], path + ".perm", 3);
  if (p == nullptr) return c;
  int64_t type = r.Int(p[0], path + ".perm.type");
  if (!r.failed() && (type < 0 || type > 2)) {
    r.Fail(path + ".perm.type", "unknown permission type " + std::to_string(type));
  }
  c.perm.type = static_cast<auth::PermType>(type);
  c.perm.key = r.Bin(p[1], path + ".perm.key");
  c.perm.range_end = r.Bin(p[2], path + ".perm.range_end");
  c.secret = r.Bin(f[4], path + ".secret");
  return c;
}

// Only the values an alarm entry can mean are accepted: a forged action or
// type would otherwise become an alarm no one can name or clear.
AlarmChange ReadAlarmChange(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  AlarmChange a;
  const msgpack::object* f = r.Fields(o, path, 3);
  if (f == nullptr) return a;
  uint64_t action = r.Uint(f[0], path + ".action");
  a.member_id = r.Uint(f[1], path + ".member_id");
  int64_t type = r.Int(f[2], path + ".type");
  if (r.failed()) return a;
  if (action != static_cast<uint64_t>(AlarmChange::Action::kActivate) &&
      action != static_cast<uint64_t>(AlarmChange::Action::kDeactivate)) {
    r.Fail(path + ".action", "alarm action " + std::to_string(action) +
                                 " is neither 1 (activate) nor 2 (deactivate)");
    return a;
  }
  if (type != static_cast<int64_t>(AlarmType::kNoSpace) &&
      type != static_cast<int64_t>(AlarmType::kCorrupt)) {
    r.Fail(path + ".type",
           "alarm type " + std::to_string(type) + " is neither 1 (NOSPACE) nor 2 (CORRUPT)");
    return a;
  }
  a.action = static_cast<AlarmChange::Action>(action);
  a.type = static_cast<AlarmType>(type);
  return a;
}

EntryOp ReadOp(MsgpackReader& r, const msgpack::object& o) {
  const msgpack::object* f = r.Fields(o, "op", 2);
  if (f == nullptr) return {};
  uint64_t tag = r.Uint(f[0], "op.tag");
  constexpr uint64_t kAuthBase = static_cast<uint64_t>(EntryOpTag::kAuthChangeBase);
  if (tag >= kAuthBase && tag <= kAuthBase + auth::AuthChange::kMaxKind) {
    return ReadAuthChange(r, tag - kAuthBase, f[1], "op.body");
  }
  switch (tag) {
    case static_cast<uint64_t>(EntryOpTag::kPut):
      return ReadPut(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kDeleteRange):
      return ReadDeleteRange(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kTxn):
      return ReadTxn(r, f[1], "op.body", 0);
    case static_cast<uint64_t>(EntryOpTag::kCompaction):
      return ReadCompaction(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kMemberAttributes):
      return ReadMemberAttributes(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kLeaseGrant):
      return ReadLeaseGrant(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kLeaseRevoke):
      return ReadLeaseRevoke(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kLeaseCheckpoint):
      return ReadLeaseCheckpoint(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kAlarm):
      return ReadAlarmChange(r, f[1], "op.body");
    case static_cast<uint64_t>(EntryOpTag::kRange):
      r.Fail("op.tag", "op tag 1 (range) is only allowed inside a txn");
      return {};
    default:
      r.Fail("op.tag", "unknown op tag " + std::to_string(tag) +
                           " (written by a newer shadekv? run one version on every member)");
      return {};
  }
}

}  // namespace

std::string EncodeRaftEntry(const RaftEntry& entry) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(7);
  pk.pack_uint64(kEntryFormatVersion);
  pk.pack_uint64(entry.request_id);
  pk.pack_uint64(entry.origin);
  PackStr(pk, entry.user);
  PackStr(pk, entry.client_address);
  pk.pack_int64(entry.leader_time_ms);
  std::visit(
      [&](const auto& op) {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, PutRequest>) {
          PackTag(pk, EntryOpTag::kPut);
          PackPut(pk, op);
        } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
          PackTag(pk, EntryOpTag::kDeleteRange);
          PackDeleteRange(pk, op);
        } else if constexpr (std::is_same_v<T, TxnRequest>) {
          PackTag(pk, EntryOpTag::kTxn);
          PackTxn(pk, op);
        } else if constexpr (std::is_same_v<T, CompactionRequest>) {
          PackTag(pk, EntryOpTag::kCompaction);
          pk.pack_array(2);
          pk.pack_int64(op.revision);
          PackBool(pk, op.physical);
        } else if constexpr (std::is_same_v<T, LeaseGrant>) {
          PackTag(pk, EntryOpTag::kLeaseGrant);
          pk.pack_array(2);
          pk.pack_int64(op.id);
          pk.pack_int64(op.ttl);
        } else if constexpr (std::is_same_v<T, LeaseRevoke>) {
          PackTag(pk, EntryOpTag::kLeaseRevoke);
          pk.pack_array(1);
          pk.pack_int64(op.id);
        } else if constexpr (std::is_same_v<T, LeaseCheckpoint>) {
          PackTag(pk, EntryOpTag::kLeaseCheckpoint);
          pk.pack_array(1);
          pk.pack_array(static_cast<uint32_t>(op.checkpoints.size()));
          for (const LeaseCheckpoint::Item& item : op.checkpoints) {
            pk.pack_array(2);
            pk.pack_int64(item.id);
            pk.pack_int64(item.remaining_ttl);
          }
        } else if constexpr (std::is_same_v<T, auth::AuthChange>) {
          pk.pack_array(2);
          pk.pack_uint32(static_cast<uint32_t>(EntryOpTag::kAuthChangeBase) +
                         static_cast<uint32_t>(op.kind));
          pk.pack_array(5);
          PackBin(pk, op.user);
          PackBin(pk, op.role);
          PackStr(pk, op.password_hash);
          pk.pack_array(3);
          pk.pack_int32(static_cast<int32_t>(op.perm.type));
          PackBin(pk, op.perm.key);
          PackBin(pk, op.perm.range_end);
          PackBin(pk, op.secret);
        } else if constexpr (std::is_same_v<T, AlarmChange>) {
          PackTag(pk, EntryOpTag::kAlarm);
          pk.pack_array(3);
          pk.pack_uint32(static_cast<uint32_t>(op.action));
          pk.pack_uint64(op.member_id);
          pk.pack_int32(static_cast<int32_t>(op.type));
        } else {
          static_assert(std::is_same_v<T, MemberAttributes>);
          PackTag(pk, EntryOpTag::kMemberAttributes);
          pk.pack_array(3);
          pk.pack_uint64(op.member_id);
          PackStr(pk, op.name);
          pk.pack_array(static_cast<uint32_t>(op.client_urls.size()));
          for (const std::string& url : op.client_urls) PackStr(pk, url);
        }
      },
      entry.op);
  return std::string(buffer.data(), buffer.size());
}

Result<RaftEntry> DecodeRaftEntry(std::string_view bytes, const EntryLimits& limits) {
  if (bytes.size() > limits.max_entry_bytes) {
    return Status::InvalidArgument("raft entry: " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_entry_bytes));
  }
  // Each txn nesting level adds 3 levels (txn, branch, request); the reader
  // reports too-deep txns by name before this generic bound is reached.
  constexpr size_t kMaxDepth = 3 * (kMaxEntryTxnNesting + 1) + 8;
  msgpack::unpack_limit unpack_limits(/*array=*/limits.max_list_items, /*map=*/0,
                                      /*str=*/limits.max_string_bytes,
                                      /*bin=*/limits.max_entry_bytes, /*ext=*/0, kMaxDepth);
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           UnpackExactlyOne(bytes, unpack_limits, "raft entry", "entry"));

  MsgpackReader r("raft entry", {limits.max_list_items, limits.max_string_bytes});
  RaftEntry entry;
  const msgpack::object* f = r.Fields(handle.get(), "entry", 7);
  if (f == nullptr) return r.error();
  uint64_t version = r.Uint(f[0], "version");
  if (!r.failed() && version != kEntryFormatVersion) {
    return Status::InvalidArgument("raft entry: version " + std::to_string(version) +
                                   " is not supported (this member reads version " +
                                   std::to_string(kEntryFormatVersion) +
                                   "): run the same shadekv version on every member");
  }
  entry.request_id = r.Uint(f[1], "request_id");
  entry.origin = r.Uint(f[2], "origin");
  entry.user = r.Str(f[3], "user");
  entry.client_address = r.Str(f[4], "client_address");
  entry.leader_time_ms = r.Int(f[5], "leader_time_ms");
  if (!r.failed()) entry.op = ReadOp(r, f[6]);
  if (r.failed()) return r.error();
  return entry;
}

}  // namespace shadekv::agent
