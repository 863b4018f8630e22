// The cluster's member directory: name and URLs of every member, kept in the
// store's meta namespace so that snapshots carry it to new members.
//
// Records are JSON, the same shape as etcd's Member message, and travel inside
// conf-change entries as their context. Pure encoding; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::agent {

struct MemberRecord {
  uint64_t id = 0;
  std::string name;  // empty until the member has started and published it
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;

  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

// Meta key of a member's record: "members/" + 16 lowercase hex digits.
std::string MemberMetaKey(uint64_t id);
inline constexpr char kMemberMetaPrefix[] = "members/";

std::string EncodeMemberRecord(const MemberRecord& record);
// kInvalidArgument naming the problem for anything but a well-formed record.
Result<MemberRecord> DecodeMemberRecord(const std::string& json);

// Member and cluster ids: the first 8 bytes (big-endian) of SHA-1 over the
// member's sorted peer URLs and the cluster token (etcd's member id rule), and
// over the cluster token alone. Deterministic, so every member of a new
// cluster, and a member joining it later with the same token, computes the
// same ids without asking anybody. Give each cluster its own
// --initial-cluster-token: peers drop frames that carry another cluster id.
uint64_t ComputeMemberId(std::vector<std::string> peer_urls, const std::string& cluster_token);
uint64_t ComputeClusterId(const std::string& cluster_token);

}  // namespace shadekv::agent
