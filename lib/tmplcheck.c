/*
 * tmplcheck.c - see tmplcheck.h.  The samples name the variables each
 * template gets in notify.c; keep the two in step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "err.h"
#include "template.h"
#include "tmplcheck.h"
#include "util.h"

struct sample {
	const char	*tmpl;		/* NULL: every template */
	const char	*var;
	const char	*value;
};

static const struct sample samples[] = {
	{ NULL, "from", "Webmail <notification@webmail.example>" },
	{ NULL, "to", "alice@example.com" },
	{ "signup", "address", "alice@example.com" },
	{ "signup", "link", "https://webmail.example/portal/signup?t=SAMPLE" },
	{ "signup", "expires", "2030-01-31 12:00 UTC" },
	{ "new-mail", "address", "alice@example.com" },
	{ "new-mail", "link", "https://webmail.example/portal/login" },
	{ "new-mail", "unseen", "3" },
	{ "password-reset", "address", "alice@example.com" },
	{ "password-reset", "link", "https://webmail.example/portal/reset?t=SAMPLE" },
	{ "password-reset", "expires", "2030-01-31 12:00 UTC" },
	{ "read-receipt", "mailbox", "alice@example.com" },
	{ "read-receipt", "subject", "Quarterly report" },
	{ "read-receipt", "message_id", "<sample@example.com>" },
	{ "read-receipt", "read", "2030-01-31 12:00 UTC" },
	{ "over-quota", "mailbox", "alice@example.com" },
	{ "over-quota", "sender", "bob@corp.example" },
	{ "over-quota", "subject", "Quarterly report" },
	{ "over-quota", "postmaster", "postmaster@webmail.example" },
	{ "over-quota", "role", "sender" },
	{ "postmaster", "reason", "signer is not trusted" },
	{ "postmaster", "size", "4096" },
	{ "postmaster", "postmaster", "postmaster@webmail.example" },
	{ NULL, NULL, NULL }
};

struct wm_tvars *
wm_template_samples(const char *name, struct wm_err *err)
{
	const struct sample *s;
	struct wm_tvars *v;

	if (name == NULL || !wm_template_known(name)) {
		wm_err_set(err, EX_USAGE, "unknown template %s", name ? name : "");
		return NULL;
	}
	if ((v = wm_tvars_new()) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	for (s = samples; s->var != NULL; s++) {
		if (s->tmpl != NULL && strcmp(s->tmpl, name) != 0)
			continue;
		if (wm_tvars_set(v, s->var, s->value, err) == -1) {
			wm_tvars_free(v);
			return NULL;
		}
	}
	return v;
}

char *
wm_template_preview(const char *name, const char *source, struct wm_err *err)
{
	struct wm_tvars *v;
	char *text, *mail;

	if (source == NULL)
		source = "";
	if ((v = wm_template_samples(name, err)) == NULL)
		return NULL;
	text = wm_template_render(name, source, v, err);
	wm_tvars_free(v);
	if (text == NULL)
		return NULL;
	mail = wm_template_finish_mail(text, err);
	free(text);
	if (mail == NULL)
		wm_err_wrap(err, "template %s", name);
	return mail;
}

/* "123 bytes" of a template row, or NULL when there is none. */
static char *
size_of(struct wm_db *db, enum wm_scope scope, const char *owner,
    const char *name)
{
	struct wm_err ignored;
	char *body, *s;

	if ((body = wm_template_get(db, scope, owner, name, &ignored)) == NULL)
		return NULL;
	s = wm_asprintf("%zu bytes", strlen(body));
	free(body);
	return s;
}

static int
audit(struct wm_db *db, const char *actor, const char *client,
    const char *action, enum wm_scope scope, const char *owner,
    const char *name, char *old, struct wm_err *err)
{
	struct wm_audit e = { 0 };
	char *object, *now;
	int rc;

	object = wm_asprintf("template %s at %s%s%s", name, wm_scope_name(scope),
	    owner && scope != WM_SCOPE_GLOBAL ? " " : "",
	    owner && scope != WM_SCOPE_GLOBAL ? owner : "");
	now = size_of(db, scope, owner, name);
	e.actor = actor ? actor : "unknown";
	e.client = client;
	e.action = action;
	e.object = object;
	e.old_value = old;
	e.new_value = now;
	rc = object ? wm_audit_add(db, &e, err) :
	    wm_err_set(err, EX_TEMPFAIL, "out of memory");
	free(object);
	free(now);
	free(old);
	return rc;
}

int
wm_template_save(struct wm_db *db, const char *actor, const char *client,
    enum wm_scope scope, const char *owner, const char *name,
    const char *source, struct wm_err *err)
{
	char *mail, *old;

	if ((mail = wm_template_preview(name, source, err)) == NULL)
		return -1;
	free(mail);
	if (wm_db_begin(db, err) == -1)
		return -1;
	old = size_of(db, scope, owner, name);
	if (wm_template_set(db, scope, owner, name, source, err) == -1) {
		free(old);
		wm_db_rollback(db);
		return -1;
	}
	if (audit(db, actor, client, "template-set", scope, owner, name, old,
	    err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}

int
wm_template_reset(struct wm_db *db, const char *actor, const char *client,
    enum wm_scope scope, const char *owner, const char *name,
    struct wm_err *err)
{
	char *old;

	if (wm_db_begin(db, err) == -1)
		return -1;
	old = size_of(db, scope, owner, name);
	if (wm_template_unset(db, scope, owner, name, err) == -1) {
		free(old);
		wm_db_rollback(db);
		return -1;
	}
	if (audit(db, actor, client, "template-unset", scope, owner, name, old,
	    err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	return wm_db_commit(db, err);
}
