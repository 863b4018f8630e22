// The renewal loop. Every wait and every request is bounded by the local
// expiry deadline, so "lost" is declared on time even when the server hangs.
#include "agent/ctl/session.h"

#include <algorithm>

#include "agent/ctl/json_util.h"
#include "agent/ctl/lease_requests.h"

namespace shadekv::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// How long before the server could expire the lease we stop trusting it:
// a quarter of the TTL, at most a second.
std::chrono::milliseconds SafetyMargin(int64_t ttl_seconds) {
  return std::min(std::chrono::milliseconds(1000), std::chrono::milliseconds(ttl_seconds * 250));
}

}  // namespace

Result<std::unique_ptr<Session>> Session::Start(const GatewayClient& client, int64_t ttl_seconds,
                                                LostCallback on_lost) {
  const Clock::time_point sent = Clock::now();
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr granted, GrantLease(client, ttl_seconds));
  int64_t id = GetInt64(granted, "ID");
  int64_t ttl = GetInt64(granted, "TTL");
  if (id == 0 || ttl <= 0) {
    return Status::Internal("the server granted no usable lease: " + Stringify(granted));
  }
  std::unique_ptr<Session> session(new Session(client, id, ttl, sent, std::move(on_lost)));
  session->thread_ = std::thread([s = session.get()] { s->Run(); });
  return session;
}

Session::Session(const GatewayClient& client, int64_t id, int64_t ttl, Clock::time_point grant_sent,
                 LostCallback on_lost)
    : client_(client),
      lease_id_(id),
      ttl_seconds_(ttl),
      grant_sent_(grant_sent),
      on_lost_(std::move(on_lost)) {}

Session::~Session() { (void)Close(); }

bool Session::lost() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_;
}

void Session::MarkLost(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost_ || closing_) return;
    lost_ = true;
  }
  if (on_lost_) on_lost_(reason);
}

void Session::Run() {
  const auto ttl = std::chrono::seconds(ttl_seconds_);
  const auto interval = std::max<Clock::duration>(ttl / 3, std::chrono::milliseconds(300));
  // The server started the lease's clock after the grant was sent, so it
  // cannot expire before (grant sent) + TTL; likewise for every renewal.
  Clock::time_point expires = grant_sent_ + ttl - SafetyMargin(ttl_seconds_);
  Clock::time_point next = Clock::now() + interval;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_until(lock, std::min(next, expires), [this] { return closing_; });
      if (closing_) return;
    }
    Clock::time_point now = Clock::now();
    if (now >= expires) {
      MarkLost("session expired");
      return;
    }
    if (now < next) continue;
    // Dial and answer must both fit before the local deadline.
    GatewayOptions options = client_.options();
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(expires - now);
    options.dial_timeout = std::min(options.dial_timeout, left);
    options.command_timeout = std::min(options.command_timeout, left);
    GatewayClient bounded(std::move(options));
    const Clock::time_point sent = Clock::now();
    Result<Poco::JSON::Object::Ptr> answer = KeepAliveOnce(bounded, lease_id_, left, &stop_);
    if (stop_.stopped()) return;
    if (answer.ok()) {
      int64_t granted = GetInt64(*answer, "TTL");
      if (granted <= 0) {
        MarkLost("session expired");
        return;
      }
      expires = sent + std::chrono::seconds(granted) - SafetyMargin(granted);
      next = Clock::now() + std::max<Clock::duration>(std::chrono::seconds(granted) / 3,
                                                      std::chrono::milliseconds(300));
    } else {
      // A failed renewal is retried soon; the deadline decides when to give up.
      next = Clock::now() + std::chrono::milliseconds(200);
    }
  }
}

Status Session::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
    closing_ = true;
  }
  wake_.notify_all();
  stop_.Stop("session closed");
  if (thread_.joinable()) thread_.join();
  Result<Poco::JSON::Object::Ptr> revoked = RevokeLease(client_, lease_id_);
  return revoked.status();
}

}  // namespace shadekv::ctl
