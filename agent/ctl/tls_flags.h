// shadectl's TLS flags (etcdctl 3.4's names): --cacert, --cert, --key,
// --insecure-skip-tls-verify, turned into the gateway client's TLS context.
#pragma once

#include <Poco/Net/Context.h>

#include <string>
#include <vector>

#include "agent/ctl/flags.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// The global flag specs for the TLS flags.
std::vector<FlagSpec> TlsFlagSpecs();

// A client context when any TLS flag is given or any endpoint is https://;
// null otherwise (plain HTTP, no files read). Without --cacert the system's
// CAs are trusted, as etcdctl does. Errors (InvalidArgument) name the flag
// and the file: unreadable, not PEM, --cert without --key, key not matching.
Result<Poco::Net::Context::Ptr> ClientTlsFromFlags(const ParsedFlags& flags,
                                                   const std::vector<std::string>& endpoints);

}  // namespace shadekv::ctl
