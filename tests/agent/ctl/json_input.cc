// Parsing test inputs with shadectl's own JSON reader.
#include "tests/agent/ctl/json_input.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl::testing {

Poco::JSON::Object::Ptr Json(const std::string& text) {
  Result<Poco::JSON::Object::Ptr> parsed = ParseJsonObject(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

}  // namespace shadekv::ctl::testing
