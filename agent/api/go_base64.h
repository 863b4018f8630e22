// Base64 for etcd's `bytes` fields, with the exact acceptance rules and error
// messages of Go's base64.StdEncoding, which the gateway uses: padding is
// required ("eA" fails), '\r' and '\n' are skipped anywhere, unused trailing
// bits are ignored ("YR==" decodes like "YQ=="), and the error names the
// offending input byte ("illegal base64 data at input byte 0").
#pragma once

#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::api {

// Decodes standard, padded base64. Errors: kInvalidArgument with Go's
// CorruptInputError message. An empty input decodes to an empty string.
Result<std::string> DecodeGoBase64(std::string_view text);

// Standard base64 with padding and no line breaks (Poco::Base64Encoder).
std::string EncodeBase64(std::string_view bytes);

}  // namespace shadekv::api
