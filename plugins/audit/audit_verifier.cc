// The verifier: one pass over the files as a single stream of lines, with a
// bounded look-ahead to tell a reordered record from a deleted one.
#include "plugins/audit/audit_verifier.h"

#include <deque>
#include <fstream>
#include <memory>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_line.h"

namespace shadekv::audit {
namespace {

// How far a missing seq is searched for before a gap counts as a deletion.
constexpr size_t kLookahead = 1000;
constexpr uint64_t kProgressEvery = 4u << 20;

struct Line {
  size_t file_index = 0;
  uint64_t line_no = 0;
  std::string text;
  bool complete = true;  // ended with '\n'
};

// The lines of every file in order, with look-ahead.
class LineSource {
 public:
  explicit LineSource(const std::vector<std::string>& files) : files_(files) {}

  // The next line, or false at the end of the last file.
  bool Next(Line* line) {
    if (!Fill(1)) return false;
    *line = std::move(ahead_.front());
    ahead_.pop_front();
    return true;
  }

  // The k-th line after the one Next returned last (0 = the next), or null.
  const Line* Peek(size_t k) { return Fill(k + 1) ? &ahead_[k] : nullptr; }

  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool Fill(size_t n) {
    while (ahead_.size() < n) {
      if (!in_) {
        if (next_file_ >= files_.size()) return false;
        in_ = std::make_unique<std::ifstream>(files_[next_file_], std::ios::binary);
        current_file_ = next_file_++;
        line_no_ = 0;
      }
      Line line;
      if (!std::getline(*in_, line.text)) {
        in_.reset();
        continue;
      }
      line.complete = !in_->eof();
      line.file_index = current_file_;
      line.line_no = ++line_no_;
      bytes_read_ += line.text.size() + (line.complete ? 1 : 0);
      ahead_.push_back(std::move(line));
    }
    return true;
  }

