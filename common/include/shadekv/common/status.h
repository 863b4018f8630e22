// Status and Result<T>: how errors travel between shadekv's components.
//
// Fallible functions return Status (no value) or Result<T> (a value or an
// error). Both are [[nodiscard]]. Exceptions never cross a component boundary:
// code that calls a throwing library (Poco, cppzmq, msgpack-c) catches right
// there and returns a Status that says what failed, on what input, and what to
// do about it.
//
// The codes are gRPC's canonical codes with gRPC's numbers, because the etcd
// JSON gateway reports exactly those numbers in its `code` field; the API edge
// maps a code to etcd's HTTP status with one table. Keep the set small: a new
// kind of failure is a new message, not a new code.
#pragma once

#include <cassert>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace shadekv {

// Numbered exactly like grpc::StatusCode. Never renumber: the numbers are on
// the wire (etcd gateway `code`) and in persisted error records.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The canonical name of a code ("INVALID_ARGUMENT"), for logs and messages.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // A default-constructed Status is OK.
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Unknown(std::string m) { return {StatusCode::kUnknown, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: key is not provided", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>", same code. Use it to
  // add what the caller was doing when a lower layer failed.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value of type T, or a non-OK Status saying why there is none.
// Constructing a Result from an OK Status is a bug and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(state_).ok()) std::abort();  // an error Result must carry an error
  }

  bool ok() const { return state_.index() == 0; }

  // OK when a value is present.
  Status status() const { return ok() ? Status::Ok() : std::get<1>(state_); }

  // The value. Calling these on an error Result is a bug and aborts.
  T& value() & {
    if (!ok()) std::abort();
    return std::get<0>(state_);
  }
  const T& value() const& {
    if (!ok()) std::abort();
    return std::get<0>(state_);
  }
  T&& value() && {
    if (!ok()) std::abort();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace shadekv

// Propagates a non-OK Status from an expression returning Status.
#define SHADEKV_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::shadekv::Status shadekv_status_ = (expr);        \
    if (!shadekv_status_.ok()) return shadekv_status_; \
  } while (0)

#define SHADEKV_CONCAT_INNER_(a, b) a##b
#define SHADEKV_CONCAT_(a, b) SHADEKV_CONCAT_INNER_(a, b)

// `SHADEKV_ASSIGN_OR_RETURN(auto x, Fallible());` declares x from the value,
// or returns the error Status from the enclosing function.
#define SHADEKV_ASSIGN_OR_RETURN(lhs, expr) \
  SHADEKV_ASSIGN_OR_RETURN_IMPL_(SHADEKV_CONCAT_(shadekv_result_, __LINE__), lhs, expr)
#define SHADEKV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
