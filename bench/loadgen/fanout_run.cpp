#include "bench/loadgen/fanout_run.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "bench/common/body.hpp"
#include "bench/loadgen/fanout_driver.hpp"
#include "bench/loadgen/fanout_stamp.hpp"
#include "bench/loadgen/provision.hpp"
#include "bench/loadgen/ws_client.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"

// parley-fanout's side of the fan-out driver: provisioning (org, users, rooms),
// connections that say hello and conv.open their room, msg.send with the timing stamp
// as its cid, and the `message` pushes that carry it back.
namespace parley::bench {

namespace asio = boost::asio;
using clock = ws_client::clock;
using reply = ws_client::reply;

namespace {

std::string_view str_of(const msgpack::object* o) {
  if (!o || o->type != msgpack::type::STR) return {};
  return {o->via.str.ptr, o->via.str.size};
}

class parley_transport : public fanout_transport {
public:
  parley_transport(fanout_driver& d, const fanout_options& o);

  void set_up(std::function<void()> ready) override;
  void send(std::size_t member, const fanout_message& m) override;
  void close(std::size_t member, std::function<void()> closed) override;

private:
  struct member {
    std::string user;
    std::string token;
    std::shared_ptr<ws_client> client;
  };

  // Setup, in order.
  void connect_members();
  void create_rooms();
  void add_participants(std::size_t room, std::size_t from, std::function<void()> done);
  void open_rooms();
  void on_push(std::size_t member, const protocol::request& frame,
               clock::time_point received);
  std::size_t member_index(std::size_t room, std::size_t pos) const {
    return room * o_.members + pos;
  }
  ws_client::fail_handler abort_handler() {
    return [this](const std::string& what) { d_.abort(what); };
  }

  fanout_driver& d_;
  const fanout_options& o_;
  const std::string body_;
  setup_client setup_;
  std::string admin_token_;
  std::string run_id_;
  std::shared_ptr<ws_client> admin_;
  std::vector<member> members_; // never resized after construction
  std::vector<std::string> room_ids_;
  std::function<void()> ready_;
};

parley_transport::parley_transport(fanout_driver& d, const fanout_options& o)
    : d_(d), o_(o), body_(make_body(o.body_bytes)),
      setup_("parley-fanout", [this](const std::string& why) { d_.abort(why); }),
      members_(d.members()), room_ids_(o.rooms) {
  const auto now = std::chrono::system_clock::now();
  const auto exp = token_expiry(o.timeout_seconds);
  admin_token_ = mint_admin_token(o.secret, exp);
  run_id_ = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
          .count());
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& m = members_[i];
    m.user = o.user_prefix + std::to_string(d.room_of(i)) + "-" +
             std::to_string(i % o.members);
    m.token = mint_user_token(o.secret, m.user, exp);
  }
}

// -- setup ----------------------------------------------------------------------

void parley_transport::set_up(std::function<void()> ready) {
  ready_ = std::move(ready);
  d_.set_phase("connecting the admin connection");
  admin_ = std::make_shared<ws_client>(d_.main_ioc(), o_.target, "admin connection",
                                       abort_handler());
  std::vector<std::string> users;
  users.reserve(members_.size());
  for (const auto& m : members_)
    users.push_back(m.user);
  provision_org_and_users(
      d_.main_ioc(), *admin_, admin_token_, o_.org, std::move(users), o_.setup_window,
      setup_, [this] { d_.set_phase("provisioning the org and users"); },
      [this] { connect_members(); });
}

void parley_transport::connect_members() {
  d_.set_phase("connecting the members");
  windowed(
      members_.size(), o_.setup_window,
      [this](std::size_t i) -> asio::io_context& { return d_.ioc(i); },
      [this](std::size_t i, std::function<void()> done) {
        auto& m = members_[i];
        m.client = std::make_shared<ws_client>(d_.ioc(i), target_of(o_.targets, i),
                                               m.user, abort_handler());
        m.client->bind_source(source_address(i, o_.source_addresses));
        m.client->on_push(
            [this, i](const protocol::request& frame, clock::time_point received) {
              on_push(i, frame, received);
            });
        m.client->connect(
            [this, &m, done] { setup_.hello(*m.client, m.token, m.user, done); });
      },
      [this] { create_rooms(); });
}

