// Majority vote over hashkv answers taken at one revision.
#include "agent/maintenance/hash_comparison.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace shadekv::maintenance {
namespace {

std::string Describe(const HashReport& r) {
  return r.name + " (id " + MemberIdHex(r.member_id) + ") hash " + std::to_string(r.hash);
}

}  // namespace

std::string MemberIdHex(uint64_t id) {
  char text[17];
  std::snprintf(text, sizeof(text), "%llx", static_cast<unsigned long long>(id));
  return text;
}

HashVerdict CompareHashes(const std::vector<HashReport>& reports, uint64_t reference_id,
                          bool require_same_compact_revision) {
  HashVerdict verdict;
  auto reference = std::find_if(reports.begin(), reports.end(),
                                [&](const HashReport& r) { return r.member_id == reference_id; });
  if (reference == reports.end()) {
    for (const HashReport& r : reports) verdict.skipped.push_back(r.member_id);
    return verdict;
  }
  std::vector<const HashReport*> comparable;
  for (const HashReport& r : reports) {
    const bool same_revision = r.revision == reference->revision;
    const bool same_compact =
        !require_same_compact_revision || r.compact_revision == reference->compact_revision;
    if (same_revision && same_compact) {
      comparable.push_back(&r);
    } else {
      verdict.skipped.push_back(r.member_id);
    }
  }
  std::map<uint32_t, size_t> votes;
  for (const HashReport* r : comparable) ++votes[r->hash];
  if (votes.size() <= 1) return verdict;

  uint32_t winner = reference->hash;
  for (const auto& [hash, count] : votes) {
    if (count > votes[winner]) winner = hash;
  }
  verdict.consistent = false;
  std::string agreeing;
  std::string differing;
  for (const HashReport* r : comparable) {
    std::string& list = r->hash == winner ? agreeing : differing;
    list += (list.empty() ? "" : ", ") + Describe(*r);
    if (r->hash != winner) verdict.suspects.push_back(r->member_id);
  }
  verdict.detail = "hash mismatch at revision " + std::to_string(reference->revision) + ": " +
                   differing + (verdict.suspects.size() == 1 ? " differs" : " differ") + " from " +
                   agreeing;
  return verdict;
}

}  // namespace shadekv::maintenance
