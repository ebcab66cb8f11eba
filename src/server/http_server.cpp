#include "server/http_server.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace nba {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

class Session;

struct HttpServer::Impl {
  Impl(const ServerConfig& c, HttpService* s) : config(c), service(s) {}

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);

  const ServerConfig config;
  HttpService* const service;
  net::io_context ioc;
  // Guards the acceptor and the signal set: they are started from io
  // threads and closed from Shutdown(), which may run on any thread.
  std::mutex io_objects_mu;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  // Set by Shutdown(); read by sessions answering a request, so the answer
  // in flight already says "Connection: close".
  std::atomic<bool> draining{false};

  std::mutex mu;  // guards the fields below
  std::condition_variable cv;
  bool started = false;
  bool stopping = false;
  bool waited = false;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::vector<std::function<void()>> hooks;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl* server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Session() {
    std::lock_guard<std::mutex> lock(server_->mu);
    server_->sessions.erase(this);
    if (server_->sessions.empty()) server_->cv.notify_all();
  }

  void Start(bool stopping) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), stopping] {
      self->stopping_ |= stopping;
      self->DoRead();
    });
  }

  // Ends the connection after the request in flight, if any.
  void Stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      // Waiting for a request that has not begun: nothing is lost by closing.
      if (self->reading_ && !self->parser_->got_some()) self->stream_.cancel();
    });
  }

 private:
  void DoRead() {
    if (stopping_) return Close(false);
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(server_->config.max_body_bytes));
    parser_->header_limit(static_cast<uint32_t>(server_->config.max_header_bytes));
    stream_.expires_after(milliseconds(server_->config.read_timeout_ms));
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      return Reject(413, "payload_too_large",
                    "body exceeds server.max_body_bytes = " + std::to_string(server_->config.max_body_bytes));
    }
    if (ec == http::error::header_limit) {
      return Reject(431, "headers_too_large",
                    "headers exceed server.max_header_bytes = " + std::to_string(server_->config.max_header_bytes));
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Reject(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    if (ec) return Close(false);  // peer closed, timed out, or shutdown cancelled an idle read

    // req_ and the parser's message stay untouched until the response
    // arrives: the next read starts only after it was written.
    auto& msg = parser_->get();
    req_ = Request();
    req_.method = msg.method_string();
    req_.target = msg.target();
    for (const auto& field : msg) req_.headers.emplace_back(field.name_string(), field.value());
    req_.body = msg.body();
    req_.remote_address = remote_;
    server_->service->HandleAsync(req_, [self = shared_from_this()](Response res) {
      // Inline when answered on this strand; posted back when from another thread.
      net::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        bool keep_alive = self->parser_->get().keep_alive() && !self->stopping_ && !self->server_->draining.load();
        self->Reply(std::move(res), keep_alive);
      });
    });
  }

  void Reject(int status, std::string_view code, const std::string& message) {
    Request req;
    req.remote_address = remote_;
    if (parser_->is_header_done()) {
      req.method = parser_->get().method_string();
      req.target = parser_->get().target();
    }
    Reply(server_->service->Reject(req, status, code, message), false);
  }

  void Reply(Response res, bool keep_alive) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(res.status));
    if (!res.content_type.empty()) res_.set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers) res_.insert(name, value);
    res_.body() = std::move(res.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    stream_.expires_after(milliseconds(server_->config.write_timeout_ms));
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), !keep_alive));
  }

  void OnWrite(bool close, beast::error_code ec, size_t) {
    if (ec) return Close(false);
    if (close) return Close(true);
    DoRead();
  }

  // With `linger`, the peer's unread bytes are drained before the socket
  // closes: closing with data unread sends a reset that can destroy the
  // answer just written (RFC 9112 section 9.6).
  void Close(bool linger) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!linger || ec) return;
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->Drain();
    });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* const server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request req_;  // the request being served
  http::response<http::string_body> res_;
  std::string remote_;
  char drain_[4096];
  bool reading_ = false;
  bool stopping_ = false;
};

void HttpServer::Impl::Accept() {
  std::lock_guard<std::mutex> lock(io_objects_mu);
  if (!acceptor.is_open()) return;
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&Impl::OnAccept, this));
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;
  if (!ec) {
    auto session = std::make_shared<Session>(std::move(socket), this);
    bool stop;
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = stopping;
      sessions[session.get()] = session;
    }
    session->Start(stop);
  }
  Accept();
}

HttpServer::HttpServer(const ServerConfig& config, HttpService* service)
    : impl_(std::make_unique<Impl>(config, service)) {}

HttpServer::~HttpServer() {
  bool running;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    running = impl_->started && !impl_->waited;
  }
  if (running) {
    Shutdown();
    Wait();
  }
}

Status HttpServer::Start() {
  const ServerConfig& c = impl_->config;
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(c.address, ec);
  if (ec) return Status::InvalidArgument("server.address: '" + c.address + "' is not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(c.port));
  std::string where = c.address + ":" + std::to_string(c.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  impl_->port = acceptor.local_endpoint().port();
  impl_->Accept();

  int n = c.threads > 0 ? c.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->started = true;
  }
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] {
      for (;;) {
        try {
          impl->ioc.run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "nba serve: io thread: %s\n", e.what());
        }
      }
    });
  }
  return Status::Ok();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::ShutdownOnSignals() {
  std::lock_guard<std::mutex> lock(impl_->io_objects_mu);
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) Shutdown();
  });
}

void HttpServer::OnShutdown(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->hooks.push_back(std::move(hook));
}

void HttpServer::Shutdown() {
  std::vector<std::weak_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    impl_->draining = true;
    for (const auto& [ptr, weak] : impl_->sessions) sessions.push_back(weak);
  }
  {
    std::lock_guard<std::mutex> lock(impl_->io_objects_mu);
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->signals.cancel(ec);
  }
  for (const auto& weak : sessions) {
    if (auto s = weak.lock()) s->Stop();
  }
  impl_->cv.notify_all();
}

void HttpServer::Wait() {
  std::vector<std::function<void()>> hooks;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    if (!impl_->started || impl_->waited) return;
    impl_->cv.wait(lock, [&] { return impl_->stopping; });
    bool drained = impl_->cv.wait_for(lock, milliseconds(impl_->config.shutdown_timeout_ms),
                                      [&] { return impl_->sessions.empty(); });
    // Past the deadline the remaining connections are abandoned.
    if (!drained) impl_->ioc.stop();
    impl_->waited = true;
    hooks.swap(impl_->hooks);
  }
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  for (auto& hook : hooks) hook();
}

}  // namespace nba
