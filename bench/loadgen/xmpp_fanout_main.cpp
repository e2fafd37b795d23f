// parley-xmpp-fanout: the fan-out scenario against an XMPP server's multi-user chat
// over WebSocket (bench/ejabberd-peer.md), with parley-fanout's options, steps and
// output, so bench/fanout_table.py reads both.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "bench/common/cli.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"
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

constexpr option_spec specs[] = {
    {"url", true},           {"domain", true},       {"muc-service", true},
    {"room-prefix", true},   {"rooms", true},        {"members", true},
    {"rates", true},         {"step-seconds", true}, {"warmup-seconds", true},
    {"drain-seconds", true}, {"stop-p50-ms", true},  {"slo-ms", true},
    {"body-bytes", true},    {"threads", true},      {"source-addresses", true},
    {"setup-window", true},  {"timeout", true},      {"cpu-pids", true},
    {"json", false},         {"help", false},
};

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  std::istringstream in{text};
  std::string word;
  while (in >> word) {
    double r = 0;
    try {
      std::size_t used = 0;
      r = std::stod(word, &used);
      if (used != word.size()) throw usage_error("");
    } catch (const std::exception&) {
      throw usage_error("--rates: '" + word + "' is not a number");
    }
    if (!(r >= 0.1 && r <= 1e7)) throw usage_error("--rates: each rate in 0.1..1e7");
    rates.push_back(r);
  }
  if (rates.empty() || rates.size() > 100) throw usage_error("--rates: 1..100 rates");
  return rates;
}

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

struct cli {
  xmpp_fanout_options o;
  double slo_ms = 10;
  bool json = false;
};