  const std::vector<std::string>& files_;
  size_t next_file_ = 0;
  size_t current_file_ = 0;
  uint64_t line_no_ = 0;
  std::unique_ptr<std::ifstream> in_;
  std::deque<Line> ahead_;
  uint64_t bytes_read_ = 0;
};

std::string Where(const std::vector<std::string>& files, const Line& line) {
  return files[line.file_index] + ":" + std::to_string(line.line_no);
}

}  // namespace

std::string VerifyProblem::ToString() const {
  std::string out = file + ":" + std::to_string(line) + ": ";
  if (seq > 0) out += "seq " + std::to_string(seq) + ": ";
  return out + message;
}

Result<VerifyAnchor> ParseVerifyAnchor(const std::string& text) {
  size_t colon = text.find(':');
  VerifyAnchor anchor;
  if (colon != std::string::npos && colon > 0 && colon <= 19 &&
      text.find_first_not_of("0123456789") == colon) {
    anchor.seq = std::stoull(text.substr(0, colon));
    anchor.hash = text.substr(colon + 1);
    if (anchor.seq >= 1 && IsHashText(anchor.hash)) return anchor;
  }
  return Status::InvalidArgument("invalid anchor \"" + text +
                                 "\": give SEQ:HASH as printed by a verify (seq >= 1, hash 64 "
                                 "lowercase hex digits)");
}

Result<VerifyReport> VerifyAuditFiles(const std::vector<std::string>& files,
                                      const VerifyOptions& options) {
  const auto& progress = options.progress;
  if (files.empty()) return Status::InvalidArgument("no audit log files given");
  uint64_t total = 0;
  for (const std::string& f : files) {
    std::ifstream probe(f, std::ios::binary | std::ios::ate);
    if (!probe) return Status::NotFound("cannot read audit log " + f);
    total += static_cast<uint64_t>(probe.tellg());
  }

  VerifyReport report;
  report.last_hash = kGenesisHash;
  if (options.start_after) {
    report.last_seq = options.start_after->seq;
    report.last_hash = options.start_after->hash;
  }
  const std::string start_name =
      options.start_after ? "the --start-after anchor (seq " + std::to_string(report.last_seq) + ")"
                          : "seq 1";
  Line last_line;  // the last valid record's line, for messages
  LineSource source(files);
  Line line;
  uint64_t next_progress = kProgressEvery;
  while (source.Next(&line)) {
    if (progress && source.bytes_read() >= next_progress) {
      progress(source.bytes_read(), total);
      next_progress = source.bytes_read() + kProgressEvery;
    }
    const uint64_t expected = report.last_seq + 1;
    auto fail = [&](uint64_t seq, std::string message) {
      report.problem = VerifyProblem{files[line.file_index], line.line_no, seq, std::move(message)};
      return report;
    };
    const uint64_t peeked_seq = PeekSeq(line.text).value_or(0);
    if (!line.complete) {
      return fail(peeked_seq,
                  "truncated: the last line has no newline (the file was cut, or a write was "
                  "torn)");
    }
    // The hash first: an edit that also broke the JSON is still "modified".
    Result<SealedLine> sealed = SplitSealedLine(line.text);
    if (!sealed.ok()) return fail(peeked_seq, "not an audit record: " + sealed.status().message());
    const std::string computed = Sha256Hex(sealed->body);
    if (computed != sealed->hash) {
      // A line the chain skips over was inserted; otherwise it was changed.
      const Line* next = source.Peek(0);
      if (next != nullptr && next->complete) {
        Result<LoggedRecord> after = ParseLoggedLine(next->text);
        if (after.ok() && after->hash_matches() && after->seq == expected &&
            after->prev == report.last_hash) {
          return fail(peeked_seq,
                      "inserted: this line is not part of the chain (its hash does not "
                      "match) and the next line continues from seq " +
                          std::to_string(report.last_seq));
        }
      }
      return fail(peeked_seq, "modified: the record does not match its hash (recorded " +
                                  sealed->hash + ", computed " + computed + ")");
    }
    Result<LoggedRecord> parsed = ParseLoggedLine(line.text);
    if (!parsed.ok()) return fail(peeked_seq, "not an audit record: " + parsed.status().message());
    const LoggedRecord& rec = *parsed;
    if (rec.seq == expected && rec.prev == report.last_hash) {
      if (options.expect && rec.seq == options.expect->seq && rec.hash != options.expect->hash) {
        return fail(rec.seq, "does not match the anchor: its hash is " + rec.hash +
                                 ", the anchor says " + options.expect->hash +
                                 " (the log was rewritten since the anchor was taken)");
      }
      ++report.records;
      report.last_seq = rec.seq;
      report.last_hash = rec.hash;
      last_line = line;
      continue;
    }

    if (line.line_no == 1 && rec.seq != expected) {
      if (line.file_index == 0) {
        return fail(rec.seq, "the log starts at seq " + std::to_string(rec.seq) + ", not " +
                                 std::to_string(expected) + " (" + start_name +
                                 "): older files are missing or the files are out of order "
                                 "(give every file, oldest first, or --start-after SEQ:HASH)");
      }
      return fail(rec.seq, "this file does not continue " + files[line.file_index - 1] +
                               " (which ends at seq " + std::to_string(report.last_seq) +
                               "): the files are given in the wrong order, or a file between "
                               "them is missing");
    }
    if (rec.seq == expected) {
      if (report.records == 0) {
        return fail(rec.seq, "chain broken: prev is not the hash of " +
                                 std::string(options.start_after ? "the --start-after anchor"
                                                                 : "the genesis (zeros)"));
      }
      return fail(rec.seq, "chain broken: prev is not the hash of seq " +
                               std::to_string(report.last_seq) + " at " + Where(files, last_line) +
                               " (a record before was replaced, or this one re-sealed)");
    }
    if (rec.seq > expected) {
      for (size_t k = 0; k < kLookahead; ++k) {
        const Line* later = source.Peek(k);
        if (later == nullptr) break;
        if (PeekSeq(later->text) == expected) {
          return fail(rec.seq, "reordered: seq " + std::to_string(rec.seq) + " comes before seq " +
                                   std::to_string(expected) + ", which is at " +
                                   Where(files, *later));
        }
      }
      const uint64_t missing = rec.seq - expected;
      return fail(rec.seq, "deleted: expected seq " + std::to_string(expected) + ", found seq " +
                               std::to_string(rec.seq) + " (" + std::to_string(missing) +
                               " record" + (missing == 1 ? "" : "s") + " missing)");
    }
    if (rec.seq == report.last_seq) {
      return fail(rec.seq, "inserted: seq " + std::to_string(rec.seq) + " appears twice (also at " +
                               Where(files, last_line) + ")");
    }
    return fail(rec.seq, "inserted: seq " + std::to_string(rec.seq) +
                             " repeats an earlier record (expected seq " +
                             std::to_string(expected) + ")");
  }
  if (progress && total >= kProgressEvery) progress(total, total);
  if (options.expect && report.last_seq < options.expect->seq) {
    report.problem = VerifyProblem{
        files[line.file_index], line.line_no, report.last_seq,
        "the log ends at seq " + std::to_string(report.last_seq) + ", before the anchor seq " +
            std::to_string(options.expect->seq) + ": records were cut off its end"};
    if (line.line_no == 0) report.problem->file = files.back();
  }
  return report;
}

}  // namespace shadekv::audit
