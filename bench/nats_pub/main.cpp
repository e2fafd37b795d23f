// parley-nats-js-pub: the durability scenario's NATS peer (issue 8, bench/README.md).
// P publishers, each its own TCP connection speaking the NATS text protocol (INFO,
// CONNECT, PING/PONG, SUB, PUB, MSG), publish M messages in all to a JetStream stream
// and count the publish acks (`{"stream":..,"seq":N}`, a reply on the publisher's
// _INBOX subject). Closed loop, like parley-load: each publisher keeps up to
// --inflight unacknowledged, drawn from one shared counter.
//
// A tiny client of our own rather than nats.c or the Node client: the same language
// and event loop (one io_context, one thread) as parley-load, and nothing to install.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "bench/common/body.hpp"
#include "bench/common/cli.hpp"
#include "bench/common/json_line.hpp"
#include "bench/loadgen/histogram.hpp"

namespace {

using namespace parley::bench;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr std::string_view usage =
    R"(usage: parley-nats-js-pub --port PORT [options]

Creates (or reuses) JetStream stream --stream on subject --subject with a file store,
then publishes M messages over P connections, each waiting for its publish acks,
closed loop with up to K unacknowledged per connection, and reports acked msgs/s
(warm-up excluded) and the ack latency.

  --host H               nats-server address                          [127.0.0.1]
  --port PORT            its client port                                   [4222]
  --publishers P         connections                                         [16]
  --inflight K           unacknowledged publishes per connection              [4]
  --messages M           messages in all                                  [20000]
  --body-bytes B         message body size                                  [100]
  --stream NAME          the stream                                       [BENCH]
  --subject S            its subject                                 [bench.msgs]
  --warmup-fraction F    the first F of acks are left out                  [0.05]
  --timeout S            abort after S seconds                              [120]
  --json                 also print one JSON line with the figures
  --help

exit status: 0 done; 1 failed or timed out; 2 usage; 3 done, but some publish got an
error reply.
)";

constexpr option_spec specs[] = {
    {"host", true},     {"port", true},     {"publishers", true},
    {"inflight", true}, {"messages", true}, {"body-bytes", true},
    {"stream", true},   {"subject", true},  {"warmup-fraction", true},
    {"timeout", true},  {"json", false},    {"help", false},
};

struct options {
  std::string host, port, stream, subject;
  std::size_t publishers = 0, inflight = 0, messages = 0, body_bytes = 0;
  double warmup_fraction = 0, timeout_seconds = 0;
  bool json = false;
};

class run;

/// One NATS connection: a line parser for what the server sends and a write queue.
class nats_conn : public std::enable_shared_from_this<nats_conn> {
public:
  nats_conn(asio::io_context& ioc, run& r, std::size_t index)
      : socket_(ioc), run_(r), index_(index), inbox_("_INBOX.b" + std::to_string(index)) {
  }

  void start(const tcp::resolver::results_type& endpoints);
  void publish(std::string_view subject, std::string_view reply_suffix,
               std::string_view payload);
  const std::string& inbox() const { return inbox_; }
  std::size_t index() const { return index_; }
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

private:
  void do_read();
  void parse();
  void send(std::string bytes);
  void do_write();

  tcp::socket socket_;
  run& run_;
  std::size_t index_;
  std::string inbox_;
  std::string in_;
  std::array<char, 65536> chunk_{};
  std::string out_, writing_;
  bool write_busy_ = false;
};

class run {
public:
  explicit run(const options& o)
      : o_(o), body_(make_body(o.body_bytes)), timeout_(ioc_) {}

