// A test plugin for the bus end-to-end test: keeps a MirrorStore (a real
// store fed by the events it is handed) and reports its position through
// applied_revision, so the host hands it every revision exactly once across
// SIGKILLs. It checks that promise itself: any event that is not the next
// revision, and any snapshot that does not move forward, is written to
// <dir>.violations (synced) and refused.
//
// Files next to the store directory <dir>:
//   <dir>.journal     one line per revision handed over ("R"), or
//                     "snapshot R"; written before the store applies it and
//                     cut back to the store's position at start-up, so it
//                     lists exactly what the store holds, in order.
//   <dir>.applied     the applied revision, rewritten after each change (for
//                     the test to poll while the process runs).
//   <dir>.violations  only when the host broke the rule.
//
// Config: mirror.dir (required), mirror.delay_us and mirror.slow_events
// (sleep delay_us in each of the first slow_events events of a run, to make
// a deliberately slow subscriber).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "shadekv/bus/codec.h"
#include "shadekv/mirror/mirror_store.h"
#include "shadekv/plugin.h"

namespace {

struct MirrorPlugin {
  std::string dir;
  std::unique_ptr<shadekv::mirror::MirrorStore> store;
  int journal_fd = -1;
  int applied_fd = -1;
  int64_t delay_us = 0;
  int64_t slow_events = 0;
  int64_t handed = 0;
};

void CopyError(const std::string& message, char* error, size_t capacity) {
  if (capacity == 0) return;
  std::snprintf(error, capacity, "%s", message.c_str());
}

void AppendLine(int fd, const std::string& line) {
  std::string text = line + "\n";
  // O_APPEND: one write is one line even if the process dies right after.
  (void)!::write(fd, text.data(), text.size());
}

void RecordViolation(const MirrorPlugin& p, const std::string& what) {
  int fd = ::open((p.dir + ".violations").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  AppendLine(fd, what);
  ::fsync(fd);
  ::close(fd);
}

void PublishApplied(const MirrorPlugin& p) {
  char text[32];
  int n = std::snprintf(text, sizeof(text), "%020lld\n",
                        static_cast<long long>(p.store->AppliedRevision()));
  (void)!::pwrite(p.applied_fd, text, static_cast<size_t>(n), 0);
}

// The revision a journal line stands for.
int64_t LineRevision(const std::string& line) {
  const char* text = line.c_str();
  if (line.rfind("snapshot ", 0) == 0) text += 9;
  return std::atoll(text);
}

// Cuts the journal back to what the store holds: lines written just before
// a SIGKILL that the store never applied.
bool ReconcileJournal(const std::string& path, int64_t applied) {
  std::vector<std::string> kept;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || LineRevision(line) > applied) break;
      kept.push_back(line);
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const std::string& line : kept) out << line << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host*,
             void** state, char* error, size_t error_capacity) {
  auto p = std::make_unique<MirrorPlugin>();
  for (size_t i = 0; i < count; ++i) {
    const std::string key = config[i].key;
    if (key == "dir") p->dir = config[i].value;
    if (key == "delay_us") p->delay_us = std::atoll(config[i].value);
    if (key == "slow_events") p->slow_events = std::atoll(config[i].value);
  }
  if (p->dir.empty()) {
    CopyError("mirror: config key 'dir' is required", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  auto store = shadekv::mirror::MirrorStore::Open(p->dir);
  if (!store.ok()) {
    CopyError("mirror: " + store.status().ToString(), error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  p->store = std::move(*store);
  if (!ReconcileJournal(p->dir + ".journal", p->store->AppliedRevision())) {
    CopyError("mirror: cannot rewrite " + p->dir + ".journal", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  p->journal_fd =
      ::open((p->dir + ".journal").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  p->applied_fd = ::open((p->dir + ".applied").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (p->journal_fd < 0 || p->applied_fd < 0) {
    CopyError("mirror: cannot open files next to " + p->dir, error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  PublishApplied(*p);
  *state = p.release();
  return SHADEKV_PLUGIN_OK;
}

int32_t AppliedRevision(void* state, int64_t* revision) {
  *revision = static_cast<MirrorPlugin*>(state)->store->AppliedRevision();
  return SHADEKV_PLUGIN_OK;
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  auto* p = static_cast<MirrorPlugin*>(state);
  std::string_view body(reinterpret_cast<const char*>(bytes), len);
  auto event = shadekv::bus::DecodeEvent(body);
  if (!event.ok()) {
    CopyError(event.status().ToString(), error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  const int64_t applied = p->store->AppliedRevision();
  if (event->revision != applied + 1) {
    const std::string what = "event " + std::to_string(event->revision) + " handed at position " +
                             std::to_string(applied);
    RecordViolation(*p, what);
    CopyError("mirror: " + what, error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  if (p->handed++ < p->slow_events && p->delay_us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(p->delay_us));
  }
  AppendLine(p->journal_fd, std::to_string(event->revision));
  shadekv::Status applied_status = p->store->ApplyEvent(body);
  if (!applied_status.ok()) {
    RecordViolation(*p, "event " + std::to_string(event->revision) +
                            " refused by the store: " + applied_status.ToString());
    CopyError(applied_status.ToString(), error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  PublishApplied(*p);
  return SHADEKV_PLUGIN_OK;
}

int32_t OnSnapshot(void* state, int64_t revision, const uint8_t* data, size_t len, char* error,
                   size_t error_capacity) {
  auto* p = static_cast<MirrorPlugin*>(state);
  const int64_t applied = p->store->AppliedRevision();
  if (revision <= applied) {
    const std::string what =
        "snapshot " + std::to_string(revision) + " handed at position " + std::to_string(applied);
    RecordViolation(*p, what);
    CopyError("mirror: " + what, error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  AppendLine(p->journal_fd, "snapshot " + std::to_string(revision));
  shadekv::Status installed = p->store->InstallSnapshot(
      revision, std::string_view(reinterpret_cast<const char*>(data), len));
  if (!installed.ok()) {
    RecordViolation(*p, "snapshot " + std::to_string(revision) +
                            " refused by the store: " + installed.ToString());
    CopyError(installed.ToString(), error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  PublishApplied(*p);
  return SHADEKV_PLUGIN_OK;
}

void Shutdown(void* state) {
  auto* p = static_cast<MirrorPlugin*>(state);
  if (p->journal_fd >= 0) ::close(p->journal_fd);
  if (p->applied_fd >= 0) ::close(p->applied_fd);
  delete p;
}

const shadekv_plugin_descriptor kDescriptor = {
    .abi_version = SHADEKV_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(shadekv_plugin_descriptor),
    .name = "mirror",
    .init = Init,
    .on_event = OnEvent,
    .on_request = nullptr,
    .shutdown = Shutdown,
    .applied_revision = AppliedRevision,
    .on_snapshot = OnSnapshot,
};

}  // namespace

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
