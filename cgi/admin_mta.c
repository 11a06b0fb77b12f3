/*
 * admin_mta.c - the MTA config page (guide 4, figures 10 and 11): relay
 * domains and my networks as lists with add and remove, the other fields
 * with "show advanced settings", and Apply.  The fields go through the same
 * library calls as wm-mtacfg(8) (wm_mta_form_store, wm_mta_change): every
 * refused value is shown next to its field and nothing is stored.  Apply
 * runs [commands] mta-apply, which in production is wm-mtacfg apply as root
 * through the sudoers fragment: the console itself cannot write Postfix's
 * configuration.  The raw page edits main.cf as a whole the same way,
 * through [commands] mta-raw.  The DKIM page makes the key and shows the
 * record with the calls of wm-mtacfg dkim, and turns signing on or off
 * through the same Apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_pages.h"
#include "config.h"
#include "ctl.h"
#include "dkim.h"
#include "err.h"
#include "mta.h"
#include "util.h"

/* The HDF and form key of a field: '-' as '_'. */
static void
key_of(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[i] = '\0';
}

static int
on_form(const struct wm_mta_field *f, int i)
{
	return f[i].type != WM_MTA_DOMAINS && f[i].type != WM_MTA_CIDRS &&
	    i != WM_MTA_DKIM_SIGNING && i != WM_MTA_DKIM_SELECTOR &&
	    i != WM_MTA_DKIM_DOMAIN;
}

static void
fill_list(struct admin *a, const char *list, const char *value)
{
	char *copy = wm_strdup(value), *tok, *save;
	int n = 0;

	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		admin_list_set(a, list, n++, "value", tok);
	free(copy);
}

/* The form from the stored fields, or from what was posted (posted). */
static void
fill(struct admin *a, const struct wm_mta *m, int posted)
{
	const struct wm_mta_field *f = wm_mta_fields();
	const char *v;
	char key[64];
	int i, n = 0;

	fill_list(a, "Mta.relay", wm_mta_get(m, WM_MTA_RELAY_DOMAINS));
	fill_list(a, "Mta.nets", wm_mta_get(m, WM_MTA_MY_NETWORKS));
	for (i = 0; i < WM_MTA_NFIELDS; i++) {
		if (!on_form(f, i))
			continue;
		key_of(f[i].name, key, sizeof(key));
		v = posted ? wm_web_param(a->w, key) : wm_mta_get(m, i);
		admin_list_set(a, "Mta.fields", n, "key", key);
		admin_list_set(a, "Mta.fields", n, "label", f[i].label);
		admin_list_set(a, "Mta.fields", n, "help", f[i].help);
		admin_list_set(a, "Mta.fields", n, "advanced", f[i].advanced ? "1" : "0");
		admin_list_set(a, "Mta.fields", n, "bool",
		    f[i].type == WM_MTA_BOOL ? "1" : "0");
		if (f[i].type == WM_MTA_BOOL)
			admin_list_set(a, "Mta.fields", n, "checked",
			    posted ? (v ? "1" : "0") : strcmp(v, "yes") == 0 ? "1" : "0");
		else
			admin_list_set(a, "Mta.fields", n, "value", v ? v : "");
		n++;
	}
}

static int
page(struct admin *a, int posted)
{
	struct wm_mta *m;
	struct wm_err err;

	if ((m = wm_mta_load(a->db, &err)) == NULL)
		return admin_fail(a, &err);
	fill(a, m, posted);
	wm_mta_free(m);
	if (wm_web_param(a->w, "advanced") != NULL)
		wm_web_set(a->w, "Mta.advanced", "1");
	return admin_page(a, "mta.cs", "MTA configuration", "Most of the relevant "
	    "Postfix parameters for a store and forward mail server; Apply "
	    "checks them and configures Postfix.");
}

static int
r_mta(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "applied") != NULL)
		wm_web_set(a->w, "Page.notice", "Postfix now uses the new settings.");
	return page(a, 0);
}

static void
refused(void *arg, const char *field, const char *msg)
{
	char key[64];

	key_of(field, key, sizeof(key));
	admin_form_error(arg, key, msg);
}

