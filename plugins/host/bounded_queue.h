// A bounded multi-producer, single-consumer queue. TryPush refuses when full
// instead of blocking, so a stuck consumer (a plugin) can never stall the
// thread that publishes (the Raft apply thread). PushUntil waits for room,
// for a publisher that can afford to (shadekv-sub: the bus catches up).
// The mutex is held only to move one item in or out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace shadekv::plugin_host {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // False (item not taken) when the queue is full or closed.
  bool TryPush(T item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return true;
  }

  enum class PushResult { kPushed, kTimedOut, kClosed };

  // Waits for room until `deadline`; the item is taken only when kPushed.
  PushResult PushUntil(T& item, std::chrono::steady_clock::time_point deadline) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      room_.wait_until(lock, deadline, [&] { return closed_ || items_.size() < capacity_; });
      if (closed_) return PushResult::kClosed;
      if (items_.size() >= capacity_) return PushResult::kTimedOut;
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return PushResult::kPushed;
  }

  // Waits until an item is there, the queue is closed, or `deadline` passes.
  // nullopt when nothing came: closed and empty, or timed out.
  std::optional<T> PopUntil(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait_until(lock, deadline, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    room_.notify_one();
    return item;
  }

  // Refuses further pushes and wakes the consumer; items already queued stay.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  // Removes everything still queued; returns how many items that was.
  size_t Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = items_.size();
    items_.clear();
    room_.notify_all();
    return n;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable ready_;  // an item arrived, or closed
  std::condition_variable room_;   // an item left, or closed
  std::deque<T> items_;            // guarded by mu_
  bool closed_ = false;            // guarded by mu_
};

}  // namespace shadekv::plugin_host
