/*
 * backup.c - see backup.h.
 *
 * Members: MANIFEST (last, so it can carry every checksum), db/wm.db,
 * conf/wm.conf, postfix/FILE for each regular file of [paths] postfix,
 * lighttpd/FILE for the lighttpd configuration, tls/FILE for the HTTPS key
 * and certificate.  A backup from another home (another instance or box)
 * restores the database and the TLS file and keeps this box's wm.conf,
 * Postfix and lighttpd files, which name this box's own paths and ports.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "backup.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "err.h"
#include "keystore.h"
#include "gpg.h"
#include "log.h"
#include "prefs.h"
#include "smb.h"
#include "tarball.h"
#include "util.h"

#define MAX_MEMBERS	64
#define MEMBER_MAX	((size_t)1 << 32)	/* 4 GiB: the database */

struct member {
	char	 name[128];		/* in the archive */
	char	*path;			/* on this box */
	char	 sha[65];
	long long size;
};

struct plan {
	struct member	 m[MAX_MEMBERS];
	int		 n;
};

/* --- what a backup holds, and where each member lives on this box --- */

static int
plan_add(struct plan *p, const char *prefix, const char *base, const char *path)
{
	if (p->n >= MAX_MEMBERS || (p->m[p->n].path = wm_strdup(path)) == NULL)
		return -1;
	snprintf(p->m[p->n].name, sizeof(p->m[p->n].name), "%s/%s", prefix, base);
	p->n++;
	return 0;
}

static int
regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Regular files of the Postfix directory (not its bin/ copies or queues). */
static int
plan_postfix(struct plan *p, const char *dir)
{
	struct dirent *de;
	char *path;
	DIR *d;
	int rc = 0;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 100 ||
		    (path = wm_asprintf("%s/%s", dir, de->d_name)) == NULL)
			continue;
		if (regular(path))
			rc = plan_add(p, "postfix", de->d_name, path);
		free(path);
	}
	closedir(d);
	return rc;
}

static void
plan_free(struct plan *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->m[i].path);
	p->n = 0;
}

static int
plan_file(struct plan *p, const char *prefix, const char *path)
{
	char *copy;
	int rc;

	if (path == NULL || !regular(path))
		return 0;
	if ((copy = wm_strdup(path)) == NULL)
		return -1;
	rc = plan_add(p, prefix, basename(copy), path);
	free(copy);
	return rc;
}

/* The layout files and keys of this box (the database is added apart). */
static int
plan_box(const struct wm_config *cfg, struct plan *p, struct wm_err *err)
{
	memset(p, 0, sizeof(*p));
	if (plan_file(p, "conf", wm_config_file(cfg)) == -1 ||
	    plan_postfix(p, wm_config_path(cfg, "postfix")) == -1 ||
	    plan_file(p, "lighttpd", wm_config_path(cfg, "lighttpd")) == -1 ||
	    plan_file(p, "tls", wm_config_path(cfg, "tls-cert")) == -1) {
		plan_free(p);
		return wm_err_set(err, EX_SOFTWARE, "too many files to back up");
	}
	return 0;
}

/* --- a private work directory next to the local backups --- */

static char *
workdir(const struct wm_config *cfg, struct wm_err *err)
{
	const char *base = wm_config_path(cfg, "backup");
	char *d;

	if (base == NULL) {
		wm_err_set(err, EX_CONFIG, "no [paths] backup");
		return NULL;
	}
	if (wm_mkdir_p(base, 0700, err) == -1)
		return NULL;
	if ((d = wm_asprintf("%s/.work.XXXXXX", base)) == NULL ||
	    mkdtemp(d) == NULL) {
		wm_err_set(err, EX_CANTCREAT, "%s: %s", base, strerror(errno));
		free(d);
		return NULL;
	}
	return d;
}

static void
workdir_free(char *d)
{
	struct wm_err e;

	if (d != NULL)
		wm_rm_rf(d, &e);
	free(d);
}

/* --- create --- */

