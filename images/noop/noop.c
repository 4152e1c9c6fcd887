/*
 * A no-op function in every hotfn format, as a static C program: what benchmarks measure hotfn
 * (and plain Docker) with, so the function itself adds no start-up time, garbage collector or
 * scheduling of its own. FN_FORMAT picks the framing:
 *   default      read stdin to its end, answer nothing, exit 0
 *   http         HTTP/1.1 requests on stdin, "HTTP/1.1 200 OK" with an empty body on stdout
 *   json         one JSON object per line on stdin, {"body":"","protocol":{"status_code":200}} per line
 *   http-stream  listen on FN_LISTENER (unix:/path), answer every POST /call 200 with an empty body,
 *                keep-alive, one connection at a time
 * Built by scripts/build-images.sh with `gcc -static`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define BUF 65536

static char buf[BUF];

/* Reads one HTTP/1.1 request (head and Content-Length body) from fd; 0 at EOF, -1 on error. */
static int read_request(int fd, char *b, size_t *have) {
  for (;;) {
    char *end = memmem(b, *have, "\r\n\r\n", 4);
    if (end) {
      size_t head = (size_t)(end - b) + 4;
      long length = 0;
      for (char *p = b; p < end; p++) {
        if ((p == b || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) length = strtol(p + 15, NULL, 10);
      }
      if (length < 0 || head + (size_t)length > BUF) return -1;
      while (*have < head + (size_t)length) {
        ssize_t n = read(fd, b + *have, BUF - *have);
        if (n <= 0) return -1;
        *have += (size_t)n;
      }
      size_t used = head + (size_t)length;
      memmove(b, b + used, *have - used);
      *have -= used;
      return 1;
    }
    if (*have == BUF) return -1;
    ssize_t n = read(fd, b + *have, BUF - *have);
    if (n == 0) return 0;
    if (n < 0) return -1;
    *have += (size_t)n;
  }
}

static int write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

static int serve_http(int in, int out, const char *answer) {
  size_t have = 0;
  for (;;) {
    int r = read_request(in, buf, &have);
    if (r <= 0) return r;
    if (write_all(out, answer, strlen(answer)) < 0) return -1;
  }
}

static int serve_stream(const char *listener) {
  if (strncmp(listener, "unix:", 5) != 0) return 2;
  const char *path = listener + 5;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  /* bind a temporary name, then move it into place: hotfn sees the socket only once it listens */
  char tmp[sizeof addr.sun_path];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  strncpy(addr.sun_path, tmp, sizeof addr.sun_path - 1);
  unlink(tmp);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 16) < 0 || rename(tmp, path) < 0) return 3;
  const char *answer = "HTTP/1.1 200 OK\r\nFn-Http-Status: 200\r\nContent-Length: 0\r\n\r\n";
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    serve_http(c, c, answer);
    close(c);
  }
}

int main(void) {
  const char *format = getenv("FN_FORMAT");
  if (format == NULL || strcmp(format, "default") == 0) {
    while (read(0, buf, BUF) > 0) {
    }
    return 0;
  }
  if (strcmp(format, "http") == 0) return serve_http(0, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") < 0;
  if (strcmp(format, "http-stream") == 0) return serve_stream(getenv("FN_LISTENER") ? getenv("FN_LISTENER") : "");
  if (strcmp(format, "json") == 0) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
      fputs("{\"body\":\"\",\"protocol\":{\"status_code\":200}}\n", stdout);
      fflush(stdout);
    }
    return 0;
  }
  return 4;
}
