// AsioAdapter: runs one hiredis async context (redisAsyncContext) on an Asio
// executor.
//
// hiredis says when it wants to read or write through its `ev` hooks
// (addRead, delRead, addWrite, delWrite, cleanup). The adapter keeps that
// interest and turns it into async_wait()s on a posix::stream_descriptor that
// wraps the context's socket; when the socket is ready it calls
// redisAsyncHandleRead/Write. Interest is level-like: a wait whose interest is
// still set after hiredis handled the event is started again, so a connect
// still in progress or a partly flushed output buffer is waited for again.
// Nothing blocks: the first writability of the socket completes hiredis's
// non-blocking connect.
//
// Writes are eager once connected: new output is flushed by a handler posted
// to the executor (so the commands issued by one handler leave in one
// write(2)), without first asking the reactor whether the socket is writable.
// A connected socket almost always is, and asking costs an epoll_ctl and an
// extra pass through epoll_wait per command. Only output the kernel did not
// take at once waits for writability.
//
// hiredis owns the socket: the adapter never closes it. When hiredis frees the
// context (redisAsyncFree, or on its own after an error), its cleanup hook
// cancels the waits, releases the descriptor from the reactor before hiredis
// closes it, forgets the context, and calls the owner's CleanupHandler. Waits
// that complete later hold their own reference to the adapter and see that the
// context is gone, so they never touch freed memory, and hiredis is never
// called for a context it has freed.
//
// Thread-safety: not thread-safe. attach(), every hook and every wait run on
// the executor, which must run one handler at a time (one thread or a strand).
// Lifetime: the context's hooks point at the adapter. REQUIRES: the owner keeps
// the returned pointer until the context has been freed (the CleanupHandler
// has run).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/expected.hpp"

struct redisAsyncContext;  // hiredis/async.h

namespace wshub::redis {

class AsioAdapter : public std::enable_shared_from_this<AsioAdapter> {
 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  // Runs inside hiredis while it frees the context: the context's err and
  // errstr are still readable, and all its reply callbacks have already run
  // (with a null reply for those that got no reply). REQUIRES: it does not
  // call hiredis for this context.
  using CleanupHandler = std::function<void()>;

  // Installs the hooks on `ac`. On error `ac` is left untouched.
  // REQUIRES: `ac` has no event hooks yet and its socket is open.
  static core::Expected<std::shared_ptr<AsioAdapter>, std::string> attach(redisAsyncContext* ac,
                                                                          const boost::asio::any_io_executor& ex,
                                                                          CleanupHandler on_cleanup);

  AsioAdapter(Key, redisAsyncContext* ac, const boost::asio::any_io_executor& ex, CleanupHandler on_cleanup);
  ~AsioAdapter();
  AsioAdapter(const AsioAdapter&) = delete;
  AsioAdapter& operator=(const AsioAdapter&) = delete;

  // False once hiredis has freed the context.
  bool attached() const noexcept { return context_ != nullptr; }

 private:
  enum class Direction { read, write };

  void set_interest(Direction d, bool wanted);
  void start_wait(Direction d);
  void on_ready(Direction d, const boost::system::error_code& ec);
  void flush();
  void handle_write();
  void on_cleanup();
  bool& wanted(Direction d) noexcept { return d == Direction::read ? want_read_ : want_write_; }
  bool& waiting(Direction d) noexcept { return d == Direction::read ? read_waiting_ : write_waiting_; }

  redisAsyncContext* context_;  // null once hiredis freed it
  boost::asio::posix::stream_descriptor socket_;
  CleanupHandler on_cleanup_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_waiting_ = false;  // an async_wait(wait_read) is in flight
  bool write_waiting_ = false;
  bool flush_posted_ = false;  // a flush() is queued on the executor
  bool writing_ = false;       // inside redisAsyncHandleWrite: new write interest means "wait until writable"
};

}  // namespace wshub::redis
