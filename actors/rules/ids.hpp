#pragma once

#include <string>
#include <string_view>

// The shapes of the ids the server makes: what a new one looks like and whether a
// client-supplied one could name anything. Plain functions, callable from any actor.
namespace parley {

/// True when `id` has the shape of a server-generated conversation id.
bool valid_conversation_id(std::string_view id);

/// A new random conversation id.
std::string new_conversation_id();

/// The id of `contact`'s support conversation in `org` (docs/protocol.md §9):
/// derived from both, so every request for it, on any node, reaches one actor and
/// a race of two creates makes one conversation.
std::string support_conversation_id(std::string_view org, std::string_view contact);

/// A fresh blob id: 'b' and 26 base32 characters (130 random bits).
std::string new_blob_id();

/// Whether `id` has the shape of a blob id (anything else names no blob).
bool valid_blob_id(std::string_view id);

} // namespace parley
