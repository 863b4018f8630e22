// The snapshot stream's HTTP side: export chunks -> message lines -> socket.
#include "agent/api/snapshot_handler.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include <ostream>
#include <string>
#include <vector>

#include "agent/api/etcd_json.h"
#include "agent/api/http_reply.h"
#include "agent/api/snapshot_messages.h"

namespace shadekv::api {
namespace {

// Why the sink gave up when the client is gone: aborts the export, never
// reported to anyone.
Status ClientGone() { return Status::Cancelled("the client closed the snapshot stream"); }

Poco::Logger& Log() { return Poco::Logger::get("shadekv.snapshot"); }

std::string Progress(const SnapshotMessageEncoder& encoder, int64_t revision) {
  return "revision " + std::to_string(revision) + ", " + std::to_string(encoder.sent()) + " of " +
         std::to_string(encoder.total()) + " bytes";
}

}  // namespace

int ServeSnapshot(agent::Member& member, Poco::Net::HTTPServerRequest& request,
                  Poco::Net::HTTPServerResponse& response, size_t max_request_bytes) {
  try {
    std::string body;
    Status read = ReadRequestBody(request, max_request_bytes, &body);
    // SnapshotRequest has no fields, like StatusRequest: the same parse gives
    // etcd's errors for a body that is not a JSON object.
    if (read.ok()) read = ParseStatusRequest(body).status();
    if (!read.ok()) {
      const HttpReply error = ErrorReply(read);
      SendWhole(response, error);
      return error.http_status;
    }
    SnapshotMessageEncoder encoder;
    std::ostream* out = nullptr;  // set once the 200 status line is sent
    std::vector<std::string> lines;
    auto write_lines = [&]() -> Status {
      if (out == nullptr) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/json");
        response.setChunkedTransferEncoding(true);
        out = &response.send();
      }
      for (const std::string& line : lines) out->write(line.data(), line.size());
      lines.clear();
      out->flush();
      return out->good() ? Status::Ok() : ClientGone();
    };
    int64_t revision = 0;
    Status exported = member.state_machine().ExportStoreSnapshot(
        [&](std::string_view chunk) -> Status {
          SHADEKV_RETURN_IF_ERROR(encoder.Add(chunk, &lines));
          if (lines.empty()) return Status::Ok();
          try {
            return write_lines();
          } catch (const Poco::Exception&) {
            return ClientGone();
          } catch (const std::ios_base::failure&) {
            return ClientGone();
          }
        },
        &revision);
    if (exported.ok()) exported = encoder.Finish(&lines);
    const std::string client = request.clientAddress().toString();
    if (exported.ok()) {
      (void)write_lines();  // a client gone at the very end: nothing to undo
      Log().information("snapshot sent to " + client + ": " + Progress(encoder, revision));
      return 200;
    }
    if (exported.code() == StatusCode::kCancelled && out != nullptr) {
      Log().warning("snapshot stream to " + client + " abandoned by the client after " +
                    Progress(encoder, revision));
      return 200;
    }
    Log().error("snapshot for " + client + " failed: " + exported.ToString());
    if (out == nullptr) {
      const HttpReply error = ErrorReply(exported);
      SendWhole(response, error);
      return error.http_status;
    }
    *out << EncodeSnapshotStreamError(exported);
    out->flush();
    return 200;
  } catch (const Poco::Exception&) {
    // The client went away while we answered: nothing left to tell it.
  } catch (const std::ios_base::failure&) {
  }
  return 200;
}

}  // namespace shadekv::api
