// Test helpers: a raw-socket HTTP/1.1 client (so tests control every byte on
// the wire) and a server started in-process on an ephemeral loopback port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "server/http_server.h"
#include "server/http_service.h"

namespace nba {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class TestConnection {
 public:
  explicit TestConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};  // a hung server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) connect_errno_ = errno;
  }
  ~TestConnection() { close(fd_); }

  int connect_errno() const { return connect_errno_; }

  void Send(const std::string& raw) {
    size_t off = 0;
    while (off < raw.size()) {
      ssize_t n = send(fd_, raw.data() + off, raw.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Reads one response; false when the connection ends first.
  bool Read(HttpReply* reply) {
    *reply = HttpReply();
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    reply->status = std::atoi(head.substr(9, 3).c_str());
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      reply->headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      pos = next;
    }
    size_t length = std::strtoul(reply->headers["content-length"].c_str(), nullptr, 10);
    while (buf_.size() < length) {
      if (!Fill()) return false;
    }
    reply->body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  // Ends our side, as a client does after "Connection: close".
  void Hangup() { shutdown(fd_, SHUT_RDWR); }

  // True when the server has closed the connection (EOF or reset).
  bool PeerClosed() { return buf_.empty() && !Fill(); }

 private:
  bool Fill() {
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  int connect_errno_ = 0;
  std::string buf_;
};

inline std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

inline std::string Post(const std::string& target, const std::string& body, const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

// One request on a fresh connection.
inline HttpReply Call(int port, const std::string& raw) {
  TestConnection c(port);
  c.Send(raw);
  HttpReply r;
  EXPECT_TRUE(c.Read(&r)) << "no response to: " << raw.substr(0, raw.find('\r'));
  return r;
}

inline ServerConfig TestConfig() {
  ServerConfig c;
  c.address = "127.0.0.1";
  c.port = 0;
  c.threads = 2;
  c.access_log = "off";
  return c;
}

// A service with the caller's routes, served on 127.0.0.1:<ephemeral>.
struct TestServer {
  explicit TestServer(const ServerConfig& config) : config(config) {
    Status s = HttpService::Create(config, &service);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Start() {
    server = std::make_unique<HttpServer>(config, service.get());
    Status s = server->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    port = server->port();
  }

  ServerConfig config;
  std::unique_ptr<HttpService> service;
  std::unique_ptr<HttpServer> server;
  int port = 0;
};

}  // namespace nba
