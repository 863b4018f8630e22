// Alarms: cluster-wide conditions that restrict what the cluster accepts
// (etcd's AlarmType and AlarmMember). An alarm is raised for one member, is
// replicated through Raft (entry op kAlarm), persisted in the store's meta
// namespace and therefore identical on every member and across restarts.
#pragma once

#include <cstdint>

namespace shadekv::agent {

// etcd's etcdserverpb.AlarmType numbers. Persisted in Raft logs and store
// meta: never renumber.
enum class AlarmType : int32_t { kNone = 0, kNoSpace = 1, kCorrupt = 2 };

// etcd's names, as the JSON gateway and etcdctl print them.
inline const char* AlarmTypeName(AlarmType type) {
  switch (type) {
    case AlarmType::kNoSpace:
      return "NOSPACE";
    case AlarmType::kCorrupt:
      return "CORRUPT";
    case AlarmType::kNone:
      break;
  }
  return "NONE";
}

// One raised alarm: which member raised it (or was raised for), and what.
struct AlarmMember {
  uint64_t member_id = 0;
  AlarmType type = AlarmType::kNone;
  friend bool operator==(const AlarmMember&, const AlarmMember&) = default;
};

// The replicated change of the alarm list (entry op kAlarm). Action numbers
// are etcd's AlarmRequest_AlarmAction values (GET never travels): never
// renumber.
struct AlarmChange {
  enum class Action : uint32_t { kActivate = 1, kDeactivate = 2 };
  Action action = Action::kActivate;
  uint64_t member_id = 0;
  AlarmType type = AlarmType::kNoSpace;
  friend bool operator==(const AlarmChange&, const AlarmChange&) = default;
};

}  // namespace shadekv::agent
