#define _GNU_SOURCE
#include "CTouchtoneSystem.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
/* No MSG_NOSIGNAL (Darwin): the process ignores SIGPIPE instead (ctt_ignore_sigpipe, serve). */
#define MSG_NOSIGNAL 0
#endif
#if !defined(TCP_KEEPIDLE) && defined(TCP_KEEPALIVE)
#define TCP_KEEPIDLE TCP_KEEPALIVE
#endif

/* A socket of `type`, non-blocking and close-on-exec in one call where the system can. */
static int socket_nonblocking(int domain, int type, int protocol, int nonblocking) {
#ifdef __linux__
  return socket(domain, type | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), protocol);
#else
  int fd = socket(domain, type, protocol);
  if (fd < 0) return fd;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
#endif
}

#ifdef __linux__
const uint32_t CTT_EV_IN = EPOLLIN;
const uint32_t CTT_EV_OUT = EPOLLOUT;
const uint32_t CTT_EV_ERR = EPOLLERR;
const uint32_t CTT_EV_HUP = EPOLLHUP;
const uint32_t CTT_EV_RDHUP = EPOLLRDHUP;
#else
const uint32_t CTT_EV_IN = 0x001;
const uint32_t CTT_EV_OUT = 0x004;
const uint32_t CTT_EV_ERR = 0x008;
const uint32_t CTT_EV_HUP = 0x010;
const uint32_t CTT_EV_RDHUP = 0x2000;
#endif

#ifdef __linux__

int ctt_epoll_create(void) {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int ctt_epoll_ctl(int epfd, ctt_epoll_op op, int fd, uint32_t events, uint64_t token) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u64 = token;
  int real_op = op == CTT_EPOLL_ADD ? EPOLL_CTL_ADD : op == CTT_EPOLL_MODIFY ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
  return epoll_ctl(epfd, real_op, fd, &ev) < 0 ? -errno : 0;
}

int ctt_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms) {
  struct epoll_event evs[256];
  if (max_events > 256) max_events = 256;
  int n = epoll_wait(epfd, evs, max_events, timeout_ms);
  if (n < 0) return -errno;
  for (int i = 0; i < n; i++) {
    tokens[i] = evs[i].data.u64;
    events[i] = evs[i].events;
  }
  return n;
}

int ctt_eventfd(void) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int ctt_eventfd_signal(int fd) {
  uint64_t one = 1;
  return write(fd, &one, sizeof one) < 0 ? -errno : 0;
}

int ctt_eventfd_drain(int fd) {
  uint64_t value;
  return read(fd, &value, sizeof value) < 0 ? -errno : 0;
}
#else
/* epoll and eventfd are Linux's: elsewhere the poll(2) backend and a wake pipe serve. */
int ctt_epoll_create(void) { return -ENOSYS; }
int ctt_epoll_ctl(int epfd, ctt_epoll_op op, int fd, uint32_t events, uint64_t token) { return -ENOSYS; }
int ctt_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms) { return -ENOSYS; }
int ctt_eventfd(void) { return -ENOSYS; }
int ctt_eventfd_signal(int fd) { return -ENOSYS; }
int ctt_eventfd_drain(int fd) { return -ENOSYS; }
#endif

int ctt_listen_tcp(const char *host, int port, int backlog, ctt_listen_mode mode) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  int gai = getaddrinfo(host, service, &hints, &res);
  if (gai != 0) return -(1000 - gai);
  int last_error = EADDRNOTAVAIL;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = socket_nonblocking(ai->ai_family, ai->ai_socktype, ai->ai_protocol, 1);
    if (fd < 0) { last_error = errno; continue; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (mode == CTT_LISTEN_FIRST_OF_GROUP && port != 0) {
      /* First listener of a server: make sure nobody listens on the port yet, since
         SO_REUSEPORT would otherwise silently share it with another process. */
      if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        last_error = errno;
        close(fd);
        continue;
      }
      close(fd);
      fd = socket_nonblocking(ai->ai_family, ai->ai_socktype, ai->ai_protocol, 1);
      if (fd < 0) { last_error = errno; continue; }
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (mode != CTT_LISTEN_ALONE) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    last_error = errno;
    close(fd);
  }
  freeaddrinfo(res);
  return -last_error;
}

int ctt_local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -EAFNOSUPPORT;
}

