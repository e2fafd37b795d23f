// parley-fanout: the fan-out scenario of the load generator (bench/README.md).
#include "bench/loadgen/fanout_report.hpp"
#include "bench/loadgen/fanout_run.hpp"
#include "bench/loadgen/provision.hpp"
#include "protocol/limits.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage =
    R"(usage: parley-fanout --url ws://HOST:PORT/v1 --secret S [options]

Provisions R rooms of M members (R*M users, each with its own connection that ran
conv.open on its room), then sends msg.send at a fixed total rate spread over the
rooms, open loop, one step per rate, and times every `message` push from the
scheduled send time of its message. Stops after the first step that is saturated
(deliveries missing at the deadline) or whose p50 exceeds --stop-p50-ms.

  --url URL[,URL...]      ws://HOST:PORT[/PATH] or HOST:PORT (path defaults to /v1);
                          several: a cluster's nodes, member i connects to node i % N
  --secret S              the server's token secret (HS256); the tool mints its tokens
  --rooms R               rooms                                              [100]
  --members M             members per room                                   [100]
  --rates "LIST"          total msg.send per second, one step each, ascending
                                                    [10 20 50 100 200 500 1000 ...]
  --step-seconds D        scheduled sending time per step                      [5]
  --warmup-seconds W      messages due in a step's first W s are left out      [1]
  --drain-seconds S       how long after a step's last send deliveries may take [5]
  --stop-p50-ms P         no further step after one with p50 above P ms       [100]
  --slo-ms L              the summary's best step: highest deliveries/s with
                          p99 <= L ms and nothing missing                      [10]
  --body-bytes B          message body size                                  [100]
  --org NAME              org to provision                                 [fanout]
  --user-prefix P         user ids are P<room>-<member>                         [f]
  --threads T             io_context threads                                   [1]
  --source-addresses N    spread connections over 127.0.0.2 .. 127.0.0.(N+1)
                          (for more than ~28k connections)                     [1]
  --setup-window K        connects, hellos, puts and opens in flight         [256]
  --timeout S             abort the whole run after S seconds                [600]
  --cpu-pids LIST         also report the CPU seconds of these process trees per
                          step, e.g. server=PID (and the tool's own as `load`)
  --json                  also print one JSON line per step and a summary line
  --help

exit status: 0 done; 1 the run failed or timed out; 2 usage; 3 done, but some
msg.send got an error reply.
)";

fanout_job parse(const option_map& args) {
  fanout_job job;
  fanout_options o;
  parse_fanout_options(args, "/v1", parley::protocol::limits::max_body_bytes, o, job);
  o.secret = args.str("secret", "");
  if (o.secret.empty()) throw usage_error("--secret is required");
  o.org = args.str("org", o.org);
  o.user_prefix = args.str("user-prefix", o.user_prefix);
  check_org_and_prefix(o.org, o.user_prefix);
  job.run = [o](const fanout_job::on_step_fn& on_step) { return run_fanout(o, on_step); };
  return job;
}

} // namespace

int main(int argc, char** argv) {
  const auto specs =
      fanout_option_specs({{"secret", true}, {"org", true}, {"user-prefix", true}});
  return fanout_main(argc, argv,
                     {.name = "parley-fanout", .usage = usage, .rate_column = "msgs/s"},
                     specs, parse);
}
