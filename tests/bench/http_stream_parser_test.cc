// The streaming HTTP parser against etcd 3.4's exact watch response bytes,
// split at every possible position, and against each kind of bad framing.
#include "bench/watch_fanout/http_stream_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace shadekv::bench {
namespace {

// Captured from etcd 3.4.23 (`curl --raw -i` on POST /v3/watch).
const std::string kCreated =
    R"({"result":{"header":{"cluster_id":"14491909627031339330","member_id":"14944926082807026864","revision":"3","raft_term":"2"},"created":true}})";
const std::string kEvent =
    R"({"result":{"header":{"cluster_id":"14491909627031339330","member_id":"14944926082807026864","revision":"4","raft_term":"2"},"events":[{"kv":{"key":"L2Ivd2YvMQ==","create_revision":"2","mod_revision":"4","version":"3","value":"eA=="}}]}})";

std::string Hex(size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%zx", n);
  return buf;
}

std::string Chunk(const std::string& data) { return Hex(data.size()) + "\r\n" + data + "\r\n"; }

std::string EtcdHead() {
  return "HTTP/1.1 200 OK\r\n"
         "Access-Control-Allow-Origin: *\r\n"
         "Content-Type: application/json\r\n"
         "Grpc-Metadata-Content-Type: application/grpc\r\n"
         "Date: Sat, 21 Nov 2026 02:28:42 GMT\r\n"
         "Transfer-Encoding: chunked\r\n"
         "\r\n";
}

std::string EtcdStream() { return EtcdHead() + Chunk(kCreated + "\n") + Chunk(kEvent + "\n"); }

// Feeds `input` in pieces cut at `cuts` and returns every line emitted.
Status FeedInPieces(HttpStreamParser& parser, const std::string& input,
                    const std::vector<size_t>& cuts, std::vector<std::string>* lines) {
  size_t start = 0;
  for (size_t cut : cuts) {
    SHADEKV_RETURN_IF_ERROR(parser.Feed(std::string_view(input).substr(start, cut - start), lines));
    start = cut;
  }
  return parser.Feed(std::string_view(input).substr(start), lines);
}

TEST(HttpStreamParserTest, ReadsEtcdWatchStreamInOnePiece) {
  HttpStreamParser parser;
  std::vector<std::string> lines;
  ASSERT_TRUE(parser.Feed(EtcdStream(), &lines).ok());
  EXPECT_EQ(parser.status_code(), 200);
  EXPECT_FALSE(parser.done());
  EXPECT_EQ(lines, (std::vector<std::string>{kCreated, kEvent}));
}

TEST(HttpStreamParserTest, ReadsEtcdWatchStreamSplitAtEveryPairOfPositions) {
  const std::string input = EtcdStream();
  for (size_t a = 0; a <= input.size(); a += 1) {
    for (size_t b = a; b <= input.size(); b += 7) {
      HttpStreamParser parser;
      std::vector<std::string> lines;
      ASSERT_TRUE(FeedInPieces(parser, input, {a, b}, &lines).ok()) << a << "," << b;
      ASSERT_EQ(lines, (std::vector<std::string>{kCreated, kEvent})) << a << "," << b;
    }
  }
}

TEST(HttpStreamParserTest, JoinsAMessageSpreadOverChunksAndSplitsChunksHoldingSeveral) {
  const std::string body = kCreated + "\n" + kEvent + "\n" + kEvent + "\n";
  const std::string input = EtcdHead() + Chunk(body.substr(0, 10)) + Chunk(body.substr(10, 200)) +
                            Chunk(body.substr(210)) + "0\r\n\r\n";
  HttpStreamParser parser;
  std::vector<std::string> lines;
  ASSERT_TRUE(parser.Feed(input, &lines).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{kCreated, kEvent, kEvent}));
  EXPECT_TRUE(parser.done());
}

TEST(HttpStreamParserTest, AcceptsChunkExtensionsUppercaseHexAndTrailers) {
  const std::string data(26, 'x');
  const std::string input =
      "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n1A;name=value\r\n" + data +
      "\r\n0\r\nX-Trailer: 1\r\n\r\n";
  HttpStreamParser parser;
  std::vector<std::string> lines;
  ASSERT_TRUE(parser.Feed(input, &lines).ok());
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(lines, std::vector<std::string>{data});
}

TEST(HttpStreamParserTest, SkipsAnInterimContinueResponse) {
  HttpStreamParser parser;
  std::vector<std::string> lines;
  ASSERT_TRUE(parser.Feed("HTTP/1.1 100 Continue\r\n\r\n" + EtcdStream(), &lines).ok());
  EXPECT_EQ(parser.status_code(), 200);
  EXPECT_EQ(lines.size(), 2u);
}

TEST(HttpStreamParserTest, CollectsTheBodyOfAnErrorResponse) {
  // What etcd answers to a malformed watch body, and a 404 from a server
  // without /v3/watch.
  const std::string body = R"({"error":"unexpected EOF","message":"unexpected EOF","code":2})";
  HttpStreamParser parser;
  std::vector<std::string> lines;
  ASSERT_TRUE(parser
                  .Feed("HTTP/1.1 500 Internal Server Error\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body,
                        &lines)
                  .ok());
  EXPECT_EQ(parser.status_code(), 500);
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.error_body(), body);
  EXPECT_TRUE(lines.empty());

  HttpStreamParser close_delimited;
  ASSERT_TRUE(close_delimited.Feed("HTTP/1.0 404 Not Found\r\n\r\nno such path", &lines).ok());
  EXPECT_FALSE(close_delimited.done());
  ASSERT_TRUE(close_delimited.FinishOnClose(&lines).ok());
  EXPECT_TRUE(close_delimited.done());
  EXPECT_EQ(close_delimited.error_body(), "no such path");
}

