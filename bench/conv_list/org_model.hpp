#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// The organisation parley-conv-list seeds: its directory (companies, users,
// favourites) and N conversations with their participants, drawn from a fixed-seed
// generator so that two runs with the same arguments build the same org. It also
// knows which conversations each user may read (docs/protocol.md §5), so the tool
// can check the pages conv.list returns.
namespace parley::bench::conv_list {

enum class conv_kind { company, confidential, private_ };

std::string_view to_string(conv_kind k);

struct company_row {
  std::string id;
  std::string name;
};

struct user_row {
  std::string id;
  std::string kind; // "staff" or "client"
  std::string role; // staff: "member" or "guest"; clients: empty
  std::string name;
  std::string company; // clients only
  std::vector<std::string> favorites;
};

struct conversation_row {
  std::string id; // 'c' + 26 base32 characters, like the server's ids
  conv_kind kind = conv_kind::private_;
  std::string company; // company and confidential only
  std::string created_by;
  std::int64_t created_at = 0;
  std::int64_t last_ts = 0; // unique within the org, so the order needs no tie-break
  std::uint64_t last_seq = 0;
  std::vector<std::string> participants; // the creator first
};

/// A user whose conv.list the tool measures, with a label for the table.
struct viewer {
  std::string label;
  std::string user;
};

struct org_model {
  std::string org;
  std::vector<company_row> companies;
  std::vector<user_row> users;
  std::vector<conversation_row> conversations;
  std::vector<viewer> viewers;

  /// Indexes into `conversations` of those `user` may read, newest activity first.
  std::vector<std::size_t> readable_by(const std::string& user) const;

  const user_row* user(const std::string& id) const;

private:
  friend org_model make_org(const std::string&, std::size_t, std::uint64_t, std::int64_t);
  std::unordered_map<std::string, std::size_t> user_index_;
};

/// Builds the org `org` with `conversations` conversations, activity spread over the
/// year before `now_ms`. Shape (see bench/README.md): five companies, the first
/// holding 70% of the company-tied conversations; 60% `company`, 15%
/// `confidential`, 25% `private`; 40 staff members creating and taking part; and the
/// four measured viewers: a staff member favouring the two largest companies, a
/// guest, a client of the first company with its favourite, and a staff member
/// without favourites.
org_model make_org(const std::string& org, std::size_t conversations, std::uint64_t seed,
                   std::int64_t now_ms);

} // namespace parley::bench::conv_list
