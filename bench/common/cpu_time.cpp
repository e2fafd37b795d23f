#include "bench/common/cpu_time.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "bench/common/cli.hpp"

namespace parley::bench {

namespace {

/// /proc/PID/stat: "pid (comm) state ppid ... utime stime ..." (fields 4, 14, 15;
/// comm may hold spaces and parentheses, so parse after the last ')').
struct proc_stat {
  int ppid = 0;
  unsigned long long ticks = 0; // utime + stime
};

bool read_stat(int pid, proc_stat& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string state;
  rest >> state >> out.ppid;
  std::string skip;
  for (int field = 5; field <= 13; ++field)
    rest >> skip;
  unsigned long long utime = 0, stime = 0;
  rest >> utime >> stime;
  if (!rest) return false;
  out.ticks = utime + stime;
  return true;
}

double ticks_to_seconds(unsigned long long ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return static_cast<double>(ticks) / static_cast<double>(hz > 0 ? hz : 100);
}

} // namespace

double tree_cpu_seconds(int root) {
  proc_stat root_stat;
  if (!read_stat(root, root_stat)) return -1;
  // One pass over /proc; a child's parent may come after it, so link afterwards.
  std::vector<std::pair<int, proc_stat>> all;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      int pid = 0;
      auto name = std::string_view{e->d_name};
      auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
      if (ec != std::errc{} || p != name.data() + name.size() || pid == root) continue;
      proc_stat s;
      if (read_stat(pid, s)) all.emplace_back(pid, s);
    }
    closedir(d);
  }
  std::vector<int> tree{root};
  unsigned long long ticks = root_stat.ticks;
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const auto& [pid, s] : all)
      if (s.ppid == tree[i]) {
        tree.push_back(pid);
        ticks += s.ticks;
      }
  return ticks_to_seconds(ticks);
}

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::map<std::string, int> parse_cpu_pids(std::string_view list) {
  std::map<std::string, int> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    int pid = 0;
    if (eq == std::string_view::npos || eq == 0)
      throw usage_error("--cpu-pids: expected NAME=PID, got '" + std::string{item} + "'");
    auto num = item.substr(eq + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), pid);
    if (ec != std::errc{} || p != num.data() + num.size() || pid <= 0)
      throw usage_error("--cpu-pids: bad pid in '" + std::string{item} + "'");
    out[std::string{item.substr(0, eq)}] = pid;
  }
  return out;
}

cpu_sampler::cpu_sampler(std::map<std::string, int> pids, std::string self_name)
    : pids_(std::move(pids)), self_name_(std::move(self_name)) {}

std::map<std::string, double> cpu_sampler::sample() const {
  std::map<std::string, double> s;
  for (const auto& [name, pid] : pids_)
    s[name] = tree_cpu_seconds(pid);
  s[self_name_] = self_cpu_seconds();
  return s;
}

void cpu_sampler::start() {
  at_start_ = sample();
}

void cpu_sampler::stop() {
  auto end = sample();
  spent_.clear();
  for (const auto& [name, v] : end) {
    auto s = at_start_.find(name);
    if (s == at_start_.end() || s->second < 0 || v < 0) continue; // process gone
    spent_[name] = v - s->second;
  }
}

double cpu_sampler::total() const {
  double t = 0;
  for (const auto& [name, v] : spent_)
    t += v;
  return t;
}

std::string format_cpu_seconds(const std::map<std::string, double>& seconds) {
  std::string out;
  for (const auto& [name, sec] : seconds) {
    char part[64];
    std::snprintf(part, sizeof part, "%s%s %.2f", out.empty() ? "" : ", ", name.c_str(),
                  sec);
    out += part;
  }
  return out;
}

} // namespace parley::bench
