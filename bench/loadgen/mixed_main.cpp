// parley-mixed: the "mixed chat day" scenario of the load generator (bench/README.md).
#include <cstdio>
#include <string>

#include "bench/common/cli.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"
#include "bench/loadgen/mixed_run.hpp"
#include "bench/loadgen/provision.hpp"
#include "protocol/limits.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage =
    R"(usage: parley-mixed --url ws://HOST:PORT/v1 --secret S [options]

A chat day in miniature. Provisions U users, each with one connection, in many small
conversations (mostly pairs, some groups of 3-8; every connection runs conv.open on
each of its conversations), then runs an open-loop schedule at a fixed total message
rate. Per message slot: the author's `typing start`, `--typing-lead` s later its
`msg.send` (which also ends the typing); --reads of the recipients send `read` --read-
delay s after the push; and, drawn per slot, an abandoned draft (typing start, stop
at the send time, no message), a `conv.list` (app opened) and a `msg.history`
(scrolled back). Reports latencies from the scheduled times, every op and push
counted against what the acks imply, and with --cpu-pids the server's CPU time per
1,000 messages over the measured phase (after the warm-up).

  --url URL               ws://HOST:PORT[/PATH] or HOST:PORT (path defaults to /v1)
  --secret S              the server's token secret (HS256); the tool mints its tokens
  --quick                 the small variant: 400 users, 100 msgs/s, 800 messages,
                          1 s warm-up (the options below override it)
  --users U               users, one connection each                        [2000]
  --per-user X            conversations per user, on average (<= 256)          [4]
  --group-share G         share of conversations that are groups             [0.2]
  --group-min N           smallest group                                       [3]
  --group-max N           largest group                                        [8]
  --rate R                msg.send per second, all users together            [200]
  --messages N            msg.send in all                                  [12000]
  --warmup-seconds W      messages due in the first W s are left out           [5]
  --typing-lead S         typing start this long before its msg.send           [1]
  --read-delay S          a reader's read this long after the push           [0.3]
  --drafts P              abandoned drafts per message                       [0.1]
  --reads P               share of recipients that send read                 [0.5]
  --lists P               conv.list per message                             [0.05]
  --histories P           msg.history per message                           [0.05]
  --seed N                the plan's seed (conversations and slots)            [1]
  --drain-seconds S       after the last send, how long the rest may take     [10]
  --body-bytes B          message body size                                  [100]
  --org NAME              org to provision                                  [mixed]
  --user-prefix P         user ids are P<index>                                 [m]
  --source-addresses N    spread connections over 127.0.0.2 .. 127.0.0.(N+1)   [4]
  --setup-window K        connects, hellos, puts, creates, opens in flight    [256]
  --timeout S             abort the whole run after S seconds                [600]
  --cpu-pids LIST         the CPU seconds of these process trees over the measured
                          phase, e.g. server=PID,postgres=PID (and the tool's own as
                          `load`); the headline sums all but `load`
  --json                  also print one JSON line
  --help

exit status: 0 done; 1 the run failed or timed out; 2 usage; 3 done, but a request
got an error reply, a message push is missing, or the run did not drain in time.
)";

constexpr option_spec specs[] = {
    {"url", true},           {"secret", true},           {"quick", false},
    {"users", true},         {"per-user", true},         {"group-share", true},
    {"group-min", true},     {"group-max", true},        {"rate", true},
    {"messages", true},      {"warmup-seconds", true},   {"typing-lead", true},
    {"read-delay", true},    {"drafts", true},           {"reads", true},
    {"lists", true},         {"histories", true},        {"seed", true},
    {"drain-seconds", true}, {"body-bytes", true},       {"org", true},
    {"user-prefix", true},   {"source-addresses", true}, {"setup-window", true},
    {"timeout", true},       {"cpu-pids", true},         {"json", false},
    {"help", false},
};

struct cli {
  mixed_options o;
  bool json = false;
};

