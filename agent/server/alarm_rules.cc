// Alarm meta keys, the alarmed-write rules and the quota cost estimate.
#include "agent/server/alarm_rules.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <type_traits>
#include <variant>

namespace shadekv::agent {
namespace {

constexpr uint64_t kPutOverheadBytes = 256;   // etcd's kvOverhead
constexpr uint64_t kLeaseOverheadBytes = 64;  // etcd's leaseOverhead

bool Has(const std::vector<AlarmMember>& active, AlarmType type) {
  return std::any_of(active.begin(), active.end(),
                     [type](const AlarmMember& a) { return a.type == type; });
}

uint64_t TxnPutBytes(const store::TxnRequest& txn);

uint64_t RequestPutBytes(const std::vector<store::RequestOp>& ops) {
  uint64_t total = 0;
  for (const store::RequestOp& op : ops) {
    if (const auto* put = std::get_if<store::PutRequest>(&op.request)) {
      total += kPutOverheadBytes + put->key.size() + put->value.size();
    } else if (const auto* nested =
                   std::get_if<std::shared_ptr<const store::TxnRequest>>(&op.request)) {
      if (*nested != nullptr) total += TxnPutBytes(**nested);
    }
  }
  return total;
}

uint64_t TxnPutBytes(const store::TxnRequest& txn) {
  return RequestPutBytes(txn.success) + RequestPutBytes(txn.failure);
}

// Whether a txn branch holds a put (or, with `deletes`, also a delete) at any
// depth.
bool TxnHas(const std::vector<store::RequestOp>& ops, bool deletes) {
  for (const store::RequestOp& op : ops) {
    if (std::holds_alternative<store::PutRequest>(op.request)) return true;
    if (deletes && std::holds_alternative<store::DeleteRangeRequest>(op.request)) return true;
    if (const auto* nested = std::get_if<std::shared_ptr<const store::TxnRequest>>(&op.request)) {
      if (*nested != nullptr &&
          (TxnHas((*nested)->success, deletes) || TxnHas((*nested)->failure, deletes))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string AlarmMetaKey(const AlarmMember& alarm) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s%020llu/%d", kAlarmMetaPrefix,
                static_cast<unsigned long long>(alarm.member_id), static_cast<int>(alarm.type));
  return buffer;
}

Result<AlarmMember> ParseAlarmMetaKey(std::string_view key) {
  auto bad = [&] {
    return Status::DataLoss("alarm record '" + std::string(key) +
                            "' is malformed (expected alarm/<20-digit member id>/<1|2>)");
  };
  std::string_view prefix = kAlarmMetaPrefix;
  if (key.substr(0, prefix.size()) != prefix) return bad();
  std::string_view rest = key.substr(prefix.size());
  // 20 digits, '/', one type digit.
  if (rest.size() != 22 || rest[20] != '/') return bad();
  AlarmMember alarm;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + 20, alarm.member_id);
  if (ec != std::errc() || end != rest.data() + 20) return bad();
  if (rest[21] == '1') {
    alarm.type = AlarmType::kNoSpace;
  } else if (rest[21] == '2') {
    alarm.type = AlarmType::kCorrupt;
  } else {
    return bad();
  }
  return alarm;
}

Status NoSpaceError() {
  return Status::ResourceExhausted("etcdserver: mvcc: database space exceeded");
}

Status CorruptClusterError() { return Status::DataLoss("etcdserver: corrupt cluster"); }

Status CheckAlarmedWrite(const EntryOp& op, const std::vector<AlarmMember>& active) {
  if (active.empty()) return Status::Ok();
  return std::visit(
      [&](const auto& o) -> Status {
        using T = std::decay_t<decltype(o)>;
        constexpr bool kKeyWrite = std::is_same_v<T, store::PutRequest> ||
                                   std::is_same_v<T, store::DeleteRangeRequest> ||
                                   std::is_same_v<T, store::CompactionRequest> ||
                                   std::is_same_v<T, LeaseGrant> || std::is_same_v<T, LeaseRevoke>;
        if (Has(active, AlarmType::kCorrupt)) {
          if constexpr (kKeyWrite) return CorruptClusterError();
          // etcd serves read-only txns outside the applier, so CORRUPT
          // leaves them alone; shadekv applies them, hence the check here.
          if constexpr (std::is_same_v<T, store::TxnRequest>) {
            if (TxnHas(o.success, true) || TxnHas(o.failure, true)) return CorruptClusterError();
          }
        }
        if (!Has(active, AlarmType::kNoSpace)) return Status::Ok();
        if constexpr (std::is_same_v<T, store::PutRequest> || std::is_same_v<T, LeaseGrant>) {
          return NoSpaceError();
        } else if constexpr (std::is_same_v<T, store::TxnRequest>) {
          if (TxnHas(o.success, false) || TxnHas(o.failure, false)) return NoSpaceError();
        }
        return Status::Ok();
      },
      op);
}

uint64_t QuotaCost(const store::PutRequest& put) {
  return kPutOverheadBytes + put.key.size() + put.value.size();
}

uint64_t QuotaCost(const store::TxnRequest& txn) { return TxnPutBytes(txn); }

uint64_t QuotaCost(const EntryOp& op) {
  if (const auto* put = std::get_if<store::PutRequest>(&op)) return QuotaCost(*put);
  if (const auto* txn = std::get_if<store::TxnRequest>(&op)) return QuotaCost(*txn);
  if (std::holds_alternative<LeaseGrant>(op)) return kLeaseOverheadBytes;
  return 0;
}

}  // namespace shadekv::agent