void parley_transport::create_rooms() {
  d_.set_phase("creating the rooms");
  // Room r is created by its member 0 with up to max_participants others named; the
  // rest join with conv.participants.add, max_participants at a time.
  windowed(
      o_.rooms, std::min<std::size_t>(o_.setup_window, 64),
      [this](std::size_t r) -> asio::io_context& { return d_.ioc(member_index(r, 0)); },
      [this](std::size_t r, std::function<void()> done) {
        auto& creator = members_[member_index(r, 0)];
        const std::size_t first =
            std::min(o_.members, 1 + protocol::limits::max_participants - 1);
        std::vector<std::string> others;
        for (std::size_t k = 1; k < first; ++k)
          others.push_back(members_[member_index(r, k)].user);
        setup_.request(
            creator.client, "conv.create",
            [this, r, others = std::move(others)](auto& b) {
              b.str("kind", "private")
                  .str_list("participants", others)
                  .str("cid", "fanout-" + run_id_ + "-" + std::to_string(r));
            },
            "conv.create by " + creator.user,
            [this, r, first, done](const reply& rep) {
              auto conv = rep.frame.find("conv");
              auto id = conv ? protocol::find_in_map(*conv, "id") : nullptr;
              if (!id || id->type != msgpack::type::STR)
                return d_.abort("conv.create reply has no conv.id string");
              room_ids_[r].assign(id->via.str.ptr, id->via.str.size);
              add_participants(r, first, done);
            });
      },
      [this] { open_rooms(); });
}

void parley_transport::add_participants(std::size_t room, std::size_t from,
                                        std::function<void()> done) {
  if (from >= o_.members) return done();
  const std::size_t to = std::min(o_.members, from + protocol::limits::max_participants);
  std::vector<std::string> users;
  for (std::size_t k = from; k < to; ++k)
    users.push_back(members_[member_index(room, k)].user);
  auto& creator = members_[member_index(room, 0)];
  setup_.request(
      creator.client, "conv.participants.add",
      [this, room, users = std::move(users)](auto& b) {
        b.str("conv", room_ids_[room]).str_list("users", users);
      },
      "conv.participants.add by " + creator.user,
      [this, room, to, done](const reply&) { add_participants(room, to, done); });
}

void parley_transport::open_rooms() {
  d_.set_phase("opening the rooms");
  windowed(
      members_.size(), o_.setup_window,
      [this](std::size_t i) -> asio::io_context& { return d_.ioc(i); },
      [this](std::size_t i, std::function<void()> done) {
        auto& m = members_[i];
        setup_.request(
            m.client, "conv.open",
            [this, i](auto& b) { b.str("conv", room_ids_[d_.room_of(i)]); },
            "conv.open by " + m.user, [done](const reply&) { done(); });
      },
      [this] { ready_(); });
}

// -- steps ----------------------------------------------------------------------

void parley_transport::send(std::size_t member, const fanout_message& m) {
  protocol::map_builder f;
  f.str("conv", room_ids_[d_.room_of(member)])
      .str("cid", make_stamp(m.step, m.slot, m.due))
      .str("body", body_);
  members_[member].client->request(
      "msg.send", f,
      [this, member, step = m.step, measured = m.measured](const reply& r) {
        if (r.ok)
          d_.acked(member, step, 1, measured ? 1 : 0);
        else
          d_.refused(member, step);
      });
}

void parley_transport::on_push(std::size_t member, const protocol::request& frame,
                               clock::time_point received) {
  if (frame.op() != "message") return d_.other(member);
  fanout_stamp stamp;
  if (!parse_stamp(str_of(frame.find("cid")), stamp)) return;
  d_.delivered(member, stamp.step, stamp.due, received);
}

void parley_transport::close(std::size_t member, std::function<void()> closed) {
  members_[member].client->close(std::move(closed));
}

} // namespace

fanout_result run_fanout(const fanout_options& options,
                         const std::function<void(const fanout_step&)>& on_step) {
  fanout_driver d{options, on_step};
  parley_transport t{d, options};
  return d.run(t);
}

} // namespace parley::bench
