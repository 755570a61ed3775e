/*
 * The floor for scripts/bench-postfix-milter.sh: the cheapest milter that can exist. One thread, epoll, no library;
 * it declines every event Postfix lets a milter decline and answers only what must be answered (the negotiation
 * and end of message, with "continue"). Whatever Postfix loses with this milter, it loses to any milter.
 *
 * With "mogura-events" it asks for the events Mogura's milter asks for instead (MAIL and end of message answered;
 * recipients, headers and body without reply; connect, HELO, DATA, end of headers declined): the cost of those
 * events in Postfix, without Mogura's own work.
 *
 *   floor-milter [mogura-events] inet:PORT | unix:/path        Build: cc -O2 -o floor-milter floor-milter.c
 * Not part of Mogura: a yardstick.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DECLINED 0x0000007Fu /* no connect, HELO, MAIL, RCPT, body, headers, end of headers ... */
#define MORE_DECLINED (0x00000100u | 0x00000200u) /* ... unknown, DATA */
#define MOGURA_EVENTS 0x000FBBC3u /* MilterSession.wantedFlags */

static uint32_t wanted = DECLINED | MORE_DECLINED;

struct connection { int fd; int tcp; size_t used; unsigned char buffer[65536 + 8]; };

static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Handles the complete packets in the buffer; returns -1 to close. */
static int handle(struct connection *c) {
    size_t at = 0;
    unsigned char out[256];
    size_t written = 0;
    while (c->used - at >= 5) {
        uint32_t length = get32(c->buffer + at);
        if (length == 0 || length > 65536) return -1;
        if (c->used - at < 4 + (size_t)length) break;
        unsigned char code = c->buffer[at + 4];
        const unsigned char *data = c->buffer + at + 5;
        if (code == 'O' && length >= 13) {
            uint32_t version = get32(data), flags = get32(data + 8);
            put32(out + written, 13); out[written + 4] = 'O';
            put32(out + written + 5, version > 6 ? 6 : version);
            put32(out + written + 9, 0);
            put32(out + written + 13, flags & wanted);
            written += 17;
        } else if (code == 'E' || (code == 'M' && wanted == MOGURA_EVENTS)) {
            put32(out + written, 1); out[written + 4] = 'c';
            written += 5;
        } else if (code == 'Q') {
            if (written) (void)!write(c->fd, out, written);
            return -1;
        }
        at += 4 + length;
    }
    memmove(c->buffer, c->buffer + at, c->used - at);
    c->used -= at;
    if (written && write(c->fd, out, written) < 0) return -1;
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "mogura-events") == 0) {
        wanted = MOGURA_EVENTS;
        argv++;
    } else if (argc != 2) {
        fprintf(stderr, "usage: %s [mogura-events] inet:PORT|unix:/path\n", argv[0]);
        return 2;
    }
    int listener, tcp = strncmp(argv[1], "inet:", 5) == 0;
    if (tcp) {
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1] + 5))};
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); return 1; }
    } else {
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        strncpy(address.sun_path, argv[1] + 5, sizeof address.sun_path - 1);
        unlink(address.sun_path);
        listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); return 1; }
    }
    listen(listener, 256);
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    struct epoll_event ready[64];
    for (;;) {
        int count = epoll_wait(poller, ready, 64, -1);
        for (int i = 0; i < count; i++) {
            struct connection *c = ready[i].data.ptr;
            if (c == NULL) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    c = malloc(sizeof *c);
                    c->fd = fd; c->tcp = tcp; c->used = 0;
                    if (tcp) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }
                    struct epoll_event add = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(poller, EPOLL_CTL_ADD, fd, &add);
                }
                continue;
            }
            /* Postfix writes packets without TCP_NODELAY: acknowledge at once or each waits for a delayed ACK. */
            if (c->tcp) { int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one); }
            ssize_t got = read(c->fd, c->buffer + c->used, sizeof c->buffer - c->used);
            if (got > 0) c->used += (size_t)got;
            if (got == 0 || (got < 0 && errno != EAGAIN) || handle(c) < 0) {
                close(c->fd);
                free(c);
            }
        }
    }
}