static void to_addr16(const struct sockaddr_storage *ss, uint8_t *addr16) {
  memset(addr16, 0, 16);
  if (ss->ss_family == AF_INET) {
    addr16[10] = 0xff;
    addr16[11] = 0xff;
    memcpy(addr16 + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
  } else if (ss->ss_family == AF_INET6) {
    memcpy(addr16, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
  }
}

int ctt_accept(int listen_fd, uint8_t *addr16) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
#ifdef __linux__
  int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -errno;
#else
  int fd = accept(listen_fd, (struct sockaddr *)&ss, &len);
  if (fd < 0) return -errno;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  to_addr16(&ss, addr16);
  return fd;
}

int ctt_connect_tcp(const char *host, int port, int timeout_ms) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  if (getaddrinfo(host, service, &hints, &res) != 0) return -EINVAL;
  int result = -ECONNREFUSED;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = socket_nonblocking(ai->ai_family, ai->ai_socktype, ai->ai_protocol, 0);
    if (fd < 0) { result = -errno; continue; }
    ctt_set_timeouts(fd, timeout_ms);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      result = fd;
      break;
    }
    result = -errno;
    close(fd);
  }
  freeaddrinfo(res);
  return result;
}

int ctt_resolve_tcp(const char *host, uint8_t *addr16s, int max) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, NULL, &hints, &res);
  if (gai != 0) return gai == EAI_SYSTEM ? -errno : -(1000 - gai);
  int count = 0;
  for (struct addrinfo *ai = res; ai && count < max; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    to_addr16(&ss, addr16s + 16 * count);
    count++;
  }
  freeaddrinfo(res);
  return count > 0 ? count : -EADDRNOTAVAIL;
}

int ctt_connect_nonblocking(const uint8_t *addr16, int port, int *in_progress) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (memcmp(addr16, mapped, 12) == 0) {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    memcpy(&v4->sin_addr, addr16 + 12, 4);
    len = sizeof *v4;
  } else {
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    memcpy(&v6->sin6_addr, addr16, 16);
    len = sizeof *v6;
  }
  int fd = socket_nonblocking(ss.ss_family, SOCK_STREAM, 0, 1);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *in_progress = 0;
  if (connect(fd, (struct sockaddr *)&ss, len) == 0) return fd;
  if (errno == EINPROGRESS || errno == EINTR) {
    /* EINTR: the connection still goes on asynchronously, as with EINPROGRESS. */
    *in_progress = 1;
    return fd;
  }
  int error = errno;
  close(fd);
  return -error;
}

int ctt_socket_error(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) return -errno;
  return error;
}

int ctt_set_keepalive(int fd, int idle_seconds, int interval_seconds, int count) {
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof idle_seconds) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_seconds, sizeof interval_seconds) < 0) return -errno;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) < 0) return -errno;
  return 0;
}

ssize_t ctt_read(int fd, void *buf, size_t len) {
  ssize_t n = read(fd, buf, len);
  return n < 0 ? -errno : n;
}

ssize_t ctt_send(int fd, const void *buf, size_t len) {
  ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}

int ctt_close(int fd) { return close(fd) < 0 ? -errno : 0; }

int ctt_shutdown_write(int fd) { return shutdown(fd, SHUT_WR) < 0 ? -errno : 0; }

int ctt_parse_address(const char *text, uint8_t *addr16) {
  struct in_addr v4;
  struct in6_addr v6;
  memset(addr16, 0, 16);
  if (inet_pton(AF_INET, text, &v4) == 1) {
    addr16[10] = 0xff;
    addr16[11] = 0xff;
    memcpy(addr16 + 12, &v4, 4);
    return 0;
  }
  if (inet_pton(AF_INET6, text, &v6) == 1) {
    memcpy(addr16, &v6, 16);
    return 0;
  }
  return -1;
}

int ctt_format_address(const uint8_t *addr16, char *out, size_t out_len) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const char *r;
  if (memcmp(addr16, mapped, 12) == 0) {
    r = inet_ntop(AF_INET, addr16 + 12, out, (socklen_t)out_len);
  } else {
    r = inet_ntop(AF_INET6, addr16, out, (socklen_t)out_len);
  }
  return r ? (int)strlen(out) : -1;
}

uint64_t ctt_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ctt_realtime(int64_t *seconds, int32_t *nanoseconds) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *seconds = ts.tv_sec;
  *nanoseconds = (int32_t)ts.tv_nsec;
}

