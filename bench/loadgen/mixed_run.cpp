#include "bench/loadgen/mixed_run.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/body.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/loadgen/provision.hpp"
#include "bench/loadgen/ws_client.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = ws_client::clock;
using reply = ws_client::reply;

std::uint64_t mixed_result::missing_deliveries() const {
  const auto want = expected.count("message") ? expected.at("message") : 0;
  const auto got = pushes.count("message") ? pushes.at("message") : 0;
  return want > got ? want - got : 0;
}

double mixed_result::server_cpu_seconds() const {
  double s = 0;
  for (const auto& [name, sec] : cpu_seconds)
    if (name != "load") s += sec;
  return s;
}

namespace {

constexpr auto close_grace = std::chrono::seconds(2);
constexpr auto poll_interval = std::chrono::milliseconds(20);

std::string_view str_of(const msgpack::object* o) {
  if (!o || o->type != msgpack::type::STR) return {};
  return {o->via.str.ptr, o->via.str.size};
}

std::uint64_t uint_of(const msgpack::object* o) {
  return o && o->type == msgpack::type::POSITIVE_INTEGER ? o->via.u64 : 0;
}

class runner {
public:
  explicit runner(const mixed_options& o);
  mixed_result run();

private:
  struct user {
    std::string id;
    std::string token;
    std::shared_ptr<ws_client> client;
    std::vector<std::size_t> convs; // indexes into plan_
  };

  // Setup, in order.
  void start_admin();
  void connect_users();
  void create_conversations();
  void open_conversations();
  // The timed phase.
  void start_schedule();
  void arm();
  void on_due(clock::time_point now);
  void typing_slot(std::uint64_t k);
  void send_slot(std::uint64_t k);
  void start_measuring();
  void on_push(std::size_t u, const protocol::request& frame, clock::time_point received);
  void timed_request(std::size_t u, std::string_view op, const protocol::map_builder& f,
                     std::function<void(const reply&)> on_ok = {});
  void poll();
  void end_timed_phase(bool drained);
  void finish();

  clock::time_point typing_due(std::uint64_t k) const;
  clock::time_point send_due(std::uint64_t k) const;
  bool measured(clock::time_point due) const { return due >= t_warm_; }
  void abort(const std::string& why);

  const mixed_options& o_;
  const std::string body_;
  asio::io_context ioc_{1};
  setup_client setup_;
  std::string admin_token_;
  std::string run_id_;
  std::vector<planned_conversation> plan_;
  std::vector<user> users_;
  std::vector<std::string> conv_ids_;
  std::unordered_map<std::string, std::size_t> conv_index_;

  asio::steady_timer timeout_timer_{ioc_};
  asio::steady_timer due_timer_{ioc_};
  asio::steady_timer warm_timer_{ioc_};
  asio::steady_timer poll_timer_{ioc_};
  asio::steady_timer grace_timer_{ioc_};
  std::shared_ptr<ws_client> admin_;
  const char* phase_ = "connecting the admin connection";

  clock::time_point t_setup_, t0_, t_warm_, t_measure_, deadline_;
  std::uint64_t next_typing_ = 0, next_send_ = 0;
  std::uint64_t outstanding_ = 0;   // timed requests without a reply yet
  std::uint64_t pending_reads_ = 0; // reads waiting for their delay
  bool timed_ = false;              // in the timed phase: pushes and replies count
  bool measuring_ = false;          // in the CPU window: frames count
  bool ended_ = false;
  cpu_sampler cpu_;
  mixed_result r_;
  bool done_ = false;
};

runner::runner(const mixed_options& o)
    : o_(o), body_(make_body(o.body_bytes)),
      setup_("parley-mixed", [this](const std::string& why) { abort(why); }),
      cpu_(o.cpu_pids, "load") {
  const auto exp = token_expiry(o.timeout_seconds);
  admin_token_ = mint_admin_token(o.secret, exp);
  run_id_ = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
  plan_ = plan_conversations(o.convs);
  users_.resize(o.convs.users);
  for (std::size_t i = 0; i < users_.size(); ++i) {
    users_[i].id = o.user_prefix + std::to_string(i);
    users_[i].token = mint_user_token(o.secret, users_[i].id, exp);
  }
  for (std::size_t c = 0; c < plan_.size(); ++c) {
    for (auto u : plan_[c].members)
      users_[u].convs.push_back(c);
    r_.memberships += plan_[c].members.size();
    if (plan_[c].members.size() > 2) ++r_.groups;
  }
  r_.conversations = plan_.size();
  conv_ids_.resize(plan_.size());
}

mixed_result runner::run() {
  if (plan_.empty()) {
    r_.failure = "the plan has no conversation (too few users?)";
    return std::move(r_);
  }
  timeout_timer_.expires_after(secs(o_.timeout_seconds));
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", o_.timeout_seconds);
    abort("timed out after " + std::string{limit} + " s while " + phase_);
  });
  t_setup_ = clock::now();
  asio::post(ioc_, [this] { start_admin(); });
  ioc_.run();
  return std::move(r_);
}

