#include "server/embedded_postgres.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

namespace parley::server {

namespace fs = std::filesystem;

namespace {

/// Debian installs each major version under /usr/lib/postgresql/<N>/bin; take 15 if
/// present, else the newest.
std::string find_bin_dir() {
  const fs::path base{"/usr/lib/postgresql"};
  if (fs::exists(base / "15/bin/postgres")) return (base / "15/bin").string();
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    int v = std::atoi(e.path().filename().c_str());
    if (v > best_version && fs::exists(e.path() / "bin/postgres")) {
      best_version = v;
      best = (e.path() / "bin").string();
    }
  }
  if (best.empty())
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql "
        "(apt-get install -y postgresql)");
  return best;
}

struct run_as {
  bool drop = false; // parleyd is root: run PostgreSQL as the postgres user
  uid_t uid = 0;
  gid_t gid = 0;
};

run_as postgres_identity() {
  run_as who;
  if (geteuid() != 0) return who;
  auto pw = getpwnam("postgres");
  if (!pw)
    throw std::runtime_error("running as root needs the 'postgres' system user "
                             "(apt-get install -y postgresql)");
  who.drop = true;
  who.uid = pw->pw_uid;
  who.gid = pw->pw_gid;
  return who;
}

/// In a forked child: become the postgres user but keep the right to traverse
/// directories, then exec. Only async-signal-safe calls from here on.
[[noreturn]] void exec_child(const run_as& who, const std::vector<std::string>& args,
                             int log_fd, bool die_with_parent, pid_t parent) {
  if (who.drop) {
    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
    if (setgroups(0, nullptr) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0)
      _exit(126);
    // Permitted caps survived setuid thanks to KEEPCAPS; make the two directory
    // capabilities inheritable and ambient so they survive exec. PostgreSQL only
    // refuses uid 0, not capabilities. Failure (a container without them) is not
    // fatal: the data dir's parents may simply be traversable already.
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    std::uint32_t bits = (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_DAC_OVERRIDE);
    data[0].effective = bits;
    data[0].permitted = bits;
    data[0].inheritable = bits;
    syscall(SYS_capset, &hdr, data);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_OVERRIDE, 0, 0);
  }
  if (die_with_parent) {
    // Fast shutdown if parleyd dies, even by kill -9. Set after setuid, which
    // clears it.
    prctl(PR_SET_PDEATHSIG, SIGINT, 0, 0, 0);
    if (getppid() != parent) _exit(125);
  }
  if (log_fd >= 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
  }
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

pid_t spawn(const run_as& who, const std::vector<std::string>& args,
            const std::string& log, bool die_with_parent) {
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd >= 0 && who.drop && fchown(log_fd, who.uid, who.gid) != 0) {
    // The log stays root's; PostgreSQL writes through the inherited descriptor.
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  if (pid == 0) exec_child(who, args, log_fd, die_with_parent, parent);
  if (log_fd >= 0) close(log_fd);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::string& file) {
  std::ifstream in{file};
  std::string all{std::istreambuf_iterator<char>{in}, {}};
  if (all.size() > 2000) all = all.substr(all.size() - 2000);
  return all;
}

/// The Unix socket path must fit in sun_path (108 bytes); a long data dir puts the
/// socket in a short directory of its own under /tmp instead.
std::string pick_socket_dir(const std::string& cluster_dir) {
  if (cluster_dir.size() + std::strlen("/.s.PGSQL.5432") < 100) return cluster_dir;
  auto h = std::hash<std::string>{}(cluster_dir);
  return "/tmp/parley-pg-" + std::to_string(h);
}

