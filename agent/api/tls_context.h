// TLS settings for the client API and its clients (etcd's --cert-file,
// --key-file, --trusted-ca-file, --client-cert-auth; etcdctl's --cacert,
// --cert, --key, --insecure-skip-tls-verify), turned into Poco NetSSL
// contexts.
//
// Every context allows TLS 1.2 and 1.3 only, with forward-secret AEAD
// ciphers. Building one reads the files (I/O) and checks them: a file that
// cannot be read, is not PEM, or a key that does not belong to its
// certificate is a kInvalidArgument naming the flag, the file and what to
// do. Nothing is logged and no exception escapes.
//
// A context is immutable once built and may be shared by any number of
// sockets and threads (Poco::Net::Context is reference-counted).
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "shadekv/common/status.h"

namespace shadekv::tls {

// The flag names to put in error messages, so an agent's error says
// "--cert-file" and shadectl's says "--cert".
struct TlsFlagNames {
  const char* cert;
  const char* key;
  const char* ca;
};
inline constexpr TlsFlagNames kServerFlagNames = {"--cert-file", "--key-file", "--trusted-ca-file"};
inline constexpr TlsFlagNames kCtlFlagNames = {"--cert", "--key", "--cacert"};

struct ServerTlsFiles {
  std::string cert_file;        // PEM certificate (chain) the server presents; required
  std::string key_file;         // its PEM private key (unencrypted); required
  std::string trusted_ca_file;  // PEM CA(s) client certificates must chain to
  // etcd 3.4: a trusted CA file alone also makes client certificates
  // required; --client-cert-auth without a CA file is refused (there would
  // be nothing to check client certificates against).
  bool client_cert_auth = false;

  bool RequiresClientCert() const { return client_cert_auth || !trusted_ca_file.empty(); }
};

struct ClientTlsFiles {
  std::string ca_file;    // empty: the system's default CAs
  std::string cert_file;  // client certificate; with key_file or not at all
  std::string key_file;
  bool insecure_skip_verify = false;  // accept any server certificate
  TlsFlagNames names = kCtlFlagNames;
};

// A server context: presents cert_file; verifies client certificates against
// trusted_ca_file when RequiresClientCert(), and then refuses clients
// without a valid one during the handshake.
Result<Poco::Net::Context::Ptr> NewServerContext(const ServerTlsFiles& files);

// A client context: verifies the server's certificate (chain to ca_file or
// the system CAs; host name for non-loopback hosts) unless
// insecure_skip_verify, and presents cert_file when given.
Result<Poco::Net::Context::Ptr> NewClientContext(const ClientTlsFiles& files);

}  // namespace shadekv::tls
