#pragma once
// A blocking TCP connection for tests that misbehave on purpose (trickle bytes, stop reading,
// connect from another loopback address). Every wait has a timeout.

#include <cstdint>
#include <string>
#include <string_view>

namespace mercato::testing {

struct RawConnectionOptions {
  std::string source_address;    // bind to this local address first ("127.0.0.2"); empty: any
  int receive_buffer_bytes = 0;  // SO_RCVBUF before connecting (a client that reads slowly); 0: OS
};

class RawConnection {
 public:
  // Connects to host:port; see ok() and error().
  RawConnection(const std::string& host, uint16_t port, const RawConnectionOptions& options = {});
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0 && error_.empty(); }
  const std::string& error() const { return error_; }

  // Sends every byte; false when the connection is closed or reset.
  bool Send(std::string_view bytes);
  // Reads what arrives for up to `timeout_ms`, returning early when `marker` has been received or
  // the peer closed the connection (end of stream or reset). True when `marker` was received.
  bool ReadUntil(std::string_view marker, int timeout_ms);
  // Reads what arrives until the peer closes the connection or `timeout_ms` passes; true on close.
  bool WaitForClose(int timeout_ms);
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }
  void Close();

 private:
  // Waits up to `timeout_ms` for bytes and appends them; false once the peer has closed.
  bool ReadSome(int timeout_ms);

  int fd_ = -1;
  bool closed_ = false;
  std::string error_;
  std::string received_;
};

}  // namespace mercato::testing
