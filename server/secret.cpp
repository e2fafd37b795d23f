#include "server/secret.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace parley::server {

std::string load_or_create_secret(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::create_directories(data_dir);
  auto path = (fs::path{data_dir} / "token-secret").string();
  if (std::ifstream in{path}) {
    std::string secret;
    std::getline(in, secret);
    if (!secret.empty()) return secret;
  }
  std::random_device rd; // /dev/urandom on Linux
  static constexpr char hex[] = "0123456789abcdef";
  std::string secret;
  for (int i = 0; i < 32; ++i) {
    auto b = rd() & 0xFF;
    secret += hex[b >> 4];
    secret += hex[b & 15];
  }
  // O_EXCL: if two processes race, one creates and both read the same file.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return load_or_create_secret(data_dir);
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  auto line = secret + "\n";
  bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = fsync(fd) == 0 && ok;
  close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path);
  return secret;
}

} // namespace parley::server
