#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

// The pure half of the "mixed chat day" scenario (bench/README.md): who talks to whom,
// and what happens around each message. Deterministic for a given seed (its own
// splitmix64, not <random>, so every standard library draws the same plan), no I/O.
namespace parley::bench {

/// The shape of the conversations.
struct conversation_mix {
  std::size_t users = 2000;
  double per_user = 4; // memberships per user (the fraction: some users get one more)
  double group_share = 0.2; // conversations that are groups; the rest have 2 people
  std::size_t group_min = 3;
  std::size_t group_max = 8;
  std::uint64_t seed = 1;
};

/// One conversation: its members (user indexes, distinct), members[0] creates it.
struct planned_conversation {
  std::vector<std::size_t> members;
};

/// Deals ceil/floor(per_user) memberships of every user into conversations: each is
/// a group of group_min..group_max with probability group_share, else a pair. Every
/// user is in at most ceil(per_user) conversations, at most once in each; every
/// conversation has at least 2 members (leftover memberships at the end of the deck
/// are dropped). Needs users >= group_max.
std::vector<planned_conversation> plan_conversations(const conversation_mix& mix);

/// What happens around message k of the run, in proportions per message.
struct activity_mix {
  double abandoned_drafts = 0.1; // typing start + stop without a message, per message
  double reads = 0.5;            // of the recipients, the share that sends `read`
  double conv_lists = 0.05;      // conv.list per message ("app opened")
  double histories = 0.05;       // msg.history per message ("scrolled back")
  std::uint64_t seed = 2;
};

/// The events of slot k: the message (typing start before it, then msg.send), and
/// the extras drawn for this slot.
struct slot_plan {
  std::size_t conv = 0;   // the message's conversation
  std::size_t author = 0; // a user index, one of its members
  bool draft = false;     // an abandoned draft: typing start, later stop, no message
  std::size_t draft_conv = 0, draft_author = 0;
  bool conv_list = false;
  std::size_t list_user = 0;
  bool history = false;
  std::size_t history_conv = 0, history_user = 0;
};

/// Slot k's plan: conversations uniformly, the author and every other user uniformly
/// among its members; each extra with its probability. Needs at least one conversation.
slot_plan plan_slot(const std::vector<planned_conversation>& convs, std::size_t users,
                    const activity_mix& mix, std::uint64_t k);

/// Whether the member `user` of `conv` reads message `seq` (probability mix.reads).
bool reads_message(const activity_mix& mix, std::size_t conv, std::uint64_t seq,
                   std::size_t user);

} // namespace parley::bench
