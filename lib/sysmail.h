/*
 * sysmail.h - the system-mail header every mail of the box carries, so a
 * notice that comes back through the relay recipient is recognised and never
 * processed as a tunnel: hex HMAC-SHA256(system-mail-secret, Message-ID
 * without angle brackets).
 */
#ifndef WM_SYSMAIL_H
#define WM_SYSMAIL_H

#include <stddef.h>

struct wm_db;
struct wm_err;

#define WM_SYSMAIL_HEADER "X-WM-System-Mail"
char	*wm_sysmail_value(struct wm_db *, const char *message_id, struct wm_err *);
/* 1 when mail carries a valid system-mail header, 0 otherwise. */
int	 wm_sysmail_check(struct wm_db *, const void *mail, size_t len);

#endif