// -- setup ----------------------------------------------------------------------

void runner::start_admin() {
  admin_ = std::make_shared<ws_client>(ioc_, o_.target, "admin connection",
                                       [this](const std::string& w) { abort(w); });
  std::vector<std::string> ids;
  ids.reserve(users_.size());
  for (const auto& u : users_)
    ids.push_back(u.id);
  provision_org_and_users(
      ioc_, *admin_, admin_token_, o_.org, std::move(ids), o_.setup_window, setup_,
      [this] { phase_ = "provisioning the org and users"; }, [this] { connect_users(); });
}

void runner::connect_users() {
  phase_ = "connecting the users";
  windowed(
      users_.size(), o_.setup_window,
      [this](std::size_t) -> asio::io_context& { return ioc_; },
      [this](std::size_t i, std::function<void()> done) {
        auto& u = users_[i];
        u.client = std::make_shared<ws_client>(
            ioc_, o_.target, u.id, [this](const std::string& w) { abort(w); });
        if (o_.source_addresses > 1) {
          const auto k = static_cast<unsigned>(i % o_.source_addresses);
          u.client->bind_source(asio::ip::address_v4{(127u << 24) | (2u + k)});
        }
        u.client->on_push(
            [this, i](const protocol::request& frame, clock::time_point received) {
              on_push(i, frame, received);
            });
        u.client->connect(
            [this, &u, done] { setup_.hello(*u.client, u.token, u.id, done); });
      },
      [this] { create_conversations(); });
}

void runner::create_conversations() {
  phase_ = "creating the conversations";
  windowed(
      plan_.size(), o_.setup_window,
      [this](std::size_t) -> asio::io_context& { return ioc_; },
      [this](std::size_t c, std::function<void()> done) {
        const auto& members = plan_[c].members;
        auto& creator = users_[members[0]];
        std::vector<std::string> others;
        for (std::size_t k = 1; k < members.size(); ++k)
          others.push_back(users_[members[k]].id);
        setup_.request(
            creator.client, "conv.create",
            [this, c, others = std::move(others)](auto& b) {
              b.str("kind", "private")
                  .str_list("participants", others)
                  .str("cid", "mixed-" + run_id_ + "-" + std::to_string(c));
            },
            "conv.create by " + creator.id,
            [this, c, done](const reply& rep) {
              auto conv = rep.frame.find("conv");
              auto id = conv ? protocol::find_in_map(*conv, "id") : nullptr;
              if (!id || id->type != msgpack::type::STR)
                return abort("conv.create reply has no conv.id string");
              conv_ids_[c].assign(id->via.str.ptr, id->via.str.size);
              conv_index_[conv_ids_[c]] = c;
              done();
            });
      },
      [this] { open_conversations(); });
}

void runner::open_conversations() {
  phase_ = "opening the conversations";
  // Membership m: user u's j-th conversation, in user order.
  std::vector<std::pair<std::size_t, std::size_t>> opens;
  for (std::size_t u = 0; u < users_.size(); ++u)
    for (auto c : users_[u].convs)
      opens.emplace_back(u, c);
  auto shared = std::make_shared<decltype(opens)>(std::move(opens));
  windowed(
      shared->size(), o_.setup_window,
      [this](std::size_t) -> asio::io_context& { return ioc_; },
      [this, shared](std::size_t m, std::function<void()> done) {
        auto [u, c] = (*shared)[m];
        setup_.request(
            users_[u].client, "conv.open",
            [this, c](auto& b) { b.str("conv", conv_ids_[c]); },
            "conv.open by " + users_[u].id, [done](const reply&) { done(); });
      },
      [this] {
        asio::post(ioc_, [this] {
          r_.setup_seconds =
              std::chrono::duration<double>(clock::now() - t_setup_).count();
          start_schedule();
        });
      });
}

