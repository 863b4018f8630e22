// CURVE key files for ZeroMQ links (peer Raft traffic and the bus).
//
// A keypair is two files sharing a path prefix, NAME.key and NAME.pub. Both
// are small, strict text files (exactly these lines, LF line ends, the final
// newline optional; keys are 40-character Z85, RFC 32):
//
//   NAME.key (mode 0600, refused at load when group or others may read it):
//     # shadekv CURVE secret key v1
//     public-key: <Z85 public key>
//     secret-key: <Z85 secret key>
//
//   NAME.pub:
//     # shadekv CURVE public key v1
//     public-key: <Z85 public key>
//
// An authorized-keys set says which clients may connect. It is either a
// file, one key per line:
//     <Z85 public key> [label]
// with '#' comment lines and blank lines allowed, or a directory, where
// every NAME.pub file is one key labelled NAME (other files are ignored).
// A label is free text without spaces; for peer links it names the member
// (its --initial-cluster name) or is a peer URL (see agent_config.h).
//
// Everything returns errors as values naming the file and what is wrong.
// Thread-safety: all functions are free of shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bus {

inline constexpr size_t kCurveKeyZ85Length = 40;  // 32 bytes in Z85

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters

  friend bool operator==(const CurveKeyPair&, const CurveKeyPair&) = default;
};

struct AuthorizedKey {
  std::string public_key;  // Z85, 40 characters
  std::string label;       // "" when the line has none

  friend bool operator==(const AuthorizedKey&, const AuthorizedKey&) = default;
};

// A fresh keypair from libzmq (zmq_curve_keypair). kUnimplemented when
// libzmq was built without CURVE.
Result<CurveKeyPair> GenerateCurveKeyPair();

// kInvalidArgument unless `key` is 40 Z85 characters decoding to 32 bytes;
// `what` names the key in the message ("public-key in /etc/x.pub").
Status CheckZ85Key(std::string_view key, std::string_view what);

// The file bodies above, and their strict parsers. The secret parser checks
// that the public key is the one derived from the secret key
// (zmq_curve_public), so a pair of mismatched lines is refused.
std::string FormatSecretKeyFile(const CurveKeyPair& pair);
std::string FormatPublicKeyFile(std::string_view public_key);
Result<CurveKeyPair> ParseSecretKeyFile(std::string_view text, std::string_view source);
Result<std::string> ParsePublicKeyFile(std::string_view text, std::string_view source);
Result<std::vector<AuthorizedKey>> ParseAuthorizedKeys(std::string_view text,
                                                       std::string_view source);

// Writes PREFIX.key (created 0600) and PREFIX.pub (0644). Refuses
// (kAlreadyExists) when either exists, so a key is never overwritten by
// accident; the parent directory must exist (kNotFound otherwise).
Status WriteCurveKeyPair(const std::string& prefix, const CurveKeyPair& pair);

// Reads PREFIX.key (a path already ending in ".key" is taken as is).
// kPermissionDenied when group or others have any access to it (the message
// says to chmod 600), kNotFound when missing, kInvalidArgument when corrupt.
Result<CurveKeyPair> LoadCurveKeyPair(const std::string& prefix);

// Reads a .pub file (PATH, or PATH.pub when PATH itself does not exist).
Result<std::string> LoadCurvePublicKey(const std::string& path);

// Reads an authorized-keys file or directory (see above). An empty set is
// kInvalidArgument: it would refuse everyone, which is never what is meant.
Result<std::vector<AuthorizedKey>> LoadAuthorizedKeys(const std::string& path);

}  // namespace shadekv::bus
