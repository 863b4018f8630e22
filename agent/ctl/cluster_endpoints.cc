#include "agent/ctl/cluster_endpoints.h"

#include <algorithm>

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

Result<std::vector<std::string>> ClusterOrFlagEndpoints(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.GetBool("cluster")) return env.client.options().endpoints;
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr resp,
                           env.client.Call("/v3/cluster/member/list", new Poco::JSON::Object));
  std::vector<std::string> endpoints;
  if (auto members = GetArray(resp, "members")) {
    for (size_t i = 0; i < members->size(); ++i) {
      auto urls = GetArray(members->getObject(i), "clientURLs");
      for (size_t j = 0; urls && j < urls->size(); ++j) {
        std::string url = urls->getElement<std::string>(j);
        if (std::find(endpoints.begin(), endpoints.end(), url) == endpoints.end()) {
          endpoints.push_back(url);
        }
      }
    }
  }
  return endpoints;
}

}  // namespace shadekv::ctl
