/**
 * The Linux transport {@code epoll}: Netty's native epoll loop, edge-triggered, with raw reads and writes straight
 * between the socket and the caller's buffers. Listeners and connects of the watcher's own accept and connect
 * natively on the event loop; the watcher keeps its own duplicate of every delegated JDK or Netty channel.
 * See {@link io.gaio.epoll.EpollTransportProvider}.
 */
package io.gaio.epoll;
