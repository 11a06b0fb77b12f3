/*
 * deliver.c - see deliver.h.
 *
 * Two kinds of failure, never mixed up: a tunnel that is wrong (not for us,
 * badly signed, malformed) will be just as wrong on the next try, so it goes
 * to the postmaster and Postfix is told it is done; everything else is
 * EX_TEMPFAIL so Postfix keeps the mail.  A recipient is finished (file,
 * index row, notification) before the next one starts, and a half-finished
 * one is undone, so a retry stores nothing twice.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "err.h"
#include "log.h"
#include "mailbox.h"
#include "metrics.h"
#include "message.h"
#include "notice.h"
#include "sysmail.h"
#include "pki.h"
#include "prefs.h"
#include "smime.h"
#include "tunnel.h"
#include "user.h"
#include "util.h"

/* The tunnel: in memory, or in a file that is only mapped when needed. */
struct source {
	const char		*mem;
	int			 fd;
	size_t			 len;
};

/* Tunnels up to this size are read into memory; larger ones are spooled. */
#define SMALL	(8 * 1024 * 1024)

struct job {
	struct source		 in;
	struct wm_config	*cfg;
	struct wm_db		*db;
	const char		*root;		/* mail directory */
	const char		*sender;	/* outer envelope, for the log */
	const struct wm_tunnel	*t;
	EVP_MD_CTX		*key_base;	/* hashes the original once */
	pid_t			 writer;	/* our parent, writing the input; 0: a file */
	int			 stored_lf;	/* stored with LF line ends */
	long long		 stored_size;	/* bytes in the maildir */
	struct wm_deliverer	*dv;
};

/* The digest state after original || 0x00, shared by every recipient. */
static EVP_MD_CTX *
key_base(const void *original, size_t len)
{
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, original, len) != 1 ||
	    EVP_DigestUpdate(ctx, "", 1) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
key_finish(const EVP_MD_CTX *base, const char *recipient, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_MD_CTX_copy_ex(ctx, base) == 1 &&
	    EVP_DigestUpdate(ctx, recipient, strlen(recipient)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	wm_hex(md, sizeof(md), out);
	return 0;
}

int
wm_deliver_key(const void *original, size_t len, const char *recipient,
    char out[65])
{
	EVP_MD_CTX *base = key_base(original, len);
	int rc;

	if (base == NULL)
		return -1;
	rc = key_finish(base, recipient, out);
	EVP_MD_CTX_free(base);
	return rc;
}

/* Whatever went wrong on our side, Postfix must keep the mail. */
static int
tempfail(struct wm_err *err)
{
	err->code = EX_TEMPFAIL;
	return -1;
}

/* The whole tunnel as bytes; a file is mapped (read-only) for the call. */
static const void *
source_map(const struct source *in, struct wm_err *err)
{
	void *p;

	if (in->mem != NULL || in->len == 0)
		return in->mem ? in->mem : "";
	p = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, in->fd, 0);
	if (p == MAP_FAILED) {
		wm_err_set(err, EX_TEMPFAIL, "map tunnel: %s", strerror(errno));
		return NULL;
	}
	return p;
}

static void
source_unmap(const struct source *in, const void *p)
{
	if (in->mem == NULL && in->len > 0 && p != NULL)
		munmap((void *)p, in->len);
}

/*
 * Input cut short because the writer went away (Postfix stopped, pipe(8)
 * killed while writing) reads like a truncated tunnel; it is not one, and
 * Postfix still holds the whole mail.  The writer is our parent: when it
 * is gone we have been re-parented.
 */
static int
writer_gone(const struct job *j)
{
	return j->writer != 0 && getppid() != j->writer;
}