// -- the timed phase --------------------------------------------------------------

// Slot k: its author's typing start is due at t0 + k / rate, its msg.send (and the
// slot's extras: an abandoned draft's stop, conv.list, msg.history) typing_lead later.
clock::time_point runner::typing_due(std::uint64_t k) const {
  return t0_ + secs(static_cast<double>(k) / o_.rate);
}

clock::time_point runner::send_due(std::uint64_t k) const {
  return typing_due(k) + secs(o_.typing_lead_seconds);
}

void runner::start_schedule() {
  phase_ = "running the schedule";
  timed_ = true;
  t0_ = clock::now() + std::chrono::milliseconds(20);
  t_warm_ = send_due(0) + secs(o_.warmup_seconds);
  deadline_ = send_due(o_.messages - 1) + secs(o_.drain_seconds);
  warm_timer_.expires_at(t_warm_);
  warm_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) start_measuring();
  });
  poll_timer_.expires_after(poll_interval);
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
  arm();
}

void runner::start_measuring() {
  if (ended_) return;
  cpu_.start();
  measuring_ = true;
  t_measure_ = clock::now();
}

// Open loop: one timer wakes at the next due event and sends every event that is
// due, however late; latencies count from the due time, so falling behind shows.
void runner::arm() {
  const bool typing_left = next_typing_ < o_.messages;
  const bool sends_left = next_send_ < o_.messages;
  if (!typing_left && !sends_left) return;
  auto next = sends_left ? send_due(next_send_) : clock::time_point::max();
  if (typing_left) next = std::min(next, typing_due(next_typing_));
  due_timer_.expires_at(next);
  due_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !ended_) on_due(clock::now());
  });
}

void runner::on_due(clock::time_point now) {
  for (;;) {
    const bool t = next_typing_ < o_.messages && typing_due(next_typing_) <= now;
    const bool s = next_send_ < o_.messages && send_due(next_send_) <= now;
    if (!t && !s) break;
    // Whichever is due first, so a late wake-up keeps the schedule's order.
    if (t && (!s || typing_due(next_typing_) <= send_due(next_send_))) {
      typing_slot(next_typing_++);
    } else {
      r_.max_send_lag_us =
          std::max(r_.max_send_lag_us, micros(now - send_due(next_send_)));
      send_slot(next_send_++);
    }
  }
  arm();
}

void runner::typing_slot(std::uint64_t k) {
  const auto p = plan_slot(plan_, users_.size(), o_.activity, k);
  auto typing = [this](std::size_t u, std::size_t c) {
    protocol::map_builder f;
    f.str("conv", conv_ids_[c]).str("state", "start");
    timed_request(u, "typing", f);
  };
  typing(p.author, p.conv);
  if (p.draft) typing(p.draft_author, p.draft_conv);
}

void runner::send_slot(std::uint64_t k) {
  const auto p = plan_slot(plan_, users_.size(), o_.activity, k);
  const auto due = send_due(k);
  const bool m = measured(due);
  {
    protocol::map_builder f;
    f.str("conv", conv_ids_[p.conv]).str("cid", std::to_string(k)).str("body", body_);
    const auto size = plan_[p.conv].members.size();
    timed_request(p.author, "msg.send", f, [this, due, m, size](const reply& rep) {
      if (m) {
        ++r_.measured_messages;
        r_.ack_us.record(micros(rep.received - due));
      }
      // Every open subscription gets the message (the author's too); every other
      // participant's connection a notify.
      r_.expected["message"] += size;
      r_.expected["notify"] += size - 1;
    });
  }
  if (p.draft) {
    protocol::map_builder f;
    f.str("conv", conv_ids_[p.draft_conv]).str("state", "stop");
    timed_request(p.draft_author, "typing", f);
  }
  if (p.conv_list) {
    protocol::map_builder f;
    f.uint("limit", 50);
    timed_request(p.list_user, "conv.list", f, [this, due, m](const reply& rep) {
      if (m) r_.list_us.record(micros(rep.received - due));
    });
  }
  if (p.history) {
    protocol::map_builder f;
    f.str("conv", conv_ids_[p.history_conv]).uint("limit", 50);
    timed_request(p.history_user, "msg.history", f, [this, due, m](const reply& rep) {
      if (m) r_.history_us.record(micros(rep.received - due));
    });
  }
}

