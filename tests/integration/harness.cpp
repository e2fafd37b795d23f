#include "tests/integration/harness.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/jwt.hpp"

namespace parley::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 10; ++i)
    s += alphabet[rng() % 36];
  return s;
}

struct pg_conn {
  PGconn* c;
  explicit pg_conn(const std::string& info) : c(PQconnectdb(info.c_str())) {
    if (PQstatus(c) != CONNECTION_OK) {
      std::string err = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error(
          "test database: " + err +
          " (run the tests inside scripts/with-private-pg, see docs/testing.md)");
    }
  }
  ~pg_conn() { PQfinish(c); }
  void exec(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    auto st = PQresultStatus(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error("test database: " + sql + ": " + err);
  }
};

} // namespace

// -- test_database ----------------------------------------------------------------

test_database::test_database() : name_("parley_test_" + random_suffix()) {
  pg_conn admin{"dbname=postgres"};
  admin.exec("CREATE DATABASE " + name_);
  conninfo_ = "dbname=" + name_;
}

test_database::~test_database() {
  try {
    pg_conn admin{"dbname=postgres"};
    admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

std::vector<std::string> test_database::query(const std::string& sql) const {
  pg_conn c{conninfo_};
  PGresult* r = PQexec(c.c, sql.c_str());
  std::vector<std::string> out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK)
    for (int i = 0; i < PQntuples(r); ++i)
      out.emplace_back(PQgetvalue(r, i, 0));
  std::string err = PQresultErrorMessage(r);
  auto st = PQresultStatus(r);
  PQclear(r);
  if (st != PGRES_TUPLES_OK) throw std::runtime_error("query " + sql + ": " + err);
  return out;
}

// -- server_process ---------------------------------------------------------------

std::string parleyd_path() {
  return PARLEYD_PATH;
}

server_process::server_process(std::vector<std::string> args,
                               std::chrono::milliseconds startup) {
  err_file_ = "/tmp/parleyd-test-" + random_suffix() + ".err";
  int out_pipe[2];
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> full{parleyd_path(), "serve", "--listen", "127.0.0.1:0"};
  full.insert(full.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    int err = open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) dup2(err, STDERR_FILENO);
    close(out_pipe[0]);
    std::vector<char*> argv;
    for (auto& a : full)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  // Read stdout until "listening on HOST:PORT" (or EOF / timeout).
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + startup;
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  while (std::chrono::steady_clock::now() < deadline) {
    char c;
    auto n = ::read(out_pipe[0], &c, 1);
    if (n == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      auto pos = line.find("listening on ");
      if (pos != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
        break;
      }
      line.clear();
    } else if (n == 0) {
      break; // exited
    } else {
      std::this_thread::sleep_for(5ms);
    }
  }
  close(out_pipe[0]);
  if (port_ == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("parleyd did not start: " + stderr_text());
  }
}

server_process::~server_process() {
  if (pid_ > 0) stop(SIGKILL);
  unlink(err_file_.c_str());
}

int server_process::stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string server_process::stderr_text() const {
  std::ifstream in{err_file_};
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

std::string run_parleyd(const std::vector<std::string>& args) {
  std::string cmd = parleyd_path();
  for (const auto& a : args)
    cmd += " '" + a + "'";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, p))
      out.append(buf, n);
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

// -- frame_view -------------------------------------------------------------------

frame_view::frame_view(std::string bytes)
    : bytes_(std::make_shared<std::string>(std::move(bytes))) {
  handle_ = std::make_shared<msgpack::object_handle>(
      msgpack::unpack(bytes_->data(), bytes_->size()));
  obj_ = &handle_->get();
}

const msgpack::object* frame_view::find(std::string_view key) const {
  if (!obj_) return nullptr;
  return protocol::find_in_map(*obj_, key);
}

std::string frame_view::str(std::string_view key) const {
  auto o = find(key);
  if (!o || o->type != msgpack::type::STR) return {};
  return std::string{o->via.str.ptr, o->via.str.size};
}

std::uint64_t frame_view::uint(std::string_view key) const {
  auto o = find(key);
  if (!o || o->type != msgpack::type::POSITIVE_INTEGER) return 0;
  return o->via.u64;
}

std::int64_t frame_view::sint(std::string_view key) const {
  auto o = find(key);
  if (!o) return 0;
  if (o->type == msgpack::type::NEGATIVE_INTEGER) return o->via.i64;
  if (o->type == msgpack::type::POSITIVE_INTEGER)
    return static_cast<std::int64_t>(o->via.u64);
  return 0;
}

bool frame_view::boolean(std::string_view key) const {
  auto o = find(key);
  return o && o->type == msgpack::type::BOOLEAN && o->via.boolean;
}

frame_view frame_view::sub(std::string_view key) const {
  frame_view v;
  v.handle_ = handle_;
  v.bytes_ = bytes_;
  v.obj_ = find(key);
  return v;
}

std::vector<frame_view> frame_view::list(std::string_view key) const {
  std::vector<frame_view> out;
  auto o = find(key);
  if (!o || o->type != msgpack::type::ARRAY) return out;
  for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
    frame_view v;
    v.handle_ = handle_;
    v.bytes_ = bytes_;
    v.obj_ = &o->via.array.ptr[i];
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> frame_view::str_list(std::string_view key) const {
  std::vector<std::string> out;
  auto o = find(key);
  if (!o || o->type != msgpack::type::ARRAY) return out;
  for (std::uint32_t i = 0; i < o->via.array.size; ++i)
    if (o->via.array.ptr[i].type == msgpack::type::STR)
      out.emplace_back(o->via.array.ptr[i].via.str.ptr, o->via.array.ptr[i].via.str.size);
  return out;
}

// -- ws_client --------------------------------------------------------------------

ws_client::ws_client(std::uint16_t port, std::string path) : ws_(ioc_) {
  asio::ip::tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port};
  beast::get_lowest_layer(ws_).connect(ep);
  ws_.read_message_max(64 * 1024 * 1024);
  ws_.handshake("127.0.0.1:" + std::to_string(port), path);
  ws_.binary(true);
}

ws_client::~ws_client() {
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

void ws_client::send_raw(const std::string& bytes) {
  ws_.binary(true);
  beast::error_code ec;
  ws_.write(asio::buffer(bytes), ec);
}

void ws_client::send_text(const std::string& text) {
  ws_.text(true);
  beast::error_code ec;
  ws_.write(asio::buffer(text), ec);
  ws_.binary(true);
}

void ws_client::send(const protocol::map_builder& fields) {
  send_raw(fields.finish());
}

read_result ws_client::read(std::chrono::milliseconds timeout) {
  read_result out;
  if (!read_pending_) {
    read_pending_ = true;
    read_done_ = false;
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      read_done_ = true;
      read_ec_ = ec;
    });
  }
  ioc_.restart();
  ioc_.run_for(timeout);
  if (!read_done_) {
    out.what = read_result::kind::timeout;
    return out;
  }
  read_pending_ = false;
  auto result = read_ec_;
  if (result) {
    out.what = read_result::kind::closed;
    out.close_code = static_cast<std::uint16_t>(ws_.reason().code);
    out.close_reason = std::string{ws_.reason().reason.c_str()};
    return out;
  }
  auto data = buffer_.data();
  std::string bytes{static_cast<const char*>(data.data()), data.size()};
  buffer_.consume(buffer_.size());
  out.what = read_result::kind::frame;
  out.frame = frame_view{std::move(bytes)};
  return out;
}

