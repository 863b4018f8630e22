// The keep-alive endpoint is a stream; the gateway answers one result per
// request object in the body and then ends it, so one POST per renewal.
#include "agent/ctl/lease_requests.h"

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

Result<Poco::JSON::Object::Ptr> GrantLease(const GatewayClient& client, int64_t ttl_seconds) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("TTL", std::to_string(ttl_seconds));
  return client.Call("/v3/lease/grant", body);
}

Result<Poco::JSON::Object::Ptr> RevokeLease(const GatewayClient& client, int64_t id) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(id));
  return client.Call("/v3/lease/revoke", body);
}

Result<Poco::JSON::Object::Ptr> KeepAliveOnce(const GatewayClient& client, int64_t id,
                                              std::chrono::nanoseconds timeout,
                                              CancelToken* cancel) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(id));
  Poco::JSON::Object::Ptr answer;
  Status status = client.Stream("/v3/lease/keepalive", Stringify(body), timeout, cancel,
                                [&answer](const Poco::JSON::Object::Ptr& result) {
                                  answer = result;
                                  return false;
                                });
  SHADEKV_RETURN_IF_ERROR(status);
  if (!answer) {
    return Status::Unavailable("the server ended the keep-alive stream without an answer");
  }
  return answer;
}

}  // namespace shadekv::ctl
