#pragma once

#include <map>
#include <string>
#include <string_view>

// CPU time of processes on this machine (Linux /proc), so a bench run can say how
// many CPU-seconds the server, PostgreSQL and the load generator each spent: on a
// machine whose cores they share, "messages per CPU-second" is a fairer view than
// messages per second alone.
namespace parley::bench {

/// User + system CPU seconds of process `pid` (all its threads) and of every live
/// descendant process (PostgreSQL's backends are children of the postmaster).
/// Processes that exited between two samples take their CPU time with them, so
/// measure around a phase whose processes live through it. -1 when `pid` is gone.
double tree_cpu_seconds(int pid);

/// User + system CPU seconds of this process, all threads.
double self_cpu_seconds();

/// Named process trees to sample: "server=1234,postgres=5678". Throws usage_error
/// on a malformed list.
std::map<std::string, int> parse_cpu_pids(std::string_view list);

/// "load 0.48, server 3.66": each name with its seconds, two decimals, in map order.
std::string format_cpu_seconds(const std::map<std::string, double>& seconds);

/// CPU seconds of each named tree, and of this process as `self_name`.
class cpu_sampler {
public:
  cpu_sampler(std::map<std::string, int> pids, std::string self_name);

  /// Takes the starting sample.
  void start();
  /// Takes the closing sample; `spent()` is valid afterwards.
  void stop();

  /// Seconds spent between start() and stop(), by name (self included).
  const std::map<std::string, double>& spent() const { return spent_; }
  double total() const;

private:
  std::map<std::string, double> sample() const;

  std::map<std::string, int> pids_;
  std::string self_name_;
  std::map<std::string, double> at_start_;
  std::map<std::string, double> spent_;
};

} // namespace parley::bench
