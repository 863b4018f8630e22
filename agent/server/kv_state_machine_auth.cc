// Applying auth entries and loading the auth state. The state lives in the
// store's meta namespace (auth_record.h), so a change is written in the same
// batch as the applied index and travels in snapshots; readers see an
// immutable copy that is swapped whole after each change.
#include <Poco/Logger.h>

#include "agent/auth/auth_record.h"
#include "agent/server/kv_state_machine.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.auth"); }

}  // namespace

std::shared_ptr<const auth::AuthState> KvStateMachine::auth_state() const {
  std::lock_guard<std::mutex> lock(auth_mu_);
  return auth_;
}

Result<AppliedEntry> KvStateMachine::ApplyAuthEntry(uint64_t index, const RaftEntry& entry) {
  AppliedEntry applied;
  applied.origin = entry.origin;
  applied.request_id = entry.request_id;
  const auto& change = std::get<auth::AuthChange>(entry.op);
  std::shared_ptr<const auth::AuthState> before = auth_state();
  auto after = std::make_shared<auth::AuthState>(*before);
  Status verdict = after->Apply(change);
  if (!verdict.ok()) {
    // Every member reaches the same verdict from the same state: the index
    // is consumed, nothing else changes.
    SHADEKV_RETURN_IF_ERROR(store_->MarkApplied(index));
    applied.result = std::move(verdict);
    return applied;
  }
  store::WriteRequest request;
  request.meta = auth::AuthMetaWrites(*before, *after);
  Result<store::ApplyResult> result = store_->Apply(request, index);
  if (!result.ok()) {
    return result.status().WithContext("applying auth entry " + std::to_string(index));
  }
  {
    std::lock_guard<std::mutex> lock(auth_mu_);
    auth_ = std::move(after);
  }
  // Names only: never a password, hash or secret.
  Log().information("auth change " + std::to_string(static_cast<int>(change.kind)) +
                    " applied at index " + std::to_string(index) + " (user '" + change.user +
                    "', role '" + change.role + "', by '" + entry.user + "')");
  applied.result = std::move(result);
  return applied;
}

Status KvStateMachine::AuthorizeAtApply(const RaftEntry& entry) const {
  std::shared_ptr<const auth::AuthState> state = auth_state();
  if (!state->enabled()) return Status::Ok();
  if (const auto* put = std::get_if<store::PutRequest>(&entry.op)) {
    return state->CheckPut(entry.user, *put);
  }
  if (const auto* del = std::get_if<store::DeleteRangeRequest>(&entry.op)) {
    return state->CheckDeleteRange(entry.user, *del);
  }
  if (const auto* txn = std::get_if<store::TxnRequest>(&entry.op)) {
    return state->CheckTxn(entry.user, *txn);
  }
  return Status::Ok();
}

Status KvStateMachine::ReloadAuth() {
  SHADEKV_ASSIGN_OR_RETURN(auto entries, store_->ScanMeta(auth::kAuthMetaPrefix));
  SHADEKV_ASSIGN_OR_RETURN(auth::AuthState state, auth::DecodeAuthState(entries));
  Log().information("loaded auth state: " + std::string(state.enabled() ? "enabled" : "disabled") +
                    ", " + std::to_string(state.users().size()) + " user(s), " +
                    std::to_string(state.roles().size()) + " role(s)");
  std::lock_guard<std::mutex> lock(auth_mu_);
  auth_ = std::make_shared<const auth::AuthState>(std::move(state));
  return Status::Ok();
}

}  // namespace shadekv::agent