void runner::timed_request(std::size_t u, std::string_view op,
                           const protocol::map_builder& f,
                           std::function<void(const reply&)> on_ok) {
  auto& count = r_.ops[std::string{op}];
  ++count.sent;
  ++outstanding_;
  if (measuring_) ++r_.frames_read;
  users_[u].client->request(op, f,
                            [this, &count, on_ok = std::move(on_ok)](const reply& rep) {
                              if (ended_) return;
                              --outstanding_;
                              if (measuring_) ++r_.frames_written;
                              if (!rep.ok) {
                                ++count.errors;
                                ++r_.errors[std::string{rep.code}];
                                return;
                              }
                              ++count.ok;
                              if (on_ok) on_ok(rep);
                            });
}

void runner::on_push(std::size_t u, const protocol::request& frame,
                     clock::time_point received) {
  if (!timed_ || ended_) return;
  const auto op = frame.op();
  ++r_.pushes[std::string{op}];
  if (measuring_) ++r_.frames_written;
  if (op != "message") return;
  // The cid is the slot: its due time times the delivery.
  std::uint64_t k = 0;
  const auto cid = str_of(frame.find("cid"));
  auto [end, ec] = std::from_chars(cid.data(), cid.data() + cid.size(), k);
  if (ec != std::errc{} || end != cid.data() + cid.size() || k >= o_.messages) return;
  const auto due = send_due(k);
  if (measured(due)) r_.deliver_us.record(micros(received - due));
  if (str_of(frame.find("author")) == users_[u].id) return;
  const auto conv = conv_index_.find(std::string{str_of(frame.find("conv"))});
  const auto seq = uint_of(frame.find("seq"));
  if (conv == conv_index_.end() || seq == 0) return;
  if (!reads_message(o_.activity, conv->second, seq, u)) return;
  // This recipient reads it a moment later.
  ++pending_reads_;
  auto timer = std::make_shared<asio::steady_timer>(ioc_, secs(o_.read_delay_seconds));
  timer->async_wait(
      [this, timer, u, c = conv->second, seq](boost::system::error_code ec) {
        if (ec || ended_) return;
        --pending_reads_;
        protocol::map_builder f;
        f.str("conv", conv_ids_[c]).uint("seq", seq);
        const auto size = plan_[c].members.size();
        timed_request(u, "read", f, [this, size](const reply&) {
          // The other members' subscriptions, and the reader's own connection.
          r_.expected["read"] += size;
        });
      });
}

// The timed phase ends when every event was sent and answered, no read is waiting
// and every acked message reached every member, or at the deadline.
void runner::poll() {
  if (ended_) return;
  const bool complete = next_send_ == o_.messages && outstanding_ == 0 &&
                        pending_reads_ == 0 && r_.missing_deliveries() == 0;
  if (complete || clock::now() >= deadline_) {
    if (complete) {
      // The pushes that follow a reply (a read's to the other members) are still
      // on their way: count them too.
      poll_timer_.expires_after(secs(o_.settle_seconds));
      poll_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) end_timed_phase(true);
      });
    } else {
      end_timed_phase(false);
    }
    return;
  }
  poll_timer_.expires_after(poll_interval);
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

void runner::end_timed_phase(bool drained) {
  const auto now = clock::now();
  if (!measuring_) start_measuring(); // a run shorter than its warm-up
  cpu_.stop();
  ended_ = true;
  measuring_ = false;
  r_.drained = drained;
  r_.cpu_seconds = cpu_.spent();
  r_.elapsed_seconds = std::chrono::duration<double>(now - t0_).count();
  r_.measured_seconds = std::chrono::duration<double>(now - t_measure_).count();
  due_timer_.cancel();
  warm_timer_.cancel();
  finish();
}

void runner::finish() {
  phase_ = "closing";
  done_ = true;
  auto remaining = std::make_shared<std::size_t>(users_.size());
  for (auto& u : users_) {
    if (!u.client) {
      --*remaining;
      continue;
    }
    u.client->close([this, remaining] {
      if (--*remaining == 0) ioc_.stop();
    });
  }
  if (*remaining == 0) return ioc_.stop();
  grace_timer_.expires_after(close_grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ioc_.stop();
  });
}

void runner::abort(const std::string& why) {
  if (done_ || !r_.failure.empty()) return;
  r_.failure = why;
  ioc_.stop();
}

} // namespace

mixed_result run_mixed(const mixed_options& options) {
  runner r{options};
  return r.run();
}

} // namespace parley::bench
