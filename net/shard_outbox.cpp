#include "net/shard_outbox.hpp"

#include <boost/asio/post.hpp>

#include "net/ws_session.hpp"

namespace parley::net {

void shard_outbox::push(std::shared_ptr<ws_session> to, frame f) {
  {
    std::lock_guard lock{mutex_};
    queued_.emplace_back(std::move(to), std::move(f));
    if (drain_posted_) return; // the posted drain takes this one too
    drain_posted_ = true;
  }
  boost::asio::post(ex_, [self = shared_from_this()] { self->drain(); });
}

void shard_outbox::drain() {
  {
    std::lock_guard lock{mutex_};
    draining_.swap(queued_);
    drain_posted_ = false;
  }
  for (auto& [session, f] : draining_)
    if (session->accept(f)) touched_.push_back(session.get());
  // Each connection's share of the burst leaves in one socket write. The
  // sessions are still owned by draining_ here.
  for (auto* session : touched_)
    session->flush();
  touched_.clear();
  draining_.clear();
  // A shard that saw a large burst keeps no large arrays while idle.
  if (draining_.capacity() > 4096) decltype(draining_){}.swap(draining_);
}

} // namespace parley::net
