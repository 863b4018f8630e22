// Encoding of the snapshot stream's messages (see snapshot_messages.h).
#include "agent/api/snapshot_messages.h"

#include <Poco/Net/HTTPResponse.h>

#include <algorithm>

#include "agent/api/etcd_errors.h"
#include "agent/api/json_writer.h"
#include "store/snapshot_format.h"

namespace shadekv::api {
namespace {

constexpr size_t kStreamBytesOffset = 44;  // of stream_bytes in the header

uint64_t ReadBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string EncodeSnapshotMessage(uint64_t remaining_bytes, std::string_view blob) {
  std::string line = "{\"result\":";
  {
    JsonObjectWriter result(line);
    result.Uint64AsString("remaining_bytes", remaining_bytes);
    result.Bytes("blob", blob);
    result.Close();
  }
  line += "}\n";
  return line;
}

std::string EncodeSnapshotStreamError(const Status& status) {
  const int http = HttpStatusForCode(status.code());
  std::string out = "{\"error\":{\"grpc_code\":" + std::to_string(static_cast<int>(status.code())) +
                    ",\"http_code\":" + std::to_string(http) + ",\"message\":";
  AppendJsonString(out, status.message());
  out += ",\"http_status\":";
  AppendJsonString(out, Poco::Net::HTTPResponse::getReasonForStatus(
                            static_cast<Poco::Net::HTTPResponse::HTTPStatus>(http)));
  out += "}}\n";
  return out;
}

Status SnapshotMessageEncoder::Add(std::string_view chunk, std::vector<std::string>* lines) {
  pending_.append(chunk);
  received_ += chunk.size();
  if (total_ == 0 && pending_.size() >= store::kSnapshotHeaderBytes) {
    if (std::string_view(pending_).substr(0, store::kSnapshotMagic.size()) !=
        store::kSnapshotMagic) {
      return Status::Internal("the store's snapshot export does not start with its header");
    }
    total_ = ReadBe64(pending_.data() + kStreamBytesOffset);
    if (total_ < store::kSnapshotHeaderBytes + store::kSnapshotTrailerBytes) {
      return Status::Internal("the store's snapshot header announces " + std::to_string(total_) +
                              " bytes, fewer than a header and a trailer");
    }
  }
  if (total_ != 0 && received_ > total_) {
    return Status::Internal("the store's snapshot export overran its announced " +
                            std::to_string(total_) + " bytes");
  }
  // Without the total no remaining_bytes can be given yet; the header is
  // far smaller than a blob, so this only delays the first message.
  while (total_ != 0 && pending_.size() >= kSnapshotBlobBytes) Emit(lines);
  return Status::Ok();
}

Status SnapshotMessageEncoder::Finish(std::vector<std::string>* lines) {
  if (total_ == 0 || received_ != total_) {
    return Status::Internal("the store's snapshot export ended after " + std::to_string(received_) +
                            " of " + std::to_string(total_) + " bytes");
  }
  while (!pending_.empty()) Emit(lines);
  return Status::Ok();
}

void SnapshotMessageEncoder::Emit(std::vector<std::string>* lines) {
  const size_t n = std::min(pending_.size(), kSnapshotBlobBytes);
  sent_ += n;
  lines->push_back(EncodeSnapshotMessage(total_ - sent_, std::string_view(pending_).substr(0, n)));
  pending_.erase(0, n);
}

}  // namespace shadekv::api
