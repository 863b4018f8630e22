// C trampolines from plugin.h's host table into HostServices. Nothing thrown
// on our side may unwind into plugin code, so every trampoline catches.
#include "plugins/host/host_table.h"

#include <Poco/Logger.h>

#include <cstring>
#include <exception>

namespace shadekv::plugin_host {
namespace {

int32_t CodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return SHADEKV_PLUGIN_OK;
    case StatusCode::kOutOfRange:
      return SHADEKV_PLUGIN_COMPACTED;
    case StatusCode::kCancelled:
      return SHADEKV_PLUGIN_STOPPED;
    case StatusCode::kUnimplemented:
    case StatusCode::kUnavailable:
      return SHADEKV_PLUGIN_UNAVAILABLE;
    default:
      return SHADEKV_PLUGIN_ERROR;
  }
}

}  // namespace

void WriteError(const std::string& message, char* error, size_t error_capacity) {
  if (error == nullptr || error_capacity == 0) return;
  size_t n = std::min(message.size(), error_capacity - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

HostTable::HostTable(const std::string& plugin_name, HostServices* services)
    : services_(services), logger_(Poco::Logger::get("shadekv.plugin." + plugin_name)) {
  table_.struct_size = sizeof(shadekv_plugin_host);
  table_.abi_version = SHADEKV_PLUGIN_ABI_VERSION;
  table_.context = this;
  table_.log = &HostTable::Log;
  if (services_ != nullptr) {
    table_.read_history = &HostTable::ReadHistory;
    table_.export_snapshot = &HostTable::ExportSnapshot;
    table_.revisions = &HostTable::Revisions;
    table_.identity = &HostTable::Identity;
  }
}

void HostTable::Log(void* context, int32_t level, const char* message) {
  if (context == nullptr || message == nullptr) return;
  auto* self = static_cast<HostTable*>(context);
  try {
    switch (level) {
      case SHADEKV_LOG_DEBUG:
        self->logger_.debug(message);
        break;
      case SHADEKV_LOG_INFO:
        self->logger_.information(message);
        break;
      case SHADEKV_LOG_WARN:
        self->logger_.warning(message);
        break;
      default:
        self->logger_.error(message);
        break;
    }
  } catch (...) {
    // A failing log channel must not take the plugin down with it.
  }
}

int32_t HostTable::ReadHistory(void* context, int64_t from_revision, uint32_t max_events,
                               shadekv_event_sink_fn sink, void* sink_arg, int64_t* next_revision,
                               char* error, size_t error_capacity) {
  auto* self = static_cast<HostTable*>(context);
  if (self == nullptr || sink == nullptr || next_revision == nullptr) {
    WriteError("read_history: context, sink and next_revision are required", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  try {
    Result<int64_t> next = self->services_->ReadHistory(
        from_revision, max_events, [&](int64_t revision, std::string_view bytes) {
          return sink(sink_arg, revision, reinterpret_cast<const uint8_t*>(bytes.data()),
                      bytes.size()) == SHADEKV_PLUGIN_OK;
        });
    if (!next.ok()) {
      WriteError(next.status().message(), error, error_capacity);
      return CodeFor(next.status());
    }
    *next_revision = *next;
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("read_history failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("read_history failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

int32_t HostTable::ExportSnapshot(void* context, shadekv_snapshot_sink_fn sink, void* sink_arg,
                                  int64_t* revision, char* error, size_t error_capacity) {
  auto* self = static_cast<HostTable*>(context);
  if (self == nullptr || sink == nullptr || revision == nullptr) {
    WriteError("export_snapshot: context, sink and revision are required", error, error_capacity);
    return SHADEKV_PLUGIN_ERROR;
  }
  try {
    Result<int64_t> rev = self->services_->ExportSnapshot([&](int64_t at, std::string_view chunk) {
      return sink(sink_arg, at, reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()) ==
             SHADEKV_PLUGIN_OK;
    });
    if (!rev.ok()) {
      WriteError(rev.status().message(), error, error_capacity);
      return CodeFor(rev.status());
    }
    *revision = *rev;
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("export_snapshot failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("export_snapshot failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

int32_t HostTable::Revisions(void* context, int64_t* current_revision, int64_t* compact_revision) {
  auto* self = static_cast<HostTable*>(context);
  if (self == nullptr || current_revision == nullptr || compact_revision == nullptr) {
    return SHADEKV_PLUGIN_ERROR;
  }
  try {
    Result<HostServices::Revisions> r = self->services_->CurrentRevisions();
    if (!r.ok()) return CodeFor(r.status());
    *current_revision = r->current;
    *compact_revision = r->compact;
    return SHADEKV_PLUGIN_OK;
  } catch (...) {
    return SHADEKV_PLUGIN_ERROR;
  }
}

int32_t HostTable::Identity(void* context, uint64_t* member_id, uint64_t* cluster_id) {
  auto* self = static_cast<HostTable*>(context);
  if (self == nullptr || member_id == nullptr || cluster_id == nullptr) {
    return SHADEKV_PLUGIN_ERROR;
  }
  try {
    Result<HostServices::Identity> id = self->services_->MemberIdentity();
    if (!id.ok()) return CodeFor(id.status());
    *member_id = id->member_id;
    *cluster_id = id->cluster_id;
    return SHADEKV_PLUGIN_OK;
  } catch (...) {
    return SHADEKV_PLUGIN_ERROR;
  }
}

}  // namespace shadekv::plugin_host
