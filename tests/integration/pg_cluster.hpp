#pragma once

// A PostgreSQL 15 cluster of one test's own, for tests that stop, restart or freeze
// the database under a running parleyd: they cannot use the cluster the rest of
// the suite shares (the PG* variables), whose other tests run in parallel. The
// same recipe as scripts/with-private-pg: initdb in a fresh temp dir, the socket
// in that dir and no TCP listener, as the postgres user when root.

#include <string>
#include <vector>

namespace parley::test {

class pg_cluster {
public:
  /// Where database `parley` is stored: the temp dir, or a tmpfs of its own (for
  /// a full disk; mounting needs root) holding its tablespace, the whole data
  /// directory (WAL included), or only the WAL (pg_wal).
  enum class disk { temp_dir, tmpfs_tablespace, tmpfs_data, tmpfs_wal };

  /// Creates and starts the cluster, with a database `parley`. Throws on failure.
  explicit pg_cluster(disk where = disk::temp_dir, const std::string& tmpfs_size = "");
  /// Stops the cluster (immediate) wherever it is, and removes it.
  ~pg_cluster();
  pg_cluster(const pg_cluster&) = delete;
  pg_cluster& operator=(const pg_cluster&) = delete;

  /// The libpq connection string of database `db`.
  std::string conninfo(const std::string& db = "parley") const;

  /// pg_ctl stop -m fast: sessions are terminated, the server is gone until start().
  void stop();
  void start();
  /// Whether the postmaster runs (pg_ctl status).
  bool running() const;
  /// pg_ctl restart -m fast.
  void restart();
  /// Stops (SIGSTOP) the postmaster and every backend: the database neither answers
  /// nor refuses, as a hung server or a cut-off network would. thaw() resumes.
  void freeze();
  void thaw();

  /// The server's log.
  std::string log_path() const { return dir_ + "/log"; }

  /// Gives the tmpfs a new size (an operator freeing space on a full disk).
  void resize_tmpfs(const std::string& size);

  /// Runs `sql` on database `db` and returns the first column of every row.
  std::vector<std::string> query(const std::string& sql,
                                 const std::string& db = "parley") const;

private:
  void pg_ctl(const std::string& args) const;
  void signal_all(int sig) const;

  std::string dir_;
  std::string data_;  // the data directory
  std::string tmpfs_; // the tmpfs mount point, if any
  std::string bin_;
  std::string as_owner_; // "runuser -u postgres -- " when root
  bool frozen_ = false;
};

} // namespace parley::test
