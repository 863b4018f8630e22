// etcd 3.4's pure range rules: which keys a (key, range_end) pair names, how a
// collected range is filtered, sorted and limited, and how a txn compare is
// judged. No I/O here, so every rule is unit tested on plain vectors.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/store/kv_types.h"

namespace shadekv::store {

// The keys named by (key, range_end):
//   range_end ""      -> kSingle: exactly key
//   range_end "\0"    -> kFromKey: every key >= key
//   range_end <= key  -> kEmpty
//   otherwise         -> kBounded: [key, range_end)
struct KeyInterval {
  enum class Kind { kSingle, kFromKey, kBounded, kEmpty };
  Kind kind = Kind::kEmpty;
  std::string begin;
  std::string end;  // exclusive bound, kBounded only

  bool Contains(std::string_view key) const;
  // For a key >= begin: true when it and every greater key are outside.
  bool IsPastEnd(std::string_view key) const;
};

KeyInterval MakeKeyInterval(std::string_view key, std::string_view range_end);

// How many keys (in key order) the store must collect for `request` before
// FinishRange; 0 means all. Like etcd 3.4, limit+1 when sort_order is NONE and
// no revision filter is set (even when sort_target is not KEY), else all.
size_t CollectLimit(const RangeRequest& request);

// Turns the keys collected in key order into the response kvs: drops those
// outside the min/max mod/create filters, sorts (a target other than KEY with
// order NONE sorts ascending; ties keep key order), truncates to limit (setting
// *more), clears values when keys_only.
void FinishRange(const RangeRequest& request, std::vector<KeyValue>* kvs, bool* more);

// One compare against one key; `kv` null means the key is missing (VALUE then
// never holds; VERSION/CREATE/MOD/LEASE compare against 0).
bool CompareHolds(const Compare& compare, const KeyValue* kv);

// The compare over the keys its interval names (`kvs`, possibly empty): an
// empty set is judged as one missing key, otherwise every key must hold.
bool CompareHoldsForAll(const Compare& compare, const std::vector<KeyValue>& kvs);

}  // namespace shadekv::store
