// The simulated network: seeded loss, duplication, delay and link cuts.
#include "tests/raft/sim/sim_network.h"

namespace shadekv::raft::sim {

void SimNetwork::Send(const Message& message, uint64_t now) {
  if (IsCut(message.from, message.to)) {
    ++dropped_;
    dropped_messages_.push_back({message, /*by_partition=*/true});
    return;
  }
  if (!chaos_enabled_) {
    Enqueue(message, now);
    return;
  }
  if (Uniform() < chaos_.drop) {
    ++dropped_;
    dropped_messages_.push_back({message, /*by_partition=*/false});
    return;
  }
  int copies = Uniform() < chaos_.duplicate ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    uint64_t due = now;
    if (chaos_.max_delay > 0 && Uniform() < chaos_.reorder) {
      due += std::uniform_int_distribution<int>(0, chaos_.max_delay)(*rng_);
    }
    if (chaos_.max_long_delay > 0 && Uniform() < chaos_.long_delay) {
      due += std::uniform_int_distribution<int>(0, chaos_.max_long_delay)(*rng_);
    }
    Enqueue(message, due);
  }
}

void SimNetwork::Enqueue(const Message& message, uint64_t due) {
  queue_.emplace(std::make_pair(due, next_seq_++), message);
}

std::vector<Message> SimNetwork::TakeDue(uint64_t now) {
  std::vector<Message> due;
  auto it = queue_.begin();
  while (it != queue_.end() && it->first.first <= now) {
    if (IsCut(it->second.from, it->second.to)) {
      ++dropped_;
      dropped_messages_.push_back({std::move(it->second), /*by_partition=*/true});
    } else {
      ++delivered_;
      due.push_back(std::move(it->second));
    }
    it = queue_.erase(it);
  }
  return due;
}

void SimNetwork::DropTrafficTo(NodeId node) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.to == node) {
      ++dropped_;
      dropped_messages_.push_back({std::move(it->second), /*by_partition=*/false});
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<DroppedMessage> SimNetwork::TakeDropped() {
  std::vector<DroppedMessage> out;
  out.swap(dropped_messages_);
  return out;
}

}  // namespace shadekv::raft::sim