/* A tunnel that is wrong for good: the postmaster gets it whole. */
static int
refuse(struct job *j, const char *reason, struct wm_err *err)
{
	struct wm_notice n;
	struct wm_err perr;
	const void *mail;
	int rc;

	if (writer_gone(j)) {
		wm_log(LOG_WARNING, "tunnel from <%s> cut short: the writer went "
		    "away (%s); will retry", j->sender, reason);
		return wm_err_set(err, EX_TEMPFAIL, "input cut short: the writer "
		    "went away");
	}
	memset(&n, 0, sizeof(n));
	n.kind = WM_NOTICE_POSTMASTER;
	n.reason = reason;
	if ((mail = source_map(&j->in, &perr)) == NULL)
		rc = -1;
	else {
		n.body = mail;
		n.len = j->in.len;
		rc = wm_notice_queue(j->db, &n, &perr);
	}
	source_unmap(&j->in, mail);
	if (rc == -1) {
		wm_log(LOG_WARNING, "tunnel from <%s> refused: %s; postmaster "
		    "copy not queued (%s); will retry", j->sender, reason,
		    perr.msg);
		wm_err_set(err, EX_TEMPFAIL, "postmaster copy failed: %s", perr.msg);
		return -1;
	}
	wm_log(LOG_ERR, "tunnel from <%s> refused: %s; sent to the postmaster",
	    j->sender, reason);
	wm_metric_note(j->db, WM_METRIC_POSTMASTER, 1);
	return 0;
}

/* The effective quota, fail-closed: a lookup that fails defers. */
static int
quota_of(struct job *j, const char *rcpt, long long *quota, struct wm_err *err)
{
	/* Fail closed: an unreadable quota defers, it never means unlimited. */
	if (wm_pref_user_num(j->db, rcpt, "quota", quota, err) == -1) {
		wm_err_wrap(err, "quota of %s", rcpt);
		return tempfail(err);
	}
	return 0;
}

/* From the running totals (O(1)), never by listing the maildir. */
static int
over_quota(struct job *j, const char *rcpt, long long *usage, long long *quota,
    struct wm_err *err)
{
	if (quota_of(j, rcpt, quota, err) == -1)
		return -1;
	if (*quota <= 0)
		return 0;
	if (wm_message_totals(j->db, rcpt, NULL, NULL, NULL, usage, err) == -1)
		return -1;
	return *usage + j->stored_size > *quota;
}

static int
index_row(struct job *j, const char *rcpt, const char *key, const char *file,
    struct wm_err *err)
{
	struct wm_message m;

	memset(&m, 0, sizeof(m));
	m.mailbox = (char *)rcpt;
	m.folder = "inbox";
	m.file = (char *)file;
	m.delivery_key = (char *)key;
	m.envelope_sender = j->t->sender;
	m.received = wm_now();
	m.size = j->stored_size;	/* what the maildir holds: quota agrees */
	m.expires = j->t->expires;
	m.read_receipt = j->t->read_receipt;
	/*
	 * The headers are decoded later, by a process that holds no key
	 * (index.c): this one read the relay key to get at the mail.
	 */
	m.unindexed = 1;
	m.stored_lf = j->stored_lf;
	return wm_message_insert(j->db, &m, err);
}

static int
queue_notice(struct job *j, enum wm_notice_kind kind, const char *rcpt,
    struct wm_err *err)
{
	struct wm_notice n;
	char *subject = NULL;
	int rc;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.address = rcpt;
	n.sender = j->t->sender;
	/* As the mail has it; the sender decodes it when it renders (notify.c). */
	if (kind == WM_NOTICE_OVER_QUOTA)
		n.subject = subject = wm_header_value(j->t->original,
		    j->t->original_len, "Subject");
	rc = wm_notice_queue(j->db, &n, err);
	free(subject);
	return rc;
}

enum verdict { STORE, SKIP, FULL };

/*
 * Inside the write lock: has another run stored it meanwhile, does the
 * recipient exist (a new user's rows join this transaction), is there room.
 * A file an interrupted run published is adopted whatever the quota says:
 * it was within quota when it was written.
 */