/*
 * Runs a privileged [commands] entry (sudo in production); a refusal
 * becomes EX_DATAERR with the command's last words after what.
 */
static int
privileged(struct admin *a, const char *key, const char *const *args,
    const char *what, struct wm_err *err)
{
	struct wm_buf out;
	char *p;
	int rc;

	wm_buf_init(&out);
	rc = wm_ctl_command_all(a->cfg, key, args, &out, err);
	if (rc > 0) {
		while (out.len > 0 && (out.data[out.len - 1] == '\n'))
			out.data[--out.len] = '\0';
		p = out.data ? strrchr(out.data, '\n') : NULL;
		wm_err_set(err, EX_DATAERR, "%s: %s", what,
		    p ? p + 1 : out.data ? out.data : key);
	}
	wm_buf_free(&out);
	return rc == 0 ? 0 : -1;
}

static int
apply(struct admin *a, struct wm_err *err)
{
	return privileged(a, "mta-apply", NULL, "not applied", err);
}

static int
r_apply(struct admin *a, const long long *args)
{
	const struct wm_mta_field *f = wm_mta_fields();
	const char *names[WM_MTA_NFIELDS], *values[WM_MTA_NFIELDS];
	char keys[WM_MTA_NFIELDS][64], shown[80];
	struct wm_err err;
	int i, n = 0, bad;

	for (i = 0; i < WM_MTA_NFIELDS; i++) {
		key_of(f[i].name, keys[i], sizeof(keys[i]));
		snprintf(shown, sizeof(shown), "on_%.63s", keys[i]);
		/* Only the fields the form showed (advanced ones may be hidden). */
		if (!on_form(f, i) || wm_web_param(a->w, shown) == NULL)
			continue;
		names[n] = f[i].name;
		values[n] = wm_web_param(a->w, keys[i]);
		if (f[i].type == WM_MTA_BOOL)
			values[n] = values[n] ? "yes" : "no";
		else if (values[n] == NULL)
			values[n] = "";
		n++;
	}
	bad = wm_mta_form_store(a->db, admin_name(a), names, values, n, refused, a,
	    &err);
	if (bad == -1)
		return admin_fail(a, &err);
	if (bad > 0)
		return page(a, 1);
	admin_audit(a, "mta-apply", "MTA configuration", NULL, NULL);
	if (apply(a, &err) == -1) {
		wm_web_set(a->w, "Page.error", err.msg);
		return page(a, 0);
	}
	return admin_redirect(a, "/mta?applied=1");
}

/* Add or remove one relay domain or network: stored, applied by Apply. */
static int
change(struct admin *a, const char *field, enum wm_mta_op op, const char *param)
{
	const char *v = wm_web_param(a->w, param);
	struct wm_err err;

	if (wm_mta_change(a->db, admin_name(a), op, field, v ? v : "", 0, &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, param, err.msg);
		return page(a, 0);
	}
	admin_audit(a, op == WM_MTA_OP_ADD ? "mta-add" : "mta-remove", field, NULL, v);
	return admin_redirect(a, "/mta");
}

static int
r_relay_add(struct admin *a, const long long *args)
{
	return change(a, "relay-domains", WM_MTA_OP_ADD, "add_domain");
}

static int
r_relay_remove(struct admin *a, const long long *args)
{
	return change(a, "relay-domains", WM_MTA_OP_REMOVE, "domain");
}

static int
r_net_add(struct admin *a, const long long *args)
{
	return change(a, "my-networks", WM_MTA_OP_ADD, "add_network");
}

static int
r_net_remove(struct admin *a, const long long *args)
{
	return change(a, "my-networks", WM_MTA_OP_REMOVE, "network");
}

/* The raw main.cf (guide: "MTA raw config page"). */

