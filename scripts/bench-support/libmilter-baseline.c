/*
 * Baselines for scripts/bench-postfix-milter.sh, on sendmail's libmilter (the C library most milters use):
 *
 *   libmilter-baseline default SOCKET   a do-nothing milter as libraries ship one: every event delivered and
 *                                       answered "continue" (a thread per connection, as libmilter does);
 *   libmilter-baseline floor SOCKET     the least a milter can ask of Postfix: every event that can be declined is
 *                                       declined (connect, HELO, MAIL, RCPT, DATA, headers, end of headers, body,
 *                                       unknown), leaving only the negotiation, the macros Postfix sends anyway,
 *                                       end of message, abort and quit.
 *
 * SOCKET is libmilter's form: inet:PORT@127.0.0.1 or unix:/path. Build: cc -O2 -o B libmilter-baseline.c -lmilter -pthread
 * Not part of Mogura: a yardstick for what Postfix itself spends on any milter.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int floor_mode;

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3) {
    (void)ctx; (void)f0; (void)f2; (void)f3;
    *pf0 = 0;
    *pf1 = floor_mode ? (f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS |
                               SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA))
                      : 0;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat on_continue(SMFICTX *ctx) { (void)ctx; return SMFIS_CONTINUE; }
static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *address) { (void)host; (void)address; return on_continue(ctx); }
static sfsistat on_helo(SMFICTX *ctx, char *name) { (void)name; return on_continue(ctx); }
static sfsistat on_envelope(SMFICTX *ctx, char **arguments) { (void)arguments; return on_continue(ctx); }
static sfsistat on_header(SMFICTX *ctx, char *name, char *value) { (void)name; (void)value; return on_continue(ctx); }
static sfsistat on_body(SMFICTX *ctx, unsigned char *bytes, size_t length) { (void)bytes; (void)length; return on_continue(ctx); }
static sfsistat on_unknown(SMFICTX *ctx, const char *command) { (void)command; return on_continue(ctx); }

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "default") != 0 && strcmp(argv[1], "floor") != 0)) {
        fprintf(stderr, "usage: %s default|floor inet:PORT@127.0.0.1|unix:/path\n", argv[0]);
        return 2;
    }
    floor_mode = strcmp(argv[1], "floor") == 0;
    struct smfiDesc description = {
        .xxfi_name = "libmilter-baseline",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = 0,
        .xxfi_connect = on_connect,
        .xxfi_helo = on_helo,
        .xxfi_envfrom = on_envelope,
        .xxfi_envrcpt = on_envelope,
        .xxfi_header = on_header,
        .xxfi_eoh = on_continue,
        .xxfi_body = on_body,
        .xxfi_eom = on_continue,
        .xxfi_abort = on_continue,
        .xxfi_close = on_continue,
        .xxfi_unknown = on_unknown,
        .xxfi_data = on_continue,
        .xxfi_negotiate = on_negotiate,
    };
    if (smfi_setconn(argv[2]) == MI_FAILURE || smfi_register(description) == MI_FAILURE) {
        fprintf(stderr, "cannot set up the milter on %s\n", argv[2]);
        return 1;
    }
    smfi_setbacklog(256);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