static int
decide(struct job *j, const char *rcpt, const char *key, enum verdict *v,
    struct wm_err *err)
{
	long long usage = 0, quota = 0;
	int rc;

	if ((rc = wm_message_key_exists(j->db, key, err)) == -1)
		return -1;
	*v = SKIP;
	if (rc == 1)
		return 0;
	if (wm_user_ensure(j->db, rcpt, NULL, err) == -1)
		return -1;
	*v = STORE;
	if (wm_mailbox_has_new(j->root, rcpt, key))
		return 0;
	if ((rc = over_quota(j, rcpt, &usage, &quota, err)) == -1)
		return -1;
	if (rc == 1) {
		*v = FULL;
		wm_log(LOG_WARNING, "recipient=%s key=%s not stored: over quota "
		    "(%lld used + %zu > %lld); sender and postmaster told", rcpt,
		    key, usage, j->t->original_len, quota);
	}
	return 0;
}

/*
 * File, index row and notice are one unit: the file is published under
 * the write lock, so no other run can publish or index the same key
 * meanwhile, and removed again if the transaction does not commit.  A kill
 * after the rename leaves new/<key> without a row; the retry's rename
 * replaces it, and the row follows: one file, one row, one notice.
 */
static int
commit_one(struct job *j, const char *rcpt, const char *key, const char *tmp,
    struct wm_err *err)
{
	struct wm_err uerr;
	enum verdict v;
	char file[80];

	if (wm_db_begin(j->db, err) == -1)
		return -1;
	if (decide(j, rcpt, key, &v, err) == -1)
		goto fail;
	if (v == SKIP) {
		wm_db_rollback(j->db);
		wm_log(LOG_INFO, "recipient=%s key=%s already stored; skipped",
		    rcpt, key);
		return 0;
	}
	if (v == FULL)
		return queue_notice(j, WM_NOTICE_OVER_QUOTA, rcpt, err) == -1 ?
		    (wm_db_rollback(j->db), -1) : wm_db_commit(j->db, err);
	snprintf(file, sizeof(file), "new/%s", key);
	if (wm_mailbox_publish(j->root, rcpt, tmp, key, err) == -1)
		goto fail;
	if (index_row(j, rcpt, key, file, err) == -1 ||
	    wm_cleanup_keep_file(j->db, rcpt, file, err) == -1 ||
	    queue_notice(j, WM_NOTICE_NEW_MAIL, rcpt, err) == -1) {
		wm_db_rollback(j->db);
		wm_mailbox_remove(j->root, rcpt, file, &uerr);
		return -1;
	}
	/* Counted in the same commit: one sync per mail, not two. */
	if (wm_metric_add(j->db, WM_METRIC_DELIVERED, 1, wm_now(), &uerr) == -1)
		wm_log(LOG_NOTICE, "metric delivered not counted: %s", uerr.msg);
	if (wm_db_commit(j->db, err) == -1) {
		wm_mailbox_remove(j->root, rcpt, file, &uerr);
		return -1;
	}
	wm_log(LOG_INFO, "recipient=%s key=%s stored %s (%zu bytes) from <%s>",
	    rcpt, key, file, j->t->original_len, j->t->sender);
	return 0;
fail:
	wm_db_rollback(j->db);
	return -1;
}

static int
deliver_one(struct job *j, const char *rcpt, struct wm_err *err)
{
	char key[65], *tmp = NULL;
	int rc;

	if (key_finish(j->key_base, rcpt, key) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "cannot hash the mail");
	if ((rc = wm_message_key_exists(j->db, key, err)) == -1)
		return -1;
	if (rc == 1) {
		wm_log(LOG_INFO, "recipient=%s key=%s already stored; skipped",
		    rcpt, key);
		return 0;
	}
	/* Written and synced before the lock: writing holds no one up. */
	if (wm_mailbox_stage(j->root, rcpt, key, j->t->original,
	    j->t->original_len, j->stored_lf, &tmp, err) == -1)
		return -1;
	rc = commit_one(j, rcpt, key, tmp, err);
	wm_mailbox_discard(tmp);	/* gone already when published */
	free(tmp);
	return rc;
}

