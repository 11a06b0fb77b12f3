/*
 * notify.c - what to tell whom.  Each notice is a mail template rendered for
 * the address it concerns, completed here with the headers every mail of the
 * box carries (Message-ID, Date, Auto-Submitted, the system-mail header) and,
 * for postmaster reports and read receipts, with the machine-readable part,
 * then handed to Postfix's sendmail.
 *
 * Envelope senders: mail to users (invitations, notifications, resets) comes
 * from notification-sender so an administrator sees bounces; notices about
 * other mail (over quota, postmaster reports, read receipts) use the null
 * sender, as bounces do, so two machines can never bounce them back and forth.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "address.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "message.h"
#include "notice.h"
#include "notify.h"
#include "sysmail.h"
#include "outbound.h"
#include "prefs.h"
#include "template.h"
#include "token.h"
#include "user.h"
#include "util.h"

#define INVITE_EVERY	3600	/* seconds between invitations on new mail */

/* ---- building and sending one notice ---- */

static void
mime_init(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

/* Effective setting for address (NULL: global); never NULL on success. */
static char *
required_pref(struct wm_db *db, const char *address, const char *name,
    struct wm_err *err)
{
	char *v;

	if ((v = wm_pref_user(db, address, name, err)) == NULL)
		return NULL;
	if (*v == '\0' || wm_has_crlf(v)) {
		free(v);
		wm_err_set(err, EX_CONFIG, "setting %s is not set", name);
		return NULL;
	}
	return v;
}

static char *
make_message_id(const char *from, struct wm_err *err)
{
	unsigned char r[16];
	char hex[33];
	const char *at;

	if (wm_random_bytes(r, sizeof(r), err) == -1)
		return NULL;
	wm_hex(r, sizeof(r), hex);
	at = from ? strrchr(from, '@') : NULL;
	return wm_asprintf("<%s.%lld@%s>", hex, (long long)wm_now(),
	    at && at[1] && !strpbrk(at + 1, " <>\t") ? at + 1 : "wm.invalid");
}

/*
 * Prepends the headers the box owns to a finished mail and submits it.
 * The template cannot set them: template.c drops them from its output.
 */
static int
submit(struct wm_config *cfg, struct wm_db *db, const char *from,
    const char *envelope, const char *const *rcpts, const char *mail,
    struct wm_err *err)
{
	struct wm_buf out;
	char date[64], *id, *sys;
	time_t now = wm_now();
	struct tm tm;
	int rc;

	if ((id = make_message_id(from, err)) == NULL)
		return -1;
	if ((sys = wm_sysmail_value(db, id, err)) == NULL) {
		free(id);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	wm_buf_init(&out);
	if (wm_buf_printf(&out, "Message-ID: %s\nDate: %s\n"
	    "Auto-Submitted: auto-generated\n%s: %s\n%s", id, date,
	    WM_SYSMAIL_HEADER, sys, mail) == -1) {
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	} else {
		rc = wm_outbound_submit(cfg, db, envelope, rcpts, out.data,
		    out.len, err);
		if (rc == 0)
			wm_log(LOG_INFO, "sent %s to %s", id, rcpts[0]);
	}
	wm_buf_free(&out);
	free(sys);
	free(id);
	return rc;
}

/* Renders template name for address with vars and sends it to rcpt. */
static int
send_template(struct wm_config *cfg, struct wm_db *db, const char *scope_addr,
    const char *name, struct wm_tvars *v, const char *from,
    const char *envelope, const char *rcpt, struct wm_err *err)
{
	const char *rcpts[2] = { rcpt, NULL };
	char *mail;
	int rc;

	if (wm_tvars_set(v, "to", rcpt, err) == -1 ||
	    wm_tvars_set(v, "from", from, err) == -1)
		return -1;
	if ((mail = wm_template_mail(cfg, db, scope_addr, name, v, err)) == NULL)
		return -1;
	rc = submit(cfg, db, from, envelope, rcpts, mail, err);
	free(mail);
	return rc;
}

/* base?t=TOKEN (or &t= when base already has a query): the portal reads t. */
static char *
link_with_token(const char *base, const char *token)
{
	return wm_asprintf("%s%st=%s", base, strchr(base, '?') ? "&" : "?",
	    token);
}

/* Renders and sends a mail carrying a signed link of one purpose. */
static int
send_link(struct wm_config *cfg, struct wm_db *db, const char *address,
    const char *tmpl, const char *purpose, const char *url_pref,
    const char *validity_pref, struct wm_err *err)
{
	struct wm_tvars *v = NULL;
	char *from = NULL, *url = NULL, *token = NULL, *link = NULL;
	char when[32];
	long long validity;
	time_t expires;
	int rc = -1;

	if (wm_pref_user_num(db, address, validity_pref, &validity, err) == -1)
		return -1;
	expires = wm_now() + (time_t)validity;
	if ((from = required_pref(db, address, "notification-sender", err)) ==
	    NULL || (url = required_pref(db, address, url_pref, err)) == NULL ||
	    (token = wm_token_make(db, address, purpose, expires, err)) == NULL)
		goto done;
	if ((link = link_with_token(url, token)) == NULL ||
	    (v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	wm_time_format(expires, when, sizeof(when));
	if (wm_tvars_set(v, "address", address, err) == -1 ||
	    wm_tvars_set(v, "link", link, err) == -1 ||
	    wm_tvars_set(v, "expires", when, err) == -1)
		goto done;
	rc = send_template(cfg, db, address, tmpl, v, from, from, address, err);
done:
	wm_tvars_free(v);
	free(from);
	free(url);
	free(token);
	free(link);
	return rc;
}

/* ---- rate limit of invitations ---- */

/*
 * Claims the right to send one notice of kind to address now: 1 when this
 * caller may send (the row now says so), 0 when one went out within the
 * last `every` seconds.  The upsert makes two deliveries racing for the same
 * user send one invitation, not two.  *prev gets the former time (0: none).
 */
static int
notice_claim(struct wm_db *db, const char *address, const char *kind,
    time_t every, time_t *prev, struct wm_err *err)
{
	sqlite3_stmt *st;
	time_t now = wm_now();
	int rc;

	*prev = 0;
	st = wm_db_prepare(db, "SELECT at FROM notices WHERE address = ? AND "
	    "kind = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*prev = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wm_db_fail(db, "notices", err);
	st = wm_db_prepare(db, "INSERT INTO notices (address, kind, at) "
	    "VALUES (?, ?, ?) ON CONFLICT (address, kind) DO UPDATE "
	    "SET at = excluded.at WHERE notices.at <= ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(every > 0 ? now - every :
	    INT64_MAX / 2));
	if (wm_db_step_done(db, st, "notices", err) == -1)
		return -1;
	return sqlite3_changes(wm_db_handle(db)) > 0;
}

/* Gives a claim back after the mail could not be sent, so a retry sends it. */
static void
notice_release(struct wm_db *db, const char *address, const char *kind,
    time_t prev)
{
	struct wm_err err;
	sqlite3_stmt *st;
	int i = 1;

	st = wm_db_prepare(db, prev ? "UPDATE notices SET at = ? WHERE "
	    "address = ? AND kind = ?" : "DELETE FROM notices WHERE "
	    "address = ? AND kind = ?", &err);
	if (st == NULL) {
		wm_log_err(&err);
		return;
	}
	if (prev)
		sqlite3_bind_int64(st, i++, (sqlite3_int64)prev);
	sqlite3_bind_text(st, i++, address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i, kind, -1, SQLITE_STATIC);
	if (wm_db_step_done(db, st, "notices", &err) == -1)
		wm_log_err(&err);
}

static int
invite(struct wm_config *cfg, struct wm_db *db, const char *address,
    struct wm_err *err)
{
	if (send_link(cfg, db, address, "signup", "signup", "signup-url",
	    "signup-link-validity", err) == -1)
		return -1;
	if (wm_user_set_last_invite(db, address, wm_now(), err) == -1)
		wm_log_err(err);	/* sent is sent; the notices row rules */
	return 0;
}

int
wm_notify_signup(struct wm_config *cfg, struct wm_db *db, const char *address,
    struct wm_err *err)
{
	struct wm_user *u;
	time_t prev;
	int claimed;

	if ((u = wm_user_get(db, address, err)) == NULL)
		return -1;
	if (u->has_password) {
		wm_user_free(u);
		return wm_err_set(err, EX_DATAERR, "%s has signed up already",
		    address);
	}
	wm_user_free(u);
	if ((claimed = notice_claim(db, address, "invite", 0, &prev, err)) == -1)
		return -1;
	if (invite(cfg, db, address, err) == -1) {
		notice_release(db, address, "invite", prev);
		return -1;
	}
	return 0;
}

static int
new_message_notice(struct wm_config *cfg, struct wm_db *db,
    const char *address, struct wm_err *err)
{
	struct wm_tvars *v;
	char *from = NULL, *url = NULL, count[32];
	long long n;
	int rc = -1;

	if ((from = required_pref(db, address, "notification-sender", err)) ==
	    NULL || (url = required_pref(db, address, "webmail-login-url",
	    err)) == NULL)
		goto done;
	if ((v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	n = wm_message_count(db, address, "inbox", 1, err);
	snprintf(count, sizeof(count), "%lld", n < 0 ? 0 : n);
	if (wm_tvars_set(v, "address", address, err) == 0 &&
	    wm_tvars_set(v, "link", url, err) == 0 &&
	    wm_tvars_set(v, "unseen", count, err) == 0)
		rc = send_template(cfg, db, address, "new-mail", v, from, from,
		    address, err);
	wm_tvars_free(v);
done:
	free(from);
	free(url);
	return rc;
}

int
wm_notify_new_mail(struct wm_config *cfg, struct wm_db *db, const char *address,
    struct wm_err *err)
{
	struct wm_user *u;
	time_t prev, last;
	int has_password, claimed;

	if ((u = wm_user_get(db, address, err)) == NULL)
		return -1;
	has_password = u->has_password;
	last = u->last_invite;
	wm_user_free(u);
	if (has_password)
		return new_message_notice(cfg, db, address, err);
	if (last != 0 && wm_now() - last < INVITE_EVERY &&
	    wm_now() >= last) {
		wm_log(LOG_INFO, "invitation to %s sent within the hour; "
		    "not again", address);
		return 0;
	}
	claimed = notice_claim(db, address, "invite", INVITE_EVERY, &prev, err);
	if (claimed == -1)
		return -1;
	if (claimed == 0) {
		wm_log(LOG_INFO, "invitation to %s sent within the hour; "
		    "not again", address);
		return 0;
	}
	if (invite(cfg, db, address, err) == -1) {
		notice_release(db, address, "invite", prev);
		return -1;
	}
	return 0;
}

int
wm_notify_password_reset(struct wm_config *cfg, struct wm_db *db,
    const char *address, struct wm_err *err)
{
	struct wm_user *u;
	int has_password, on;

	if (wm_pref_user_bool(db, address, "password-reset-enabled", &on,
	    err) == -1)
		return -1;
	if (!on)
		return wm_err_set(err, EX_NOPERM, "password reset is disabled");
	if ((u = wm_user_get(db, address, err)) == NULL)
		return -1;
	has_password = u->has_password;
	wm_user_free(u);
	/* Without a password there is nothing to reset: invite instead. */
	if (!has_password)
		return wm_notify_signup(cfg, db, address, err);
	return send_link(cfg, db, address, "password-reset", "reset",
	    "password-reset-url",
	    "password-reset-link-validity", err);
}

int
wm_notify_password_reset_request(struct wm_config *cfg, struct wm_db *db,
    const char *address, int *sent, struct wm_err *err)
{
	struct wm_notice n;
	time_t prev;
	int claimed;

	(void)cfg;

	*sent = 0;
	claimed = notice_claim(db, address, "reset", WM_RESET_EVERY, &prev, err);
	if (claimed == -1)
		return -1;
	if (claimed == 0) {
		wm_log(LOG_INFO, "password reset for %s asked again within %d "
		    "seconds; no mail", address, WM_RESET_EVERY);
		return 0;
	}
	/* Queued, not sent: the page answers at once, whatever the address. */
	memset(&n, 0, sizeof(n));
	n.kind = WM_NOTICE_RESET;
	n.address = address;
	if (wm_notice_queue(db, &n, err) == -1) {
		notice_release(db, address, "reset", prev);
		return -1;
	}
	*sent = 1;
	return 0;
}

/*
 * A value for a template variable from a mail we did not write: line breaks
 * become spaces and bytes that are not UTF-8 become U+FFFD.
 */
static char *
one_line(const char *s)
{
	char *valid, *c, *p;

	valid = g_utf8_make_valid(s ? s : "", -1);
	c = wm_strdup(valid);
	g_free(valid);
	if (c == NULL)
		return NULL;
	for (p = c; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return c;
}

/*
 * A Subject as the mail has it (RFC 2047 words, raw 8-bit), as one line of
 * UTF-8 without the blanks around it.
 */
static char *
decoded_line(const char *raw)
{
	char *dec, *c;

	mime_init();
	if ((dec = g_mime_utils_header_decode_text(NULL, raw ? raw : "")) == NULL)
		return NULL;
	c = one_line(dec);
	g_free(dec);
	return c != NULL ? wm_trim(c) : NULL;
}

/*
 * The index keeps a Message-ID without its angle brackets; RFC 8098 wants
 * the msg-id as the original has it, brackets included.
 */
static const char *
bracket(const char *id, const char *which)
{
	return *id == '<' ? "" : which;
}

int
wm_notify_over_quota(struct wm_config *cfg, struct wm_db *db,
    const char *address, const char *sender, const char *subject,
    struct wm_err *err)
{
	struct wm_tvars *v = NULL;
	struct wm_err aerr;
	char *from = NULL, *pm = NULL, *subj = NULL;
	char canon[WM_ADDRESS_MAX + 1];
	int rc = -1, have_sender = 0;

	if (sender != NULL && *sender != '\0' &&
	    wm_address_normalize(sender, canon, sizeof(canon), &aerr) == 0)
		have_sender = 1;
	if ((from = required_pref(db, address, "notification-sender", err)) ==
	    NULL || (pm = required_pref(db, address, "postmaster", err)) == NULL)
		goto done;
	if ((subj = decoded_line(subject)) == NULL ||
	    (v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	if (wm_tvars_set(v, "mailbox", address, err) == -1 ||
	    wm_tvars_set(v, "sender", have_sender ? canon : "", err) == -1 ||
	    wm_tvars_set(v, "subject", subj, err) == -1 ||
	    wm_tvars_set(v, "postmaster", pm, err) == -1)
		goto done;
	if (have_sender) {
		if (wm_tvars_set(v, "role", "sender", err) == -1 ||
		    send_template(cfg, db, address, "over-quota", v, from, "",
		    canon, err) == -1)
			goto done;
	}
	if (wm_tvars_set(v, "role", "postmaster", err) == -1 ||
	    send_template(cfg, db, address, "over-quota", v, from, "", pm,
	    err) == -1)
		goto done;
	rc = 0;
done:
	wm_tvars_free(v);
	free(from);
	free(pm);
	free(subj);
	return rc;
}

/*
 * Renders a template and replaces its text body by a multipart holding that
 * text and extra; the template's other headers stay.  malloc'd mail.
 */
static char *
wrap_multipart(const char *mail, const char *subtype, GMimeObject *extra,
    const char *report_type, struct wm_err *err)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeMultipart *mp;
	GMimeObject *text;
	char *out = NULL, *g;

	mime_init();
	s = g_mime_stream_mem_new_with_buffer(mail, strlen(mail));
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	if (m == NULL || (text = g_mime_message_get_mime_part(m)) == NULL) {
		if (m != NULL)
			g_object_unref(m);
		wm_err_set(err, EX_DATAERR, "rendered mail does not parse");
		return NULL;
	}
	mp = g_mime_multipart_new_with_subtype(subtype);
	if (report_type != NULL)
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(mp),
		    "report-type", report_type);
	g_mime_multipart_add(mp, text);
	g_mime_multipart_add(mp, extra);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
	g_object_unref(mp);
	g = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
	g_object_unref(m);
	if (g == NULL || (out = wm_strdup(g)) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	g_free(g);
	return out;
}

static GMimeObject *
bytes_part(const char *type, const char *subtype, const void *data,
    size_t len, GMimeContentEncoding enc, const char *filename)
{
	GMimeStream *s;
	GMimeDataWrapper *w;
	GMimePart *part;

	mime_init();
	part = g_mime_part_new_with_type(type, subtype);
	s = g_mime_stream_mem_new_with_buffer(data, len);
	w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(s);
	g_mime_part_set_content_encoding(part, enc);
	if (filename != NULL)
		g_mime_part_set_filename(part, filename);
	return GMIME_OBJECT(part);
}

/* Renders name, adds extra as a second part and submits to rcpt. */
static int
send_with_part(struct wm_config *cfg, struct wm_db *db, const char *scope_addr,
    const char *name, struct wm_tvars *v, const char *from, const char *rcpt,
    const char *subtype, const char *report_type, GMimeObject *extra,
    struct wm_err *err)
{
	const char *rcpts[2] = { rcpt, NULL };
	char *mail, *full;
	int rc;

	if (wm_tvars_set(v, "to", rcpt, err) == -1 ||
	    wm_tvars_set(v, "from", from, err) == -1)
		return -1;
	if ((mail = wm_template_mail(cfg, db, scope_addr, name, v, err)) == NULL)
		return -1;
	full = wrap_multipart(mail, subtype, extra, report_type, err);
	free(mail);
	if (full == NULL)
		return -1;
	rc = submit(cfg, db, from, "", rcpts, full, err);
	free(full);
	return rc;
}

int
wm_notify_postmaster(struct wm_config *cfg, struct wm_db *db,
    const char *reason, const void *mail, size_t len, struct wm_err *err)
{
	struct wm_tvars *v = NULL;
	GMimeObject *att = NULL;
	char *from = NULL, *pm = NULL, *why = NULL, size[32];
	int rc = -1;

	if ((from = required_pref(db, NULL, "notification-sender", err)) == NULL ||
	    (pm = required_pref(db, NULL, "postmaster", err)) == NULL)
		goto done;
	if ((why = one_line(reason)) == NULL || (v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	snprintf(size, sizeof(size), "%zu", len);
	if (wm_tvars_set(v, "reason", why, err) == -1 ||
	    wm_tvars_set(v, "size", size, err) == -1 ||
	    wm_tvars_set(v, "postmaster", pm, err) == -1)
		goto done;
	/* Base64 octets: the tunnel reaches the postmaster byte for byte. */
	att = bytes_part("application", "octet-stream", mail, len,
	    GMIME_CONTENT_ENCODING_BASE64, "tunnel.eml");
	rc = send_with_part(cfg, db, NULL, "postmaster", v, from, pm, "mixed",
	    NULL, att, err);
done:
	if (att != NULL)
		g_object_unref(att);
	wm_tvars_free(v);
	free(from);
	free(pm);
	free(why);
	return rc;
}

/* The addr-spec of a From/sender value, canonical; -1 when there is none. */
static int
plain_address(const char *value, char *out, size_t outlen)
{
	InternetAddressList *list;
	InternetAddress *ia;
	struct wm_err err;
	const char *a;
	int rc = -1;

	if (value == NULL || *value == '\0')
		return -1;
	if (wm_address_normalize(value, out, outlen, &err) == 0)
		return 0;
	mime_init();
	if ((list = internet_address_list_parse(NULL, value)) == NULL)
		return -1;
	if (internet_address_list_length(list) > 0) {
		ia = internet_address_list_get_address(list, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			a = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
			rc = wm_address_normalize(a, out, outlen, &err);
		}
	}
	g_object_unref(list);
	return rc;
}

int
wm_notify_read_receipt(struct wm_config *cfg, struct wm_db *db,
    const struct wm_message *m, struct wm_err *err)
{
	struct wm_tvars *v = NULL;
	struct wm_buf mdn;
	GMimeObject *part = NULL;
	char to[WM_ADDRESS_MAX + 1], when[32], host[256];
	char *from = NULL, *subj = NULL, *id = NULL;
	int rc = -1;

	if (!m->read_receipt || m->receipt_sent)
		return 0;
	if (plain_address(m->envelope_sender, to, sizeof(to)) == -1 &&
	    plain_address(m->from_addr, to, sizeof(to)) == -1)
		return wm_err_set(err, EX_DATAERR, "no address to send the read "
		    "receipt to");
	wm_buf_init(&mdn);
	if ((from = required_pref(db, m->mailbox, "notification-sender", err)) ==
	    NULL)
		goto done;
	if ((subj = one_line(m->subject)) == NULL ||
	    (id = one_line(m->message_id)) == NULL ||
	    (v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	wm_time_format(wm_now(), when, sizeof(when));
	if (wm_tvars_set(v, "mailbox", m->mailbox, err) == -1 ||
	    wm_tvars_set(v, "subject", subj, err) == -1 ||
	    wm_tvars_set(v, "message_id", id, err) == -1 ||
	    wm_tvars_set(v, "read", when, err) == -1)
		goto done;
	if (gethostname(host, sizeof(host)) == -1 || strpbrk(host, ";\r\n"))
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* RFC 8098 section 3.2: the machine-readable part. */
	if (wm_buf_printf(&mdn, "Reporting-UA: %s; wm %s\n"
	    "Final-Recipient: rfc822; %s\n", host, WM_VERSION, m->mailbox) == -1 ||
	    (*id != '\0' && wm_buf_printf(&mdn, "Original-Message-ID: %s%s%s\n",
	    bracket(id, "<"), id, bracket(id, ">")) == -1) ||
	    wm_buf_puts(&mdn, "Disposition: "
	    "manual-action/MDN-sent-automatically; displayed\n") == -1) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto done;
	}
	part = bytes_part("message", "disposition-notification", mdn.data,
	    mdn.len, GMIME_CONTENT_ENCODING_7BIT, NULL);
	rc = send_with_part(cfg, db, m->mailbox, "read-receipt", v, from, to,
	    "report", "disposition-notification", part, err);
	if (rc == 0 && wm_message_set_receipt_sent(db, m->id, err) == -1)
		rc = -1;
done:
	if (part != NULL)
		g_object_unref(part);
	wm_buf_free(&mdn);
	wm_tvars_free(v);
	free(from);
	free(subj);
	free(id);
	return rc;
}