  int go() {
    tcp::resolver resolver{ioc_};
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(o_.host, o_.port, ec);
    if (ec) {
      std::fprintf(stderr, "parley-nats-js-pub: resolve %s: %s\n", o_.host.c_str(),
                   ec.message().c_str());
      return 1;
    }
    timeout_.expires_after(std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(o_.timeout_seconds)));
    timeout_.async_wait([this](boost::system::error_code e) {
      if (!e) fail("timed out after " + std::to_string(o_.timeout_seconds) + " s");
    });
    sent_at_.resize(o_.messages);
    for (std::size_t i = 0; i < o_.publishers; ++i) {
      conns_.push_back(std::make_shared<nats_conn>(ioc_, *this, i));
      conns_.back()->start(endpoints);
    }
    ioc_.run();
    if (!failure_.empty()) {
      std::fprintf(stderr, "parley-nats-js-pub: %s\n", failure_.c_str());
      return 1;
    }
    report();
    return errors_ ? 3 : 0;
  }

  /// The connection finished its handshake (PONG after CONNECT and SUB).
  void on_ready(nats_conn& c) {
    if (++ready_ != conns_.size()) return;
    // Connection 0 creates the stream; everyone starts once it answered.
    const std::string config = R"({"name":")" + o_.stream + R"(","subjects":[")" +
                               o_.subject + R"("],"storage":"file","num_replicas":1})";
    (void)c;
    conns_[0]->publish("$JS.API.STREAM.CREATE." + o_.stream, "create", config);
  }

  void on_msg(nats_conn& c, std::string_view suffix, std::string_view payload) {
    const auto now = clock_type::now();
    if (suffix == "create") {
      // "stream name already in use" with the same config is fine: reuse it.
      if (payload.find("\"error\"") != std::string_view::npos &&
          payload.find("already in use") == std::string_view::npos)
        return fail("stream create failed: " + std::string{payload});
      t0_ = now;
      for (auto& conn : conns_)
        for (std::size_t k = 0; k < o_.inflight; ++k)
          next(*conn);
      return;
    }
    std::size_t n = 0;
    for (char ch : suffix) {
      if (ch < '0' || ch > '9')
        return fail("unexpected reply subject suffix " + std::string{suffix});
      n = n * 10 + static_cast<std::size_t>(ch - '0');
    }
    if (n >= sent_at_.size())
      return fail("reply for unknown message " + std::to_string(n));
    ++replied_;
    if (payload.find("\"error\"") != std::string_view::npos ||
        payload.find("\"seq\"") == std::string_view::npos) {
      if (errors_++ == 0) first_error_ = std::string{payload};
    } else {
      ++acked_;
      if (acked_ > warm_count()) {
        hist_.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_[n])
                .count()));
        ++measured_;
      }
      if (acked_ == warm_count()) t_warm_ = now;
    }
    t_last_ = now;
    if (replied_ == o_.messages) return finish();
    next(c);
  }

  void fail(const std::string& why) {
    if (failure_.empty() && !done_) failure_ = why;
    stop();
  }

private:
  std::size_t warm_count() const {
    return static_cast<std::size_t>(static_cast<double>(o_.messages) *
                                    o_.warmup_fraction);
  }

  void next(nats_conn& c) {
    if (issued_ >= o_.messages) return;
    const auto n = issued_++;
    sent_at_[n] = clock_type::now();
    c.publish(o_.subject, std::to_string(n), body_);
  }

  void finish() {
    done_ = true;
    stop();
  }

  void stop() {
    timeout_.cancel();
    for (auto& c : conns_)
      c->close();
    ioc_.stop();
  }

  void report() const {
    const double window = std::chrono::duration<double>(t_last_ - t_warm_).count();
    const double elapsed = std::chrono::duration<double>(t_last_ - t0_).count();
    const double per_s = window > 0 ? static_cast<double>(measured_) / window : 0;
    const auto ms = [this](double p) {
      return static_cast<double>(hist_.percentile(p)) / 1000;
    };
    std::printf("publishers %zu x %zu in flight, %zu messages of %zu bytes\n",
                o_.publishers, o_.inflight, o_.messages, o_.body_bytes);
    std::printf("acked msgs/s   %.0f (elapsed %.2f s)\n", per_s, elapsed);
    std::printf("ack latency    p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms\n", ms(50),
                ms(99), ms(99.9), ms(100));
    std::printf("errors         %zu%s%s\n", errors_, errors_ ? ", first: " : "",
                first_error_.c_str());
    if (o_.json) {
      json_line j;
      j.real("acked_per_s", per_s, 1)
          .real("elapsed_s", elapsed, 3)
          .real("p50_ms", ms(50), 3)
          .real("p99_ms", ms(99), 3)
          .real("p999_ms", ms(99.9), 3)
          .real("max_ms", ms(100), 3)
          .uint("errors_total", errors_)
          .uint("publishers", o_.publishers)
          .uint("inflight", o_.inflight)
          .uint("messages", o_.messages);
      std::printf("%s\n", j.finish().c_str());
    }
  }

  const options& o_;
  const std::string body_;
  asio::io_context ioc_{1};
  asio::steady_timer timeout_;
  std::vector<std::shared_ptr<nats_conn>> conns_;
  std::vector<clock_type::time_point> sent_at_;
  histogram hist_;
  std::size_t ready_ = 0, issued_ = 0, replied_ = 0, acked_ = 0, measured_ = 0,
              errors_ = 0;
  std::string first_error_, failure_;
  bool done_ = false;
  clock_type::time_point t0_, t_warm_, t_last_;
};