static int
deliver_tunnel(struct job *j, struct wm_err *err)
{
	size_t i;

	if ((j->key_base = key_base(j->t->original, j->t->original_len)) == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "cannot hash the mail");
	j->stored_size = wm_mailbox_stored_size(j->t->original,
	    j->t->original_len, &j->stored_lf);
	for (i = 0; i < j->t->nrecipients; i++) {
		if (deliver_one(j, j->t->recipients[i], err) == -1) {
			wm_log(LOG_WARNING, "recipient=%s not stored: %s; will "
			    "retry", j->t->recipients[i], err->msg);
			return -1;
		}
	}
	return 0;
}

static int spool_open(struct wm_config *, struct wm_err *);

/* A setting that cannot be read defers: it may be what lets this tunnel in. */
static int
cipher_flags(struct job *j, struct wm_err *err)
{
	char *v;
	int legacy;

	if ((v = wm_pref_user(j->db, NULL, "legacy-content-ciphers", err)) == NULL) {
		wm_err_wrap(err, "setting legacy-content-ciphers");
		return tempfail(err);
	}
	legacy = strcmp(v, "yes") == 0;
	free(v);
	return legacy ? WM_SMIME_LEGACY_CIPHERS : 0;
}

/*
 * Decrypts and verifies into sig; a tunnel in a file is decrypted into
 * another unnamed file, so the plaintext never sits in memory beside what
 * OpenSSL holds while it parses the signature.  Refusals fill why.
 */
static int
decrypt_verify(struct job *j, const struct wm_keypair *keys, size_t nkeys,
    X509_STORE *store, struct wm_smime_signed *sig, struct wm_err *why,
    struct wm_err *err)
{
	struct wm_buf plain;
	int flags, pfd, rc;

	if ((flags = cipher_flags(j, err)) == -1) {
		*why = *err;
		return -1;
	}
	if (j->in.mem != NULL) {
		wm_buf_init(&plain);
		rc = wm_smime_decrypt(j->in.mem, j->in.len, keys, nkeys, flags,
		    &plain, why);
		if (rc == 0)
			rc = wm_smime_verify(plain.data, plain.len, store, sig, why);
		/* The signed bytes live in sig now; the plaintext can go. */
		wm_buf_free(&plain);
		return rc;
	}
	if ((pfd = spool_open(j->cfg, err)) == -1) {
		*why = *err;
		return -1;
	}
	rc = wm_smime_decrypt_fd(j->in.fd, keys, nkeys, flags, pfd, why);
	if (rc == 0)
		rc = wm_smime_verify_fd(pfd, store, sig, why);
	close(pfd);
	return rc;
}

/*
 * The relay keys and the certificate store, loaded from the database.  The
 * pipe path loads them once per tunnel and drops them right after decrypting
 * and verifying, before the mail is parsed; a long-running deliverer
 * (wm-lmtpd) keeps them and reloads only when its stamp of the key,
 * certificate and CRL tables changes.
 */
struct wm_deliverer {
	struct wm_config	*cfg;
	struct wm_db		*db;
	int			 keep;
	struct wm_keypair	*keys;
	size_t			 nkeys;
	X509_STORE		*store;
	char			*stamp;
};

static void
keys_drop(struct wm_deliverer *dv)
{
	wm_pki_keypairs_free(dv->keys, dv->nkeys);	/* frees key material */
	dv->keys = NULL;
	dv->nkeys = 0;
}

static void
creds_drop(struct wm_deliverer *dv)
{
	keys_drop(dv);
	X509_STORE_free(dv->store);
	dv->store = NULL;
}