std::uint64_t ws_client::send_request(const std::string& op,
                                      protocol::map_builder& fields) {
  auto rid = next_rid_++;
  protocol::map_builder b;
  b.str("op", op).uint("rid", rid).merge(fields);
  send(b);
  return rid;
}

frame_view ws_client::wait_reply(std::uint64_t rid, std::chrono::milliseconds timeout) {
  for (auto i = replies_.begin(); i != replies_.end(); ++i)
    if (i->uint("rid") == rid) {
      auto f = *i;
      replies_.erase(i);
      return f;
    }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto r = read(std::max(left, 1ms));
    if (r.what != read_result::kind::frame)
      throw std::runtime_error("no reply to rid " + std::to_string(rid) +
                               (r.what == read_result::kind::closed
                                    ? " (closed " + std::to_string(r.close_code) + ")"
                                    : " (timeout)"));
    if (r.frame.op() != "reply") {
      if (wanted(r.frame)) pushes_.push_back(r.frame);
      continue;
    }
    if (r.frame.uint("rid") == rid) return r.frame;
    replies_.push_back(r.frame);
  }
  throw std::runtime_error("no reply to rid " + std::to_string(rid) + " (timeout)");
}

frame_view ws_client::request(const std::string& op, protocol::map_builder& fields,
                              std::chrono::milliseconds timeout) {
  return wait_reply(send_request(op, fields), timeout);
}

