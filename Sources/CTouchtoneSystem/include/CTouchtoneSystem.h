#ifndef CTOUCHTONE_SYSTEM_H
#define CTOUCHTONE_SYSTEM_H
/* System calls and constants Glibc's Swift overlay does not export well:
   epoll (its event struct is packed), eventfd, accept4, SO_REUSEPORT listeners,
   MSG_NOSIGNAL sends, and a poll(2) set used like epoll. Every function returns -errno on
   failure unless noted. Linux-only calls sit behind __linux__: elsewhere the epoll and
   eventfd functions return -ENOSYS and the poll(2) backend serves. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Readiness bits, as epoll reports them. */
extern const uint32_t CTT_EV_IN;
extern const uint32_t CTT_EV_OUT;
extern const uint32_t CTT_EV_ERR;
extern const uint32_t CTT_EV_HUP;
extern const uint32_t CTT_EV_RDHUP;

int ctt_epoll_create(void);
/* What ctt_epoll_ctl does with fd. */
typedef enum __attribute__((enum_extensibility(closed))) {
  CTT_EPOLL_ADD,
  CTT_EPOLL_MODIFY,
  CTT_EPOLL_REMOVE,
} ctt_epoll_op;
/* Adds fd with its interest (events) and token, changes them, or removes fd. */
int ctt_epoll_ctl(int epfd, ctt_epoll_op op, int fd, uint32_t events, uint64_t token);
/* Waits for events; fills tokens[i] and events[i]; returns the count or -errno. */
int ctt_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms);

/* The portable event backend: a set of descriptors waited on with poll(2), used like an
   epoll instance (level-triggered; a token per descriptor; readiness as CTT_EV_* bits).
   Unlike epoll, a descriptor that is closed must be removed first; ADD of a descriptor
   already in the set replaces its entry, and REMOVE removes it only when the token matches
   (so a number reused by a new socket is not taken away from its new owner). */
typedef struct ctt_pollset ctt_pollset;
ctt_pollset *ctt_pollset_create(void);
void ctt_pollset_free(ctt_pollset *set);
int ctt_pollset_ctl(ctt_pollset *set, ctt_epoll_op op, int fd, uint32_t events, uint64_t token);
int ctt_pollset_wait(ctt_pollset *set, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms);

/* A non-blocking, close-on-exec pipe for waking a poll(2) loop: fds[0] to watch, fds[1] to
   signal. Returns 0 or -errno. */
int ctt_wake_pipe(int *fds);
/* Signals a wake descriptor (an eventfd or the write end of a wake pipe); a full pipe is
   already signalled. Returns 0 or -errno. */
int ctt_wake_signal(int fd);
/* Reads a wake descriptor empty. Returns 0 or -errno. */
int ctt_wake_drain(int fd);

/* A non-blocking, close-on-exec eventfd. */
int ctt_eventfd(void);
int ctt_eventfd_signal(int fd);
int ctt_eventfd_drain(int fd);

/* How a listener shares its port. */
typedef enum __attribute__((enum_extensibility(closed))) {
  /* Alone: no SO_REUSEPORT. */
  CTT_LISTEN_ALONE,
  /* SO_REUSEPORT, first of its server: fails with EADDRINUSE when anything is bound to
     the port already, so that a second server cannot silently share it. */
  CTT_LISTEN_FIRST_OF_GROUP,
  /* SO_REUSEPORT, joining the first listener of the same server. */
  CTT_LISTEN_JOIN_GROUP,
} ctt_listen_mode;
/* Binds and listens on host:port (numeric IPv4 or IPv6, or a name), non-blocking,
   with SO_REUSEADDR, sharing the port as mode says. Returns the fd or -errno
   (-EAI_* values below -1000 mean the host did not resolve: -(1000 - gai_error)). */
int ctt_listen_tcp(const char *host, int port, int backlog, ctt_listen_mode mode);
/* The port a bound socket listens on, or -errno. */
int ctt_local_port(int fd);

/* Accepts one connection, non-blocking and close-on-exec, with TCP_NODELAY.
   Writes the peer address as 16 bytes (IPv4 mapped into IPv6) into addr16. */
int ctt_accept(int listen_fd, uint8_t *addr16);

/* Connects to 127.0.0.1 or ::1 style numeric host (blocking, for tests and clients). */
int ctt_connect_tcp(const char *host, int port, int timeout_ms);

/* Resolves host (a name or a numeric address) for TCP: writes up to max addresses as 16
   bytes each (IPv4 mapped into IPv6) into addr16s and returns how many, or a negative
   value: -(1000 - gai_error) when the name did not resolve, else -errno. Blocking (a
   name may ask DNS): call it at start-up, never on an event loop's hot path. */
int ctt_resolve_tcp(const char *host, uint8_t *addr16s, int max);
/* Starts a non-blocking TCP connection (close-on-exec, TCP_NODELAY) to the 16-byte
   address (IPv4 mapped into IPv6 connects over IPv4) and port. Returns the fd, with
   *in_progress set to 1 when the connection completes later (wait until the socket is
   writable, then read ctt_socket_error) or 0 when it is already connected; or -errno. */
int ctt_connect_nonblocking(const uint8_t *addr16, int port, int *in_progress);
/* The socket's pending error (SO_ERROR, cleared by reading it): 0 when a non-blocking
   connect succeeded, else the errno value it failed with; -errno when getsockopt fails. */
int ctt_socket_error(int fd);
/* Turns on TCP keepalive: probes after idle_seconds of silence, every interval_seconds,
   the connection reset after count unanswered probes. Returns 0 or -errno. */
int ctt_set_keepalive(int fd, int idle_seconds, int interval_seconds, int count);

ssize_t ctt_read(int fd, void *buf, size_t len);
/* send with MSG_NOSIGNAL: a closed peer yields -EPIPE instead of killing the process. */
ssize_t ctt_send(int fd, const void *buf, size_t len);
int ctt_close(int fd);
int ctt_shutdown_write(int fd);

/* Parses a numeric IPv4 or IPv6 address into 16 bytes (IPv4 mapped). Returns 0 or -1. */
int ctt_parse_address(const char *text, uint8_t *addr16);
/* Formats 16 address bytes (mapped IPv4 shown as a.b.c.d). Returns the length or -1. */
int ctt_format_address(const uint8_t *addr16, char *out, size_t out_len);

/* Monotonic time in nanoseconds. */
uint64_t ctt_monotonic_ns(void);
/* Wall time: seconds and nanoseconds since 1970. */
void ctt_realtime(int64_t *seconds, int32_t *nanoseconds);
/* Breaks seconds since 1970 (UTC) into fields: year, month 1-12, day, hour, minute, second, weekday 0=Sunday. */
void ctt_utc_fields(int64_t seconds, int *fields7);

/* Number of online processors. */
int ctt_cpu_count(void);

/* Sets SO_RCVTIMEO and SO_SNDTIMEO (for blocking test clients). */
int ctt_set_timeouts(int fd, int timeout_ms);

/* Blocks SIGPIPE for the process's threads created after this call. */
void ctt_ignore_sigpipe(void);

#endif
