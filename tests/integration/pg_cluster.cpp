#include "tests/integration/pg_cluster.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

namespace parley::test {

namespace {

/// Runs a shell command; throws with `what` unless it exits 0.
void run(const std::string& cmd, const std::string& what) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error(what + " failed: " + cmd);
}

/// The parent pid of `pid` (from /proc/PID/stat), or -1.
pid_t parent_of(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  // "pid (comm) state ppid ...": comm may hold spaces, so look after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

} // namespace

pg_cluster::pg_cluster(disk where, const std::string& tmpfs_size) {
  auto env_bin = std::getenv("PARLEY_PG_BIN");
  bin_ = env_bin ? env_bin : "/usr/lib/postgresql/15/bin";
  char tmpl[] = "/tmp/parley-pgfault-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (geteuid() == 0) {
    auto pw = getpwnam("postgres");
    if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot give " + dir_ + " to the postgres user");
    as_owner_ = "runuser -u postgres -- ";
  }
  data_ = dir_ + "/data";
  if (where != disk::temp_dir) {
    tmpfs_ = dir_ + "/tmpfs";
    run("mkdir " + tmpfs_ + " && mount -t tmpfs -o size=" + tmpfs_size +
            ",mode=0700 tmpfs " + tmpfs_ +
            (as_owner_.empty() ? "" : " && chown postgres " + tmpfs_),
        "mounting a tmpfs (root only)");
    if (where == disk::tmpfs_data) data_ = tmpfs_ + "/data";
  }
  auto waldir = where == disk::tmpfs_wal ? " -X " + tmpfs_ + "/wal" : std::string{};
  run(as_owner_ + bin_ + "/initdb -D " + data_ + waldir +
          " -A trust -U postgres -E UTF8 " + "--no-sync >" + dir_ + "/initdb.log 2>&1",
      "initdb");
  start();
  if (where == disk::tmpfs_tablespace) {
    query("CREATE TABLESPACE small LOCATION '" + tmpfs_ + "'", "postgres");
    query("CREATE DATABASE parley TABLESPACE small", "postgres");
  } else {
    query("CREATE DATABASE parley", "postgres");
  }
}

void pg_cluster::resize_tmpfs(const std::string& size) {
  run("mount -o remount,size=" + size + " " + tmpfs_, "resizing the tmpfs");
}

pg_cluster::~pg_cluster() {
  if (frozen_) thaw();
  std::system(
      (as_owner_ + bin_ + "/pg_ctl -D " + data_ + " -m immediate -w stop >/dev/null 2>&1")
          .c_str());
  if (!tmpfs_.empty()) std::system(("umount " + tmpfs_).c_str());
  std::system(("rm -rf " + dir_).c_str());
}

std::string pg_cluster::conninfo(const std::string& db) const {
  return "host=" + dir_ + " port=5432 user=postgres dbname=" + db;
}

void pg_cluster::pg_ctl(const std::string& args) const {
  // fsync off, like the suite's cluster: nothing here crashes the machine.
  run(as_owner_ + bin_ + "/pg_ctl -D " + data_ + " -l " + dir_ + "/log -w -t 60 " +
          "-o \"-c listen_addresses='' -p 5432 -k " + dir_ + " -c fsync=off\" " + args +
          " >/dev/null",
      "pg_ctl " + args);
}

void pg_cluster::stop() {
  pg_ctl("-m fast stop");
}
void pg_cluster::start() {
  pg_ctl("start");
}
void pg_cluster::restart() {
  pg_ctl("-m fast restart");
}

bool pg_cluster::running() const {
  return std::system(
             (as_owner_ + bin_ + "/pg_ctl -D " + data_ + " status >/dev/null").c_str()) ==
         0;
}

void pg_cluster::signal_all(int sig) const {
  std::ifstream pidfile{data_ + "/postmaster.pid"};
  pid_t postmaster = -1;
  if (!(pidfile >> postmaster) || postmaster <= 0)
    throw std::runtime_error("no postmaster.pid in " + dir_);
  std::vector<pid_t> children;
  if (auto* proc = opendir("/proc")) {
    while (auto* e = readdir(proc)) {
      auto pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid > 0 && parent_of(pid) == postmaster) children.push_back(pid);
    }
    closedir(proc);
  }
  // Stopping: the postmaster first, so it starts no new backend meanwhile;
  // resuming: the backends first.
  if (sig == SIGSTOP) kill(postmaster, sig);
  for (auto pid : children)
    kill(pid, sig);
  if (sig != SIGSTOP) kill(postmaster, sig);
}

void pg_cluster::freeze() {
  signal_all(SIGSTOP);
  frozen_ = true;
}

void pg_cluster::thaw() {
  signal_all(SIGCONT);
  frozen_ = false;
}

std::vector<std::string> pg_cluster::query(const std::string& sql,
                                           const std::string& db) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c{PQconnectdb(conninfo(db).c_str()),
                                                 &PQfinish};
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error("pg_cluster: " + std::string{PQerrorMessage(c.get())});
  std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(c.get(), sql.c_str()), &PQclear};
  auto st = PQresultStatus(r.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
    throw std::runtime_error("pg_cluster: " + sql + ": " + PQresultErrorMessage(r.get()));
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i)
    out.emplace_back(PQgetvalue(r.get(), i, 0));
  return out;
}

} // namespace parley::test