/* Changes whenever a key, certificate, trust flag or CRL changes. */
static char *
creds_stamp(struct wm_db *db, struct wm_err *err)
{
	sqlite3_stmt *st;
	char *v = NULL;

	st = wm_db_prepare(db, "SELECT (SELECT count(*) || '.' || "
	    "coalesce(max(id), 0) || '.' || total(length(pem)) FROM "
	    "private_keys) || '/' || (SELECT count(*) || '.' || coalesce(max(id), "
	    "0) || '.' || total(is_root) || '.' || total(whitelisted) FROM "
	    "certificates) || '/' || (SELECT count(*) || '.' || coalesce(max(id), "
	    "0) FROM crls)", err);
	if (st == NULL)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = wm_strdup(wm_db_text(st, 0));
	else
		wm_db_fail(db, "relay keys", err);
	sqlite3_finalize(st);
	return v;
}

static int
creds_load(struct wm_deliverer *dv, struct wm_err *err)
{
	char *stamp = NULL;

	if (dv->keep && (stamp = creds_stamp(dv->db, err)) == NULL)
		return -1;
	if (dv->store != NULL && (!dv->keep || strcmp(stamp, dv->stamp) == 0)) {
		free(stamp);
		return 0;
	}
	creds_drop(dv);
	free(dv->stamp);
	dv->stamp = stamp;
	if (wm_pki_relay_keys(dv->db, &dv->keys, &dv->nkeys, err) == -1 ||
	    (dv->store = wm_pki_store(dv->db, err)) == NULL) {
		creds_drop(dv);
		free(dv->stamp);
		dv->stamp = NULL;
		return -1;
	}
	return 0;
}

/* Decrypts and verifies; 1: refused (reason in why), 0: sig filled. */
static int
open_tunnel(struct job *j, struct wm_smime_signed *sig, struct wm_err *why,
    struct wm_err *err)
{
	struct wm_deliverer *dv = j->dv;
	int rc, signer_ok;

	if (creds_load(dv, err) == -1)
		return -1;
	if (dv->nkeys == 0)
		return wm_err_set(err, EX_TEMPFAIL, "no relay recipient key");
	/* A kept store must judge validity now, not when it was loaded. */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(dv->store), wm_now());
	rc = decrypt_verify(j, dv->keys, dv->nkeys, dv->store, sig, why, err);
	/* DESIGN: decrypt and verify, wipe the key, only then parse. */
	if (!dv->keep)
		keys_drop(dv);
	signer_ok = rc == -1 || wm_pki_verify_signer_in(dv->store, sig->signer,
	    sig->certs, wm_now(), why) == 0;
	if (!dv->keep)
		creds_drop(dv);
	if (rc == -1)
		return why->code == EX_DATAERR ? 1 : (*err = *why, -1);
	if (!signer_ok) {
		wm_smime_signed_clear(sig);
		if (why->code != EX_DATAERR)
			return (*err = *why, -1);
		wm_err_wrap(why, "signer not accepted");
		return 1;
	}
	return 0;
}

/* Only the header block matters for the system-mail header. */
static int
is_system_mail(struct job *j)
{
	char head[65536];
	ssize_t n;

	if (j->in.mem != NULL)
		return wm_sysmail_check(j->db, j->in.mem, j->in.len) == 1;
	n = pread(j->in.fd, head, sizeof(head), 0);
	return n > 0 && wm_sysmail_check(j->db, head, (size_t)n) == 1;
}