static int
raw_page(struct admin *a, const char *text)
{
	struct wm_buf b;
	struct wm_err err;
	const char *p;
	int i;

	wm_buf_init(&b);
	if (text == NULL && wm_mta_raw_get(a->cfg, &b, &err) == -1)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Raw.text", text ? text : b.data ? b.data : "");
	wm_buf_free(&b);
	for (i = 0; (p = wm_mta_owned_param(i)) != NULL; i++)
		admin_list_set(a, "Raw.owned", i, "name", p);
	return admin_page(a, "mta_raw.cs", "MTA raw config", "The Postfix main.cf "
	    "as a whole; it is saved only when postfix check accepts it, and the "
	    "parameters the box sets may not be changed here.");
}

static int
r_raw(struct admin *a, const long long *args)
{
	if (wm_web_param(a->w, "saved") != NULL)
		wm_web_set(a->w, "Page.notice", "main.cf saved; Postfix uses it.");
	return raw_page(a, NULL);
}

/*
 * The text goes to run/mta-raw.cf, where [commands] mta-raw (wm-mtacfg raw
 * set --file, as root) reads it; the console cannot write main.cf itself.
 */
static int
r_raw_save(struct admin *a, const long long *args)
{
	const char *text = wm_web_param(a->w, "maincf");
	struct wm_buf out;
	struct wm_err err;
	char *path, *p;
	int rc;

	if (text == NULL)
		text = "";
	if ((path = wm_asprintf("%s/mta-raw.cf", wm_config_path(a->cfg, "run"))) == NULL)
		return admin_error(a, 503, "out of memory");
	rc = wm_write_file_atomic(path, text, strlen(text), 0600, &err);
	free(path);
	if (rc == -1)
		return admin_fail(a, &err);
	wm_buf_init(&out);
	rc = wm_ctl_command_all(a->cfg, "mta-raw", NULL, &out, &err);
	if (rc != 0) {
		while (out.len > 0 && out.data[out.len - 1] == '\n')
			out.data[--out.len] = '\0';
		p = out.data ? strrchr(out.data, '\n') : NULL;
		admin_form_error(a, "maincf", p ? p + 1 : out.data ? out.data : err.msg);
		wm_buf_free(&out);
		return raw_page(a, text);
	}
	wm_buf_free(&out);
	admin_audit(a, "mta-raw", "main.cf", NULL, NULL);
	return admin_redirect(a, "/mta/raw?saved=1");
}

/*
 * DKIM (the guide's settings menu): the key is made and the record read by
 * the calls wm-mtacfg dkim makes; turning signing on or off stores the
 * field and applies through [commands] mta-apply, which starts or stops
 * OpenDKIM with the Postfix configuration.
 */
static int
dkim_page(struct admin *a, int posted)
{
	struct wm_buf line, value;
	struct wm_mta *m;
	struct wm_err err;
	const char *sel = wm_web_param(a->w, "selector");
	const char *dom = wm_web_param(a->w, "domain");

	if ((m = wm_mta_load(a->db, &err)) == NULL)
		return admin_fail(a, &err);
	wm_web_set(a->w, "Dkim.selector", posted && sel ? sel :
	    wm_mta_get(m, WM_MTA_DKIM_SELECTOR));
	wm_web_set(a->w, "Dkim.domain", posted && dom ? dom :
	    wm_mta_get(m, WM_MTA_DKIM_DOMAIN));
	wm_web_set(a->w, "Dkim.signing", wm_mta_get(m, WM_MTA_DKIM_SIGNING));
	wm_mta_free(m);
	wm_buf_init(&line);
	wm_buf_init(&value);
	if (wm_dkim_record(a->cfg, a->db, &line, &value, &err) == 0) {
		wm_web_set(a->w, "Dkim.record", line.data);
		wm_web_set(a->w, "Dkim.txt", value.data);
	} else if (err.code != EX_UNAVAILABLE)
		wm_web_set(a->w, "Page.error", err.msg);
	wm_buf_free(&line);
	wm_buf_free(&value);
	return admin_page(a, "dkim.cs", "DKIM", "The key OpenDKIM signs the "
	    "mail the box sends with, the DNS record to publish for it, and "
	    "signing on or off.");
}

