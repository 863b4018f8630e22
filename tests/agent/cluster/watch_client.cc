// Watch stream client for the cluster tests (see watch_client.h).
#include "tests/agent/cluster/watch_client.h"

#include "tests/agent/cluster/base64_text.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace shadekv::cluster_testing {
namespace {

using Poco::JSON::Object;

int64_t IntField(const Object::Ptr& o, const std::string& name) {
  if (o.isNull() || !o->has(name)) return 0;
  return std::stoll(o->getValue<std::string>(name));
}

bool BoolField(const Object::Ptr& o, const std::string& name) {
  return !o.isNull() && o->has(name) && o->getValue<bool>(name);
}

std::string BytesField(const Object::Ptr& o, const std::string& name) {
  if (o.isNull() || !o->has(name)) return "";
  return Unbase64(o->getValue<std::string>(name));
}

}  // namespace

Result<WatchMessage> ParseWatchMessage(const std::string& line) {
  try {
    Poco::JSON::Parser parser;
    Object::Ptr top = parser.parse(line).extract<Object::Ptr>();
    Object::Ptr r = top->getObject("result");
    if (r.isNull()) return Status::InvalidArgument("not a watch response: " + line);
    WatchMessage m;
    m.line = line;
    m.watch_id = IntField(r, "watch_id");
    m.revision = IntField(r->getObject("header"), "revision");
    m.created = BoolField(r, "created");
    m.canceled = BoolField(r, "canceled");
    m.fragment = BoolField(r, "fragment");
    m.compact_revision = IntField(r, "compact_revision");
    if (r->has("cancel_reason")) m.cancel_reason = r->getValue<std::string>("cancel_reason");
    Poco::JSON::Array::Ptr events = r->getArray("events");
    for (size_t i = 0; !events.isNull() && i < events->size(); ++i) {
      Object::Ptr e = events->getObject(static_cast<unsigned>(i));
      WatchEvent ev;
      ev.is_delete = e->has("type") && e->getValue<std::string>("type") == "DELETE";
      Object::Ptr kv = e->getObject("kv");
      ev.key = BytesField(kv, "key");
      ev.value = BytesField(kv, "value");
      ev.mod_revision = IntField(kv, "mod_revision");
      ev.create_revision = IntField(kv, "create_revision");
      ev.version = IntField(kv, "version");
      Object::Ptr prev = e->getObject("prev_kv");
      ev.has_prev = !prev.isNull();
      ev.prev_value = BytesField(prev, "value");
      m.events.push_back(std::move(ev));
    }
    return m;
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("bad watch response '" + line + "': " + e.displayText());
  } catch (const std::exception& e) {
    return Status::InvalidArgument("bad watch response '" + line + "': " + e.what());
  }
}

std::string WatchCreateJson(const std::string& key, const std::string& range_end,
                            int64_t start_revision, bool prev_kv, const std::string& extra_fields) {
  std::string j = "{\"create_request\":{\"key\":\"" + Base64(key) + "\"";
  if (!range_end.empty()) j += ",\"range_end\":\"" + Base64(range_end) + "\"";
  if (start_revision != 0) j += ",\"start_revision\":\"" + std::to_string(start_revision) + "\"";
  if (prev_kv) j += ",\"prev_kv\":true";
  if (!extra_fields.empty()) j += "," + extra_fields;
  return j + "}}";
}

Result<std::unique_ptr<WatchClient>> WatchClient::Open(int port, int receive_buffer) {
  // Like curl: etcd's gateway (Go) answers an open chunked body only after
  // "Expect: 100-continue"; without it, only once the body ends.
  return Connect(port, receive_buffer,
                 "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
}

Result<std::unique_ptr<WatchClient>> WatchClient::OpenWithBody(int port, const std::string& body) {
  return Connect(port, 0, "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

Result<std::unique_ptr<WatchClient>> WatchClient::Connect(int port, int receive_buffer,
                                                          const std::string& rest) {
  std::unique_ptr<WatchClient> c(new WatchClient());
  c->fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd_ < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  if (receive_buffer > 0) {
    ::setsockopt(c->fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(c->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::Unavailable("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                               std::strerror(errno));
  }
  SHADEKV_RETURN_IF_ERROR(
      c->SendAll("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                 "\r\nContent-Type: application/json\r\n" + rest));
  return c;
}

WatchClient::~WatchClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status WatchClient::SendAll(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WatchClient::Send(const std::string& json) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", json.size());
  return SendAll(size + json + "\r\n");
}

Status WatchClient::EndBody() { return SendAll("0\r\n\r\n"); }

bool WatchClient::Fill(std::chrono::steady_clock::time_point deadline, Status* status) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    *status = Status::DeadlineExceeded("no watch response in time");
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(left.count()));
  if (ready == 0) {
    *status = Status::DeadlineExceeded("no watch response in time");
    return false;
  }
  char buffer[65536];
  ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    *status = Status::Unavailable("watch stream closed by the server");
    return false;
  }
  raw_.append(buffer, static_cast<size_t>(n));
  return true;
}

Status WatchClient::DecodeChunks() {
  while (!headers_done_) {
    size_t end = raw_.find("\r\n\r\n");
    if (end == std::string::npos) return Status::Ok();
    std::string head = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    http_status_ = std::atoi(head.substr(head.find(' ') + 1, 3).c_str());
    if (http_status_ == 100) continue;  // "100 Continue": the real answer follows
    headers_done_ = true;
    if (http_status_ != 200) {
      return Status::InvalidArgument("HTTP " + std::to_string(http_status_) + ": " + raw_);
    }
  }
  for (;;) {
    size_t eol = raw_.find("\r\n");
    if (eol == std::string::npos) return Status::Ok();
    size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
    if (size == 0) {
      body_ended_ = true;
      return Status::Ok();
    }
    if (raw_.size() < eol + 2 + size + 2) return Status::Ok();
    body_.append(raw_, eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
  }
}

Result<std::string> WatchClient::NextLine(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    SHADEKV_RETURN_IF_ERROR(DecodeChunks());
    size_t nl = body_.find('\n');
    if (nl != std::string::npos) {
      std::string line = body_.substr(0, nl);
      body_.erase(0, nl + 1);
      return line;
    }
    if (body_ended_) return Status::Unavailable("watch stream ended by the server");
    Status status;
    if (!Fill(deadline, &status)) return status;
  }
}

Result<WatchMessage> WatchClient::Next(std::chrono::milliseconds timeout) {
  SHADEKV_ASSIGN_OR_RETURN(std::string line, NextLine(timeout));
  return ParseWatchMessage(line);
}

}  // namespace shadekv::cluster_testing
