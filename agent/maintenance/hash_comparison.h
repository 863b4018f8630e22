// Comparing keyspace hashes taken at one revision on several members (or a
// member and its shadows): who agrees, who is the odd one out. Pure: the
// callers fetch the hashes (corruption_checker.*, shadectl check hash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shadekv::maintenance {

// One member's hashkv answer at `revision`.
struct HashReport {
  uint64_t member_id = 0;  // or any id unique among the reports (shadectl: endpoint index)
  std::string name;        // for messages: a member name or an endpoint
  int64_t revision = 0;    // the revision hashed
  int64_t compact_revision = 0;
  uint32_t hash = 0;
};

struct HashVerdict {
  // False when two comparable reports disagree.
  bool consistent = true;
  // The members whose hash is in the minority among the comparable reports
  // (on a tie, the ones that disagree with the reference member).
  std::vector<uint64_t> suspects;
  // Reports left out of the comparison: another revision than the
  // reference's, or another compact revision when that is required.
  std::vector<uint64_t> skipped;
  // One line for the log when inconsistent, naming the revision and every
  // member with its hash, e.g.
  // "hash mismatch at revision 12: b (id 3f2a) hash 1234 differs from
  //  a (id 91c0) hash 5678, c (id 77b1) hash 5678".
  std::string detail;
};

// Compares `reports` against the one from `reference_id` (the member doing
// the check; it must be among the reports, else every report is skipped).
// Reports at another revision than the reference's are skipped. With
// `require_same_compact_revision` (etcd's rule between members), so are
// reports whose compact revision differs from the reference's. shadekv's
// hash covers only the live keyspace, so it does not depend on retained
// history and a shadow with a longer history may be compared without it.
//
// The largest group of equal hashes wins; on a tie, the reference's group
// wins (etcd's leader blames the followers that disagree with it).
HashVerdict CompareHashes(const std::vector<HashReport>& reports, uint64_t reference_id,
                          bool require_same_compact_revision);

// "3f2a..." as etcd logs member ids: lowercase hex.
std::string MemberIdHex(uint64_t id);

}  // namespace shadekv::maintenance