void ctt_utc_fields(int64_t seconds, int *fields7) {
  time_t t = (time_t)seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  fields7[0] = tm.tm_year + 1900;
  fields7[1] = tm.tm_mon + 1;
  fields7[2] = tm.tm_mday;
  fields7[3] = tm.tm_hour;
  fields7[4] = tm.tm_min;
  fields7[5] = tm.tm_sec;
  fields7[6] = tm.tm_wday;
}

int ctt_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

int ctt_set_timeouts(int fd, int timeout_ms) {
  struct timeval tv;
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return -errno;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) return -errno;
  return 0;
}

void ctt_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

/* The poll(2) backend. */
struct ctt_pollset {
  struct pollfd *fds;
  uint64_t *tokens;
  int count;
  int capacity;
  int next; /* where the next wait starts reporting, so no descriptor starves */
};

ctt_pollset *ctt_pollset_create(void) {
  ctt_pollset *set = calloc(1, sizeof *set);
  return set;
}

void ctt_pollset_free(ctt_pollset *set) {
  if (!set) return;
  free(set->fds);
  free(set->tokens);
  free(set);
}

static short to_poll_events(uint32_t events) {
  short out = 0;
  if (events & CTT_EV_IN) out |= POLLIN;
  if (events & CTT_EV_OUT) out |= POLLOUT;
  return out;
}

static uint32_t from_poll_events(short revents) {
  uint32_t out = 0;
  if (revents & POLLIN) out |= CTT_EV_IN;
  if (revents & POLLOUT) out |= CTT_EV_OUT;
  if (revents & (POLLERR | POLLNVAL)) out |= CTT_EV_ERR;
  if (revents & POLLHUP) out |= CTT_EV_HUP;
  return out;
}

static int pollset_find(const ctt_pollset *set, int fd) {
  for (int i = 0; i < set->count; i++) {
    if (set->fds[i].fd == fd) return i;
  }
  return -1;
}

int ctt_pollset_ctl(ctt_pollset *set, ctt_epoll_op op, int fd, uint32_t events, uint64_t token) {
  int i = pollset_find(set, fd);
  switch (op) {
  case CTT_EPOLL_ADD:
    if (i < 0) {
      if (set->count == set->capacity) {
        int capacity = set->capacity ? set->capacity * 2 : 64;
        struct pollfd *fds = realloc(set->fds, (size_t)capacity * sizeof *fds);
        if (!fds) return -ENOMEM;
        set->fds = fds;
        uint64_t *tokens = realloc(set->tokens, (size_t)capacity * sizeof *tokens);
        if (!tokens) return -ENOMEM;
        set->tokens = tokens;
        set->capacity = capacity;
      }
      i = set->count++;
    }
    set->fds[i].fd = fd;
    set->fds[i].events = to_poll_events(events);
    set->fds[i].revents = 0;
    set->tokens[i] = token;
    return 0;
  case CTT_EPOLL_MODIFY:
    if (i < 0) return -ENOENT;
    set->fds[i].events = to_poll_events(events);
    set->tokens[i] = token;
    return 0;
  case CTT_EPOLL_REMOVE:
    if (i < 0 || set->tokens[i] != token) return -ENOENT;
    set->count--;
    set->fds[i] = set->fds[set->count];
    set->tokens[i] = set->tokens[set->count];
    return 0;
  }
  return -EINVAL;
}

int ctt_pollset_wait(ctt_pollset *set, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms) {
  int ready = poll(set->fds, (nfds_t)set->count, timeout_ms);
  if (ready < 0) return -errno;
  int n = 0;
  int count = set->count;
  int start = count ? set->next % count : 0;
  for (int k = 0; k < count && n < max_events && ready > 0; k++) {
    int i = (start + k) % count;
    short revents = set->fds[i].revents;
    if (!revents) continue;
    ready--;
    tokens[n] = set->tokens[i];
    events[n] = from_poll_events(revents);
    n++;
    set->next = i + 1;
  }
  return n;
}

int ctt_wake_pipe(int *fds) {
  if (pipe(fds) < 0) return -errno;
  for (int i = 0; i < 2; i++) {
    int flags = fcntl(fds[i], F_GETFL);
    if (flags < 0 || fcntl(fds[i], F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
      int error = errno;
      close(fds[0]);
      close(fds[1]);
      return -error;
    }
  }
  return 0;
}

int ctt_wake_signal(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0 && errno != EAGAIN) return -errno;
  return 0;
}

int ctt_wake_drain(int fd) {
  uint64_t buffer[8];
  while (read(fd, buffer, sizeof buffer) > 0) {
  }
  return errno == EAGAIN ? 0 : -errno;
}
