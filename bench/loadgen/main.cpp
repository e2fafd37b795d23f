// parley-load: drives a Parley server with msg.send traffic over its WebSocket
// protocol and reports acknowledged messages per second and ack latency. See
// bench/README.md.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "bench/common/cli.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"
#include "bench/loadgen/load_run.hpp"
#include "protocol/limits.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage =
    R"(usage: parley-load --url ws://HOST:PORT/v1 --secret S [options]

Provisions org and users with an admin token, connects N writers, creates C private
conversations, then sends M msg.send requests and measures acked msgs/s and latency.

  --url URL[,URL...]      ws://HOST:PORT[/PATH] or HOST:PORT (path defaults to /v1);
                          several: a cluster's nodes, writer i connects to node i % N
  --secret S              the server's token secret (HS256); the tool mints its tokens
  --connections N         writer connections, users <prefix>0..<prefix>N-1  [16]
  --messages M            msg.send requests in the timed phase, in total    [20000]
  --inflight K            closed loop: unacked msg.send per connection       [4]
  --open-loop-rate R      open loop instead: R msgs/s in all, sent on a fixed
                          schedule; latency counts from the scheduled time
  --conversations C       private conversations; connection i writes to i % C
                                                                  [= connections]
  --body-bytes B          message body size                                  [100]
  --org NAME              org to provision                                   [bench]
  --user-prefix P         user ids are P0..P(N-1)                            [u]
  --warmup-fraction F     first F*M messages left out of the figures         [0.05]
  --threads T             io_context threads                                 [1]
  --timeout S             abort the whole run after S seconds                [120]
  --cpu-pids LIST         also report the CPU seconds of these process trees
                          over the timed phase, e.g. server=PID,postgres=PID
                          (a tree is the process and its live descendants)
  --json                  also print one JSON line of results
  --help

exit status: 0 done; 1 the run failed or timed out; 2 usage; 3 done, but some
msg.send got an error reply or the seq check failed.
)";

constexpr option_spec specs[] = {
    {"url", true},           {"secret", true},          {"connections", true},
    {"messages", true},      {"inflight", true},        {"open-loop-rate", true},
    {"conversations", true}, {"body-bytes", true},      {"org", true},
    {"user-prefix", true},   {"warmup-fraction", true}, {"threads", true},
    {"timeout", true},       {"json", false},           {"help", false},
    {"cpu-pids", true},
};