static int
r_dkim(struct admin *a, const long long *args)
{
	const char *done = wm_web_param(a->w, "done");

	if (done != NULL && strcmp(done, "created") == 0)
		wm_web_set(a->w, "Page.notice", "The key was made; publish the "
		    "record below before signing is turned on.");
	else if (done != NULL)
		wm_web_set(a->w, "Page.notice", "Postfix now uses the new settings.");
	return dkim_page(a, 0);
}

/*
 * The key is written beside wm.conf, where the web user cannot write: in
 * production [commands] dkim-create is wm-mtacfg dkim create through sudo.
 */
static int
genkey(struct admin *a, const char *sel, const char *dom, struct wm_err *err)
{
	const char *args[] = { "--selector", sel, "--domain", dom, NULL };

	return privileged(a, "dkim-create", args, "no key made", err);
}

static int
r_dkim_create(struct admin *a, const long long *args)
{
	const char *sel = wm_web_param(a->w, "selector");
	const char *dom = wm_web_param(a->w, "domain");
	struct wm_mta *m;
	struct wm_err err;
	int bad = 0;

	sel = sel ? sel : "";
	dom = dom ? dom : "";
	/* The field checks wm_dkim_create makes, to name the wrong field. */
	if ((m = wm_mta_load(a->db, &err)) == NULL)
		return admin_fail(a, &err);
	if (*sel == '\0' || wm_mta_set(m, "dkim-selector", sel, 0, &err) == -1) {
		admin_form_error(a, "selector", *sel ? err.msg : "give a selector");
		bad++;
	}
	if (*dom == '\0' || wm_mta_set(m, "dkim-domain", dom, 0, &err) == -1) {
		admin_form_error(a, "domain", *dom ? err.msg : "give a domain");
		bad++;
	}
	wm_mta_free(m);
	if (bad)
		return dkim_page(a, 1);
	if (genkey(a, sel, dom, &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, "selector", err.msg);
		return dkim_page(a, 1);
	}
	admin_audit(a, "dkim-create", dom, NULL, sel);
	return admin_redirect(a, "/mta/dkim?done=created");
}

static int
r_dkim_signing(struct admin *a, const long long *args)
{
	const char *v = wm_web_param(a->w, "signing");
	int on = v != NULL && strcmp(v, "on") == 0;
	struct wm_err err;

	if (wm_mta_change(a->db, admin_name(a), WM_MTA_OP_SET, "dkim-signing",
	    on ? "yes" : "no", 0, &err) == -1) {
		if (err.code != EX_DATAERR)
			return admin_fail(a, &err);
		admin_form_error(a, "signing", err.msg);
		return dkim_page(a, 0);
	}
	admin_audit(a, on ? "dkim-enable" : "dkim-disable", "DKIM signing", NULL,
	    on ? "yes" : "no");
	if (apply(a, &err) == -1) {
		wm_web_set(a->w, "Page.error", err.msg);
		return dkim_page(a, 0);
	}
	return admin_redirect(a, "/mta/dkim?done=applied");
}

const struct admin_route admin_mta_routes[] = {
	{ "GET",  "/mta/raw", r_raw, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/raw", r_raw_save, ADMIN_LOGIN, 0 },
	{ "GET",  "/mta/dkim", r_dkim, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/dkim", r_dkim_create, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/dkim/signing", r_dkim_signing, ADMIN_LOGIN, 0 },
	{ "GET",  "/mta", r_mta, ADMIN_LOGIN, 0 },
	{ "POST", "/mta", r_apply, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/relay-domains/add", r_relay_add, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/relay-domains/remove", r_relay_remove, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/my-networks/add", r_net_add, ADMIN_LOGIN, 0 },
	{ "POST", "/mta/my-networks/remove", r_net_remove, ADMIN_LOGIN, 0 },
	ADMIN_ROUTES_END
};

const struct admin_menu admin_mta_menu[] = {
	{ ADMIN_SECTION_ADMIN, "MTA config", "/mta" },
	{ ADMIN_SECTION_ADMIN, "MTA raw config", "/mta/raw" },
	{ ADMIN_SECTION_ADMIN, "DKIM", "/mta/dkim" },
	ADMIN_MENU_END
};
