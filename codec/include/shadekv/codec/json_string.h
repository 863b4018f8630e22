// JSON string literals written exactly as Go's encoding/json writes them.
//
// etcd's gateway and etcdctl print with encoding/json, so every JSON shadekv
// writes (API replies, shadectl output, audit log lines) escapes the same way:
// one implementation, here, shared by the agent, the CLI and the plugins.
#pragma once

#include <string>
#include <string_view>

namespace shadekv::codec {

// Appends `s` as a JSON string literal escaped as Go does: \" \\ \n \r \t,
// other control bytes as \u00XX (so \b is \u0008), '<' '>' '&' as \u003c
// \u003e \u0026, U+2028/U+2029 as \u2028/\u2029, invalid UTF-8 as \ufffd.
void AppendGoJsonString(std::string& out, std::string_view s);

// The same, as a new string.
inline std::string GoJsonString(std::string_view s) {
  std::string out;
  AppendGoJsonString(out, s);
  return out;
}

}  // namespace shadekv::codec
