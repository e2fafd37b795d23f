#pragma once

// Atoms and type ids of every value that travels between Parley's actors, in one
// CAF type-id block. The `inspect` overloads that let CAF serialize those values
// (when they cross nodes) live next to their types, not here: at the end of
// interfaces.hpp and in the *_messages.hpp headers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/type_id.hpp>

#include "actors/api/blob_messages.hpp"
#include "actors/api/cluster_messages.hpp"
#include "actors/api/frame.hpp"
#include "actors/api/inbox_messages.hpp"
#include "actors/api/inbox_view_messages.hpp"
#include "actors/api/invite_messages.hpp"
#include "actors/api/messages.hpp"
#include "actors/api/search_messages.hpp"
#include "protocol/types.hpp"

namespace parley {

struct open_request;
struct attachment;
struct typing_request;
struct close_request;
struct list_request;
struct message_page;
struct conversation_page;
struct created_lookup;
struct db_ack;
struct session_set;
struct notify_target;
struct notify_batch;
struct remote_push;

} // namespace parley

CAF_BEGIN_TYPE_ID_BLOCK(parley, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(parley, (parley::frame))
CAF_ADD_TYPE_ID(parley, (parley::protocol::message))
CAF_ADD_TYPE_ID(parley, (parley::protocol::conversation))
CAF_ADD_TYPE_ID(parley, (parley::protocol::org_info))
CAF_ADD_TYPE_ID(parley, (parley::protocol::user_info))
CAF_ADD_TYPE_ID(parley, (std::vector<parley::protocol::message>))
CAF_ADD_TYPE_ID(parley, (parley::send_request))
CAF_ADD_TYPE_ID(parley, (parley::history_request))
CAF_ADD_TYPE_ID(parley, (parley::get_request))
CAF_ADD_TYPE_ID(parley, (parley::around_request))
CAF_ADD_TYPE_ID(parley, (parley::read_request))
CAF_ADD_TYPE_ID(parley, (parley::attachment))
CAF_ADD_TYPE_ID(parley, (parley::typing_request))
CAF_ADD_TYPE_ID(parley, (parley::read_write))
CAF_ADD_TYPE_ID(parley, (parley::read_stored))
CAF_ADD_TYPE_ID(parley, (parley::unread_query))
CAF_ADD_TYPE_ID(parley, (parley::unread_result))
CAF_ADD_TYPE_ID(parley, (parley::create_request))
CAF_ADD_TYPE_ID(parley, (parley::open_request))
CAF_ADD_TYPE_ID(parley, (parley::close_request))
CAF_ADD_TYPE_ID(parley, (parley::list_request))
CAF_ADD_TYPE_ID(parley, (parley::write_request))
CAF_ADD_TYPE_ID(parley, (parley::write_outcome))
CAF_ADD_TYPE_ID(parley, (parley::conversation_snapshot))
CAF_ADD_TYPE_ID(parley, (parley::reply_target))
CAF_ADD_TYPE_ID(parley, (parley::message_page))
CAF_ADD_TYPE_ID(parley, (parley::conversation_page))
CAF_ADD_TYPE_ID(parley, (parley::created_lookup))
CAF_ADD_TYPE_ID(parley, (parley::db_ack))
CAF_ADD_TYPE_ID(parley, (parley::protocol::company_info))
CAF_ADD_TYPE_ID(parley, (parley::protocol::team_info))
CAF_ADD_TYPE_ID(parley, (parley::members_request))
CAF_ADD_TYPE_ID(parley, (parley::members_write))
CAF_ADD_TYPE_ID(parley, (parley::favorites_change))
CAF_ADD_TYPE_ID(parley, (parley::favorites_result))
CAF_ADD_TYPE_ID(parley, (parley::invite_request))
CAF_ADD_TYPE_ID(parley, (parley::invite_result))
CAF_ADD_TYPE_ID(parley, (parley::blob_grant))
CAF_ADD_TYPE_ID(parley, (parley::blob_bytes))
CAF_ADD_TYPE_ID(parley, (parley::blob_claim))
CAF_ADD_TYPE_ID(parley, (parley::blob_claim_result))
CAF_ADD_TYPE_ID(parley, (parley::search_request))
CAF_ADD_TYPE_ID(parley, (parley::search_result))
CAF_ADD_TYPE_ID(parley, (parley::inbox_request))
CAF_ADD_TYPE_ID(parley, (parley::inbox_result))
CAF_ADD_TYPE_ID(parley, (parley::session_set))
CAF_ADD_TYPE_ID(parley, (parley::notify_target))
CAF_ADD_TYPE_ID(parley, (std::vector<parley::notify_target>))
CAF_ADD_TYPE_ID(parley, (parley::notify_batch))

CAF_ADD_ATOM(parley, parley, frame_atom, "frame")
CAF_ADD_ATOM(parley, parley, push_atom, "push")
CAF_ADD_ATOM(parley, parley, opened_atom, "opened")
CAF_ADD_ATOM(parley, parley, notify_atom, "notify")
CAF_ADD_ATOM(parley, parley, disconnect_atom, "disconnect")
CAF_ADD_ATOM(parley, parley, auth_deadline_atom, "authdue")
CAF_ADD_ATOM(parley, parley, expires_atom, "expires")
CAF_ADD_ATOM(parley, parley, expiry_tick_atom, "expirytick")
CAF_ADD_ATOM(parley, parley, answer_deadline_atom, "answerdue")
CAF_ADD_ATOM(parley, parley, shutdown_atom, "shutdown")
CAF_ADD_ATOM(parley, parley, send_atom, "send")
CAF_ADD_ATOM(parley, parley, open_atom, "open")
CAF_ADD_ATOM(parley, parley, close_atom, "close")
CAF_ADD_ATOM(parley, parley, history_atom, "history")
CAF_ADD_ATOM(parley, parley, get_atom, "get")
CAF_ADD_ATOM(parley, parley, create_atom, "create")
CAF_ADD_ATOM(parley, parley, drain_atom, "drain")
CAF_ADD_ATOM(parley, parley, flush_atom, "flush")
CAF_ADD_ATOM(parley, parley, idle_atom, "idle")
CAF_ADD_ATOM(parley, parley, passivate_atom, "passivate")
CAF_ADD_ATOM(parley, parley, write_atom, "write")
CAF_ADD_ATOM(parley, parley, load_atom, "load")
CAF_ADD_ATOM(parley, parley, reply_atom, "replyto")
CAF_ADD_ATOM(parley, parley, created_atom, "created")
CAF_ADD_ATOM(parley, parley, put_atom, "put")
CAF_ADD_ATOM(parley, parley, list_atom, "list")
CAF_ADD_ATOM(parley, parley, ping_atom, "ping")
CAF_ADD_ATOM(parley, parley, revoked_atom, "revoked")
CAF_ADD_ATOM(parley, parley, members_atom, "members")
CAF_ADD_ATOM(parley, parley, favorites_atom, "favorites")
CAF_ADD_ATOM(parley, parley, recheck_atom, "recheck")
CAF_ADD_ATOM(parley, parley, around_atom, "around")
CAF_ADD_ATOM(parley, parley, read_atom, "read")
CAF_ADD_ATOM(parley, parley, unread_atom, "unread")
CAF_ADD_ATOM(parley, parley, attach_atom, "attach")
CAF_ADD_ATOM(parley, parley, typing_atom, "typing")
CAF_ADD_ATOM(parley, parley, typing_tick_atom, "typingtick")
CAF_ADD_ATOM(parley, parley, invite_atom, "invite")
CAF_ADD_ATOM(parley, parley, end_atom, "end")
CAF_ADD_ATOM(parley, parley, blob_begin_atom, "blobbegin")
CAF_ADD_ATOM(parley, parley, blob_chunk_atom, "blobchunk")
CAF_ADD_ATOM(parley, parley, blob_end_atom, "blobend")
CAF_ADD_ATOM(parley, parley, blob_abort_atom, "blobabort")
CAF_ADD_ATOM(parley, parley, blob_open_atom, "blobopen")
CAF_ADD_ATOM(parley, parley, blob_read_atom, "blobread")
CAF_ADD_ATOM(parley, parley, blob_claim_atom, "blobclaim")
CAF_ADD_ATOM(parley, parley, blob_gc_atom, "blobgc")
CAF_ADD_TYPE_ID(parley, (parley::support_request))
CAF_ADD_TYPE_ID(parley, (parley::wake_request))
CAF_ADD_TYPE_ID(parley, (parley::ai_action))
CAF_ADD_TYPE_ID(parley, (parley::ai_prompt))
CAF_ADD_TYPE_ID(parley, (parley::block_change))
CAF_ADD_TYPE_ID(parley, (parley::ai_config_put))
CAF_ADD_TYPE_ID(parley, (parley::due_snoozes))
CAF_ADD_ATOM(parley, parley, support_atom, "support")
CAF_ADD_ATOM(parley, parley, wake_atom, "wake")
CAF_ADD_ATOM(parley, parley, ai_atom, "ai")
CAF_ADD_ATOM(parley, parley, ai_prompt_atom, "aiprompt")
CAF_ADD_ATOM(parley, parley, ai_due_atom, "aidue")
CAF_ADD_ATOM(parley, parley, block_atom, "block")
CAF_ADD_ATOM(parley, parley, snooze_tick_atom, "snoozetick")
CAF_ADD_ATOM(parley, parley, search_atom, "search")
CAF_ADD_ATOM(parley, parley, inbox_atom, "inbox")
CAF_ADD_TYPE_ID(parley, (parley::inbox_view_call))
CAF_ADD_TYPE_ID(parley, (parley::inbox_view_answer))
CAF_ADD_ATOM(parley, parley, inbox_views_atom, "inboxviews")
// Clustering (issue 17).
CAF_ADD_TYPE_ID(parley, (parley::peer_card))
CAF_ADD_TYPE_ID(parley, (parley::live_view))
CAF_ADD_TYPE_ID(parley, (parley::directory_change))
CAF_ADD_TYPE_ID(parley, (std::vector<std::string>))
CAF_ADD_ATOM(parley, parley, join_atom, "join")
CAF_ADD_ATOM(parley, parley, heartbeat_atom, "heartbeat")
CAF_ADD_ATOM(parley, parley, heartbeat_tick_atom, "hbtick")
CAF_ADD_ATOM(parley, parley, dial_atom, "dial")
CAF_ADD_ATOM(parley, parley, directory_atom, "directory")
CAF_ADD_ATOM(parley, parley, publish_atom, "publish")
CAF_ADD_ATOM(parley, parley, cluster_atom, "cluster")
CAF_ADD_ATOM(parley, parley, relay_atom, "relay")
// The node's timer board (actors/node/timers.hpp).
CAF_ADD_ATOM(parley, parley, timer_tick_atom, "timertick")
// A committed batch's notifications and remote pushes, one hand-off each.
CAF_ADD_TYPE_ID(parley, (std::vector<parley::notify_batch>))
CAF_ADD_TYPE_ID(parley, (parley::remote_push))
CAF_ADD_TYPE_ID(parley, (std::vector<parley::remote_push>))

CAF_END_TYPE_ID_BLOCK(parley)
