// Test input for the printers: a gateway answer written as JSON text.
#pragma once

#include <string>

#include <Poco/JSON/Object.h>

namespace shadekv::ctl::testing {

// `text` parsed as a JSON object. On a parse error the current test fails
// (naming the text and the error) and an empty object is returned, so the
// test goes on and reports what it expected.
Poco::JSON::Object::Ptr Json(const std::string& text);

}  // namespace shadekv::ctl::testing
