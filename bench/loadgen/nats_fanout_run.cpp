#include "bench/loadgen/nats_fanout_run.hpp"

#include <memory>
#include <string>
#include <vector>

#include "bench/common/body.hpp"
#include "bench/loadgen/fanout_driver.hpp"
#include "bench/loadgen/fanout_stamp.hpp"
#include "bench/loadgen/nats_ws_client.hpp"
#include "bench/loadgen/provision.hpp"

// parley-nats-fanout's side of the fan-out driver: a NATS subscription instead of
// provisioning and conv.open, a PUB instead of msg.send, a flushed write instead of
// an ok reply.
namespace parley::bench {

namespace asio = boost::asio;
using clock = nats_ws_client::clock;

namespace {

/// The payload of a scenario message: its stamp and a space, then the body's words up
/// to `bytes` in all (parley-fanout sends the same stamp as the cid beside a body of
/// that size).
std::string make_payload(const fanout_message& m, const std::string& body,
                         std::size_t bytes) {
  std::string p = make_stamp(m.step, m.slot, m.due) + " ";
  if (p.size() < bytes) p.append(body, 0, bytes - p.size());
  return p;
}

class nats_transport : public fanout_transport {
public:
  nats_transport(fanout_driver& d, const fanout_common_options& o)
      : d_(d), o_(o), body_(make_body(o.body_bytes)), clients_(d.members()) {
    for (std::size_t r = 0; r < o.rooms; ++r)
      subjects_.push_back(std::string{nats_room_prefix} + "." + std::to_string(r));
  }

  // Connects and subscribes every member, at most setup_window at once.
  void set_up(std::function<void()> ready) override {
    d_.set_phase("connecting the members");
    windowed(
        clients_.size(), o_.setup_window,
        [this](std::size_t i) -> asio::io_context& { return d_.ioc(i); },
        [this](std::size_t i, std::function<void()> done) {
          connect(i, std::move(done));
        },
        std::move(ready));
  }

  void send(std::size_t member, const fanout_message& m) override {
    clients_[member]->publish(subjects_[d_.room_of(member)],
                              make_payload(m, body_, o_.body_bytes), m.measured);
  }

  void close(std::size_t member, std::function<void()> closed) override {
    clients_[member]->close(std::move(closed));
  }

private:
  void connect(std::size_t i, std::function<void()> done) {
    auto& c = clients_[i];
    c = std::make_shared<nats_ws_client>(
        d_.ioc(i), o_.target, "member " + std::to_string(i),
        [this](const std::string& what) { d_.abort(what); });
    c->bind_source(source_address(i, o_.source_addresses));
    c->on_msg([this, i](std::string_view, std::string_view payload,
                        clock::time_point received) {
      fanout_stamp s;
      if (!parse_stamp(payload, s)) return d_.other(i);
      d_.delivered(i, s.step, s.due, received);
    });
    // A flushed write stands for parley's ok reply; it names no message, so it counts
    // toward the step running. Flushes after a step was collected can only follow a
    // step that missed its deadline, after which no step runs.
    c->on_flushed([this, i](std::size_t publishes, std::size_t marked) {
      d_.acked(i, d_.current_step(i), publishes, marked);
    });
    c->connect(subjects_[d_.room_of(i)], std::move(done));
  }

  fanout_driver& d_;
  const fanout_common_options& o_;
  const std::string body_;
  std::vector<std::string> subjects_; // by room
  std::vector<std::shared_ptr<nats_ws_client>> clients_;
};

} // namespace

fanout_result run_nats_fanout(const fanout_common_options& options,
                              const std::function<void(const fanout_step&)>& on_step) {
  fanout_driver d{options, on_step};
  nats_transport t{d, options};
  return d.run(t);
}

} // namespace parley::bench