/* A consistent copy of the live database (readers never block writers). */
static int
snapshot(struct wm_db *db, const char *path, struct wm_err *err)
{
	sqlite3 *dst;
	sqlite3_backup *b;
	int rc;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(dst);
		return wm_err_set(err, EX_CANTCREAT, "%s: cannot create", path);
	}
	if ((b = sqlite3_backup_init(dst, "main", wm_db_handle(db), "main")) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "database backup: %s",
		    sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	sqlite3_close(dst);
	if (rc != SQLITE_DONE)
		return wm_err_set(err, EX_TEMPFAIL, "database backup: %s",
		    sqlite3_errstr(rc));
	/* A backup restores keys too: they ride in the copy's private_keys. */
	return wm_keystore_export_into(db, path, err);
}

static char *
manifest(struct wm_db *db, const struct plan *p, const struct wm_config *cfg)
{
	struct wm_buf b;
	char host[256] = "", when[32];
	int i;

	gethostname(host, sizeof(host) - 1);
	wm_time_format(wm_now(), when, sizeof(when));
	wm_buf_init(&b);
	wm_buf_printf(&b, "wm-backup-format: %d\ncreated: %s\ncreated-ms: %lld\n"
	    "host: %s\nhome: %s\nschema-version: %d\nversion: %s\n",
	    WM_BACKUP_FORMAT, when, (long long)wm_now() * 1000, host,
	    wm_config_dir(cfg), wm_db_version(db), WM_VERSION);
	for (i = 0; i < p->n; i++)
		wm_buf_printf(&b, "file: %s %lld %s\n", p->m[i].sha, p->m[i].size,
		    p->m[i].name);
	return wm_buf_take(&b);
}

static int
write_tar(struct wm_config *cfg, struct wm_db *db, struct plan *p,
    const char *tar, struct wm_err *err)
{
	struct wm_tar *t;
	struct stat st;
	char *man;
	int i;

	if ((t = wm_tar_create(tar, err)) == NULL)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (wm_tar_add_file(t, p->m[i].name, p->m[i].path, p->m[i].sha,
		    err) == -1 || stat(p->m[i].path, &st) == -1) {
			wm_tar_abort(t);
			return -1;
		}
		p->m[i].size = (long long)st.st_size;
	}
	if ((man = manifest(db, p, cfg)) == NULL ||
	    wm_tar_add_mem(t, "MANIFEST", man, strlen(man), wm_now(), err) == -1) {
		free(man);
		wm_tar_abort(t);
		return man ? -1 : wm_err_set(err, EX_OSERR, "out of memory");
	}
	free(man);
	return wm_tar_close(t, err);
}

/* Copies src to dst through a temporary name in dst's directory. */
static int
install_copy(const char *src, const char *dst, struct wm_err *err)
{
	struct wm_buf b;
	int rc;

	wm_buf_init(&b);
	if (wm_read_file(src, MEMBER_MAX, &b, err) == -1)
		return -1;
	rc = wm_write_file_atomic(dst, b.data ? b.data : "", b.len, 0600, err);
	wm_buf_free_secret(&b);
	return rc;
}

int
wm_backup_create(struct wm_config *cfg, struct wm_db *db, const char *password,
    const char *out, struct wm_err *err)
{
	struct plan p;
	char *work, *dbcopy = NULL, *tar = NULL;
	int rc = -1;

	if ((work = workdir(cfg, err)) == NULL)
		return -1;
	if (plan_box(cfg, &p, err) == -1)
		goto out;
	if ((dbcopy = wm_asprintf("%s/wm.db", work)) == NULL ||
	    (tar = wm_asprintf("%s/backup.tar", work)) == NULL ||
	    snapshot(db, dbcopy, err) == -1 ||
	    plan_add(&p, "db", "wm.db", dbcopy) == -1 ||
	    write_tar(cfg, db, &p, tar, err) == -1)
		goto out;
	if (password != NULL && *password != '\0')
		rc = wm_gpg_encrypt(cfg, tar, out, password, err);
	else
		rc = install_copy(tar, out, err);
	if (rc == 0)
		wm_log(LOG_INFO, "backup written to %s (%s)", out, password &&
		    *password ? "encrypted" : "not encrypted");
out:
	if (rc == -1 && err->code == 0)
		wm_err_set(err, EX_OSERR, "out of memory");
	plan_free(&p);
	free(dbcopy);
	free(tar);
	workdir_free(work);
	return rc;
}