TEST(HttpStreamParserTest, BoundsTheKeptErrorBody) {
  HttpStreamLimits limits;
  limits.max_error_body_bytes = 8;
  HttpStreamParser parser(limits);
  std::vector<std::string> lines;
  ASSERT_TRUE(
      parser
          .Feed("HTTP/1.1 404 Not Found\r\nContent-Length: 20\r\n\r\n" + std::string(20, 'e'),
                &lines)
          .ok());
  EXPECT_EQ(parser.error_body(), std::string(8, 'e'));
}

struct BadInput {
  const char* name;
  std::string bytes;
  const char* expected_message;
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

class HttpStreamParserRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(HttpStreamParserRejects, WithAClearErrorAndStaysFailed) {
  HttpStreamParser parser;
  std::vector<std::string> lines;
  Status st = parser.Feed(GetParam().bytes, &lines);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find(GetParam().expected_message), std::string::npos) << st.message();
  // Once failed, more input changes nothing.
  Status again = parser.Feed(Chunk(kEvent + "\n"), &lines);
  EXPECT_EQ(again, st);
  EXPECT_TRUE(lines.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Framing, HttpStreamParserRejects,
    ::testing::Values(
        BadInput{"NotHttp", "SSH-2.0-OpenSSH_9.2\r\n", "bad status line"},
        BadInput{"Http2Preface", "PRI * HTTP/2.0\r\n\r\n", "bad status line"},
        BadInput{"NonDigitStatus", "HTTP/1.1 2x0 OK\r\n", "bad status line"},
        BadInput{"HeaderWithoutColon", "HTTP/1.1 200 OK\r\nbroken\r\n", "bad header line"},
        BadInput{"BadContentLength", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n",
                 "bad Content-Length"},
        BadInput{"ConflictingLengths",
                 "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
                 "conflicting Content-Length"},
        BadInput{"GzipCoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n",
                 "unsupported Transfer-Encoding"},
        BadInput{"NonHexChunkSize", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                 "bad chunk size"},
        BadInput{"EmptyChunkSize", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
                 "bad chunk size"},
        BadInput{"HugeChunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n",
                 "exceeds the"},
        BadInput{"ChunkLongerThanDeclared",
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
                 "longer than its declared size"},
        BadInput{"BytesAfterTheEnd", "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nabX",
                 "after the end of the response"},
        BadInput{"EndlessHeaders", "HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a'),
                 "exceed 16384 bytes"},
        BadInput{"EndlessChunkSizeLine",
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(2000, '0'),
                 "chunk framing line exceeds"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(HttpStreamParserTest, RejectsAMessageLongerThanTheLineLimit) {
  HttpStreamLimits limits;
  limits.max_line_bytes = 100;
  HttpStreamParser parser(limits);
  std::vector<std::string> lines;
  ASSERT_TRUE(parser.Feed(EtcdHead() + Chunk(std::string(60, 'a')), &lines).ok());
  Status st = parser.Feed(Chunk(std::string(60, 'a')), &lines);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("exceeds 100 bytes"), std::string::npos) << st.message();
}

TEST(HttpStreamParserTest, ReportsWhereTheConnectionClosed) {
  std::vector<std::string> lines;
  HttpStreamParser nothing;
  EXPECT_NE(nothing.FinishOnClose(&lines).message().find("before any response"), std::string::npos);

  HttpStreamParser in_headers;
  ASSERT_TRUE(in_headers.Feed("HTTP/1.1 200 OK\r\nContent-Ty", &lines).ok());
  EXPECT_NE(in_headers.FinishOnClose(&lines).message().find("inside the response headers"),
            std::string::npos);

  HttpStreamParser in_body;
  ASSERT_TRUE(in_body.Feed(EtcdStream(), &lines).ok());
  EXPECT_NE(in_body.FinishOnClose(&lines).message().find("before the end of the response body"),
            std::string::npos);
}

// Seeded mutations of a real stream (flipped, dropped and inserted bytes) fed
// in random pieces: every outcome is either lines or a clear InvalidArgument,
// never a crash or an unbounded buffer (ASan/UBSan in CI watch the rest).
TEST(HttpStreamParserTest, SurvivesMutatedStreams) {
  const std::string original = EtcdStream() + Chunk(kEvent + "\n") + "0\r\n\r\n";
  std::mt19937 rng(20261121);
  int failed = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string input = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % input.size();
      switch (rng() % 3) {
        case 0:
          input[at] = static_cast<char>(rng());
          break;
        case 1:
          input.erase(at, 1 + rng() % 8);
          break;
        default:
          input.insert(at, std::string(1 + rng() % 8, static_cast<char>(rng())));
      }
    }
    HttpStreamParser parser;
    std::vector<std::string> lines;
    Status st;
    for (size_t pos = 0; pos < input.size() && st.ok();) {
      const size_t n = 1 + rng() % 64;
      st = parser.Feed(std::string_view(input).substr(pos, n), &lines);
      pos += n;
    }
    if (st.ok()) st = parser.FinishOnClose(&lines);
    if (!st.ok()) {
      ++failed;
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    }
    size_t line_bytes = 0;  // nothing is invented: lines come only from the input
    for (const std::string& line : lines) line_bytes += line.size();
    EXPECT_LE(line_bytes, input.size());
  }
  EXPECT_GT(failed, 0);  // the mutations do reach the error paths
}

}  // namespace
}  // namespace shadekv::bench
