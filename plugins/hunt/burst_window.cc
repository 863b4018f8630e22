// Sliding-window burst detection (burst_window.h).
#include "plugins/hunt/burst_window.h"

namespace shadekv::hunt {

bool BurstWindow::Expired(int64_t time_ms) const {
  // 128-bit so hostile times (INT64_MIN, INT64_MAX) cannot overflow.
  return static_cast<__int128>(now_ms_) - time_ms >= window_ms_;
}

void BurstWindow::Advance(int64_t now_ms) {
  if (!started_ || now_ms > now_ms_) now_ms_ = now_ms;
  started_ = true;
  while (!hits_.empty() && Expired(hits_.front().time_ms)) {
    total_ -= hits_.front().weight;
    hits_.pop_front();
  }
  while (!recent_.empty() && Expired(recent_.front().first)) recent_.pop_front();
  if (total_ <= limit_) in_burst_ = false;
}

bool BurstWindow::Add(int64_t weight, std::string body) {
  // Forget what cannot matter any more (see the header). Only during a
  // burst, so count() is exact whenever Add starts one.
  while (hits_.size() > 1 && total_ - hits_.front().weight > limit_) {
    total_ -= hits_.front().weight;
    hits_.pop_front();
  }
  hits_.push_back({now_ms_, weight});
  total_ += weight;
  recent_.emplace_back(now_ms_, std::move(body));
  while (recent_.size() > max_attached_) recent_.pop_front();
  bool starts = total_ > limit_ && !in_burst_;
  if (total_ > limit_) in_burst_ = true;
  return starts;
}

std::vector<std::string> BurstWindow::attached() const {
  std::vector<std::string> out;
  out.reserve(recent_.size());
  for (const auto& [time, body] : recent_) out.push_back(body);
  return out;
}

}  // namespace shadekv::hunt
