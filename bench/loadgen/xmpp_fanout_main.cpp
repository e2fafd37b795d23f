// parley-xmpp-fanout: the fan-out scenario against an XMPP server's multi-user chat
// over WebSocket (bench/ejabberd-peer.md), with parley-fanout's options, steps and
// output, so bench/fanout_table.py reads both.
#include <string>

#include "bench/loadgen/fanout_report.hpp"
#include "bench/loadgen/xmpp_fanout_run.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage =
    R"(usage: parley-xmpp-fanout --url ws://HOST:PORT/ws [options]

R rooms of M occupants on an XMPP server's multi-user chat (XEP-0045) over WebSocket
(RFC 7395): every occupant its own connection, logged in with SASL ANONYMOUS, joined
to its room; then groupchat messages at a fixed total rate spread over the rooms, open
loop, one step per rate. The room reflects each message to every occupant, the
sender included (M deliveries per message); each is timed from the scheduled send
time its body carries. Stops after the first step that is saturated (deliveries
missing at the deadline) or whose p50 exceeds --stop-p50-ms. The first step waits
until no stanza has arrived for 1 s (the joins' presence broadcasts; at most 300 s,
counted in the setup time). Output as parley-fanout;
groupchat has no acknowledgement, so "acked" is the messages sent and "send_errors"
is 0 (an error stanza fails the run).

  --url URL               ws://HOST:PORT[/PATH] or HOST:PORT (path defaults to /ws)
  --domain D              XMPP domain to log in to                     [localhost]
  --muc-service S         the MUC service's domain          [conference.localhost]
  --room-prefix P         rooms are P<run id>-<r>@S                          [room]
  --rooms R               rooms                                              [100]
  --members M             occupants per room                                 [100]
  --rates "LIST"          total messages per second, one step each, ascending
                                                    [10 20 50 100 200 500 1000 ...]
  --step-seconds D        scheduled sending time per step                      [5]
  --warmup-seconds W      messages due in a step's first W s are left out      [1]
  --drain-seconds S       how long after a step's last send deliveries may take [5]
  --stop-p50-ms P         no further step after one with p50 above P ms       [100]
  --slo-ms L              the summary's best step: highest deliveries/s with
                          p99 <= L ms and nothing missing                      [10]
  --body-bytes B          message body size (at least its timing prefix)     [100]
  --threads T             io_context threads                                   [1]
  --source-addresses N    spread connections over 127.0.0.2 .. 127.0.0.(N+1)   [1]
  --setup-window K        connections logging in and joining at once         [256]
  --timeout S             abort the whole run after S seconds                [600]
  --cpu-pids LIST         also report the CPU seconds of these process trees per
                          step, e.g. server=PID (and the tool's own as `load`)
  --json                  also print one JSON line per step and a summary line
  --help

exit status: 0 done; 1 the run failed or timed out; 2 usage.
)";

/// An XMPP name part we put into JIDs unescaped: letters, digits, . - _ only.
void check_name(const std::string& what, const std::string& value) {
  if (value.empty() || value.size() > 200)
    throw usage_error(what + " must be 1..200 bytes");
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) throw usage_error(what + ": only letters, digits, '.', '-' and '_'");
  }
}

fanout_job parse(const option_map& args) {
  fanout_job job;
  xmpp_fanout_options o;
  parse_fanout_options(args, "/ws", 65536, o, job);
  if (o.targets.size() > 1)
    throw usage_error("--url: one server only (a list is parley-fanout's)");
  o.domain = args.str("domain", o.domain);
  o.muc_service = args.str("muc-service", o.muc_service);
  o.room_prefix = args.str("room-prefix", o.room_prefix);
  check_name("--domain", o.domain);
  check_name("--muc-service", o.muc_service);
  check_name("--room-prefix", o.room_prefix);
  job.run = [o](const fanout_job::on_step_fn& on_step) {
    return run_xmpp_fanout(o, on_step);
  };
  return job;
}

} // namespace

int main(int argc, char** argv) {
  const auto specs = fanout_option_specs(
      {{"domain", true}, {"muc-service", true}, {"room-prefix", true}});
  return fanout_main(
      argc, argv, {.name = "parley-xmpp-fanout", .usage = usage, .rate_column = "msgs/s"},
      specs, parse);
}
