// How the auth state is kept in the store's meta namespace (MvccStore's
// MetaWrite), so it changes atomically with the applied index and travels in
// snapshots. MessagePack, positional arrays:
//
//   "auth/state"        := array(4)[ version:uint (=1), enabled:bool, revision:uint,
//                                    secret:bin ]
//   "auth/user/" name   := array(5)[ version:uint (=1), name:bin, password_hash:str,
//                                    roles:array(n)[bin], epoch:uint ]
//   "auth/role/" name   := array(3)[ version:uint (=1), name:bin,
//                                    perms:array(n)[ array(3)[ type:int, key:bin,
//                                                              range_end:bin ] ] ]
//
// Persisted: never change a layout; add a version instead. Pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/auth/auth_state.h"
#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::auth {

inline constexpr char kAuthMetaPrefix[] = "auth/";

// The meta writes that turn the persisted form of `before` into that of
// `after`: changed or new records written, vanished ones deleted, the state
// record always written.
std::vector<store::MetaWrite> AuthMetaWrites(const AuthState& before, const AuthState& after);

// Every record of a state (a fresh store's first write, tests).
std::vector<store::MetaWrite> AuthMetaWrites(const AuthState& state);

// Rebuilds the state from the meta entries under kAuthMetaPrefix (as
// ScanMeta returns them). No entries: the default (disabled, empty) state.
// Errors: kDataLoss naming the key for any malformed record, unknown
// version, or a key that disagrees with the name inside.
Result<AuthState> DecodeAuthState(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace shadekv::auth
