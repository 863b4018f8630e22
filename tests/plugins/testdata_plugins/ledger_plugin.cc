// Test plugin "ledger": a plugin that owns its position (ABI 2), the way a
// mirror or an audit log must. Its whole state is one append-only file
// (config "path"), one line per thing applied:
//   "E <revision>\n"          an event (revision decoded from the EVENT body)
//   "S <revision> <bytes>\n"  a snapshot that replaced the state
// Each line goes out in ONE write(2) to an O_APPEND file, so a SIGKILL leaves
// either the whole line or none of it in the file (no power loss in tests);
// a torn tail, if one ever appeared, is cut at start-up. The position it
// reports (applied_revision) is the revision of the last line: data and
// position are one and the same, so they can never disagree.
//
// Config: "path" (required); "delay_us" sleeps after each event, so a kill
// lands while events are queued; "fail_revision" makes on_event of that one
// revision fail (to test that a failure still counts as processed);
// "fail_position" makes applied_revision fail.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <thread>

#include "shadekv/bus/codec.h"
#include "shadekv/plugin.h"

namespace {

struct Ledger {
  int fd = -1;
  int64_t position = 0;
  long delay_us = 0;
  int64_t fail_revision = -1;
  bool fail_position = false;
};

void WriteError(const std::string& message, char* error, size_t capacity) {
  std::snprintf(error, capacity, "%s", message.c_str());
}

// Reads the file back: the position is the last complete line's revision.
// Returns the length of the complete lines (a torn tail is cut there).
bool Recover(const std::string& path, int64_t* position, off_t* good_length) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t end = text.rfind('\n');
  *good_length = end == std::string::npos ? 0 : static_cast<off_t>(end + 1);
  *position = 0;
  for (size_t start = 0; end != std::string::npos && start <= end;) {
    size_t stop = text.find('\n', start);
    std::string line = text.substr(start, stop - start);
    if (line.size() < 3 || (line[0] != 'E' && line[0] != 'S') || line[1] != ' ') return false;
    *position = std::atoll(line.c_str() + 2);
    start = stop + 1;
  }
  return true;
}

bool Append(Ledger* l, const std::string& line) {
  return ::write(l->fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host*,
             void** state, char* error, size_t error_capacity) {
  try {
    std::string path;
    auto* l = new Ledger;
    for (size_t i = 0; i < count; ++i) {
      if (std::strcmp(config[i].key, "path") == 0) path = config[i].value;
      if (std::strcmp(config[i].key, "delay_us") == 0) l->delay_us = std::atol(config[i].value);
      if (std::strcmp(config[i].key, "fail_position") == 0) l->fail_position = true;
      if (std::strcmp(config[i].key, "fail_revision") == 0) {
        l->fail_revision = std::atoll(config[i].value);
      }
    }
    off_t good = 0;
    if (path.empty() || !Recover(path, &l->position, &good)) {
      WriteError(path.empty() ? "ledger: config key 'path' is required"
                              : "ledger: '" + path + "' is not a ledger",
                 error, error_capacity);
      delete l;
      return SHADEKV_PLUGIN_ERROR;
    }
    l->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (l->fd < 0 || ::ftruncate(l->fd, good) != 0) {
      WriteError("ledger: cannot open '" + path + "'", error, error_capacity);
      if (l->fd >= 0) ::close(l->fd);
      delete l;
      return SHADEKV_PLUGIN_ERROR;
    }
    *state = l;
    return SHADEKV_PLUGIN_OK;
  } catch (...) {
    WriteError("ledger: init failed", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
}

int32_t AppliedRevision(void* state, int64_t* revision) {
  if (static_cast<Ledger*>(state)->fail_position) return SHADEKV_PLUGIN_ERROR;
  *revision = static_cast<Ledger*>(state)->position;
  return SHADEKV_PLUGIN_OK;
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  auto* l = static_cast<Ledger*>(state);
  try {
    shadekv::Result<shadekv::bus::ChangeEvent> event =
        shadekv::bus::DecodeEvent(std::string_view(reinterpret_cast<const char*>(bytes), len));
    if (!event.ok()) {
      WriteError("ledger: not an EVENT: " + event.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    if (event->revision == l->fail_revision) {
      WriteError("ledger: refusing revision " + std::to_string(event->revision), error,
                 error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    if (!Append(l, "E " + std::to_string(event->revision) + "\n")) {
      WriteError("ledger: write failed", error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    l->position = event->revision;
    if (l->delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(l->delay_us));
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("ledger: ") + e.what(), error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
}

int32_t OnSnapshot(void* state, int64_t revision, const uint8_t*, size_t len, char* error,
                   size_t error_capacity) {
  auto* l = static_cast<Ledger*>(state);
  try {
    if (!Append(l, "S " + std::to_string(revision) + " " + std::to_string(len) + "\n")) {
      WriteError("ledger: write failed", error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    l->position = revision;
    return SHADEKV_PLUGIN_OK;
  } catch (...) {
    WriteError("ledger: on_snapshot failed", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
}

void Shutdown(void* state) {
  auto* l = static_cast<Ledger*>(state);
  ::close(l->fd);
  delete l;
}

const shadekv_plugin_descriptor kDescriptor = {
    SHADEKV_PLUGIN_ABI_VERSION,
    sizeof(shadekv_plugin_descriptor),
    "ledger",
    &Init,
    &OnEvent,
    nullptr,
    &Shutdown,
    &AppliedRevision,
    &OnSnapshot,
};

}  // namespace

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
