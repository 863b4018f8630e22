// etcd 3.4's range, sort, filter and compare rules (see range_rules.h).
#include "store/range_rules.h"

#include <algorithm>
#include <functional>

namespace shadekv::store {

bool KeyInterval::Contains(std::string_view key) const {
  switch (kind) {
    case Kind::kSingle:
      return key == begin;
    case Kind::kFromKey:
      return key >= begin;
    case Kind::kBounded:
      return key >= begin && key < end;
    case Kind::kEmpty:
      return false;
  }
  return false;
}

bool KeyInterval::IsPastEnd(std::string_view key) const {
  switch (kind) {
    case Kind::kSingle:
      return key > begin;
    case Kind::kFromKey:
      return false;
    case Kind::kBounded:
      return key >= end;
    case Kind::kEmpty:
      return true;
  }
  return true;
}

KeyInterval MakeKeyInterval(std::string_view key, std::string_view range_end) {
  KeyInterval interval;
  interval.begin = key;
  if (range_end.empty()) {
    interval.kind = KeyInterval::Kind::kSingle;
  } else if (range_end == std::string_view("\0", 1)) {
    interval.kind = KeyInterval::Kind::kFromKey;
  } else if (range_end <= key) {
    interval.kind = KeyInterval::Kind::kEmpty;
  } else {
    interval.kind = KeyInterval::Kind::kBounded;
    interval.end = range_end;
  }
  return interval;
}

namespace {

bool HasRevisionFilter(const RangeRequest& r) {
  return r.min_mod_revision != 0 || r.max_mod_revision != 0 || r.min_create_revision != 0 ||
         r.max_create_revision != 0;
}

bool Excluded(const RangeRequest& r, const KeyValue& kv) {
  return (r.max_mod_revision != 0 && kv.mod_revision > r.max_mod_revision) ||
         (r.min_mod_revision != 0 && kv.mod_revision < r.min_mod_revision) ||
         (r.max_create_revision != 0 && kv.create_revision > r.max_create_revision) ||
         (r.min_create_revision != 0 && kv.create_revision < r.min_create_revision);
}

// Three-way comparison of two kvs on `target`.
int CompareOn(SortTarget target, const KeyValue& a, const KeyValue& b) {
  auto three_way = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (target) {
    case SortTarget::kKey:
      return a.key.compare(b.key) < 0 ? -1 : (a.key == b.key ? 0 : 1);
    case SortTarget::kVersion:
      return three_way(a.version, b.version);
    case SortTarget::kCreate:
      return three_way(a.create_revision, b.create_revision);
    case SortTarget::kMod:
      return three_way(a.mod_revision, b.mod_revision);
    case SortTarget::kValue:
      return a.value.compare(b.value) < 0 ? -1 : (a.value == b.value ? 0 : 1);
  }
  return 0;
}

}  // namespace

size_t CollectLimit(const RangeRequest& request) {
  if (request.sort_order != SortOrder::kNone || HasRevisionFilter(request)) return 0;
  if (request.limit <= 0) return 0;
  return static_cast<size_t>(request.limit) + 1;
}

void FinishRange(const RangeRequest& request, std::vector<KeyValue>* kvs, bool* more) {
  if (HasRevisionFilter(request)) {
    std::erase_if(*kvs, [&](const KeyValue& kv) { return Excluded(request, kv); });
  }
  SortOrder order = request.sort_order;
  if (request.sort_target != SortTarget::kKey && order == SortOrder::kNone) {
    order = SortOrder::kAscend;
  }
  const SortTarget target = request.sort_target;
  if (order == SortOrder::kAscend && target != SortTarget::kKey) {
    std::stable_sort(kvs->begin(), kvs->end(), [&](const KeyValue& a, const KeyValue& b) {
      return CompareOn(target, a, b) < 0;
    });
  } else if (order == SortOrder::kDescend) {
    std::stable_sort(kvs->begin(), kvs->end(), [&](const KeyValue& a, const KeyValue& b) {
      return CompareOn(target, a, b) > 0;
    });
  }
  *more = false;
  if (request.limit > 0 && kvs->size() > static_cast<size_t>(request.limit)) {
    kvs->resize(static_cast<size_t>(request.limit));
    *more = true;
  }
  if (request.keys_only) {
    for (KeyValue& kv : *kvs) kv.value.clear();
  }
}

bool CompareHolds(const Compare& compare, const KeyValue* kv) {
  static const KeyValue kMissing;
  if (kv == nullptr) {
    if (compare.target == Compare::Target::kValue) return false;
    kv = &kMissing;
  }
  int result = 0;
  auto three_way = [](int64_t x, int64_t y) { return x < y ? -1 : (x > y ? 1 : 0); };
  switch (compare.target) {
    case Compare::Target::kValue: {
      const int c = kv->value.compare(compare.value);
      result = c < 0 ? -1 : (c > 0 ? 1 : 0);
      break;
    }
    case Compare::Target::kVersion:
      result = three_way(kv->version, compare.version);
      break;
    case Compare::Target::kCreate:
      result = three_way(kv->create_revision, compare.create_revision);
      break;
    case Compare::Target::kMod:
      result = three_way(kv->mod_revision, compare.mod_revision);
      break;
    case Compare::Target::kLease:
      result = three_way(kv->lease, compare.lease);
      break;
  }
  switch (compare.result) {
    case Compare::Result::kEqual:
      return result == 0;
    case Compare::Result::kNotEqual:
      return result != 0;
    case Compare::Result::kGreater:
      return result > 0;
    case Compare::Result::kLess:
      return result < 0;
  }
  return true;
}

bool CompareHoldsForAll(const Compare& compare, const std::vector<KeyValue>& kvs) {
  if (kvs.empty()) return CompareHolds(compare, nullptr);
  return std::all_of(kvs.begin(), kvs.end(),
                     [&](const KeyValue& kv) { return CompareHolds(compare, &kv); });
}

}  // namespace shadekv::store
