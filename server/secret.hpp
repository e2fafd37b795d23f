#pragma once

#include <string>

namespace parley::server {

/// The token secret stored in `<data_dir>/token-secret` (mode 0600): read when it
/// exists, else generated (256 random bits, hex) and stored, so `parleyd serve` and
/// `parleyd token` agree without configuration. Throws std::runtime_error.
std::string load_or_create_secret(const std::string& data_dir);

} // namespace parley::server
