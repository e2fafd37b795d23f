#pragma once

#include <string>

#include "actors/node/directory.hpp"
#include "actors/rules/visibility.hpp"
#include "protocol/types.hpp"

// The single gate: gathers from the directory the facts the pure visibility rule
// needs and asks it. Every path that reads, writes or delivers calls this at the
// moment of the event.
namespace parley {

/// The viewer-independent facts of `conv`, computed once per event. The result
/// points into `conv`, which must outlive it.
visibility::conversation_facts facts_of(const directory& dir,
                                        const protocol::conversation& conv);

/// What `user` may do with `conv`, given whether it is a participant.
visibility::access access_for(const directory& dir, const std::string& user,
                              bool participant,
                              const visibility::conversation_facts& facts);

/// What `user` may do with `conv` (looks up participation and the facts itself).
visibility::access access_for(const directory& dir, const std::string& user,
                              const protocol::conversation& conv);

/// The message of a `forbidden` answer about a user that may not take part.
std::string membership_refusal(const std::string& user, visibility::membership verdict);

} // namespace parley
