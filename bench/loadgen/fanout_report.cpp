#include "bench/loadgen/fanout_report.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iterator>
#include <sstream>
#include <string>

#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"

namespace parley::bench {

namespace {

constexpr option_spec common_specs[] = {
    {"url", true},           {"rooms", true},        {"members", true},
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

double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

double p99_ms(const fanout_step& s) {
  return ms(s.latency_us.percentile(99));
}

void print_header(const fanout_tool& tool, const fanout_common_options& o) {
  std::printf("%s: %zu rooms x %zu members (%zu connections), body %zu B, "
              "%g s steps (first %g s warm-up), %zu thread(s)\n",
              std::string{tool.name}.c_str(), o.rooms, o.members, o.rooms * o.members,
              o.body_bytes, o.step_seconds, o.warmup_seconds, o.threads);
  std::printf("%9s %11s %11s %8s %8s %8s %8s %8s %6s %8s %s\n",
              std::string{tool.rate_column}.c_str(), "offered/s", "dlv/s", "p50 ms",
              "p99 ms", "p99.9 ms", "max ms", "lag ms", "errors", "missing", "cpu s");
  std::fflush(stdout);
}

void print_step(const fanout_tool& tool, const fanout_common_options& o,
                const fanout_step& s, bool json) {
  const auto& h = s.latency_us;
  const auto missing =
      s.acked * o.members - std::min(s.acked * o.members, s.deliveries_all);
  const std::string cpu = format_cpu_seconds(s.cpu_seconds);
  std::printf("%9.4g %11.0f %11.0f %8.2f %8.2f %8.2f %8.2f %8.2f %6llu %8llu %s\n",
              s.rate, s.offered_deliveries_per_second(o.members),
              s.deliveries_per_second(), ms(h.percentile(50)), ms(h.percentile(99)),
              ms(h.percentile(99.9)), ms(h.max()), ms(s.max_send_lag_us),
              static_cast<unsigned long long>(s.send_errors),
              static_cast<unsigned long long>(missing), cpu.c_str());
  if (json) {
    json_line j;
    j.str("tool", tool.name)
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

/// The summary lines; returns the exit status of a completed run.
int print_summary(const fanout_tool& tool, const fanout_job& job,
                  const fanout_result& result) {
  // The summary figure: the highest deliveries/s of a step that kept p99 within the
  // SLO and lost nothing.
  const fanout_step* best = nullptr;
  bool errors = false;
  for (const auto& s : result.steps) {
    errors = errors || s.send_errors > 0;
    if (s.drained && s.send_errors == 0 && p99_ms(s) <= job.slo_ms &&
        (!best || s.deliveries_per_second() > best->deliveries_per_second()))
      best = &s;
  }
  std::printf("setup %.1f s; stopped: %s\n", result.setup_seconds,
              result.stop_reason.c_str());
  if (best) {
    std::printf("best within p99 <= %g ms: %.0f deliveries/s at %.0f msgs/s\n",
                job.slo_ms, best->deliveries_per_second(), best->rate);
  } else {
    std::printf("no step kept p99 <= %g ms\n", job.slo_ms);
  }
  if (job.json) {
    json_line j;
    j.str("tool", tool.name)
        .boolean("summary", true)
        .uint("rooms", job.common.rooms)
        .uint("members", job.common.members)
        .real("setup_s", result.setup_seconds, 3)
        .str("stop_reason", result.stop_reason)
        .real("slo_ms", job.slo_ms, 3)
        .real("best_deliveries_per_s", best ? best->deliveries_per_second() : 0.0, 1)
        .real("best_rate", best ? best->rate : 0.0, 1);
    std::printf("%s\n", j.finish().c_str());
  }
  std::fflush(stdout);
  return errors ? 3 : 0;
}

} // namespace

std::vector<option_spec> fanout_option_specs(std::initializer_list<option_spec> own) {
  std::vector<option_spec> specs{std::begin(common_specs), std::end(common_specs)};
  specs.insert(specs.end(), own.begin(), own.end());
  return specs;
}

void parse_fanout_options(const option_map& args, std::string_view default_path,
                          std::size_t max_body_bytes, fanout_common_options& o,
                          fanout_job& job) {
  if (!args.has("url")) throw usage_error("--url is required");
  const auto url = args.str("url", "");
  std::string error;
  auto targets = parse_ws_targets(url, error);
  if (!targets) throw usage_error("--url: " + error);
  // parse_ws_target defaults the path to Parley's /v1; ejabberd, for one, serves /ws.
  if (url.find("/v1") == std::string::npos)
    for (auto& t : *targets)
      if (t.path == "/v1") t.path = std::string{default_path};
  o.target = targets->front();
  o.targets = std::move(*targets);
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
  job.slo_ms = args.real("slo-ms", job.slo_ms, 0.001, 1e6);
  o.body_bytes = args.uint("body-bytes", o.body_bytes, 1, max_body_bytes);
  o.threads = args.uint("threads", o.threads, 1, 64);
  o.source_addresses = args.uint("source-addresses", o.source_addresses, 1, 250);
  o.setup_window = args.uint("setup-window", o.setup_window, 1, 100'000);
  o.timeout_seconds = args.real("timeout", o.timeout_seconds, 0.001, 86400);
  o.cpu_pids = parse_cpu_pids(args.str("cpu-pids", ""));
  job.json = args.has("json");
  job.common = o;
}

int fanout_main(int argc, char** argv, const fanout_tool& tool,
                const std::vector<option_spec>& specs,
                const std::function<fanout_job(const option_map&)>& parse) {
  const std::string name{tool.name};
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(std::string{tool.usage}.c_str(), stdout);
      return 0;
    }
    const auto job = parse(args);
    print_header(tool, job.common);
    auto result =
        job.run([&](const fanout_step& s) { print_step(tool, job.common, s, job.json); });
    if (!result.failure.empty()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), result.failure.c_str());
      return 1;
    }
    return print_summary(tool, job, result);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", name.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
    return 1;
  }
}

} // namespace parley::bench