int
wm_backup_name(const char *base, const char *strategy, time_t when,
    int encrypted, char *out, size_t len, struct wm_err *err)
{
	const char *ext = encrypted ? ".tar.gpg" : ".tar";
	struct tm tm;

	localtime_r(&when, &tm);
	if (strcmp(strategy, "day-of-week") == 0)	/* Sunday is 1, as Quartz */
		snprintf(out, len, "%s-%d%s", base, tm.tm_wday + 1, ext);
	else if (strcmp(strategy, "day-of-month") == 0)
		snprintf(out, len, "%s-%d%s", base, tm.tm_mday, ext);
	else if (strcmp(strategy, "day-of-year") == 0)
		snprintf(out, len, "%s-%d%s", base, tm.tm_yday + 1, ext);
	else if (strcmp(strategy, "timestamp") == 0)
		snprintf(out, len, "%s-%lld%s", base, (long long)when * 1000, ext);
	else
		return wm_err_set(err, EX_CONFIG, "unknown file name strategy "
		    "\"%s\"", strategy);
	return 0;
}

int
wm_backup_to_smb(struct wm_config *cfg, struct wm_db *db, const char *password,
    char *name, size_t namelen, struct wm_err *err)
{
	struct wm_smb_conf smb;
	char fname[128], *pw = NULL, *strategy = NULL, *work = NULL, *tmp = NULL;
	int rc = -1;

	if (wm_smb_load(db, "backup", &smb, err) == -1)
		return -1;
	if ((password == NULL &&
	    (pw = wm_pref_user(db, NULL, "backup-password", err)) == NULL) ||
	    (strategy = wm_pref_user(db, NULL, "backup-strategy", err)) == NULL)
		goto out;
	if (password == NULL)
		password = pw;
	if (wm_backup_name("wm-backup", strategy, wm_now(), *password != '\0',
	    fname, sizeof(fname), err) == -1 ||
	    (work = workdir(cfg, err)) == NULL ||
	    (tmp = wm_asprintf("%s/%s", work, fname)) == NULL ||
	    wm_backup_create(cfg, db, password, tmp, err) == -1 ||
	    wm_smb_put(&smb, tmp, fname, err) == -1)
		goto out;
	if (name != NULL)
		snprintf(name, namelen, "%s", fname);
	wm_log(LOG_INFO, "backup %s stored on //%s/%s", fname, smb.server,
	    smb.share);
	rc = 0;
out:
	wm_smb_conf_wipe(&smb);
	wm_free_secret(pw);
	free(strategy);
	free(tmp);
	workdir_free(work);
	return rc;
}

int
wm_backup_scheduled(struct wm_config *cfg, struct wm_db *db, struct wm_err *err)
{
	return wm_backup_to_smb(cfg, db, NULL, NULL, 0, err);
}

/* --- restore: read and verify everything first --- */

struct staged {
	struct plan	 p;		/* members: name, staged path, sha, size */
	char		*work;
	char		*man;		/* the MANIFEST text */
	int		 format, schema;
	char		 home[1024];
};

