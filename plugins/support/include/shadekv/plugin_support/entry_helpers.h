// Helpers for the C entry points of the plugins written in C++ here
// (publisher, audit, hunt): the chores every plugin.h callback repeats.
// Header-only, no dependencies beyond plugin.h, so a plugin links nothing
// more for it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "shadekv/plugin.h"

namespace shadekv::plugin_support {

// Copies `message` into the host's error buffer, cut to fit, NUL-terminated.
inline void WriteError(const std::string& message, char* error, size_t capacity) {
  if (error == nullptr || capacity == 0) return;
  const size_t n = std::min(message.size(), capacity - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

// One line in the host's log, attributed to the plugin; nothing when the
// host offers no log.
inline void Log(const shadekv_plugin_host* host, int32_t level, const std::string& message) {
  if (host != nullptr && host->log != nullptr) host->log(host->context, level, message.c_str());
}

// The plugin's config entries as (key, value) pairs, in order; entries with
// a NULL key or value are skipped.
inline std::vector<std::pair<std::string, std::string>> ConfigEntries(
    const shadekv_plugin_kv* config, size_t count) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i < count; ++i) {
    if (config[i].key == nullptr || config[i].value == nullptr) continue;
    entries.emplace_back(config[i].key, config[i].value);
  }
  return entries;
}

// Runs `call` at the C boundary, where nothing thrown may pass. `call`
// returns a status (anything with ok() and message(), e.g. shadekv::Status):
// ok -> SHADEKV_PLUGIN_OK; an error -> its message in the host's buffer and
// SHADEKV_PLUGIN_ERROR; an exception -> "<what> failed: <reason>" likewise.
// `what` names the plugin and callback, e.g. "audit on_event".
template <typename Call>
int32_t Guard(const char* what, char* error, size_t capacity, Call&& call) noexcept {
  try {
    auto status = call();
    if (status.ok()) return SHADEKV_PLUGIN_OK;
    WriteError(status.message(), error, capacity);
  } catch (const std::exception& e) {
    WriteError(std::string(what) + " failed: " + e.what(), error, capacity);
  } catch (...) {
    WriteError(std::string(what) + " failed with an unknown exception", error, capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

// The shutdown callback's body: deletes the plugin's state. Nothing can be
// reported from there (the host is unloading the plugin), so a throwing
// destructor is swallowed.
template <typename State>
void DeleteState(void* state) noexcept {
  try {
    delete static_cast<State*>(state);
  } catch (...) {
  }
}

}  // namespace shadekv::plugin_support