void nats_conn::start(const tcp::resolver::results_type& endpoints) {
  asio::async_connect(
      socket_, endpoints,
      [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
        if (ec) return self->run_.fail("connect: " + ec.message());
        self->socket_.set_option(tcp::no_delay(true), ec);
        // The server's INFO comes first; CONNECT may follow at once.
        self->send(
            R"(CONNECT {"verbose":false,"pedantic":false,"lang":"cpp","version":"0","protocol":1,"headers":false})"
            "\r\nSUB " +
            self->inbox_ + ".* 1\r\nPING\r\n");
        self->do_read();
      });
}

void nats_conn::publish(std::string_view subject, std::string_view reply_suffix,
                        std::string_view payload) {
  std::string f;
  f.reserve(subject.size() + inbox_.size() + payload.size() + 48);
  f.append("PUB ").append(subject).append(" ").append(inbox_).append(".").append(
      reply_suffix);
  f.append(" ").append(std::to_string(payload.size())).append("\r\n");
  f.append(payload).append("\r\n");
  send(std::move(f));
}

void nats_conn::do_read() {
  socket_.async_read_some(
      asio::buffer(chunk_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (ec)
          return self->run_.fail("connection " + std::to_string(self->index_) +
                                 " read: " + ec.message());
        self->in_.append(self->chunk_.data(), n);
        self->parse();
        self->do_read();
      });
}

void nats_conn::parse() {
  std::size_t pos = 0;
  for (;;) {
    const auto eol = in_.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::string_view line{in_.data() + pos, eol - pos};
    if (line.starts_with("MSG ")) {
      // MSG <subject> <sid> [reply-to] <#bytes>
      std::vector<std::string_view> f;
      std::size_t a = 4;
      while (a < line.size()) {
        auto b = line.find(' ', a);
        if (b == std::string_view::npos) b = line.size();
        if (b > a) f.push_back(line.substr(a, b - a));
        a = b + 1;
      }
      if (f.size() < 3) return run_.fail("bad MSG line: " + std::string{line});
      const auto len = static_cast<std::size_t>(std::stoul(std::string{f.back()}));
      if (in_.size() < eol + 2 + len + 2) break; // the payload is not all here yet
      std::string_view payload{in_.data() + eol + 2, len};
      std::string_view subject = f[0];
      const auto dot = subject.rfind('.');
      run_.on_msg(*this, subject.substr(dot + 1), payload);
      pos = eol + 2 + len + 2;
      continue;
    }
    if (line == "PING") {
      send("PONG\r\n");
    } else if (line == "PONG") {
      run_.on_ready(*this);
    } else if (line.starts_with("-ERR")) {
      return run_.fail("server error on connection " + std::to_string(index_) + ": " +
                       std::string{line});
    } // INFO and +OK need nothing
    pos = eol + 2;
  }
  in_.erase(0, pos);
}

void nats_conn::send(std::string bytes) {
  out_.append(bytes);
  if (!write_busy_) do_write();
}

void nats_conn::do_write() {
  if (out_.empty()) return;
  write_busy_ = true;
  writing_.swap(out_);
  out_.clear();
  asio::async_write(
      socket_, asio::buffer(writing_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->write_busy_ = false;
        if (ec) return self->run_.fail("write: " + ec.message());
        self->writing_.clear();
        self->do_write();
      });
}

options parse(int argc, char** argv) {
  auto m = option_map::parse(argc, argv, specs);
  if (m.has("help")) {
    std::fputs(usage.data(), stdout);
    std::exit(0);
  }
  options o;
  o.host = m.str("host", "127.0.0.1");
  o.port = std::to_string(m.uint("port", 4222, 1, 65535));
  o.publishers = m.uint("publishers", 16, 1, 10000);
  o.inflight = m.uint("inflight", 4, 1, 10000);
  o.messages = m.uint("messages", 20000, 1, 100'000'000);
  o.body_bytes = m.uint("body-bytes", 100, 1, 1u << 20);
  o.stream = m.str("stream", "BENCH");
  o.subject = m.str("subject", "bench.msgs");
  o.warmup_fraction = m.real("warmup-fraction", 0.05, 0, 0.5);
  o.timeout_seconds = m.real("timeout", 120, 1, 86400);
  o.json = m.has("json");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s\nparley-nats-js-pub: %s\n", usage.data(), e.what());
    return 2;
  }
  run r{o};
  return r.go();
}
