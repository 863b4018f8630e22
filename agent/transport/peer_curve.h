// CURVE settings for the peer (Raft) links, and the pure rule that finds
// each peer's server public key.
//
// Every member is a CURVE server on its PULL socket and a CURVE client on
// its PUSH sockets to the others, with one keypair for both roles
// (--peer-curve-key). A client must know the server's public key before it
// connects, so the authorized set (--peer-curve-authorized) doubles as the
// directory of members' keys: an entry whose label is a member name in
// --initial-cluster gives that member's key for all its peer URLs, and an
// entry whose label is itself a peer URL (contains "://") gives the key for
// that URL (for members added later with `member add`, which have no name
// yet). Every other entry only authorizes a client.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "shadekv/bus/curve_keys.h"
#include "shadekv/common/status.h"

namespace shadekv::agent {

struct PeerCurveOptions {
  bus::CurveKeyPair keys;                                // this member's keypair
  std::vector<std::string> authorized_client_keys;       // Z85; the ZAP allow list
  std::map<std::string, std::string> server_key_by_url;  // peer URL -> Z85 key
};

struct PeerCurveMember {
  std::string name;
  std::vector<std::string> peer_urls;
};

// Builds the options from the loaded keys. Errors (kInvalidArgument): a
// member of `members` other than `self_name` without a key in `authorized`
// (it could never be reached), this member's own public key missing from
// `authorized` (the others would refuse it), two different keys for one
// member name or URL.
Result<PeerCurveOptions> BuildPeerCurveOptions(const bus::CurveKeyPair& keys,
                                               const std::vector<bus::AuthorizedKey>& authorized,
                                               const std::vector<PeerCurveMember>& members,
                                               const std::string& self_name);

}  // namespace shadekv::agent
