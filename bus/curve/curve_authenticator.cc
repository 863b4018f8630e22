// The ZAP handler thread (RFC 27) allowing a fixed set of CURVE client keys.
//
// Request frames: version "1.0", request_id, domain, address, identity,
// mechanism, then credentials (for CURVE, one 32-byte client public key).
// Reply frames:   version "1.0", request_id, status_code ("200" allow,
// "400" refuse, "500" malformed), status_text, user_id, metadata ("").
#include "shadekv/bus/curve_authenticator.h"

#include <Poco/Logger.h>
#include <zmq.h>

#include "shadekv/bus/curve_keys.h"

namespace shadekv::bus {
namespace {

constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";
constexpr int kStopCheckMs = 100;

bool ShouldLog(uint64_t count) { return count <= 10 || count % 1000 == 0; }

std::string Frame(const zmq::message_t& m) { return std::string(m.to_string_view()); }

std::string Z85Prefix(const std::string& binary_key) {
  char z85[41] = {};
  if (binary_key.size() != 32 ||
      zmq_z85_encode(z85, reinterpret_cast<const uint8_t*>(binary_key.data()), 32) == nullptr) {
    return "(not a 32-byte key)";
  }
  return std::string(z85, 8) + "...";
}

}  // namespace

CurveAuthenticator::CurveAuthenticator(zmq::context_t& context, std::string log_name)
    : log_name_(std::move(log_name)), socket_(context, zmq::socket_type::rep) {}

Result<std::unique_ptr<CurveAuthenticator>> CurveAuthenticator::Start(
    zmq::context_t& context, const std::vector<std::string>& allowed_public_keys,
    std::string log_name) {
  if (allowed_public_keys.empty()) {
    return Status::InvalidArgument("CURVE authenticator: no authorized client key");
  }
  std::unique_ptr<CurveAuthenticator> auth(new CurveAuthenticator(context, std::move(log_name)));
  for (const std::string& key : allowed_public_keys) {
    SHADEKV_RETURN_IF_ERROR(CheckZ85Key(key, "authorized CURVE key"));
    uint8_t binary[32];
    zmq_z85_decode(binary, key.c_str());
    auth->allowed_keys_.insert(std::string(reinterpret_cast<const char*>(binary), 32));
  }
  try {
    auth->socket_.set(zmq::sockopt::linger, 0);
    auth->socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    if (e.num() == EADDRINUSE) {
      return Status::AlreadyExists(
          "CURVE authenticator: this ZeroMQ context already has a ZAP handler");
    }
    return Status::Internal(std::string("CURVE authenticator: binding ") + kZapEndpoint + ": " +
                            e.what());
  }
  auth->thread_ = std::thread([a = auth.get()] { a->Run(); });
  return auth;
}

CurveAuthenticator::~CurveAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CurveAuthenticator::Run() {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop_) {
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(kStopCheckMs)) > 0) HandleOne();
    } catch (const zmq::error_t& e) {
      // ETERM: the context is going away; nothing more will be asked.
      Poco::Logger::get(log_name_).information(std::string("ZAP handler stopped: ") + e.what());
      return;
    }
  }
}

void CurveAuthenticator::HandleOne() {
  std::vector<zmq::message_t> frames;
  do {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return;
    frames.push_back(std::move(frame));
  } while (socket_.get(zmq::sockopt::rcvmore));

  std::string request_id = frames.size() >= 2 ? Frame(frames[1]) : "";
  std::string status = "500";
  std::string text = "malformed ZAP request";
  if (frames.size() < 6 || Frame(frames[0]) != "1.0") {
    ++malformed_;
  } else if (Frame(frames[5]) != "CURVE" || frames.size() != 7) {
    // Only CURVE server sockets live in contexts that have an authenticator;
    // anything else (NULL, PLAIN) is refused rather than waved through.
    status = "400";
    text = "only CURVE is accepted";
    ++refused_;
  } else {
    std::string key = Frame(frames[6]);
    if (allowed_keys_.count(key) != 0) {
      status = "200";
      text = "OK";
      ++allowed_;
    } else {
      status = "400";
      text = "client key not authorized";
      uint64_t n = ++refused_;
      if (ShouldLog(n)) {
        Poco::Logger::get(log_name_).warning("refused a CURVE client with unauthorized key " +
                                             Z85Prefix(key) + " from " + Frame(frames[3]) +
                                             " (domain \"" + Frame(frames[2]) + "\", " +
                                             std::to_string(n) + " refused so far)");
      }
    }
  }
  socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
  socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
  socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
}

}  // namespace shadekv::bus
