// parley-nats-fanout: the fan-out scenario against nats-server's WebSocket listener,
// core NATS pub/sub (issue 8's second fan-out peer, bench/README.md). Same options,
// steps and output as parley-fanout, so bench/fanout_table.py reads both.
#include "bench/loadgen/fanout_report.hpp"
#include "bench/loadgen/nats_fanout_run.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage =
    R"(usage: parley-nats-fanout --url ws://HOST:PORT/ [options]

Connects R rooms of M members to nats-server's WebSocket listener (R*M connections,
each subscribed to its room's subject fanout.<room>, echo on), then publishes at a
fixed total rate spread over the rooms, each message by one member of its room, open
loop, one step per rate, and times every delivered MSG (M per message, the
publisher's own included) from the scheduled send time carried in the payload.
Stops after the first step that is saturated (deliveries missing at the deadline) or
whose p50 exceeds --stop-p50-ms. Core NATS has no publish ack: "acked" counts the
PUBs whose WebSocket write completed (published and flushed).

  --url URL               ws://HOST:PORT[/PATH] or HOST:PORT: the websocket listener
  --rooms R               rooms                                              [100]
  --members M             members per room                                   [100]
  --rates "LIST"          total publishes per second, one step each, ascending
                                                    [10 20 50 100 200 500 1000 ...]
  --step-seconds D        scheduled sending time per step                      [5]
  --warmup-seconds W      messages due in a step's first W s are left out      [1]
  --drain-seconds S       how long after a step's last send deliveries may take [5]
  --stop-p50-ms P         no further step after one with p50 above P ms       [100]
  --slo-ms L              the summary's best step: highest deliveries/s with
                          p99 <= L ms and nothing missing                      [10]
  --body-bytes B          payload size, timing stamp included                [100]
  --threads T             io_context threads                                   [1]
  --source-addresses N    spread connections over 127.0.0.2 .. 127.0.0.(N+1)   [1]
  --setup-window K        connects (with their SUB) in flight                [256]
  --timeout S             abort the whole run after S seconds                [600]
  --cpu-pids LIST         also report the CPU seconds of these process trees per
                          step, e.g. server=PID (and the tool's own as `load`)
  --json                  also print one JSON line per step and a summary line
                          (parley-fanout's fields)
  --help

exit status: 0 done; 1 the run failed or timed out; 2 usage.
)";

fanout_job parse(const option_map& args) {
  fanout_job job;
  fanout_common_options o;
  parse_fanout_options(args, "/v1", 1u << 20, o, job);
  if (o.targets.size() > 1)
    throw usage_error("--url: one server only (a list is parley-fanout's)");
  job.run = [o](const fanout_job::on_step_fn& on_step) {
    return run_nats_fanout(o, on_step);
  };
  return job;
}

} // namespace

int main(int argc, char** argv) {
  return fanout_main(
      argc, argv, {.name = "parley-nats-fanout", .usage = usage, .rate_column = "pubs/s"},
      fanout_option_specs({}), parse);
}
