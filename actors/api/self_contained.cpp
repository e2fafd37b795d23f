// Compiles every actors/api header with only parley_actor_api's dependencies
// (actors/api/CMakeLists.txt): the actor interfaces stay free of storage and of
// PostgreSQL headers.
#include "actors/api/blob_messages.hpp"
#include "actors/api/cluster_messages.hpp"
#include "actors/api/frame.hpp"
#include "actors/api/inbox_messages.hpp"
#include "actors/api/inbox_view_messages.hpp"
#include "actors/api/inspect.hpp"
#include "actors/api/interfaces.hpp"
#include "actors/api/invite_messages.hpp"
#include "actors/api/messages.hpp"
#include "actors/api/outbound.hpp"
#include "actors/api/pools.hpp"
#include "actors/api/search_messages.hpp"
#include "actors/api/type_ids.hpp"
