// echo_worker: a small external worker for keel ports (actors/port.hpp), and a template for
// writing one. It speaks port.hpp's frames on stdin/stdout:
//   frame = uint32 length (big endian; type byte + payload) | uint8 type | payload
// It says ready ('R') once started, answers each request ('Q') with an answer ('A') that echoes
// the payload, and each ping ('P') with a pong ('O'). A few payloads script misbehaviour for
// tests and benchmarks:
//   "crash"        exit at once (status 3)
//   "hang"         never answer (the port's request timeout kills it)
//   "error"        answer with an error frame ('E')
//   "stderr:TEXT"  write TEXT as one line to stderr, answer "logged"
//   "spawn"        start a grandchild that sleeps forever in the same process group, answer
//                  its pid (the port's group kill must take it down too)
// Options: --ready-delay-ms N  wait N ms before saying ready (a slow init, for the benchmark).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace {

bool read_exact(char* p, size_t n) {
  while (n > 0) {
    auto r = ::read(0, p, n);
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

void write_frame(char type, const std::string& payload) {
  auto len = static_cast<uint32_t>(payload.size() + 1);
  std::string out;
  out.push_back(static_cast<char>((len >> 24) & 0xff));
  out.push_back(static_cast<char>((len >> 16) & 0xff));
  out.push_back(static_cast<char>((len >> 8) & 0xff));
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(type);
  out += payload;
  size_t off = 0;
  while (off < out.size()) {
    auto w = ::write(1, out.data() + off, out.size() - off);
    if (w <= 0)
      ::_exit(1);
    off += static_cast<size_t>(w);
  }
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--ready-delay-ms") == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds{std::stoi(argv[i + 1])});
  write_frame('R', "echo_worker");
  for (;;) {
    unsigned char hdr[4];
    if (!read_exact(reinterpret_cast<char*>(hdr), 4))
      return 0; // the port closed stdin: done
    uint32_t len = (uint32_t{hdr[0]} << 24) | (uint32_t{hdr[1]} << 16) | (uint32_t{hdr[2]} << 8)
                   | uint32_t{hdr[3]};
    if (len == 0 || len > (64u << 20))
      return 2;
    std::string body(len, '\0');
    if (!read_exact(body.data(), len))
      return 0;
    auto type = body[0];
    auto payload = body.substr(1);
    if (type == 'P') {
      write_frame('O', {});
      continue;
    }
    if (type != 'Q')
      continue;
    if (payload == "crash")
      return 3;
    if (payload == "hang")
      continue;
    if (payload == "error") {
      write_frame('E', "asked to fail");
    } else if (payload.rfind("stderr:", 0) == 0) {
      std::fprintf(stderr, "%s\n", payload.c_str() + 7);
      std::fflush(stderr);
      write_frame('A', "logged");
    } else if (payload == "spawn") {
      auto pid = ::fork();
      if (pid == 0) {
        ::close(0);
        ::close(1);
        for (;;)
          ::pause();
      }
      write_frame('A', std::to_string(pid));
    } else {
      write_frame('A', payload);
    }
  }
}
