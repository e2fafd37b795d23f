#include "bench/loadgen/xmpp_fanout_run.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/body.hpp"
#include "bench/loadgen/fanout_driver.hpp"
#include "bench/loadgen/fanout_stamp.hpp"
#include "bench/loadgen/provision.hpp"
#include "bench/loadgen/xmpp_ws_client.hpp"

// parley-xmpp-fanout's side of the fan-out driver: members log in and join their
// room, a message is a groupchat stanza whose body carries the timing stamp, and the
// room's reflection of it to every occupant is the delivery.
namespace parley::bench {

namespace asio = boost::asio;
using clock = xmpp_ws_client::clock;

namespace {

/// After the last join, the steps wait until no stanza has arrived for this long
/// (the room's presence broadcasts of the joins may still be on their way), at most
/// settle_limit.
constexpr auto settle_quiet = std::chrono::seconds(1);
constexpr auto settle_poll = std::chrono::milliseconds(100);
constexpr auto settle_limit = std::chrono::seconds(300);

/// The body of a scenario message: its stamp and a space, then filler up to the body
/// size. Digits, dashes and the filler's lower-case words need no XML escaping.
std::string make_message_body(const fanout_message& m, std::size_t bytes) {
  std::string s = make_stamp(m.step, m.slot, m.due) + " ";
  if (s.size() < bytes) s += make_body(bytes - s.size());
  return s;
}

class xmpp_transport : public fanout_transport {
public:
  xmpp_transport(fanout_driver& d, const xmpp_fanout_options& o);

  void set_up(std::function<void()> ready) override;
  void send(std::size_t member, const fanout_message& m) override;
  void close(std::size_t member, std::function<void()> closed) override;

private:
  void connect(std::size_t i, std::function<void()> done);
  void settle(std::uint64_t seen, clock::time_point quiet_since, clock::time_point until);
  std::string nick(std::size_t i) const { return "m" + std::to_string(i % o_.members); }

  fanout_driver& d_;
  const xmpp_fanout_options& o_;
  std::string run_id_;
  std::vector<std::string> room_jids_;
  std::vector<std::shared_ptr<xmpp_ws_client>> clients_;
  asio::steady_timer settle_timer_;             // thread 0
  std::atomic<std::uint64_t> other_stanzas_{0}; // whole run: for the settling
  std::function<void()> ready_;
};

xmpp_transport::xmpp_transport(fanout_driver& d, const xmpp_fanout_options& o)
    : d_(d), o_(o), clients_(d.members()), settle_timer_(d.main_ioc()) {
  // A fresh set of rooms per run: a room of an earlier run may still be emptying.
  run_id_ = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() %
                           100'000'000);
  for (std::size_t r = 0; r < o.rooms; ++r)
    room_jids_.push_back(o.room_prefix + run_id_ + "-" + std::to_string(r) + "@" +
                         o.muc_service);
}

// -- setup ----------------------------------------------------------------------

// Connects, logs in and joins every member, at most setup_window at once. The first
// join of a room creates it (an instant room: ejabberd does not lock it).
void xmpp_transport::set_up(std::function<void()> ready) {
  ready_ = std::move(ready);
  d_.set_phase("connecting, logging in and joining the members");
  windowed(
      clients_.size(), o_.setup_window,
      [this](std::size_t i) -> asio::io_context& { return d_.ioc(i); },
      [this](std::size_t i, std::function<void()> done) { connect(i, std::move(done)); },
      [this] {
        asio::post(d_.main_ioc(), [this] {
          d_.set_phase("waiting for the joins' presence broadcasts to end");
          const auto now = clock::now();
          settle(other_stanzas_.load(), now, now + settle_limit);
        });
      });
}

void xmpp_transport::connect(std::size_t i, std::function<void()> done) {
  auto& c = clients_[i];
  const auto& room = room_jids_[d_.room_of(i)];
  c = std::make_shared<xmpp_ws_client>(d_.ioc(i), o_.target, o_.domain,
                                       room + "/" + nick(i),
                                       [this](const std::string& w) { d_.abort(w); });
  c->bind_source(source_address(i, o_.source_addresses));
  c->on_message([this, i](std::string_view body, clock::time_point received) {
    fanout_stamp s;
    if (!parse_stamp(body, s)) return;
    d_.delivered(i, s.step, s.due, received);
  });
  c->on_other([this, i] {
    d_.other(i);
    other_stanzas_.fetch_add(1, std::memory_order_relaxed);
  });
  c->connect([this, i, done = std::move(done)] {
    clients_[i]->join(room_jids_[d_.room_of(i)], nick(i), done);
  });
}

// Every member has seen its own join, but a room of M members broadcasts ~M^2
// presence stanzas while they join, and the server may still be delivering them: a
// step started now would measure that backlog. So the steps wait until no stanza has
// arrived for settle_quiet (bounded by settle_limit); setup_seconds includes this.
void xmpp_transport::settle(std::uint64_t seen, clock::time_point quiet_since,
                            clock::time_point until) {
  const auto now = clock::now();
  const auto count = other_stanzas_.load();
  if (count != seen) quiet_since = now;
  if (now - quiet_since < settle_quiet && now < until) {
    settle_timer_.expires_after(settle_poll);
    settle_timer_.async_wait(
        [this, count, quiet_since, until](boost::system::error_code ec) {
          if (!ec) settle(count, quiet_since, until);
        });
    return;
  }
  ready_();
}

// -- steps ----------------------------------------------------------------------

// Groupchat has no acknowledgement: a message handed to its connection counts as
// acked, so the driver's completion check waits for every delivery of every send.
void xmpp_transport::send(std::size_t member, const fanout_message& m) {
  clients_[member]->send_groupchat(make_message_body(m, o_.body_bytes));
  d_.acked(member, m.step, 1, m.measured ? 1 : 0);
}

void xmpp_transport::close(std::size_t member, std::function<void()> closed) {
  clients_[member]->close(std::move(closed));
}

} // namespace

fanout_result run_xmpp_fanout(const xmpp_fanout_options& options,
                              const std::function<void(const fanout_step&)>& on_step) {
  fanout_driver d{options, on_step};
  xmpp_transport t{d, options};
  return d.run(t);
}

} // namespace parley::bench
