// Matching the authorized CURVE keys to members and peer URLs (peer_curve.h).
#include "agent/transport/peer_curve.h"

#include <algorithm>

namespace shadekv::agent {

Result<PeerCurveOptions> BuildPeerCurveOptions(const bus::CurveKeyPair& keys,
                                               const std::vector<bus::AuthorizedKey>& authorized,
                                               const std::vector<PeerCurveMember>& members,
                                               const std::string& self_name) {
  PeerCurveOptions out;
  out.keys = keys;
  std::map<std::string, std::string> key_by_label;
  for (const bus::AuthorizedKey& entry : authorized) {
    out.authorized_client_keys.push_back(entry.public_key);
    if (entry.label.empty()) continue;
    auto [it, inserted] = key_by_label.emplace(entry.label, entry.public_key);
    if (!inserted && it->second != entry.public_key) {
      return Status::InvalidArgument("--peer-curve-authorized: two different keys labelled \"" +
                                     entry.label + "\"");
    }
    if (entry.label.find("://") != std::string::npos) {
      out.server_key_by_url[entry.label] = entry.public_key;
    }
  }
  if (std::find(out.authorized_client_keys.begin(), out.authorized_client_keys.end(),
                keys.public_key) == out.authorized_client_keys.end()) {
    return Status::InvalidArgument(
        "--peer-curve-authorized does not list this member's own public key (" +
        keys.public_key.substr(0, 8) + "...): the other members would refuse it");
  }
  for (const PeerCurveMember& member : members) {
    auto by_name = key_by_label.find(member.name);
    for (const std::string& url : member.peer_urls) {
      if (by_name != key_by_label.end()) {
        auto [it, inserted] = out.server_key_by_url.emplace(url, by_name->second);
        if (!inserted && it->second != by_name->second) {
          return Status::InvalidArgument("--peer-curve-authorized: member \"" + member.name +
                                         "\" and its URL " + url + " have different keys");
        }
      }
      if (member.name != self_name && out.server_key_by_url.count(url) == 0) {
        return Status::InvalidArgument(
            "--peer-curve-authorized has no key for member \"" + member.name + "\" (" + url +
            "): add its NAME.pub, or a \"<key> " + member.name + "\" line");
      }
    }
  }
  return out;
}

}  // namespace shadekv::agent
