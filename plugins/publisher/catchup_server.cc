#include "plugins/publisher/catchup_server.h"

#include <Poco/Checksum.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "shadekv/bus/codec.h"
#include "shadekv/common/status.h"

namespace shadekv::publisher {
namespace {

constexpr size_t kErrorCapacity = 512;
constexpr size_t kSnapshotChunkBytes = 64u << 10;

class ReplyStream {
 public:
  ReplyStream(uint64_t tag, const ReplySender& send) : tag_(tag), send_(send) {}

  uint64_t NextSeq() { return seq_++; }
  uint64_t tag() const { return tag_; }
  bool Send(const std::string& body) { return ok_ = ok_ && send_(body); }
  bool ok() const { return ok_; }
  void Error(StatusCode code, const std::string& message) {
    Send(bus::EncodeErrorReply({tag_, static_cast<uint64_t>(code), message}));
  }

 private:
  uint64_t tag_;
  uint64_t seq_ = 0;
  const ReplySender& send_;
  bool ok_ = true;
};

bool Stopping(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(); }

struct EventBatch {
  std::vector<std::string> bodies;
  int64_t last_revision = 0;
  const std::atomic<bool>* stop = nullptr;
};

int32_t CollectEvent(void* arg, int64_t revision, const uint8_t* bytes, size_t len) {
  auto* batch = static_cast<EventBatch*>(arg);
  if (Stopping(batch->stop)) return SHADEKV_PLUGIN_STOPPED;
  batch->bodies.emplace_back(reinterpret_cast<const char*>(bytes), len);
  batch->last_revision = revision;
  return SHADEKV_PLUGIN_OK;
}

struct Spool {
  std::FILE* file = nullptr;
  uint64_t bytes = 0;
  bool write_failed = false;
  const std::atomic<bool>* stop = nullptr;
};

int32_t SpoolChunk(void* arg, int64_t /*revision*/, const uint8_t* chunk, size_t len) {
  auto* spool = static_cast<Spool*>(arg);
  // A snapshot export can take long: shutdown must not wait for its end.
  if (Stopping(spool->stop)) return SHADEKV_PLUGIN_STOPPED;
  if (std::fwrite(chunk, 1, len, spool->file) != len) {
    spool->write_failed = true;
    return SHADEKV_PLUGIN_ERROR;
  }
  spool->bytes += len;
  return SHADEKV_PLUGIN_OK;
}

// Streams history from `from` on. Returns the last revision sent, or nullopt
// after an error (already answered) or when `from` was compacted (`compacted`
// set, nothing sent).
std::optional<int64_t> StreamHistory(const shadekv_plugin_host& host, int64_t from,
                                     const bus::CatchupRequest& request,
                                     const CatchupLimits& limits, ReplyStream& stream,
                                     bool* compacted) {
  const uint64_t max_events = std::min(request.max_events, limits.max_events_per_chunk);
  const uint64_t max_bytes = std::min(request.max_bytes, limits.max_bytes_per_chunk);
  int64_t last = from - 1;
  for (uint64_t chunk = 0; chunk < limits.max_chunks_per_request && stream.ok(); ++chunk) {
    if (Stopping(limits.stop)) return std::nullopt;
    EventBatch batch;
    batch.stop = limits.stop;
    int64_t next = last + 1;
    char error[kErrorCapacity] = {0};
    int32_t rc = host.read_history(host.context, last + 1, static_cast<uint32_t>(max_events),
                                   &CollectEvent, &batch, &next, error, sizeof(error));
    if (rc == SHADEKV_PLUGIN_COMPACTED && compacted != nullptr && chunk == 0) {
      *compacted = true;
      return std::nullopt;
    }
    if (rc != SHADEKV_PLUGIN_OK) {
      stream.Error(
          rc == SHADEKV_PLUGIN_COMPACTED ? StatusCode::kOutOfRange : StatusCode::kUnavailable,
          std::string("read_history from ") + std::to_string(last + 1) + ": " + error);
      return std::nullopt;
    }
    if (batch.bodies.empty()) break;
    // Split by bytes: at most max_bytes per message unless one event is larger.
    bus::CatchupEvents out{stream.tag(), 0, {}};
    uint64_t out_bytes = 0;
    for (std::string& body : batch.bodies) {
      if (!out.events.empty() && out_bytes + body.size() > max_bytes) {
        out.seq = stream.NextSeq();
        if (!stream.Send(bus::EncodeCatchupEvents(out))) return std::nullopt;
        out.events.clear();
        out_bytes = 0;
      }
      out_bytes += body.size();
      out.events.push_back(std::move(body));
    }
    out.seq = stream.NextSeq();
    if (!stream.Send(bus::EncodeCatchupEvents(out))) return std::nullopt;
    last = batch.last_revision;
  }
  return last;
}

// Sends SNAPSHOT_BEGIN, CHUNKs, END. Returns the snapshot revision, or
// nullopt after an error (already answered).
std::optional<int64_t> StreamSnapshot(const shadekv_plugin_host& host, const CatchupLimits& limits,
                                      ReplyStream& stream) {
  if (host.export_snapshot == nullptr) {
    stream.Error(StatusCode::kUnavailable, "history compacted and this host has no snapshots");
    return std::nullopt;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  if (file == nullptr) {
    stream.Error(StatusCode::kUnavailable, "cannot create a temporary file for the snapshot");
    return std::nullopt;
  }
  Spool spool{file.get()};
  spool.stop = limits.stop;
  int64_t revision = 0;
  char error[kErrorCapacity] = {0};
  int32_t rc =
      host.export_snapshot(host.context, &SpoolChunk, &spool, &revision, error, sizeof(error));
  if (rc != SHADEKV_PLUGIN_OK || spool.write_failed || std::fflush(file.get()) != 0) {
    stream.Error(StatusCode::kUnavailable, spool.write_failed
                                               ? "writing the snapshot spool failed"
                                               : std::string("export_snapshot: ") + error);
    return std::nullopt;
  }
  std::rewind(file.get());
  if (!stream.Send(
          bus::EncodeSnapshotBegin({stream.tag(), stream.NextSeq(), revision, spool.bytes}))) {
    return std::nullopt;
  }
  // The same CRC-32 as bus::SnapshotChecksum, updated chunk by chunk so the
  // snapshot is never held whole.
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  std::string buffer(kSnapshotChunkBytes, '\0');
  uint64_t sent = 0;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    crc.update(buffer.data(), static_cast<unsigned>(n));
    if (!stream.Send(bus::EncodeSnapshotChunk(
            {stream.tag(), stream.NextSeq(), std::string(buffer.data(), n)}))) {
      return std::nullopt;
    }
    sent += n;
  }
  if (sent != spool.bytes) {
    stream.Error(StatusCode::kUnavailable, "snapshot spool read back short");
    return std::nullopt;
  }
  if (!stream.Send(bus::EncodeSnapshotEnd({stream.tag(), stream.NextSeq(), crc.checksum()}))) {
    return std::nullopt;
  }
  return revision;
}

}  // namespace

void ServeCatchup(const shadekv_plugin_host& host, const bus::CatchupRequest& request,
                  const CatchupLimits& limits, const ReplySender& send) {
  ReplyStream stream(request.tag, send);
  if (host.read_history == nullptr) {
    stream.Error(StatusCode::kUnavailable, "this host cannot serve history");
    return;
  }
  // A snapshot, not history, when the subscriber asks for what is gone
  // (from_revision <= compact revision) or has nothing at all (from_revision
  // 1: a store's revision 1 is its empty initial state, which no EVENT
  // carries, so history alone can never bring a new subscriber to it).
  int64_t current = 0, compact = 0;
  if (host.revisions != nullptr &&
      host.revisions(host.context, &current, &compact) != SHADEKV_PLUGIN_OK) {
    compact = 0;
  }
  bool compacted = request.from_revision <= std::max<int64_t>(compact, 1);
  std::optional<int64_t> last;
  if (!compacted) {
    last = StreamHistory(host, request.from_revision, request, limits, stream, &compacted);
  }
  if (compacted) {
    std::optional<int64_t> snapshot = StreamSnapshot(host, limits, stream);
    if (!snapshot) return;
    last = StreamHistory(host, *snapshot + 1, request, limits, stream, nullptr);
  }
  if (!last) return;
  stream.Send(bus::EncodeCatchupEnd({request.tag, stream.NextSeq(), *last}));
}

}  // namespace shadekv::publisher
