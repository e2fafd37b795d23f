#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/session/session.hpp"
#include "storage/pg.hpp"

// `parleyd serve --demo`: a demo org with a few users and a welcome conversation,
// and a login URL per user for the page that net/ serves at `/` (clients/demo).
// Everything goes through the server's own paths: the directory rows before the
// directory is loaded, the conversation through the registry like a conv.create.
namespace parley::server::demo {

/// The demo users, in the order their URLs are printed.
const std::vector<std::string>& user_ids();

/// Puts org `demo` and its users (staff). Idempotent; false (and `error`) on failure.
bool provision_directory(storage::pg::connection& db, std::string& error);

/// Creates the welcome conversation of every demo user, unless an earlier run did
/// (a conv.create with a fixed cid). False (and `error`) on failure.
bool ensure_welcome(caf::actor_system& sys, const session_handles& peers,
                    std::string& error);

/// Prints a login URL per user: `http://HOST:PORT/#token=<JWT>` (the fragment never
/// reaches a server), with tokens of `ttl_seconds` signed with `secret`.
void print_login_urls(std::ostream& out, const std::string& host, std::uint16_t port,
                      const std::string& secret, std::int64_t ttl_seconds);

} // namespace parley::server::demo
