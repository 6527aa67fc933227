// keel::gateway::detail::drain_buffer: a read buffer for async_read_some that spares the
// gateway one recv per request.
//
// Asio's reactor (epoll, edge-triggered) tries every new read at once ("speculatively") unless
// it knows the socket is drained. It knows that only after a recv returned 0 bytes. A Redis
// client that waits for each reply (redis-benchmark -P 1, most applications) therefore costs
// two recvs per request: the one that reads it, and the speculative one issued after the reply
// is written, which finds nothing (EAGAIN). Redis' own event loop reads once per readiness
// event.
//
// With drain_buffer a recv that returns fewer bytes than the buffer holds marks the socket as
// drained, so the next read waits for the next readiness event without a recv and without an
// epoll_ctl. That is safe with edge-triggered epoll: a short TCP read means the receive queue
// was empty at that moment, and any byte arriving later raises a new event, which makes Asio
// read again (an event that comes before the next read is queued re-enables the speculative
// read instead).
//
// This specialises Asio's receive operation for drain_buffer, so it depends on the reactor's
// internals: it is compiled for the Asio version it was written against (Boost 1.74's Asio
// 1.18, Debian 12's), and drain_buffer is an ordinary mutable buffer elsewhere.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/version.hpp>

#include <cstddef>

namespace keel::gateway::detail {

/// One mutable buffer; a short read into it marks the socket as drained (see above).
struct drain_buffer : boost::asio::mutable_buffer {
  drain_buffer(void* data, std::size_t size) : boost::asio::mutable_buffer(data, size) {}
};

} // namespace keel::gateway::detail

#if BOOST_ASIO_VERSION == 101800
#include <boost/asio/detail/reactive_socket_recv_op.hpp>

namespace boost::asio::detail {

template <>
class reactive_socket_recv_op_base<keel::gateway::detail::drain_buffer> : public reactor_op {
public:
  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state,
                               const keel::gateway::detail::drain_buffer& buffer,
                               socket_base::message_flags flags, func_type complete_func)
    : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
      socket_(socket), state_(state), buffer_(buffer), flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
    if (!socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(),
                                        o->flags_, stream, o->ec_, o->bytes_transferred_))
      return not_done;
    // Asio's own rule (0 bytes: end of stream) plus the short read of a stream socket.
    if (stream && o->bytes_transferred_ < o->buffer_.size())
      return done_and_exhausted;
    return done;
  }

private:
  socket_type socket_;
  socket_ops::state_type state_;
  keel::gateway::detail::drain_buffer buffer_;
  socket_base::message_flags flags_;
};

} // namespace boost::asio::detail
#endif
