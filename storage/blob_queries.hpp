#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for attachments (migration 007): an upload's row and chunks, the facts a
// download or a send needs to decide access, and the collection of unreferenced
// blobs.
namespace parley::storage {

/// A stored blob's row.
struct blob_row {
  std::string id;
  std::string uploader;
  std::string name;
  std::string type;
  std::int64_t size = 0;
  bool complete = false;
  std::int64_t chunks = 0;
};

/// A message that references a blob: enough to ask the visibility rule.
struct blob_reference {
  std::string conv;
  bool internal = false;
};

/// Starts an upload: the blob's row, not yet complete (never served).
db_result<bool> create_blob(pg::connection& db, const std::string& id,
                            const std::string& uploader, const std::string& name,
                            std::int64_t now);

/// Stores chunk `idx` of an upload (bytes sent as a binary parameter).
db_result<bool> add_blob_chunk(pg::connection& db, const std::string& id,
                               std::int64_t idx, std::string_view bytes);

/// Ends an upload: size and sniffed type, and visible from now on.
db_result<bool> complete_blob(pg::connection& db, const std::string& id,
                              std::int64_t size, const std::string& type);

/// Removes a blob and its chunks (a refused or broken upload).
db_result<bool> delete_blob(pg::connection& db, const std::string& id);

/// A complete blob's row, or nullopt when there is none.
db_result<std::optional<blob_row>> find_blob(pg::connection& db, const std::string& id);

/// The distinct (conversation, internal) pairs of messages that attach a blob.
db_result<std::vector<blob_reference>> blob_references(pg::connection& db,
                                                       const std::string& id);

/// The bytes of chunk `idx` of a blob, or nullopt when there is no such chunk.
db_result<std::optional<std::string>>
read_blob_chunk(pg::connection& db, const std::string& id, std::int64_t idx);

/// Marks blobs as just used by a send, so a collection running meanwhile keeps them.
db_result<bool> touch_blobs(pg::connection& db, const std::vector<std::string>& ids,
                            std::int64_t now);

/// Deletes every blob untouched since `cutoff` (ms) that no message references,
/// complete or not; returns how many.
db_result<std::int64_t> collect_blobs(pg::connection& db, std::int64_t cutoff);

} // namespace parley::storage
