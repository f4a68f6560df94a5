package io.gaio;

import java.net.InetSocketAddress;

/** A {@code connect} on its way to the event loop; {@link #result} is the request that completes. */
final class ConnectRequest {
    final OpResult result;
    final InetSocketAddress remote;
    final ConnectOptions options;

    ConnectRequest(OpResult result, InetSocketAddress remote, ConnectOptions options) {
        this.result = result;
        this.remote = remote;
        this.options = options;
    }
}