cli parse(const option_map& args) {
  cli c;
  auto& o = c.o;
  if (!args.has("url")) throw usage_error("--url is required");
  std::string error;
  auto target = parse_ws_target(args.str("url", ""), error);
  if (!target) throw usage_error("--url: " + error);
  o.target = *target;
  o.secret = args.str("secret", "");
  if (o.secret.empty()) throw usage_error("--secret is required");
  if (args.has("quick")) {
    o.convs.users = 400;
    o.rate = 100;
    o.messages = 800;
    o.warmup_seconds = 1;
    o.drain_seconds = 5;
  }
  o.convs.users = args.uint("users", o.convs.users, 8, 1'000'000);
  o.convs.per_user = args.real("per-user", o.convs.per_user, 1, 256);
  o.convs.group_share = args.real("group-share", o.convs.group_share, 0, 1);
  o.convs.group_min = args.uint("group-min", o.convs.group_min, 3, 1000);
  o.convs.group_max = args.uint("group-max", o.convs.group_max, o.convs.group_min, 1000);
  if (o.convs.group_max > o.convs.users)
    throw usage_error("--group-max must not exceed --users");
  o.rate = args.real("rate", o.rate, 0.1, 1e6);
  o.messages = args.uint("messages", o.messages, 1, 100'000'000);
  o.warmup_seconds = args.real("warmup-seconds", o.warmup_seconds, 0, 3600);
  o.typing_lead_seconds = args.real("typing-lead", o.typing_lead_seconds, 0, 5);
  o.read_delay_seconds = args.real("read-delay", o.read_delay_seconds, 0, 60);
  o.activity.abandoned_drafts = args.real("drafts", o.activity.abandoned_drafts, 0, 1);
  o.activity.reads = args.real("reads", o.activity.reads, 0, 1);
  o.activity.conv_lists = args.real("lists", o.activity.conv_lists, 0, 1);
  o.activity.histories = args.real("histories", o.activity.histories, 0, 1);
  const auto seed = args.uint("seed", 1, 0, UINT64_MAX / 2);
  o.convs.seed = seed;
  o.activity.seed = seed + 1;
  o.drain_seconds = args.real("drain-seconds", o.drain_seconds, 0.1, 3600);
  o.body_bytes =
      args.uint("body-bytes", o.body_bytes, 1, parley::protocol::limits::max_body_bytes);
  o.org = args.str("org", o.org);
  o.user_prefix = args.str("user-prefix", o.user_prefix);
  check_org_and_prefix(o.org, o.user_prefix);
  o.source_addresses = args.uint("source-addresses", o.source_addresses, 1, 250);
  o.setup_window = args.uint("setup-window", o.setup_window, 1, 100'000);
  o.timeout_seconds = args.real("timeout", o.timeout_seconds, 0.001, 86400);
  o.cpu_pids = parse_cpu_pids(args.str("cpu-pids", ""));
  c.json = args.has("json");
  return c;
}

double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

/// "msg.send" -> "msg_send", for JSON keys.
std::string key_of(std::string op) {
  for (auto& ch : op)
    if (ch == '.') ch = '_';
  return op;
}

void print(const mixed_options& o, const mixed_result& r, bool json) {
  using ull = unsigned long long;
  std::printf("parley-mixed: %zu users, %zu conversations (%zu groups of %zu-%zu), %zu "
              "memberships; %g msgs/s, %llu messages, warm-up %g s\n",
              o.convs.users, r.conversations, r.groups, o.convs.group_min,
              o.convs.group_max, r.memberships, o.rate, static_cast<ull>(o.messages),
              o.warmup_seconds);
  std::printf("setup %.1f s; timed phase %.1f s, measured %.1f s; %s\n", r.setup_seconds,
              r.elapsed_seconds, r.measured_seconds,
              r.drained ? "drained" : "NOT drained at the deadline");
  std::printf("%-12s %9s %9s %7s\n", "request", "sent", "ok", "errors");
  for (const auto& [op, c] : r.ops)
    std::printf("%-12s %9llu %9llu %7llu\n", op.c_str(), static_cast<ull>(c.sent),
                static_cast<ull>(c.ok), static_cast<ull>(c.errors));
  std::printf("%-12s %9s %9s\n", "push", "got", "expected");
  for (const auto& [op, n] : r.pushes) {
    auto e = r.expected.find(op);
    std::printf("%-12s %9llu %9s\n", op.c_str(), static_cast<ull>(n),
                e == r.expected.end() ? "-" : std::to_string(e->second).c_str());
  }
  for (const auto& [code, n] : r.errors)
    std::printf("error %s: %llu\n", code.c_str(), static_cast<ull>(n));
  std::printf("%-16s %8s %8s %8s %8s %8s\n", "latency ms", "count", "p50", "p99", "p99.9",
              "max");
  auto row = [](const char* what, const histogram& h) {
    std::printf("%-16s %8llu %8.2f %8.2f %8.2f %8.2f\n", what,
                static_cast<unsigned long long>(h.count()), ms(h.percentile(50)),
                ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max()));
  };
  row("send->ack", r.ack_us);
  row("send->deliver", r.deliver_us);
  row("conv.list", r.list_us);
  row("msg.history", r.history_us);
  std::printf("max send lag %.2f ms; missing message pushes %llu\n",
              ms(r.max_send_lag_us), static_cast<ull>(r.missing_deliveries()));
  const double server = r.server_cpu_seconds();
  const auto frames = r.frames_read + r.frames_written;
  const double per_msg =
      r.measured_messages ? server * 1e6 / static_cast<double>(r.measured_messages) : 0;
  const double per_frame = frames ? server * 1e6 / static_cast<double>(frames) : 0;
  if (!r.cpu_seconds.empty()) {
    std::printf("cpu s over the measured phase: %s\n",
                format_cpu_seconds(r.cpu_seconds).c_str());
    std::printf(
        "server CPU per 1,000 messages: %.1f ms (%llu messages); per 1,000 frames "
        "handled: %.2f ms (%llu read, %llu written)\n",
        per_msg, static_cast<ull>(r.measured_messages), per_frame,
        static_cast<ull>(r.frames_read), static_cast<ull>(r.frames_written));
  }
  if (!json) return;
  json_line j;
  j.str("tool", "parley-mixed")
      .uint("users", o.convs.users)
      .uint("conversations", r.conversations)
      .uint("groups", r.groups)
      .uint("memberships", r.memberships)
      .real("rate", o.rate, 1)
      .uint("messages", o.messages)
      .uint("measured_messages", r.measured_messages)
      .real("setup_s", r.setup_seconds, 3)
      .real("elapsed_s", r.elapsed_seconds, 3)
      .real("measured_s", r.measured_seconds, 3)
      .boolean("drained", r.drained)
      .uint("missing", r.missing_deliveries())
      .uint("frames_read", r.frames_read)
      .uint("frames_written", r.frames_written)
      .real("max_send_lag_ms", ms(r.max_send_lag_us), 3);
  std::uint64_t errors = 0;
  for (const auto& [op, c] : r.ops) {
    j.uint("sent_" + key_of(op), c.sent).uint("ok_" + key_of(op), c.ok);
    errors += c.errors;
  }
  j.uint("errors_total", errors);
  for (const auto& [op, n] : r.pushes)
    j.uint("push_" + key_of(op), n);
  for (const auto& [op, n] : r.expected)
    j.uint("expected_" + key_of(op), n);
  auto lat = [&](const std::string& name, const histogram& h) {
    j.real(name + "_p50_ms", ms(h.percentile(50)), 3)
        .real(name + "_p99_ms", ms(h.percentile(99)), 3)
        .real(name + "_p999_ms", ms(h.percentile(99.9)), 3)
        .real(name + "_max_ms", ms(h.max()), 3);
  };
  lat("ack", r.ack_us);
  lat("deliver", r.deliver_us);
  lat("list", r.list_us);
  lat("history", r.history_us);
  for (const auto& [name, sec] : r.cpu_seconds)
    j.real("cpu_" + name + "_s", sec, 3);
  if (!r.cpu_seconds.empty())
    j.real("server_cpu_s", server, 3)
        .real("cpu_ms_per_1k_msgs", per_msg, 2)
        .real("cpu_ms_per_1k_frames", per_frame, 3);
  std::printf("%s\n", j.finish().c_str());
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
    auto r = run_mixed(c.o);
    if (!r.failure.empty()) {
      std::fprintf(stderr, "parley-mixed: %s\n", r.failure.c_str());
      return 1;
    }
    print(c.o, r, c.json);
    std::fflush(stdout);
    bool errors = !r.errors.empty();
    return errors || r.missing_deliveries() > 0 || !r.drained ? 3 : 0;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-mixed: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-mixed: %s\n", e.what());
    return 1;
  }
}