static int
run(struct job *j, const char *recipient, struct wm_err *err)
{
	struct wm_smime_signed sig;
	struct wm_tunnel *t;
	struct wm_err why;
	int rc;

	memset(&sig, 0, sizeof(sig));
	if ((j->root = wm_config_path(j->cfg, "mail")) == NULL)
		return wm_err_set(err, EX_CONFIG, "no [paths] mail");
	if (j->in.len == 0) {
		wm_log(LOG_ERR, "tunnel from <%s> to <%s> refused: empty input",
		    j->sender, recipient ? recipient : "");
		return wm_err_set(err, EX_NOINPUT, "empty input");
	}
	if (is_system_mail(j)) {
		/* Our own mail came back: handling it again could loop. */
		wm_log(LOG_WARNING, "mail from <%s> to <%s> is system mail of this "
		    "box; not processed again, discarded", j->sender,
		    recipient ? recipient : "");
		return 0;
	}
	wm_err_clear(&why);
	if ((rc = open_tunnel(j, &sig, &why, err)) == -1) {
		wm_log(LOG_WARNING, "tunnel from <%s> not opened: %s; will retry",
		    j->sender, err->msg);
		return tempfail(err);
	}
	if (rc == 1)
		return refuse(j, why.msg, err) == -1 ? tempfail(err) : 0;
	if ((t = wm_tunnel_parse(sig.content, sig.len, &why)) == NULL) {
		wm_smime_signed_clear(&sig);
		if (why.code != EX_DATAERR) {
			*err = why;
			return tempfail(err);
		}
		wm_err_wrap(&why, "bad tunnel");
		return refuse(j, why.msg, err) == -1 ? tempfail(err) : 0;
	}
	j->t = t;
	rc = deliver_tunnel(j, err);
	EVP_MD_CTX_free(j->key_base);
	j->key_base = NULL;
	wm_tunnel_free(t);
	wm_smime_signed_clear(&sig);
	return rc == -1 ? tempfail(err) : 0;
}

static void
job_init(struct job *j, struct wm_deliverer *dv, const char *sender)
{
	memset(j, 0, sizeof(*j));
	j->dv = dv;
	j->cfg = dv->cfg;
	j->db = dv->db;
	j->sender = sender ? sender : "";
	j->in.fd = -1;
}