std::optional<frame_view> ws_client::next_push(std::chrono::milliseconds timeout) {
  if (!pushes_.empty()) {
    auto f = pushes_.front();
    pushes_.pop_front();
    return f;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto r = read(std::max(left, 1ms));
    if (r.what != read_result::kind::frame) return std::nullopt;
    if (r.frame.op() == "reply") {
      replies_.push_back(r.frame);
      continue;
    }
    if (wanted(r.frame)) return r.frame;
  }
  return std::nullopt;
}

bool ws_client::wanted(const frame_view& push) const {
  return keep_notify || push.op() != "notify";
}

frame_view ws_client::hello(const std::string& token) {
  protocol::map_builder f;
  f.str("token", token);
  return request("hello", f);
}

read_result ws_client::wait_close(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto r = read(std::max(left, 1ms));
    if (r.what != read_result::kind::frame) return r;
    if (r.frame.op() == "reply")
      replies_.push_back(r.frame);
    else if (wanted(r.frame))
      pushes_.push_back(r.frame);
  }
  return {};
}

std::string token_for(const std::string& secret, const std::string& user, bool admin,
                      std::int64_t ttl_seconds) {
  protocol::token_claims c;
  c.sub = user;
  c.admin = admin;
  c.exp = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count() +
          ttl_seconds;
  return protocol::sign_token(c, secret);
}

// -- chat_fixture -----------------------------------------------------------------

void chat_fixture::start(std::vector<std::string> extra_args) {
  if (!db) db = std::make_unique<test_database>();
  server_args = std::move(extra_args);
  std::vector<std::string> args{"--db", db->conninfo(), "--token-secret", secret};
  args.insert(args.end(), server_args.begin(), server_args.end());
  server = std::make_unique<server_process>(args);
}

void chat_fixture::restart(int sig) {
  admin_client.reset();
  server->stop(sig);
  server.reset();
  start(server_args);
}

std::unique_ptr<ws_client> chat_fixture::connect_as(const std::string& user, bool admin) {
  auto c = std::make_unique<ws_client>(server->port());
  auto r = c->hello(token_for(secret, user, admin));
  if (!r.ok())
    throw std::runtime_error("hello as " + user + " failed: " + r.str("message"));
  return c;
}

void provision_acme(ws_client& admin, const std::vector<std::string>& users) {
  protocol::map_builder org;
  org.str("org", "acme").str("name", "Acme");
  if (!admin.request("admin.org.put", org).ok())
    throw std::runtime_error("org put failed");
  for (const auto& u : users) {
    protocol::map_builder f;
    f.str("user", u).str("org", "acme").str("kind", "staff").str("name", u);
    auto r = admin.request("admin.user.put", f);
    if (!r.ok()) throw std::runtime_error("user put failed: " + r.str("message"));
  }
}

void chat_fixture::provision(const std::vector<std::string>& users) {
  provision_acme(*connect_as("provisioner", true), users);
}

frame_view chat_fixture::admin(const std::string& op, protocol::map_builder& fields) {
  if (!admin_client) admin_client = connect_as("provisioner", true);
  auto r = admin_client->request(op, fields);
  if (!r.ok()) throw std::runtime_error(op + " failed: " + r.str("message"));
  return r;
}

std::string chat_fixture::create_private(ws_client& creator,
                                         const std::vector<std::string>& others) {
  protocol::map_builder f;
  f.str("kind", "private").str_list("participants", others);
  auto r = creator.request("conv.create", f);
  if (!r.ok()) throw std::runtime_error("conv.create failed: " + r.str("message"));
  return r.sub("conv").str("id");
}

} // namespace parley::test