load_options parse(const option_map& args) {
  load_options o;
  if (!args.has("url")) throw usage_error("--url is required");
  std::string error;
  auto targets = parse_ws_targets(args.str("url", ""), error);
  if (!targets) throw usage_error("--url: " + error);
  o.targets = std::move(*targets);
  o.secret = args.str("secret", "");
  if (o.secret.empty()) throw usage_error("--secret is required");
  o.connections = args.uint("connections", o.connections, 1, 1'000'000);
  o.messages = args.uint("messages", o.messages, 1, UINT64_MAX / 2);
  o.inflight = args.uint("inflight", o.inflight, 1, 100'000);
  if (args.has("open-loop-rate"))
    o.open_loop_rate = args.real("open-loop-rate", 0, 1e-3, 1e9);
  o.conversations = args.uint("conversations", o.connections, 1, o.connections);
  const auto writers_per_conv = (o.connections + o.conversations - 1) / o.conversations;
  if (writers_per_conv > parley::protocol::limits::max_participants) {
    throw usage_error("more than " +
                      std::to_string(parley::protocol::limits::max_participants) +
                      " writers per conversation; raise --conversations");
  }
  o.body_bytes =
      args.uint("body-bytes", o.body_bytes, 1, parley::protocol::limits::max_body_bytes);
  o.org = args.str("org", o.org);
  o.user_prefix = args.str("user-prefix", o.user_prefix);
  if (o.org.empty() || o.org.size() > parley::protocol::limits::max_id_bytes)
    throw usage_error("--org must be 1..128 bytes");
  if (o.user_prefix.empty() || o.user_prefix.size() > 100)
    throw usage_error("--user-prefix must be 1..100 bytes");
  o.warmup_fraction = args.real("warmup-fraction", o.warmup_fraction, 0, 0.9);
  o.threads = args.uint("threads", o.threads, 1, 1024);
  o.timeout_seconds = args.real("timeout", o.timeout_seconds, 0.001, 86400 * 7);
  o.cpu_pids = parse_cpu_pids(args.str("cpu-pids", ""));
  return o;
}

double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

void print_human(const load_options& o, const load_result& r) {
  if (o.open_loop_rate) {
    std::printf("parley-load: open loop at %.1f msgs/s, %zu connections, %zu "
                "conversations, body %zu B, %zu thread(s)\n",
                *o.open_loop_rate, o.connections, o.conversations, o.body_bytes,
                o.threads);
  } else {
    std::printf("parley-load: closed loop, %zu connections x %zu in flight, %zu "
                "conversations, body %zu B, %zu thread(s)\n",
                o.connections, o.inflight, o.conversations, o.body_bytes, o.threads);
  }
  const auto& h = r.latency_us;
  std::printf("  messages        %llu (first %llu are warm-up, left out below)\n",
              static_cast<unsigned long long>(o.messages),
              static_cast<unsigned long long>(r.warmup));
  std::printf("  acked msgs/s    %.1f  (%llu acked in %.3f s after warm-up)\n",
              r.acked_per_second(), static_cast<unsigned long long>(r.measured_acked),
              r.measured_seconds);
  std::printf("  elapsed         %.3f s  (timed phase, warm-up included; %llu acked)\n",
              r.elapsed_seconds, static_cast<unsigned long long>(r.acked));
  std::printf("  latency p50     %.3f ms\n", ms(h.percentile(50)));
  std::printf("  latency p99     %.3f ms\n", ms(h.percentile(99)));
  std::printf("  latency p99.9   %.3f ms\n", ms(h.percentile(99.9)));
  std::printf("  latency max     %.3f ms\n", ms(h.max()));
  if (o.open_loop_rate)
    std::printf("  max send lag    %.3f ms  (how late the latest send left)\n",
                ms(r.max_send_lag_us));
  std::printf("  errors          %llu\n",
              static_cast<unsigned long long>(r.error_total()));
  for (const auto& [code, n] : r.errors)
    std::printf("    %-20s %llu\n", code.c_str(), static_cast<unsigned long long>(n));
  if (r.dups)
    std::printf("  dup replies     %llu (unexpected)\n",
                static_cast<unsigned long long>(r.dups));
  std::printf("  seq check       %s\n", r.seq_check.c_str());
  if (!r.cpu_seconds.empty()) {
    std::printf("  cpu seconds    ");
    for (const auto& [name, s] : r.cpu_seconds)
      std::printf(" %s %.2f", name.c_str(), s);
    const double total = r.cpu_total();
    std::printf("  (total %.2f over %.3f s)\n", total, r.elapsed_seconds);
    if (total > 0 && !o.cpu_pids.empty())
      std::printf("  acked per cpu-s %.1f  (all messages over all CPU seconds above)\n",
                  static_cast<double>(r.acked) / total);
  }
  if (r.errors.contains("rate_limited")) {
    std::printf("note: the server rate-limited the writers (PROTOCOL.md §11); the "
                "figures measure its limiter, not its write path\n");
  }
}

void print_json(const load_options& o, const load_result& r) {
  const auto& h = r.latency_us;
  json_line errors;
  for (const auto& [code, n] : r.errors)
    errors.uint(code, n);
  json_line j;
  j.str("tool", "parley-load").str("mode", o.open_loop_rate ? "open" : "closed");
  j.uint("connections", o.connections);
  if (o.open_loop_rate)
    j.real("open_loop_rate", *o.open_loop_rate, 3);
  else
    j.uint("inflight", o.inflight);
  j.uint("conversations", o.conversations)
      .uint("messages", o.messages)
      .uint("warmup", r.warmup)
      .uint("body_bytes", o.body_bytes)
      .uint("threads", o.threads)
      .uint("acked", r.acked)
      .uint("measured_acked", r.measured_acked)
      .real("acked_per_s", r.acked_per_second(), 1)
      .real("elapsed_s", r.elapsed_seconds, 3)
      .real("measured_s", r.measured_seconds, 3)
      .real("p50_ms", ms(h.percentile(50)), 3)
      .real("p99_ms", ms(h.percentile(99)), 3)
      .real("p999_ms", ms(h.percentile(99.9)), 3)
      .real("max_ms", ms(h.max()), 3)
      .real("mean_ms", h.mean() / 1000.0, 3);
  if (o.open_loop_rate) j.real("max_send_lag_ms", ms(r.max_send_lag_us), 3);
  j.uint("errors_total", r.error_total()).object("errors", errors).uint("dups", r.dups);
  j.str("seq_check", r.seq_check);
  if (!r.cpu_seconds.empty()) {
    for (const auto& [name, s] : r.cpu_seconds)
      j.real("cpu_" + name + "_s", s, 3);
    j.real("cpu_total_s", r.cpu_total(), 3);
    if (r.cpu_total() > 0 && !o.cpu_pids.empty())
      j.real("acked_per_cpu_s", static_cast<double>(r.acked) / r.cpu_total(), 1);
  }
  std::printf("%s\n", j.finish().c_str());
}

} // namespace

int main(int argc, char** argv) {
  load_options options;
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(usage.data(), stdout);
      return 0;
    }
    options = parse(args);
    const bool json = args.has("json");

    auto result = run_load(options);
    if (!result.failure.empty()) {
      std::fprintf(stderr, "parley-load: %s\n", result.failure.c_str());
      return 1;
    }
    print_human(options, result);
    if (json) print_json(options, result);
    std::fflush(stdout);
    return result.error_total() == 0 && result.seq_check == "ok" ? 0 : 3;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-load: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-load: %s\n", e.what());
    return 1;
  }
}
