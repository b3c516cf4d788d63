// libmicrohttpd. MHD_start_daemon and MHD_get_connection_info are variadic and do
// not import into Swift, so these small inline wrappers take fixed arguments.
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/// Starts a daemon with an option array (MHD_OPTION_ARRAY) and a completion callback.
/// The array comes first so that an MHD_OPTION_EXTERNAL_LOGGER at its head is the
/// daemon's first option, as libmicrohttpd asks.
/// The accept policy and connection notifications carry Galley's own per-address
/// connection count (MHD's PER_IP_CONNECTION_LIMIT cannot spare a trusted proxy).
static inline struct MHD_Daemon *galley_mhd_start(unsigned int flags, uint16_t port,
        MHD_AccessHandlerCallback handler, void *handler_cls,
        MHD_RequestCompletedCallback completed, void *completed_cls,
        MHD_AcceptPolicyCallback accept_policy, MHD_NotifyConnectionCallback notify_connection,
        const struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, accept_policy, handler_cls, handler, handler_cls,
                            MHD_OPTION_ARRAY, options,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_NOTIFY_CONNECTION, notify_connection, handler_cls,
                            MHD_OPTION_END);
}

/// The peer address of a connection, or NULL.
static inline const struct sockaddr *galley_mhd_client_addr(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/// The port the daemon listens on (the real one when started with port 0), or 0.
static inline uint16_t galley_mhd_bind_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}