struct wm_deliverer *
wm_deliverer_new(struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	struct wm_deliverer *dv;

	if ((dv = calloc(1, sizeof(*dv))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	dv->cfg = cfg;
	dv->db = db;
	dv->keep = 1;
	return dv;
}

void
wm_deliverer_free(struct wm_deliverer *dv)
{
	if (dv == NULL)
		return;
	creds_drop(dv);
	free(dv->stamp);
	free(dv);
}

static void
one_shot(struct wm_deliverer *dv, struct wm_config *cfg, struct wm_db *db)
{
	memset(dv, 0, sizeof(*dv));
	dv->cfg = cfg;
	dv->db = db;
}

int
wm_deliverer_mem(struct wm_deliverer *dv, const char *sender,
    const char *recipient, const void *mail, size_t len, struct wm_err *err)
{
	struct job j;

	job_init(&j, dv, sender);
	j.in.mem = len ? mail : NULL;
	j.in.len = len;
	return run(&j, recipient, err);
}

int
wm_deliver(struct wm_config *cfg, struct wm_db *db, const char *sender,
    const char *recipient, const void *mail, size_t len, struct wm_err *err)
{
	struct wm_deliverer dv;
	int rc;

	one_shot(&dv, cfg, db);
	rc = wm_deliverer_mem(&dv, sender, recipient, mail, len, err);
	creds_drop(&dv);
	return rc;
}

/* An unnamed file beside the mail, else in $TMPDIR; gone when closed. */
static int
spool_open(struct wm_config *cfg, struct wm_err *err)
{
	const char *root = wm_config_path(cfg, "mail");
	FILE *f;
	int fd = -1;

	if (root != NULL)
		fd = open(root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1 && (f = tmpfile()) != NULL) {
		fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
		fclose(f);
	}
	if (fd == -1)
		wm_err_set(err, EX_TEMPFAIL, "spool file: %s", strerror(errno));
	return fd;
}

/* Copies the rest of fd after head into a spool file; *len gets the size. */
static int
spool(struct wm_config *cfg, int fd, const struct wm_buf *head, size_t max,
    size_t *len, struct wm_err *err)
{
	char chunk[65536];
	ssize_t n;
	int sfd;

	if ((sfd = spool_open(cfg, err)) == -1)
		return -1;
	*len = head->len;
	if (wm_write_all(sfd, head->data, head->len) == -1)
		goto fail;
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			return sfd;
		if (*len + (size_t)n > max) {
			close(sfd);
			return wm_err_set(err, EX_DATAERR,
			    "tunnel larger than %zu bytes", max);
		}
		if (wm_write_all(sfd, chunk, (size_t)n) == -1)
			goto fail;
		*len += (size_t)n;
	}
fail:
	wm_err_set(err, EX_TEMPFAIL, "spool tunnel: %s", strerror(errno));
	close(sfd);
	return -1;
}

/* Reads up to SMALL bytes: 1 at end of input, 0 when there is more. */
static int
read_head(int fd, struct wm_buf *head, struct wm_err *err)
{
	char chunk[65536];
	ssize_t n;

	while (head->len < SMALL) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return wm_err_set(err, EX_TEMPFAIL, "read tunnel: %s",
			    strerror(errno));
		if (n == 0)
			return 1;
		if (wm_buf_append(head, chunk, (size_t)n) == -1)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	return 0;
}

static int
too_big(const char *sender, struct wm_err *err)
{
	wm_log(LOG_ERR, "tunnel from <%s> refused: %s", sender, err->msg);
	return -1;
}

int
wm_deliver_stream(struct wm_config *cfg, struct wm_db *db, const char *sender,
    const char *recipient, int fd, size_t max, struct wm_err *err)
{
	struct wm_deliverer dv;
	int rc;

	one_shot(&dv, cfg, db);
	rc = wm_deliverer_run(&dv, sender, recipient, fd, max, err);
	creds_drop(&dv);
	return rc;
}

int
wm_deliverer_run(struct wm_deliverer *dv, const char *sender,
    const char *recipient, int fd, size_t max, struct wm_err *err)
{
	struct wm_config *cfg = dv->cfg;
	struct wm_buf head;
	struct stat st;
	struct job j;
	int rc, isreg;

	job_init(&j, dv, sender);
	isreg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (!isreg)
		j.writer = getppid();
	/* A big file is used where it is; anything else is read first. */
	if (isreg && st.st_size > SMALL) {
		if ((size_t)st.st_size > max) {
			wm_err_set(err, EX_DATAERR, "tunnel larger than %zu bytes",
			    max);
			return too_big(j.sender, err);
		}
		j.in.fd = fd;
		j.in.len = (size_t)st.st_size;
		return run(&j, recipient, err);
	}
	wm_buf_init(&head);
	/* A file's size is known: one allocation, not a doubling series. */
	if (isreg && st.st_size > 0)
		(void)wm_buf_reserve(&head, (size_t)st.st_size);
	if ((rc = read_head(fd, &head, err)) == -1) {
		wm_buf_free(&head);
		return tempfail(err);
	}
	if (head.len > max) {
		wm_buf_free(&head);
		wm_err_set(err, EX_DATAERR, "tunnel larger than %zu bytes", max);
		return too_big(j.sender, err);
	}
	if (rc == 1) {		/* all of it: small enough to keep in memory */
		j.in.mem = head.len ? head.data : NULL;
		j.in.len = head.len;
		rc = run(&j, recipient, err);
		wm_buf_free(&head);
		return rc;
	}
	j.in.fd = spool(cfg, fd, &head, max, &j.in.len, err);
	wm_buf_free(&head);
	if (j.in.fd == -1)
		return err->code == EX_DATAERR ? too_big(j.sender, err) :
		    tempfail(err);
	rc = run(&j, recipient, err);
	close(j.in.fd);
	return rc;
}
