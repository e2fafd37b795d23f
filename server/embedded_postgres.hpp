#pragma once

#include <string>
#include <sys/types.h>

namespace parley::server {

/// The embedded default database: a private PostgreSQL cluster under
/// `<data-dir>/pg`, created with Debian's binaries on first start, listening on a
/// Unix socket only, and stopped when this object is stopped or destroyed.
///
/// PostgreSQL refuses to run as root; when parleyd is root the cluster belongs to
/// the `postgres` system user, which is given search rights through parent
/// directories (ambient CAP_DAC_READ_SEARCH) so a data dir inside /root or a 0700
/// temp dir works. The postmaster dies with parleyd (PR_SET_PDEATHSIG); one left
/// over anyway (parleyd killed mid-start) is stopped and replaced on the next start.
class embedded_postgres {
public:
  explicit embedded_postgres(std::string data_dir);
  ~embedded_postgres();
  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;

  /// Creates (first run) and starts the cluster, creates database `parley`, and
  /// returns the libpq connection string. Throws std::runtime_error with a clear
  /// message on failure.
  std::string start();

  /// Fast shutdown; waits for the postmaster to exit.
  void stop();

private:
  std::string data_dir_;
  std::string cluster_dir_;
  std::string socket_dir_;
  std::string bin_dir_;
  pid_t postmaster_ = -1;
};

} // namespace parley::server
