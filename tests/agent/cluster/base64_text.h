// Base64 as the gateway's bytes fields carry it (standard alphabet, padded,
// one line). A source of its own because it serves the cluster tests, the
// watch client and the watch compat test, which do not all link the cluster
// fixture.
#pragma once

#include <string>

namespace shadekv::cluster_testing {

std::string Base64(const std::string& raw);
// Decodes `text`; stops quietly at the first character that is not base64.
std::string Unbase64(const std::string& text);

}  // namespace shadekv::cluster_testing
