#include "plugins/publisher/publisher_config.h"

#include <charconv>

namespace shadekv::publisher {
namespace {

Result<uint64_t> ParsePositive(const std::string& key, const std::string& value, uint64_t max) {
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out == 0 || out > max) {
    return Status::InvalidArgument("publisher." + key + ": expected an integer in 1.." +
                                   std::to_string(max) + ", got \"" + value + "\"");
  }
  return out;
}

}  // namespace

Result<PublisherConfig> ParsePublisherConfig(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  PublisherConfig config;
  for (const auto& [key, value] : entries) {
    if (key == "listen" || key == "catchup") {
      // ZeroMQ checks the rest at bind time; an empty one would bind nothing.
      if (value.empty()) return Status::InvalidArgument("publisher." + key + ": empty endpoint");
      (key == "listen" ? config.listen : config.catchup) = value;
    } else if (key == "heartbeat_ms") {
      SHADEKV_ASSIGN_OR_RETURN(config.heartbeat_ms, ParsePositive(key, value, 3'600'000));
    } else if (key == "send_hwm") {
      SHADEKV_ASSIGN_OR_RETURN(uint64_t hwm, ParsePositive(key, value, 10'000'000));
      config.send_hwm = static_cast<int>(hwm);
    } else if (key == "max_chunks") {
      SHADEKV_ASSIGN_OR_RETURN(config.max_chunks_per_request, ParsePositive(key, value, 1'000'000));
    } else if (key == "curve_key" || key == "curve_authorized") {
      if (value.empty()) return Status::InvalidArgument("publisher." + key + ": empty path");
      (key == "curve_key" ? config.curve_key : config.curve_authorized) = value;
    } else {
      return Status::InvalidArgument("publisher: unknown setting \"" + key +
                                     "\" (known: listen, catchup, heartbeat_ms, send_hwm, "
                                     "max_chunks, curve_key, curve_authorized)");
    }
  }
  if (config.curve_key.empty() != config.curve_authorized.empty()) {
    return Status::InvalidArgument(
        "publisher.curve_key and publisher.curve_authorized go together: a key alone would "
        "accept any subscriber");
  }
  if (config.listen == config.catchup) {
    return Status::InvalidArgument("publisher.listen and publisher.catchup must differ");
  }
  return config;
}

}  // namespace shadekv::publisher
