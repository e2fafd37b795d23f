#pragma once

#include "server/options.hpp"

namespace parley::server {

/// `parleyd serve`: runs until SIGTERM/SIGINT, then drains and returns the exit code.
int serve(const options& opts);

/// `parleyd token`: prints a JWT.
int print_token(const options& opts);

/// `parleyd migrate`: applies the schema migrations.
int run_migrations(const options& opts);

} // namespace parley::server