static int
member_name_ok(const char *name)
{
	static const char *const prefixes[] = { "db/", "conf/", "postfix/",
	    "lighttpd/", "tls/", NULL };
	const char *base = NULL, *s;
	int i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			base = name + strlen(prefixes[i]);
	if (base == NULL || *base == '\0' || *base == '.' || strlen(base) > 100)
		return 0;
	for (s = base; *s; s++)
		if (!(*s == '.' || *s == '_' || *s == '-' ||
		    (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z')))
			return 0;
	if (strncmp(name, "db/", 3) == 0)
		return strcmp(base, "wm.db") == 0;
	if (strncmp(name, "conf/", 5) == 0)
		return strcmp(base, "wm.conf") == 0;
	return 1;
}

static struct member *
find_member(struct plan *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->m[i].name, name) == 0)
			return &p->m[i];
	return NULL;
}

static int
stage_member(const char *name, const struct wm_buf *b, void *arg)
{
	struct staged *s = arg;
	struct wm_err e;
	struct member *m;
	char *path;

	if (strcmp(name, "MANIFEST") == 0) {
		if (s->man != NULL || b->len > 65536)
			return -1;
		s->man = wm_strdup(b->data ? b->data : "");
		return s->man ? 0 : -1;
	}
	if (!member_name_ok(name) || find_member(&s->p, name) != NULL ||
	    s->p.n >= MAX_MEMBERS)
		return -1;
	if ((path = wm_asprintf("%s/m%d", s->work, s->p.n)) == NULL)
		return -1;
	m = &s->p.m[s->p.n++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->path = path;
	m->size = (long long)b->len;
	wm_sha256_hex(b->data ? b->data : "", b->len, m->sha);
	return wm_write_file_atomic(path, b->data ? b->data : "", b->len, 0600,
	    &e);
}

static int
check_file_line(struct staged *s, const char *line, int *seen, struct wm_err *err)
{
	char sha[65], name[128];
	long long size;
	struct member *m;

	if (sscanf(line, "file: %64s %lld %127s", sha, &size, name) != 3)
		return wm_err_set(err, EX_DATAERR, "corrupt backup: bad MANIFEST "
		    "line");
	if ((m = find_member(&s->p, name)) == NULL)
		return wm_err_set(err, EX_DATAERR, "corrupt backup: %s is in the "
		    "MANIFEST but not in the archive", name);
	if (m->size != size || strcmp(m->sha, sha) != 0)
		return wm_err_set(err, EX_DATAERR, "corrupt backup: the checksum "
		    "of %s does not match the MANIFEST", name);
	(*seen)++;
	return 0;
}

static int
check_manifest(struct staged *s, struct wm_err *err)
{
	char *copy, *line, *save = NULL;
	int seen = 0, rc = 0;

	if (s->man == NULL)
		return wm_err_set(err, EX_DATAERR, "not a wm backup: the archive "
		    "has no MANIFEST");
	if ((copy = wm_strdup(s->man)) == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	s->format = s->schema = -1;
	for (line = strtok_r(copy, "\n", &save); line && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "file: ", 6) == 0)
			rc = check_file_line(s, line, &seen, err);
		else if (sscanf(line, "wm-backup-format: %d", &s->format) == 1 ||
		    sscanf(line, "schema-version: %d", &s->schema) == 1)
			continue;
		else if (strncmp(line, "home: ", 6) == 0)
			snprintf(s->home, sizeof(s->home), "%s", line + 6);
	}
	free(copy);
	if (rc == -1)
		return -1;
	if (s->format != WM_BACKUP_FORMAT)
		return wm_err_set(err, EX_DATAERR, "not a wm backup of format %d "
		    "(MANIFEST says %d)", WM_BACKUP_FORMAT, s->format);
	if (seen != s->p.n || find_member(&s->p, "db/wm.db") == NULL)
		return wm_err_set(err, EX_DATAERR, "corrupt backup: members and "
		    "MANIFEST differ");
	return 0;
}

/* The staged database: intact, not newer than us, migrated when older. */
static int
check_database(struct staged *s, struct wm_restore_report *r, struct wm_err *err)
{
	struct member *m = find_member(&s->p, "db/wm.db");
	struct wm_db *db;
	sqlite3 *h;
	sqlite3_stmt *st;
	int ok = 0, v = -1;

	if (sqlite3_open_v2(m->path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) ==
	    SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		sqlite3_finalize(st);
		if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	if (!ok || v < 1 || v != s->schema)
		return wm_err_set(err, EX_DATAERR, "corrupt backup: the database "
		    "fails its integrity check");
	r->from_version = v;
	if (v > wm_db_schema_version())
		return wm_err_set(err, EX_DATAERR, "the backup is from a newer "
		    "version (schema %d; this one knows up to %d): refused", v,
		    wm_db_schema_version());
	if (v == wm_db_schema_version())
		return 0;
	if ((db = wm_db_open(m->path, 0, err)) == NULL)
		return wm_err_wrap(err, "migrating the backup's database");
	wm_db_close(db);
	r->migrated = 1;
	return 0;
}

static int
stage(struct wm_config *cfg, const char *file, const char *password,
    struct staged *s, struct wm_restore_report *r, struct wm_err *err)
{
	enum wm_gpg_fail why;
	char *tar;
	int rc;

	if ((tar = wm_asprintf("%s/backup.tar", s->work)) == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	if (wm_gpg_looks_encrypted(file)) {
		rc = password == NULL || *password == '\0' ?
		    wm_err_set(err, EX_DATAERR, "the backup is encrypted: its "
		    "password is needed") :
		    wm_gpg_decrypt(cfg, file, tar, password, &why, err);
		if (rc == -1) {
			free(tar);
			return -1;
		}
	} else if (access(file, R_OK) == -1) {
		free(tar);
		return wm_err_set(err, EX_NOINPUT, "%s: %s", file, strerror(errno));
	} else {
		free(tar);
		tar = wm_strdup(file);
	}
	wm_err_clear(err);
	rc = wm_tar_read(tar, MEMBER_MAX, stage_member, s, err);
	free(tar);
	if (rc == -1 && err->code == 0)
		return wm_err_set(err, EX_DATAERR, "not a wm backup: unexpected "
		    "member in the archive");
	if (rc == -1)
		return strstr(err->msg, "truncated") ? -1 :
		    wm_err_wrap(err, "not a wm backup");
	if (check_manifest(s, err) == -1)
		return -1;
	return check_database(s, r, err);
}

/* --- restore: put it in place --- */

static int
restore_database(struct wm_db *db, const char *staged, struct wm_err *err)
{
	sqlite3 *src;
	sqlite3_backup *b;
	int rc, tries;

	if (sqlite3_open_v2(staged, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		return wm_err_set(err, EX_IOERR, "cannot open the staged database");
	}
	if ((b = sqlite3_backup_init(wm_db_handle(db), "main", src, "main")) == NULL) {
		sqlite3_close(src);
		return wm_db_fail(db, "restoring the database", err);
	}
	for (tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED; tries++) {
		if (tries == 100)
			break;
		usleep(100000);
	}
	sqlite3_backup_finish(b);
	sqlite3_close(src);
	if (rc != SQLITE_DONE)
		return wm_err_set(err, EX_TEMPFAIL, "restoring the database: %s",
		    sqlite3_errstr(rc));
	/* The restored keys go back into the key store. */
	return wm_keystore_adopt(db, err);
}

/* Where a member goes on this box; NULL: keep this box's own file. */
static char *
destination(const struct wm_config *cfg, const char *name, int same_home)
{
	const char *base = strchr(name, '/') + 1;
	char *copy, *d;

	if (strncmp(name, "tls/", 4) == 0)
		return wm_strdup(wm_config_path(cfg, "tls-cert"));
	if (!same_home)
		return NULL;
	if (strncmp(name, "conf/", 5) == 0)
		return wm_strdup(wm_config_file(cfg));
	if (strncmp(name, "postfix/", 8) == 0)
		return wm_asprintf("%s/%s", wm_config_path(cfg, "postfix"), base);
	if ((copy = wm_strdup(wm_config_path(cfg, "lighttpd"))) == NULL)
		return NULL;
	d = wm_asprintf("%s/%s", dirname(copy), base);
	free(copy);
	return d;
}

/* Renames the staged copy into place, keeping the old file's owner and mode. */
static int
put_file(const char *staged, const char *dst, struct wm_err *err)
{
	struct wm_buf b;
	struct stat st;
	int have = stat(dst, &st) == 0, rc;

	wm_buf_init(&b);
	if (wm_read_file(staged, MEMBER_MAX, &b, err) == -1)
		return -1;
	rc = wm_write_file_atomic(dst, b.data ? b.data : "", b.len,
	    have ? st.st_mode & 07777 : 0600, err);
	wm_buf_free_secret(&b);
	if (rc == 0 && have && chown(dst, st.st_uid, st.st_gid) == -1 &&
	    geteuid() == 0)
		rc = wm_err_set(err, EX_IOERR, "chown %s: %s", dst,
		    strerror(errno));
	return rc;
}

static int
running_services(const struct wm_config *cfg)
{
	struct wm_ctl_status st;
	struct wm_err e;
	int mask = 0;

	if (wm_ctl_status(cfg, &st, &e) == -1)
		return 0;
	if (st.postfix == WM_SVC_RUNNING)
		mask |= WM_SVC_POSTFIX;
	if (st.sink == WM_SVC_RUNNING)
		mask |= WM_SVC_SINK;
	if (st.lighttpd == WM_SVC_RUNNING)
		mask |= WM_SVC_LIGHTTPD;
	return mask;
}

static int
swap_in(struct wm_config *cfg, struct wm_db *db, struct staged *s,
    struct wm_restore_report *r, struct wm_err *err)
{
	int i, same = strcmp(s->home, wm_config_dir(cfg)) == 0;
	char *dst;

	if (restore_database(db, find_member(&s->p, "db/wm.db")->path, err) == -1)
		return -1;
	r->layout_kept = !same;
	for (i = 0; i < s->p.n; i++) {
		if (strcmp(s->p.m[i].name, "db/wm.db") == 0 ||
		    (dst = destination(cfg, s->p.m[i].name, same)) == NULL)
			continue;
		if (put_file(s->p.m[i].path, dst, err) == -1) {
			free(dst);
			return -1;
		}
		free(dst);
		r->files++;
	}
	return 0;
}

static int
restart(struct wm_config *cfg, int svc, struct wm_err *err)
{
	struct wm_config *fresh;
	int rc;

	if (svc == 0)
		return 0;
	/* The restored wm.conf may name other ports: start from it. */
	if ((fresh = wm_config_load(wm_config_file(cfg), err)) == NULL)
		return -1;
	rc = wm_ctl_start(fresh, svc | WM_SVC_CRON, err);
	wm_config_free(fresh);
	return rc;
}

int
wm_backup_restore(struct wm_config *cfg, struct wm_db *db, const char *file,
    const char *password, struct wm_restore_report *r, struct wm_err *err)
{
	struct staged s;
	int svc, rc = -1;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	if ((s.work = workdir(cfg, err)) == NULL)
		return -1;
	if (stage(cfg, file, password, &s, r, err) == -1)
		goto out;
	/* Verified: from here on the box changes. */
	svc = running_services(cfg);
	if (svc && wm_ctl_stop(cfg, svc | WM_SVC_CRON, err) == -1) {
		/* Nothing was swapped: bring back what stopped. */
		restart(cfg, svc, &(struct wm_err){ 0 });
		goto out;
	}
	rc = swap_in(cfg, db, &s, r, err);
	if (restart(cfg, svc, rc == 0 ? err : &(struct wm_err){ 0 }) == -1 &&
	    rc == 0)
		rc = -1;
	r->restarted = svc != 0 && rc == 0;
	if (rc == 0)
		wm_log(LOG_NOTICE, "restored backup %s (schema %d%s, %d files)",
		    file, r->from_version, r->migrated ? ", migrated" : "",
		    r->files);
out:
	plan_free(&s.p);
	free(s.man);
	workdir_free(s.work);
	return rc;
}

/* --- restores handed from the console to root --- */

static char *
pending_path(const struct wm_config *cfg)
{
	const char *base = wm_config_path(cfg, "backup");

	return base ? wm_asprintf("%s/restore.pending", base) : NULL;
}

int
wm_backup_stage_restore(struct wm_config *cfg, const char *file,
    const char *password, struct wm_err *err)
{
	struct wm_restore_report r;
	struct staged s;
	char *tar = NULL, *pending = pending_path(cfg);
	int rc = -1;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	if (pending == NULL)
		return wm_err_set(err, EX_CONFIG, "no [paths] backup");
	if ((s.work = workdir(cfg, err)) == NULL)
		goto out;
	if (stage(cfg, file, password, &s, &r, err) == -1)
		goto out;
	tar = wm_asprintf("%s/backup.tar", s.work);
	if (tar == NULL || !wm_gpg_looks_encrypted(file))
		rc = install_copy(file, pending, err);
	else
		rc = install_copy(tar, pending, err);
	if (rc == 0)
		wm_log(LOG_NOTICE, "backup %s verified; restore pending", file);
out:
	free(tar);
	free(pending);
	plan_free(&s.p);
	free(s.man);
	workdir_free(s.work);
	return rc;
}

int
wm_backup_restore_pending(struct wm_config *cfg, struct wm_db *db,
    struct wm_restore_report *r, struct wm_err *err)
{
	char *pending = pending_path(cfg);
	int rc;

	if (pending == NULL || !wm_path_exists(pending)) {
		free(pending);
		return 0;
	}
	rc = wm_backup_restore(cfg, db, pending, NULL, r, err);
	/* Tried once: a pending restore that fails is not retried forever. */
	unlink(pending);
	free(pending);
	return rc == 0 ? 1 : -1;
}
