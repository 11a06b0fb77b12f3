/*
 * mta_apply.c - making Postfix use the MTA fields (see mta.h): postconf
 * writes the generated parameters, postfix check judges the result, a running
 * Postfix reloads.  Before anything is written main.cf and master.cf are read
 * whole; on any failure they are written back byte for byte (and a running
 * Postfix reloads them again), so a refused change leaves no trace.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "dkim.h"
#include "err.h"
#include "log.h"
#include "mta.h"
#include "prefs.h"
#include "util.h"

#define CF_MAX		(1 << 20)
#define MAX_PARAMS	40

enum { CF_MAIN, CF_MASTER, CF_N };

struct snapshot {
	char		*path[CF_N];
	struct wm_buf	 data[CF_N];
};

static void
snap_free(struct snapshot *s)
{
	int i;

	for (i = 0; i < CF_N; i++) {
		free(s->path[i]);
		wm_buf_free(&s->data[i]);
	}
}

static int
snap_take(const struct wm_config *cfg, struct snapshot *s, struct wm_err *err)
{
	static const char *names[CF_N] = { "main.cf", "master.cf" };
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < CF_N; i++) {
		wm_buf_init(&s->data[i]);
		s->path[i] = wm_asprintf("%s/%s", wm_config_path(cfg, "postfix"),
		    names[i]);
		if (s->path[i] == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		if (wm_read_file(s->path[i], CF_MAX, &s->data[i], err) == -1)
			return -1;
		if (s->data[i].data == NULL)
			wm_buf_puts(&s->data[i], "");
	}
	return 0;
}

static int
snap_restore(const struct wm_config *cfg, const struct snapshot *s)
{
	struct wm_err e;
	const char *reload[] = { "-c", wm_config_path(cfg, "postfix"), "reload", NULL };
	int i, rc = 0;

	for (i = 0; i < CF_N; i++)
		if (wm_write_file_atomic(s->path[i], s->data[i].data, s->data[i].len,
		    0644, &e) == -1) {
			wm_log_err(&e);
			rc = -1;
		}
	if (wm_ctl_postfix_running(cfg) &&
	    wm_ctl_command(cfg, "postfix", reload, NULL, &e) != 0)
		rc = -1;
	return rc;
}

/* The last line a command printed, for a one-line error. */
static const char *
last_line(struct wm_buf *out)
{
	char *p, *nl;

	if (out->data == NULL)
		return "";
	while (out->len > 0 && isspace((unsigned char)out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	p = out->data;
	while ((nl = strchr(p, '\n')) != NULL)
		p = nl + 1;
	return p;
}

/* Runs a Postfix command; a non-zero exit becomes EX_DATAERR with its words. */
static int
postfix_tool(const struct wm_config *cfg, const char *cmd, const char *const *args,
    const char *what, struct wm_err *err)
{
	struct wm_buf out;
	int rc;

	wm_buf_init(&out);
	rc = wm_ctl_command_all(cfg, cmd, args, &out, err);
	if (rc > 0)
		wm_err_set(err, EX_DATAERR, "%s refused the configuration: %s", what,
		    last_line(&out));
	wm_buf_free(&out);
	return rc == 0 ? 0 : -1;
}

int
wm_mta_check(const struct wm_config *cfg, struct wm_err *err)
{
	const char *args[] = { "-c", wm_config_path(cfg, "postfix"), "check", NULL };

	return postfix_tool(cfg, "postfix", args, "postfix check", err);
}

/* "name = value" lines -> postconf -e arguments (pointers into lines). */
static int
split_params(char *lines, const char **args, int max)
{
	char *line, *save;
	int n = 0;

	for (line = strtok_r(lines, "\n", &save); line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save))
		args[n++] = line;
	return n;
}

static int
postconf_main(const struct wm_config *cfg, const struct wm_mta *m,
    const char *rcpt, struct wm_err *err)
{
	const char *args[MAX_PARAMS + 4];
	struct wm_buf b;
	int n, rc;

	wm_buf_init(&b);
	if (wm_mta_main_cf(&b, m, cfg, rcpt) == -1) {
		wm_buf_free(&b);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	args[0] = "-c";
	args[1] = wm_config_path(cfg, "postfix");
	args[2] = "-e";
	n = split_params(b.data, args + 3, MAX_PARAMS);
	args[3 + n] = NULL;
	rc = postfix_tool(cfg, "postconf", args, "postconf", err);
	wm_buf_free(&b);
	return rc;
}

/*
 * The master.cf service name of a listener.  An instance names its
 * listeners by address; production joins Debian's master.cf, whose public
 * listener is the "smtp" service (postinst leaves that line as it is).
 */
static const char *
listener_service(const struct wm_config *cfg, const char *key)
{
	if (strcmp(key, "smtp") == 0 &&
	    wm_config_bool(cfg, "instance", "production") == 1)
		return "smtp";
	return wm_config_get(cfg, "listen", key);
}

/* master.cf: the -o parameters of one listener, "service/inet/name=value". */
static int
postconf_listener(const struct wm_config *cfg, const struct wm_mta *m,
    const char *key, struct wm_err *err)
{
	const char *svc = listener_service(cfg, key);
	const char *args[MAX_PARAMS + 4];
	char *p[MAX_PARAMS], *line, *save, *clear;
	struct wm_buf b;
	int n = 0, i, rc;

	wm_buf_init(&b);
	/* An option the fields no longer give (a removed relay host) goes. */
	clear = wm_asprintf("%s/inet/content_filter", svc);
	args[0] = "-c";
	args[1] = wm_config_path(cfg, "postfix");
	args[2] = "-PX";
	args[3] = clear;
	args[4] = NULL;
	if (clear == NULL || wm_mta_master_opts(&b, m, cfg, key) == -1) {
		free(clear);
		wm_buf_free(&b);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	rc = strcmp(key, "relay") == 0 ?
	    postfix_tool(cfg, "postconf", args, "postconf", err) : 0;
	free(clear);
	args[2] = "-P";
	for (line = strtok_r(b.data, "\n", &save); line != NULL && n < MAX_PARAMS;
	    line = strtok_r(NULL, "\n", &save))
		if ((line = strstr(line, "-o ")) != NULL) {
			p[n] = wm_asprintf("%s/inet/%s", svc, line + 3);
			args[3 + n] = p[n];
			n++;
		}
	args[3 + n] = NULL;
	if (rc == 0 && n > 0)
		rc = postfix_tool(cfg, "postconf", args, "postconf", err);
	for (i = 0; i < n; i++)
		free(p[i]);
	wm_buf_free(&b);
	return rc;
}

static int
reload_or_start_signer(const struct wm_config *cfg, struct wm_err *err)
{
	const char *args[] = { "-c", wm_config_path(cfg, "postfix"), "reload", NULL };
	int running = wm_ctl_postfix_running(cfg);

	/* The signer runs with Postfix, and before it needs it. */
	if (running && wm_ctl_start(cfg, WM_SVC_DKIM, err) == -1)
		return -1;
	if (running && postfix_tool(cfg, "postfix", args, "postfix reload", err) == -1)
		return -1;
	return 0;
}

/* Writes, checks and reloads; the caller restores on failure. */
static int
apply_fields(const struct wm_config *cfg, const struct wm_mta *m,
    const char *rcpt, struct wm_err *err)
{
	if (wm_dkim_configure(cfg, m, err) == -1 ||
	    postconf_main(cfg, m, rcpt, err) == -1 ||
	    postconf_listener(cfg, m, "smtp", err) == -1 ||
	    postconf_listener(cfg, m, "relay", err) == -1 ||
	    wm_mta_check(cfg, err) == -1)
		return -1;
	return reload_or_start_signer(cfg, err);
}

static int
apply_snapshot(const struct wm_config *cfg, struct wm_mta *m, const char *rcpt,
    struct wm_err *err)
{
	struct snapshot s;
	int rc;

	if (snap_take(cfg, &s, err) == -1) {
		snap_free(&s);
		return -1;
	}
	if ((rc = apply_fields(cfg, m, rcpt, err)) == -1) {
		snap_restore(cfg, &s);
		wm_log(LOG_ERR, "MTA configuration not applied, previous one "
		    "restored: %s", err->msg);
	} else if (strcmp(wm_mta_get(m, WM_MTA_DKIM_SIGNING), "no") == 0)
		rc = wm_ctl_stop(cfg, WM_SVC_DKIM, err);
	snap_free(&s);
	return rc;
}

int
wm_mta_apply(const struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	struct wm_mta *m;
	char *rcpt;
	int rc = -1;

	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	if (wm_mta_validate(m, err) == -1)
		goto out;
	if ((rcpt = wm_pref_get(db, WM_SCOPE_GLOBAL, NULL, "relay-recipient",
	    NULL, err)) == NULL)
		goto out;
	if (strchr(rcpt, '@') == NULL)
		wm_err_set(err, EX_CONFIG, "relay-recipient is not set");
	else if ((rc = apply_snapshot(cfg, m, rcpt, err)) == 0)
		wm_log(LOG_INFO, "MTA configuration applied to %s",
		    wm_config_path(cfg, "postfix"));
	free(rcpt);
out:
	wm_mta_free(m);
	return rc;
}

int
wm_mta_pref_changed(const struct wm_config *cfg, struct wm_db *db,
    const char *name, struct wm_err *err)
{
	char *main_cf;
	int exists;

	if (strcmp(name, "relay-recipient") != 0)
		return 0;
	/* A bare wm.conf and database (no Postfix of its own) has nothing to follow. */
	if ((main_cf = wm_asprintf("%s/main.cf", wm_config_path(cfg, "postfix"))) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	exists = wm_path_exists(main_cf);
	free(main_cf);
	return exists ? wm_mta_apply(cfg, db, err) : 0;
}

/* Import from a Postfix already running */

/* The explicit main.cf value of param ("" when unset), or NULL on error. */
static char *
postconf_value(const struct wm_config *cfg, const char *param, struct wm_err *err)
{
	const char *args[] = { "-c", wm_config_path(cfg, "postfix"), "-n", "-h",
	    param, NULL };
	struct wm_buf out;
	char *v;

	wm_buf_init(&out);
	if (wm_ctl_command_all(cfg, "postconf", args, &out, err) != 0) {
		wm_buf_free(&out);
		return NULL;
	}
	v = wm_strdup(out.data ? out.data : "");
	wm_buf_free(&out);
	if (v == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else
		v[strcspn(v, "\r\n")] = '\0';
	return v;
}

/*
 * relayhost -> external-relay-host, -mx, -port: "[h]:p" and "[h]" are no MX
 * lookup, "h:p" and "h" are.  0 when parsed, -1 for a form the fields
 * cannot hold (a list, a $variable, an IPv6 literal).
 */
static int
parse_relayhost(const char *v, char *host, size_t hlen, const char **mx,
    char *port, size_t plen)
{
	const char *h = v, *end, *colon;
	size_t n;

	*mx = "yes";
	if (*v == '[') {
		h = v + 1;
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		*mx = "no";
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strchr(v, ':');
		end = colon ? colon : v + strlen(v);
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= hlen || strpbrk(v, ", \t$") != NULL)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon ? colon + 1 : "25");
	return 0;
}

/* One field from a Postfix value; a value the field refuses is left out. */
static int
import_field(struct wm_mta *m, enum wm_mta_id id, const char *value, int *n)
{
	struct wm_err e;

	if (*value == '\0' || wm_mta_is_set(m, id))
		return 0;
	if (wm_mta_set(m, wm_mta_fields()[id].name, value, 0, &e) == -1) {
		wm_log(LOG_WARNING, "not imported from Postfix: %s", e.msg);
		return -1;
	}
	(*n)++;
	return 0;
}

static int
import_relayhost(struct wm_mta *m, const char *v, int *n)
{
	char host[256], port[16];
	const char *mx;
	int before = *n;

	if (*v == '\0' || wm_mta_is_set(m, WM_MTA_EXT_HOST))
		return 0;
	if (parse_relayhost(v, host, sizeof(host), &mx, port, sizeof(port)) == -1) {
		wm_log(LOG_WARNING, "not imported from Postfix: relayhost = %s "
		    "(one host, [host] or host:port only)", v);
		return 0;
	}
	/* All three or none: a host with another port would send elsewhere. */
	if (import_field(m, WM_MTA_EXT_PORT, port, n) == -1 ||
	    import_field(m, WM_MTA_EXT_MX, mx, n) == -1 ||
	    import_field(m, WM_MTA_EXT_HOST, host, n) == -1) {
		*n = before;
		return -1;
	}
	return 0;
}

int
wm_mta_import(const struct wm_config *cfg, struct wm_db *db, const char *actor,
    int *imported, struct wm_err *err)
{
	static const char *params[] = { "relayhost", "myhostname",
	    "smtp_helo_name" };
	char *v[3] = { NULL, NULL, NULL };
	struct wm_mta *m;
	int i, n = 0, rc = -1;

	*imported = 0;
	if ((m = wm_mta_load(db, err)) == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		if ((v[i] = postconf_value(cfg, params[i], err)) == NULL)
			goto out;
	if (import_relayhost(m, v[0], &n) == -1) {
		wm_mta_free(m);		/* none of the three, as said */
		if ((m = wm_mta_load(db, err)) == NULL)
			goto out;
	}
	import_field(m, WM_MTA_MY_HOSTNAME, v[1], &n);
	if (strcmp(v[2], "$myhostname") != 0)
		import_field(m, WM_MTA_HELO, v[2], &n);
	rc = n > 0 ? wm_mta_store(db, m, actor, err) : 0;
	if (rc == 0)
		*imported = n;
out:
	for (i = 0; i < 3; i++)
		free(v[i]);
	wm_mta_free(m);
	return rc;
}

/* Raw configuration */

int
wm_mta_raw_get(const struct wm_config *cfg, struct wm_buf *out, struct wm_err *err)
{
	char *path = wm_asprintf("%s/main.cf", wm_config_path(cfg, "postfix"));
	int rc;

	if (path == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	rc = wm_read_file(path, CF_MAX, out, err);
	free(path);
	return rc;
}

/*
 * The value of param in main.cf text (logical lines: a line starting with
 * white space continues the one before), blanks squeezed; NULL if absent.
 */
static char *
param_value(const char *text, const char *param)
{
	size_t plen = strlen(param);
	const char *p = text, *q;
	struct wm_buf v;
	char *found = NULL;

	for (; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, param, plen) != 0)
			continue;
		for (q = p + plen; *q == ' ' || *q == '\t'; q++)
			;
		if (*q != '=')
			continue;
		wm_buf_init(&v);
		wm_buf_puts(&v, "");
		/* The last setting wins, as in Postfix. */
		for (q++; *q && !(*q == '\n' && q[1] != ' ' && q[1] != '\t'); q++)
			if (!isspace((unsigned char)*q) || (v.len > 0 &&
			    v.data[v.len - 1] != ' '))
				wm_buf_append(&v, isspace((unsigned char)*q) ? " " : q, 1);
		while (v.len > 0 && v.data[v.len - 1] == ' ')
			v.data[--v.len] = '\0';
		free(found);
		found = wm_buf_take(&v);
	}
	return found;
}

static int
same_param(const char *old, const char *new, const char *param)
{
	char *a = param_value(old, param), *b = param_value(new, param);
	int same = (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);

	free(a);
	free(b);
	return same;
}

/* Every parameter the box owns, as the current main.cf has it, is unchanged. */
static int
owned_unchanged(const char *old, const char *new, struct wm_err *err)
{
	const char *param;
	int i;

	for (i = 0; (param = wm_mta_owned_param(i)) != NULL; i++)
		if (!same_param(old, new, param))
			return wm_err_set(err, EX_DATAERR, "main.cf: %s is set by the "
			    "box (wm-mtacfg set, or its own); it may not be changed "
			    "or removed here", param);
	return 0;
}

int
wm_mta_raw_set(const struct wm_config *cfg, const char *text, size_t len,
    struct wm_err *err)
{
	struct snapshot s;
	struct wm_buf lf;
	size_t i;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (len > CF_MAX || memchr(text, '\0', len) != NULL)
		return wm_err_set(err, EX_DATAERR, "main.cf: not a text of at most "
		    "%d bytes", CF_MAX);
	/* A browser's textarea sends CRLF; main.cf lines end in LF. */
	wm_buf_init(&lf);
	for (i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			wm_buf_append(&lf, text + i, 1);
	if (lf.data == NULL)
		wm_buf_puts(&lf, "");
	if (snap_take(cfg, &s, err) == -1)
		goto out;
	if (owned_unchanged(s.data[CF_MAIN].data, lf.data, err) == -1)
		goto out;
	if (wm_write_file_atomic(s.path[CF_MAIN], lf.data, lf.len, 0644, err) == -1)
		goto out;
	if (wm_mta_check(cfg, err) == 0 && reload_or_start_signer(cfg, err) == 0) {
		wm_log(LOG_INFO, "raw main.cf saved in %s", s.path[CF_MAIN]);
		rc = 0;
	} else {
		snap_restore(cfg, &s);
		wm_log(LOG_ERR, "raw main.cf refused, previous one restored: %s",
		    err->msg);
	}
out:
	wm_buf_free(&lf);
	snap_free(&s);
	return rc;
}
