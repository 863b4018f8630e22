// mirror_apply_child DIR EVENTS PROGRESS: the process mirror_kill_test kills.
// Opens the mirror in DIR, applies every EVENT body of the file EVENTS
// (be32(length) body, repeated) that is above its position, and appends one
// byte to PROGRESS after each apply (a raw write, so the parent sees it at
// once). Exit 0 when all are applied, 1 on any error (printed).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "shadekv/mirror/mirror_store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: mirror_apply_child DIR EVENTS PROGRESS\n");
    return 1;
  }
  auto mirror = shadekv::mirror::MirrorStore::Open(argv[1]);
  if (!mirror.ok()) {
    std::fprintf(stderr, "%s\n", mirror.status().ToString().c_str());
    return 1;
  }
  const int progress = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::ifstream in(argv[2], std::ios::binary);
  if (progress < 0 || !in) {
    std::fprintf(stderr, "cannot open %s or %s\n", argv[2], argv[3]);
    return 1;
  }
  unsigned char length[4];
  while (in.read(reinterpret_cast<char*>(length), 4)) {
    const uint32_t n = (uint32_t{length[0]} << 24) | (uint32_t{length[1]} << 16) |
                       (uint32_t{length[2]} << 8) | uint32_t{length[3]};
    std::string body(n, '\0');
    if (!in.read(body.data(), n)) {
      std::fprintf(stderr, "truncated events file\n");
      return 1;
    }
    const shadekv::Status applied = (*mirror)->ApplyEvent(body);
    if (applied.code() == shadekv::StatusCode::kFailedPrecondition) continue;  // already held
    if (!applied.ok()) {
      std::fprintf(stderr, "%s\n", applied.ToString().c_str());
      return 1;
    }
    if (::write(progress, "+", 1) != 1) return 1;
  }
  return 0;
}
