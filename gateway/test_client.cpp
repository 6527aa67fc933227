#include "gateway/test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace keel::gateway {

namespace {

/// Decodes the reply starting at `pos`; advances pos past it. nullopt if incomplete.
std::optional<reply> decode_at(const std::string& buf, size_t& pos) {
  if (pos >= buf.size())
    return std::nullopt;
  auto eol = buf.find("\r\n", pos);
  if (eol == std::string::npos)
    return std::nullopt;
  char type = buf[pos];
  std::string line = buf.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  switch (type) {
    case '+':
      pos = next;
      return reply::simple(line);
    case '-':
      pos = next;
      return reply::error(line);
    case ':':
      pos = next;
      return reply::integer(std::stoll(line));
    case '$': {
      auto n = std::stoll(line);
      if (n < 0) {
        pos = next;
        return reply::null();
      }
      if (buf.size() < next + static_cast<size_t>(n) + 2)
        return std::nullopt;
      auto payload = buf.substr(next, static_cast<size_t>(n));
      pos = next + static_cast<size_t>(n) + 2;
      return reply::bulk(payload);
    }
    case '*': {
      auto n = std::stoll(line);
      if (n < 0) {
        pos = next;
        return reply::null_array();
      }
      std::vector<reply> elems;
      size_t p = next;
      for (long long i = 0; i < n; ++i) {
        auto e = decode_at(buf, p);
        if (!e)
          return std::nullopt;
        elems.push_back(std::move(*e));
      }
      pos = p;
      return reply::array(std::move(elems));
    }
    default:
      throw std::runtime_error("not RESP2: byte " + std::to_string(static_cast<int>(type)));
  }
}

} // namespace

std::optional<reply> decode_reply(std::string& buf) {
  size_t pos = 0;
  auto r = decode_at(buf, pos);
  if (r)
    buf.erase(0, pos);
  return r;
}

std::string encode_command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a.data(), a.size());
    out += "\r\n";
  }
  return out;
}

test_client::test_client(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::runtime_error(std::string{"socket: "} + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    auto err = errno;
    ::close(fd_);
    throw std::runtime_error("connect to port " + std::to_string(port) + ": "
                             + std::strerror(err));
  }
}

test_client::~test_client() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool test_client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool test_client::read_some(std::chrono::steady_clock::time_point deadline) {
  if (closed_)
    return false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() < 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    auto rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      return false;
    char chunk[65536];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::optional<reply> test_client::read_reply(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto r = decode_reply(buf_))
      return r;
    if (!read_some(deadline))
      return std::nullopt;
  }
}

bool test_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    if (!read_some(deadline) && !closed_)
      return false;
  }
  return true;
}

void test_client::small_receive_buffer() {
  int size = 4096;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

} // namespace keel::gateway
