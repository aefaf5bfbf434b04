#include "support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace mercato::testing {
namespace {

// Fills `storage` with host:port; false when `host` is not an IPv4 or IPv6 address.
bool MakeAddress(const std::string& host, uint16_t port, sockaddr_storage& storage,
                 socklen_t& length) {
  std::memset(&storage, 0, sizeof(storage));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

RawConnection::RawConnection(const std::string& host, uint16_t port,
                             const RawConnectionOptions& options) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!MakeAddress(host, port, address, length)) {
    error_ = "bad address " + host;
    return;
  }
  fd_ = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  if (options.receive_buffer_bytes > 0) {
    int size = options.receive_buffer_bytes;
    (void)setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  if (!options.source_address.empty()) {
    sockaddr_storage source{};
    socklen_t source_length = 0;
    if (!MakeAddress(options.source_address, 0, source, source_length) ||
        bind(fd_, reinterpret_cast<sockaddr*>(&source), source_length) != 0) {
      error_ = "bind " + options.source_address + ": " + std::strerror(errno);
      return;
    }
  }
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
  }
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) {
      closed_ = true;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return bytes.empty();
}

bool RawConnection::ReadSome(int timeout_ms) {
  if (fd_ < 0 || closed_) return false;
  pollfd descriptor{fd_, POLLIN, 0};
  int ready = poll(&descriptor, 1, timeout_ms);
  if (ready <= 0) return true;  // nothing yet
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
  if (n > 0) {
    received_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  closed_ = true;  // end of stream, or reset
  return false;
}

bool RawConnection::ReadUntil(std::string_view marker, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (received_.find(marker) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || !ReadSome(static_cast<int>(left))) break;
  }
  return received_.find(marker) != std::string::npos;
}

bool RawConnection::WaitForClose(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || fd_ < 0) break;
    ReadSome(static_cast<int>(left));
  }
  return closed_;
}

}  // namespace mercato::testing