cli parse(const option_map& args) {
  cli c;
  auto& o = c.o;
  if (!args.has("url")) throw usage_error("--url is required");
  const auto url = args.str("url", "");
  std::string error;
  auto target = parse_ws_target(url, error);
  if (!target) throw usage_error("--url: " + error);
  o.target = *target;
  // parse_ws_target defaults the path to Parley's /v1; ejabberd serves /ws.
  if (o.target.path == "/v1" && url.find("/v1") == std::string::npos)
    o.target.path = "/ws";
  o.domain = args.str("domain", o.domain);
  o.muc_service = args.str("muc-service", o.muc_service);
  o.room_prefix = args.str("room-prefix", o.room_prefix);
  check_name("--domain", o.domain);
  check_name("--muc-service", o.muc_service);
  check_name("--room-prefix", o.room_prefix);
  o.rooms = args.uint("rooms", o.rooms, 1, 1'000'000);
  o.members = args.uint("members", o.members, 1, 1'000'000);
  if (o.rooms * o.members > 1'000'000)
    throw usage_error("at most 1,000,000 members in all");
  o.rates = parse_rates(args.str("rates", "10 20 50 100 200 500 1000 2000 5000 10000"));
  o.step_seconds = args.real("step-seconds", o.step_seconds, 0.1, 3600);
  o.warmup_seconds =
      args.real("warmup-seconds", o.warmup_seconds, 0, o.step_seconds * 0.9);
  o.drain_seconds = args.real("drain-seconds", o.drain_seconds, 0.1, 600);
  o.stop_p50_ms = args.real("stop-p50-ms", o.stop_p50_ms, 0.001, 1e6);
  c.slo_ms = args.real("slo-ms", c.slo_ms, 0.001, 1e6);
  o.body_bytes = args.uint("body-bytes", o.body_bytes, 1, 65536);
  o.threads = args.uint("threads", o.threads, 1, 64);
  o.source_addresses = args.uint("source-addresses", o.source_addresses, 1, 250);
  o.setup_window = args.uint("setup-window", o.setup_window, 1, 100'000);
  o.timeout_seconds = args.real("timeout", o.timeout_seconds, 0.001, 86400);
  o.cpu_pids = parse_cpu_pids(args.str("cpu-pids", ""));
  c.json = args.has("json");
  return c;
}

// The output below is parley-fanout's, line for line (only the tool name differs),
// so that bench/fanout_table.py reads both tools' lines alike.
double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

double p99_ms(const fanout_step& s) {
  return ms(s.latency_us.percentile(99));
}

void print_header(const xmpp_fanout_options& o) {
  std::printf(
      "parley-xmpp-fanout: %zu rooms x %zu members (%zu connections), body %zu B, "
      "%g s steps (first %g s warm-up), %zu thread(s)\n",
      o.rooms, o.members, o.rooms * o.members, o.body_bytes, o.step_seconds,
      o.warmup_seconds, o.threads);
  std::printf("%9s %11s %11s %8s %8s %8s %8s %8s %6s %8s %s\n", "msgs/s", "offered/s",
              "dlv/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lag ms", "errors",
              "missing", "cpu s");
  std::fflush(stdout);
}

void print_step(const xmpp_fanout_options& o, const fanout_step& s, bool json) {
  const auto& h = s.latency_us;
  const auto missing =
      s.acked * o.members - std::min(s.acked * o.members, s.deliveries_all);
  std::string cpu;
  for (const auto& [name, sec] : s.cpu_seconds) {
    char part[64];
    std::snprintf(part, sizeof part, "%s%s %.2f", cpu.empty() ? "" : ", ", name.c_str(),
                  sec);
    cpu += part;
  }
  std::printf("%9.4g %11.0f %11.0f %8.2f %8.2f %8.2f %8.2f %8.2f %6llu %8llu %s\n",
              s.rate, s.offered_deliveries_per_second(o.members),
              s.deliveries_per_second(), ms(h.percentile(50)), ms(h.percentile(99)),
              ms(h.percentile(99.9)), ms(h.max()), ms(s.max_send_lag_us),
              static_cast<unsigned long long>(s.send_errors),
              static_cast<unsigned long long>(missing), cpu.c_str());
  if (json) {
    json_line j;
    j.str("tool", "parley-xmpp-fanout")
        .uint("step", s.index)
        .uint("rooms", o.rooms)
        .uint("members", o.members)
        .real("rate", s.rate, 1)
        .real("offered_per_s", s.offered_deliveries_per_second(o.members), 1)
        .real("deliveries_per_s", s.deliveries_per_second(), 1)
        .uint("scheduled", s.scheduled)
        .uint("sent", s.sent)
        .uint("acked", s.acked)
        .uint("send_errors", s.send_errors)
        .uint("deliveries", s.deliveries)
        .uint("deliveries_all", s.deliveries_all)
        .uint("missing", missing)
        .uint("other_pushes", s.other_pushes)
        .real("measured_s", s.measured_seconds, 3)
        .real("p50_ms", ms(h.percentile(50)), 3)
        .real("p99_ms", ms(h.percentile(99)), 3)
        .real("p999_ms", ms(h.percentile(99.9)), 3)
        .real("max_ms", ms(h.max()), 3)
        .real("max_send_lag_ms", ms(s.max_send_lag_us), 3)
        .boolean("drained", s.drained);
    for (const auto& [name, sec] : s.cpu_seconds)
      j.real("cpu_" + name + "_s", sec, 3);
    std::printf("%s\n", j.finish().c_str());
  }
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(usage.data(), stdout);
      return 0;
    }
    const auto c = parse(args);
    print_header(c.o);
    auto result =
        run_xmpp_fanout(c.o, [&](const fanout_step& s) { print_step(c.o, s, c.json); });
    if (!result.failure.empty()) {
      std::fprintf(stderr, "parley-xmpp-fanout: %s\n", result.failure.c_str());
      return 1;
    }
    const fanout_step* best = nullptr;
    for (const auto& s : result.steps) {
      if (s.drained && s.send_errors == 0 && p99_ms(s) <= c.slo_ms &&
          (!best || s.deliveries_per_second() > best->deliveries_per_second()))
        best = &s;
    }
    std::printf("setup %.1f s; stopped: %s\n", result.setup_seconds,
                result.stop_reason.c_str());
    if (best) {
      std::printf("best within p99 <= %g ms: %.0f deliveries/s at %.0f msgs/s\n",
                  c.slo_ms, best->deliveries_per_second(), best->rate);
    } else {
      std::printf("no step kept p99 <= %g ms\n", c.slo_ms);
    }
    if (c.json) {
      json_line j;
      j.str("tool", "parley-xmpp-fanout")
          .boolean("summary", true)
          .uint("rooms", c.o.rooms)
          .uint("members", c.o.members)
          .real("setup_s", result.setup_seconds, 3)
          .str("stop_reason", result.stop_reason)
          .real("slo_ms", c.slo_ms, 3)
          .real("best_deliveries_per_s", best ? best->deliveries_per_second() : 0.0, 1)
          .real("best_rate", best ? best->rate : 0.0, 1);
      std::printf("%s\n", j.finish().c_str());
    }
    std::fflush(stdout);
    return 0;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-xmpp-fanout: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-xmpp-fanout: %s\n", e.what());
    return 1;
  }
}