bool process_alive(pid_t pid) {
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/// A postmaster left running from an earlier parleyd (killed before it could stop
/// it) holds the cluster: stop it so this process owns the one it starts.
void stop_leftover(const std::string& cluster_dir) {
  std::ifstream pidfile{cluster_dir + "/postmaster.pid"};
  pid_t pid = 0;
  if (!(pidfile >> pid) || !process_alive(pid)) return;
  std::ifstream cmd{"/proc/" + std::to_string(pid) + "/cmdline"};
  std::string cmdline{std::istreambuf_iterator<char>{cmd}, {}};
  if (cmdline.find("postgres") == std::string::npos) return; // a recycled pid
  kill(pid, SIGINT);                                         // fast shutdown
  for (int i = 0; i < 200 && process_alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  if (process_alive(pid)) {
    kill(pid, SIGQUIT); // immediate shutdown; WAL recovery on the next start
    for (int i = 0; i < 100 && process_alive(pid); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

std::string conninfo_for(const std::string& socket_dir, const char* db) {
  return "host=" + socket_dir + " port=5432 user=parley dbname=" + db +
         " connect_timeout=5";
}

} // namespace

embedded_postgres::embedded_postgres(std::string data_dir)
    : data_dir_(std::move(data_dir)) {}

embedded_postgres::~embedded_postgres() {
  stop();
}

std::string embedded_postgres::start() {
  bin_dir_ = find_bin_dir();
  auto who = postgres_identity();
  fs::create_directories(data_dir_);
  cluster_dir_ = fs::canonical(data_dir_).string() + "/pg";
  socket_dir_ = pick_socket_dir(cluster_dir_);
  auto log = fs::canonical(data_dir_).string() + "/postgres.log";
  auto chown_dir = [&](const std::string& dir) {
    if (who.drop && chown(dir.c_str(), who.uid, who.gid) != 0)
      throw std::runtime_error("cannot hand " + dir +
                               " to the postgres user: " + std::strerror(errno));
  };
  if (!fs::exists(cluster_dir_ + "/PG_VERSION")) {
    // First run: a fresh cluster owned by whoever runs PostgreSQL, trusting only
    // local connections (the socket directory is private to that user).
    fs::create_directories(cluster_dir_);
    chmod(cluster_dir_.c_str(), 0700);
    chown_dir(cluster_dir_);
    auto pid = spawn(who,
                     {bin_dir_ + "/initdb", "-D", cluster_dir_, "-U", "parley", "-E",
                      "UTF8", "--locale=C", "--auth=trust"},
                     log, false);
    if (wait_exit(pid) != 0)
      throw std::runtime_error("initdb failed; its output:\n" + tail_of(log));
  } else {
    stop_leftover(cluster_dir_);
  }
  if (socket_dir_ != cluster_dir_) {
    fs::create_directories(socket_dir_);
    chmod(socket_dir_.c_str(), 0700);
    chown_dir(socket_dir_);
  }
  postmaster_ = spawn(who,
                      {bin_dir_ + "/postgres", "-D", cluster_dir_, "-k", socket_dir_,
                       "-c", "listen_addresses=", "-p", "5432"},
                      log, true);
  // Ready when it accepts connections; give up if it exits or takes too long.
  auto admin = conninfo_for(socket_dir_, "postgres");
  for (int i = 0;; ++i) {
    if (PQping(admin.c_str()) == PQPING_OK) break;
    int status = 0;
    if (waitpid(postmaster_, &status, WNOHANG) == postmaster_) {
      postmaster_ = -1;
      throw std::runtime_error("PostgreSQL did not start; its log:\n" + tail_of(log));
    }
    if (i > 600)
      throw std::runtime_error("PostgreSQL did not accept connections within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  // Database `parley` (created once).
  std::unique_ptr<PGconn, decltype(&PQfinish)> c{PQconnectdb(admin.c_str()), &PQfinish};
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string{"cannot connect to the embedded PostgreSQL: "} +
                             PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r{
      PQexec(c.get(), "SELECT 1 FROM pg_database WHERE datname = 'parley'"), &PQclear};
  if (PQntuples(r.get()) == 0) {
    std::unique_ptr<PGresult, decltype(&PQclear)> cr{
        PQexec(c.get(), "CREATE DATABASE parley"), &PQclear};
    if (PQresultStatus(cr.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error(std::string{"CREATE DATABASE parley: "} +
                               PQresultErrorMessage(cr.get()));
  }
  return conninfo_for(socket_dir_, "parley");
}

void embedded_postgres::stop() {
  if (postmaster_ <= 0) return;
  kill(postmaster_, SIGINT); // fast shutdown: disconnect clients, checkpoint, exit
  wait_exit(postmaster_);
  postmaster_ = -1;
}

} // namespace parley::server
