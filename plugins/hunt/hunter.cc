// Wiring of rules file, engine, alerts file and publisher (hunter.h).
#include "plugins/hunt/hunter.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "plugins/hunt/alert_json.h"
#include "shadekv/bus/codec.h"

namespace shadekv::hunt {
namespace {

// Rules files are small; a bigger file is a mistake (a wrong path).
constexpr std::streamoff kMaxRulesBytes = 4 << 20;

Result<std::string> ReadRulesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("hunt: cannot read rules file \"" + path +
                                   "\": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) {
    return Status::InvalidArgument("hunt: cannot read rules file \"" + path +
                                   "\" (not a regular file?)");
  }
  if (size > kMaxRulesBytes) {
    return Status::InvalidArgument("hunt: rules file \"" + path + "\" is larger than 4 MiB");
  }
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<Hunter>> Hunter::Start(const HuntConfig& config) {
  std::unique_ptr<Hunter> h(new Hunter());
  h->config_ = config;
  SHADEKV_ASSIGN_OR_RETURN(std::string text, ReadRulesFile(config.rules));
  Result<std::vector<Rule>> rules = ParseRules(text);
  if (!rules.ok()) {
    return Status::InvalidArgument("hunt: rules file \"" + config.rules +
                                   "\": " + rules.status().message());
  }
  h->engine_ = std::make_unique<RuleEngine>(std::move(*rules));
  h->alerts_file_ = std::fopen(config.alerts.c_str(), "ae");
  if (h->alerts_file_ == nullptr) {
    return Status::InvalidArgument("hunt: cannot open alerts file \"" + config.alerts +
                                   "\" for appending: " + std::strerror(errno));
  }
  if (!config.publish.empty()) {
    SHADEKV_ASSIGN_OR_RETURN(h->publisher_, AlertPublisher::Start(config.publish, config.send_hwm));
  }
  return h;
}

Hunter::~Hunter() {
  publisher_.reset();  // joins the I/O thread
  if (alerts_file_ != nullptr) std::fclose(alerts_file_);
}

std::string Hunter::publish_endpoint() const {
  return publisher_ ? publisher_->endpoint() : std::string();
}

Status Hunter::OnEvent(std::string_view body) {
  Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
  if (!event.ok()) return Status::InvalidArgument("hunt: on_event: " + event.status().message());
  return Emit(engine_->OnEvent(*event, body));
}

Status Hunter::OnRequest(std::string_view body) {
  Result<bus::RequestRecord> record = bus::DecodeRequestRecord(body);
  if (!record.ok()) {
    return Status::InvalidArgument("hunt: on_request: " + record.status().message());
  }
  return Emit(engine_->OnRequest(*record, body));
}

Status Hunter::Emit(std::vector<bus::Alert> alerts) {
  Status result;
  for (const bus::Alert& alert : alerts) {
    alerts_raised_++;
    // The file first: it is the record; the bus is best effort.
    std::string line = AlertJsonLine(alert) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), alerts_file_) != line.size() ||
        std::fflush(alerts_file_) != 0) {
      result = Status::Unavailable("hunt: writing an alert of rule \"" + alert.rule + "\" to \"" +
                                   config_.alerts + "\" failed: " + std::strerror(errno));
      std::clearerr(alerts_file_);
    }
    if (publisher_) publisher_->Publish(bus::EncodeAlert(alert));
  }
  return result;
}

}  // namespace shadekv::hunt
