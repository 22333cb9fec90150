#include "redis/asio_adapter.hpp"

#include <hiredis/async.h>

#include <boost/asio/post.hpp>
#include <utility>

namespace wshub::redis {
namespace {

AsioAdapter* adapter_of(void* privdata) noexcept { return static_cast<AsioAdapter*>(privdata); }

}  // namespace

AsioAdapter::AsioAdapter(Key, redisAsyncContext* ac, const boost::asio::any_io_executor& ex, CleanupHandler on_cleanup)
    : context_(ac), socket_(ex), on_cleanup_(std::move(on_cleanup)) {}

AsioAdapter::~AsioAdapter() {
  // Normally on_cleanup() has run. If the owner broke the lifetime rule, at
  // least leave hiredis no dangling hooks and never close its socket.
  if (context_ != nullptr) {
    context_->ev.data = nullptr;
    context_->ev.addRead = nullptr;
    context_->ev.delRead = nullptr;
    context_->ev.addWrite = nullptr;
    context_->ev.delWrite = nullptr;
    context_->ev.cleanup = nullptr;
  }
  if (socket_.is_open()) socket_.release();
}

core::Expected<std::shared_ptr<AsioAdapter>, std::string> AsioAdapter::attach(redisAsyncContext* ac,
                                                                              const boost::asio::any_io_executor& ex,
                                                                              CleanupHandler on_cleanup) {
  auto adapter = std::make_shared<AsioAdapter>(Key{}, ac, ex, std::move(on_cleanup));
  boost::system::error_code ec;
  adapter->socket_.assign(ac->c.fd, ec);
  if (ec) return core::unexpected("cannot register the Redis socket with the reactor: " + ec.message());

  // Plain C function pointers: hiredis passes ev.data back as privdata.
  ac->ev.data = adapter.get();
  ac->ev.addRead = [](void* p) { adapter_of(p)->set_interest(Direction::read, true); };
  ac->ev.delRead = [](void* p) { adapter_of(p)->set_interest(Direction::read, false); };
  ac->ev.addWrite = [](void* p) { adapter_of(p)->set_interest(Direction::write, true); };
  ac->ev.delWrite = [](void* p) { adapter_of(p)->set_interest(Direction::write, false); };
  ac->ev.cleanup = [](void* p) { adapter_of(p)->on_cleanup(); };
  return adapter;
}

void AsioAdapter::set_interest(Direction d, bool wanted_now) {
  wanted(d) = wanted_now;
  // Dropping interest leaves a wait in flight: Asio cannot cancel one
  // direction only. on_ready() ignores it, or uses it if interest comes back.
  if (!wanted_now) return;
  // Before the connect completes, writability is what reports it; and output
  // hiredis just failed to flush completely must wait for the socket to drain.
  const bool connected = context_ != nullptr && (context_->c.flags & REDIS_CONNECTED) != 0;
  if (d == Direction::read || !connected || writing_) {
    start_wait(d);
    return;
  }
  if (std::exchange(flush_posted_, true)) return;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void AsioAdapter::flush() {
  flush_posted_ = false;
  // Interest may be gone (a wait already flushed it) or the context freed.
  if (context_ == nullptr || !want_write_) return;
  handle_write();
}

void AsioAdapter::handle_write() {
  writing_ = true;
  redisAsyncHandleWrite(context_);  // may free the context: on_cleanup() runs inside
  writing_ = false;
}

void AsioAdapter::start_wait(Direction d) {
  if (context_ == nullptr || waiting(d)) return;
  waiting(d) = true;
  const auto what = d == Direction::read ? boost::asio::posix::stream_descriptor::wait_read
                                         : boost::asio::posix::stream_descriptor::wait_write;
  socket_.async_wait(what,
                     [self = shared_from_this(), d](const boost::system::error_code& ec) { self->on_ready(d, ec); });
}

void AsioAdapter::on_ready(Direction d, const boost::system::error_code& ec) {
  waiting(d) = false;
  // Aborted: on_cleanup() cancelled us, the context may already be freed.
  if (ec == boost::asio::error::operation_aborted || context_ == nullptr || !wanted(d)) return;
  // Any other error is left to hiredis: its read or write will fail and it
  // disconnects with the socket's own error.
  if (d == Direction::read) {
    redisAsyncHandleRead(context_);
  } else {
    handle_write();
  }
  // hiredis may have freed the context inside that call (on_cleanup() ran).
  if (context_ != nullptr && wanted(d)) start_wait(d);
}

void AsioAdapter::on_cleanup() {
  context_ = nullptr;
  want_read_ = false;
  want_write_ = false;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  // Deregister from the reactor before hiredis closes the descriptor; never close it here.
  if (socket_.is_open()) socket_.release();
  if (on_cleanup_) {
    auto handler = std::move(on_cleanup_);
    on_cleanup_ = nullptr;
    handler();
  }
}

}  // namespace wshub::redis
