// shadectl's TLS flags to a Poco NetSSL client context (see tls_flags.h).
#include "agent/ctl/tls_flags.h"

#include "agent/api/tls_context.h"

namespace shadekv::ctl {

std::vector<FlagSpec> TlsFlagSpecs() {
  return {{"cacert", 0, FlagKind::kString},
          {"cert", 0, FlagKind::kString},
          {"key", 0, FlagKind::kString},
          {"insecure-skip-tls-verify", 0, FlagKind::kBool}};
}

Result<Poco::Net::Context::Ptr> ClientTlsFromFlags(const ParsedFlags& flags,
                                                   const std::vector<std::string>& endpoints) {
  bool wanted = flags.Has("cacert") || flags.Has("cert") || flags.Has("key") ||
                flags.GetBool("insecure-skip-tls-verify");
  for (const std::string& e : endpoints) wanted = wanted || e.rfind("https://", 0) == 0;
  if (!wanted) return Poco::Net::Context::Ptr();
  tls::ClientTlsFiles files;
  files.ca_file = flags.Get("cacert");
  files.cert_file = flags.Get("cert");
  files.key_file = flags.Get("key");
  files.insecure_skip_verify = flags.GetBool("insecure-skip-tls-verify");
  files.names = tls::kCtlFlagNames;
  return tls::NewClientContext(files);
}

}  // namespace shadekv::ctl
