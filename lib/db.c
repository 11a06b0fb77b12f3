/*
 * db.c - opening the database and migrating it forward.  Each migration runs in
 * its own transaction together with the user_version bump, so a crash leaves
 * the schema at a whole version.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "keystore.h"
#include "util.h"

struct wm_db {
	sqlite3	*h;
	int	 wal_frames;	/* of main's WAL, at the last commit */
};

/*
 * The WAL is reset once it holds this many frames.  A process that opens the
 * database while no other has it open rebuilds the WAL index by reading
 * every frame since the WAL last restarted, and such a process never sees a
 * checkpoint it can restart after (its own recovery forgets what was
 * checkpointed): without a reset, every wm-deliver read the whole WAL, and
 * the WAL only grew.
 */
#define WAL_RESET_FRAMES	100

static int
wal_note(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct wm_db *db = arg;

	(void)h;
	if (strcmp(name, "main") == 0)
		db->wal_frames = frames;
	return SQLITE_OK;
}

/*
 * Checkpoints and empties the WAL when it has grown, without waiting: with
 * a reader inside it the truncation is left to a later commit, and what can
 * be copied back is (SQLite's own automatic checkpoint, which the WAL hook
 * replaces).
 */
static void
wal_reset(struct wm_db *db)
{
	if (db->wal_frames < WAL_RESET_FRAMES)
		return;
	sqlite3_busy_timeout(db->h, 0);
	if (sqlite3_wal_checkpoint_v2(db->h, "main", SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK)
		(void)sqlite3_wal_checkpoint_v2(db->h, "main",
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_busy_timeout(db->h, 10000);
	db->wal_frames = 0;
}

/*
 * Schema.  Index rows and properties name mailboxes and users by address, not
 * by user id: deleting a user keeps the mailbox (guide 7.1), and a re-signup
 * finds the old mail again.
 */
static const char *migrations[] = {
	/* 1 */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  address TEXT NOT NULL UNIQUE,"
	"  domain TEXT NOT NULL,"
	"  password TEXT,"			/* crypt(3) yescrypt hash, NULL until sign-up */
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created INTEGER NOT NULL,"
	"  signed_up INTEGER,"
	"  last_invite INTEGER,"		/* when the last sign-up invitation went out */
	"  totp_secret TEXT,"
	"  totp_enabled INTEGER NOT NULL DEFAULT 0,"
	"  totp_last_step INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX users_domain ON users(domain);"
	"CREATE TABLE recovery_codes ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  hash TEXT NOT NULL,"
	"  used INTEGER"
	");"
	"CREATE TABLE admins ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  password TEXT NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE properties ("
	"  scope TEXT NOT NULL CHECK (scope IN ('global','domain','user')),"
	"  owner TEXT NOT NULL,"		/* '' global, domain name, or address */
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (scope, owner, name)"
	");"
	"CREATE TABLE templates ("
	"  scope TEXT NOT NULL CHECK (scope IN ('global','domain','user')),"
	"  owner TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  PRIMARY KEY (scope, owner, name)"
	");"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  mailbox TEXT NOT NULL,"		/* address of the owner */
	"  folder TEXT NOT NULL DEFAULT 'inbox',"	/* inbox | sent */
	"  file TEXT NOT NULL,"		/* path below the maildir: new/NAME or cur/NAME */
	"  delivery_key TEXT UNIQUE,"		/* hex SHA-256 of original + recipient */
	"  envelope_sender TEXT,"
	"  from_addr TEXT,"
	"  to_addr TEXT,"
	"  cc_addr TEXT,"
	"  subject TEXT,"
	"  message_id TEXT,"
	"  date INTEGER,"			/* Date: header, epoch seconds */
	"  received INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  has_attachments INTEGER NOT NULL DEFAULT 0,"
	"  expires INTEGER,"			/* WM-Expires */
	"  read_receipt INTEGER NOT NULL DEFAULT 0,"
	"  receipt_sent INTEGER NOT NULL DEFAULT 0,"
	"  seen INTEGER NOT NULL DEFAULT 0,"
	"  header_error TEXT"			/* why a header could not be decoded */
	");"
	"CREATE INDEX messages_box ON messages(mailbox, folder, received DESC, id DESC);"
	"CREATE INDEX messages_received ON messages(received);"
	"CREATE INDEX messages_expires ON messages(expires) WHERE expires IS NOT NULL;"
	"CREATE TABLE sessions ("
	"  id_hash TEXT PRIMARY KEY,"		/* SHA-256 of the cookie value */
	"  kind TEXT NOT NULL CHECK (kind IN ('user','admin')),"
	"  principal TEXT NOT NULL,"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  stage TEXT NOT NULL DEFAULT 'full'"	/* full | totp (password ok, code pending) */
	");"
	"CREATE TABLE used_tokens ("
	"  hash TEXT PRIMARY KEY,"
	"  used INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL"
	");"
	"CREATE TABLE login_failures ("
	"  key TEXT NOT NULL,"			/* 'user:ADDRESS' or 'ip:ADDRESS' */
	"  at INTEGER NOT NULL"
	");"
	"CREATE INDEX login_failures_key ON login_failures(key, at);"
	"CREATE TABLE certificates ("
	"  id INTEGER PRIMARY KEY,"
	"  fingerprint TEXT NOT NULL UNIQUE,"	/* hex SHA-256 of the DER */
	"  subject TEXT NOT NULL,"
	"  issuer TEXT NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  email TEXT,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  is_root INTEGER NOT NULL DEFAULT 0,"
	"  whitelisted INTEGER NOT NULL DEFAULT 0,"
	"  der BLOB NOT NULL,"
	"  imported INTEGER NOT NULL"
	");"
	"CREATE TABLE private_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  cert_id INTEGER NOT NULL UNIQUE REFERENCES certificates(id) ON DELETE CASCADE,"
	"  pem BLOB NOT NULL,"
	"  purpose TEXT NOT NULL DEFAULT 'relay'"	/* relay: decrypts tunnels */
	");"
	"CREATE TABLE crls ("
	"  id INTEGER PRIMARY KEY,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  issuer TEXT NOT NULL,"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER,"
	"  der BLOB NOT NULL,"
	"  imported INTEGER NOT NULL"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT"
	");"
	"CREATE TABLE notices ("			/* rate limits for mail to users */
	"  address TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (address, kind)"
	");",
	/*
	 * 2: per-mailbox totals kept by triggers, so the inbox shows counts and
	 * quota use, and wm-deliver checks quota, at a cost that does not grow
	 * with the mailbox (reading a maildir per page view does).
	 */
	"CREATE TABLE mailbox_totals ("
	"  mailbox TEXT NOT NULL,"
	"  folder TEXT NOT NULL,"
	"  messages INTEGER NOT NULL DEFAULT 0,"
	"  unseen INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (mailbox, folder)"
	");"
	"INSERT INTO mailbox_totals (mailbox, folder, messages, unseen, bytes)"
	"  SELECT mailbox, folder, count(*), sum(seen = 0), sum(size)"
	"  FROM messages GROUP BY mailbox, folder;"
	"CREATE TRIGGER messages_totals_insert AFTER INSERT ON messages BEGIN"
	"  INSERT INTO mailbox_totals (mailbox, folder, messages, unseen, bytes)"
	"  VALUES (NEW.mailbox, NEW.folder, 1, NEW.seen = 0, NEW.size)"
	"  ON CONFLICT (mailbox, folder) DO UPDATE SET"
	"    messages = messages + 1, unseen = unseen + (NEW.seen = 0),"
	"    bytes = bytes + NEW.size;"
	"END;"
	"CREATE TRIGGER messages_totals_delete AFTER DELETE ON messages BEGIN"
	"  UPDATE mailbox_totals SET messages = messages - 1,"
	"    unseen = unseen - (OLD.seen = 0), bytes = bytes - OLD.size"
	"  WHERE mailbox = OLD.mailbox AND folder = OLD.folder;"
	"END;"
	"CREATE TRIGGER messages_totals_update"
	"  AFTER UPDATE OF mailbox, folder, seen, size ON messages BEGIN"
	"  UPDATE mailbox_totals SET messages = messages - 1,"
	"    unseen = unseen - (OLD.seen = 0), bytes = bytes - OLD.size"
	"  WHERE mailbox = OLD.mailbox AND folder = OLD.folder;"
	"  INSERT INTO mailbox_totals (mailbox, folder, messages, unseen, bytes)"
	"  VALUES (NEW.mailbox, NEW.folder, 1, NEW.seen = 0, NEW.size)"
	"  ON CONFLICT (mailbox, folder) DO UPDATE SET"
	"    messages = messages + 1, unseen = unseen + (NEW.seen = 0),"
	"    bytes = bytes + NEW.size;"
	"END;",
	/*
	 * 3: the admin console.  Admins can be disabled, must change a
	 * default password, may use two-factor login; the audit says from
	 * where and what changed; metrics keep counters in a fixed number of
	 * rows per resolution (slot = bucket number modulo the slots), so
	 * history costs the same after a year as after a day.
	 */
	"ALTER TABLE admins ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE admins ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE admins ADD COLUMN totp_secret TEXT;"	/* active */
	"ALTER TABLE admins ADD COLUMN totp_pending TEXT;"	/* enrolling */
	"ALTER TABLE admins ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE admins ADD COLUMN last_login INTEGER;"
	"ALTER TABLE admins ADD COLUMN password_changed INTEGER;"
	"ALTER TABLE audit ADD COLUMN client TEXT;"
	"ALTER TABLE audit ADD COLUMN object TEXT;"
	"ALTER TABLE audit ADD COLUMN old_value TEXT;"
	"ALTER TABLE audit ADD COLUMN new_value TEXT;"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE TABLE metrics ("
	"  name TEXT NOT NULL,"
	"  step INTEGER NOT NULL,"		/* seconds per bucket */
	"  slot INTEGER NOT NULL,"		/* bucket number % slots */
	"  start INTEGER NOT NULL,"		/* first second of the bucket */
	"  value INTEGER NOT NULL,"
	"  PRIMARY KEY (name, step, slot)"
	") WITHOUT ROWID;",
	/* 4: maildirs shared with stock readers (Dovecot, mutt). */
	"ALTER TABLE messages ADD COLUMN stored_lf INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN trashed INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE maildir_scans ("
	"  mailbox TEXT NOT NULL,"
	"  folder TEXT NOT NULL,"
	"  stamp TEXT NOT NULL,"
	"  PRIMARY KEY (mailbox, folder)"
	");",
	/* 5: scheduled jobs (wm-cron): what ran when, and with what outcome */
	"CREATE TABLE jobs ("
	"  name TEXT PRIMARY KEY,"
	"  checked INTEGER NOT NULL,"	/* ms: fire times up to here are handled */
	"  last_run INTEGER NOT NULL DEFAULT 0,"	/* ms, 0: never */
	"  result INTEGER NOT NULL DEFAULT 0,"	/* enum wm_job_result */
	"  message TEXT NOT NULL DEFAULT ''"
	");",
	/*
	 * 6: the notice queue.  A delivery writes its notices in the same
	 * transaction as the index row, so a stored mail is never without
	 * its notice; wm-notify serve submits them and marks them sent only
	 * after Postfix took them.
	 */
	"CREATE TABLE notice_queue ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"		/* new-mail signup reset over-quota postmaster */
	"  address TEXT NOT NULL DEFAULT '',"	/* whom it concerns */
	"  sender TEXT,"			/* over-quota: the original sender */
	"  subject TEXT,"			/* over-quota: the original subject */
	"  reason TEXT,"			/* postmaster: why */
	"  body BLOB,"			/* postmaster: the refused tunnel */
	"  created INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  sent INTEGER,"
	"  failed INTEGER,"			/* given up: a failure no retry fixes */
	"  last_error TEXT"
	");"
	"CREATE INDEX notice_queue_due ON notice_queue(next_try)"
	"  WHERE sent IS NULL AND failed IS NULL;",
	/*
	 * 7: files whose index rows are gone and that are still to be
	 * removed.  Cleanup deletes rows and writes these in one transaction,
	 * then removes the files, so a crash can leave neither a row without
	 * its file nor a file nothing names.
	 */
	"CREATE TABLE file_removals ("
	"  mailbox TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  PRIMARY KEY (mailbox, file)"
	");",
	/*
	 * 8: the MTA fields of wm-mtacfg(8); a field without a row has its
	 * built-in default (lib/mta.c), so a backup carries what was set.
	 */
	"CREATE TABLE mta_settings ("
	"  name TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");",
	/*
	 * 9: the console's user pages: last login for "never logged in / not for
	 * N days", and partial indexes so a filtered page is a keyset walk of
	 * the matching rows, not of every user.
	 */
	"ALTER TABLE users ADD COLUMN last_login INTEGER;"
	"CREATE INDEX users_no_password ON users(address) WHERE password IS NULL;"
	"CREATE INDEX users_with_password ON users(address) WHERE password IS NOT NULL;"
	"CREATE INDEX users_disabled ON users(address) WHERE enabled = 0;"
	"CREATE INDEX users_last_login ON users(last_login, address);",
	/*
	 * 10: the box's totals in one row kept by triggers, so the status page
	 * reads users, mailboxes and stored bytes at the same cost with
	 * 100,000 users as with ten (counting them scans every row).
	 */
	"CREATE TABLE box_totals ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  users INTEGER NOT NULL,"
	"  mailboxes INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL"
	");"
	"INSERT INTO box_totals (id, users, mailboxes, bytes) VALUES (1,"
	"  (SELECT count(*) FROM users),"
	"  (SELECT count(DISTINCT mailbox) FROM mailbox_totals),"
	"  (SELECT COALESCE(sum(bytes), 0) FROM mailbox_totals));"
	"CREATE TRIGGER box_users_insert AFTER INSERT ON users BEGIN"
	"  UPDATE box_totals SET users = users + 1;"
	"END;"
	"CREATE TRIGGER box_users_delete AFTER DELETE ON users BEGIN"
	"  UPDATE box_totals SET users = users - 1;"
	"END;"
	"CREATE TRIGGER box_mailbox_insert AFTER INSERT ON mailbox_totals BEGIN"
	"  UPDATE box_totals SET bytes = bytes + NEW.bytes,"
	"    mailboxes = mailboxes + NOT EXISTS (SELECT 1 FROM mailbox_totals"
	"      WHERE mailbox = NEW.mailbox AND folder <> NEW.folder);"
	"END;"
	"CREATE TRIGGER box_mailbox_update AFTER UPDATE OF bytes ON mailbox_totals"
	"  BEGIN"
	"  UPDATE box_totals SET bytes = bytes + NEW.bytes - OLD.bytes;"
	"END;"
	"CREATE TRIGGER box_mailbox_delete AFTER DELETE ON mailbox_totals BEGIN"
	"  UPDATE box_totals SET bytes = bytes - OLD.bytes,"
	"    mailboxes = mailboxes - NOT EXISTS (SELECT 1 FROM mailbox_totals"
	"      WHERE mailbox = OLD.mailbox);"
	"END;",
	/*
	 * 11: search by part of the address without reading every user: a
	 * trigram index (FTS5) of the addresses, kept by triggers, answers
	 * LIKE '%part%' for parts of three characters or more.
	 */
	"CREATE VIRTUAL TABLE users_search USING fts5(address, tokenize = 'trigram',"
	"  content = 'users', content_rowid = 'id');"
	"INSERT INTO users_search (users_search) VALUES ('rebuild');"
	"CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN"
	"  INSERT INTO users_search (rowid, address) VALUES (NEW.id, NEW.address);"
	"END;"
	"CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN"
	"  INSERT INTO users_search (users_search, rowid, address)"
	"  VALUES ('delete', OLD.id, OLD.address);"
	"END;"
	"CREATE TRIGGER users_search_update AFTER UPDATE OF address ON users BEGIN"
	"  INSERT INTO users_search (users_search, rowid, address)"
	"  VALUES ('delete', OLD.id, OLD.address);"
	"  INSERT INTO users_search (rowid, address) VALUES (NEW.id, NEW.address);"
	"END;",
	/*
	 * 12: delivery stores a row before its headers are decoded (index.c):
	 * the process that holds the relay keys never parses the mail, and
	 * does not load GMime to do it.  Rows stored before are decoded.
	 */
	"ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX messages_unindexed ON messages(mailbox) WHERE indexed = 0;",
	NULL
};

int
wm_db_schema_version(void)
{
	int n = 0;

	while (migrations[n] != NULL)
		n++;
	return n;
}

sqlite3 *
wm_db_handle(struct wm_db *db)
{
	return db->h;
}

int
wm_db_fail(struct wm_db *db, const char *what, struct wm_err *err)
{
	int ec = sqlite3_extended_errcode(db->h) & 0xff;
	int code = EX_SOFTWARE;

	switch (ec) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
		code = EX_TEMPFAIL;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = EX_DATAERR;
		break;
	}
	return wm_err_set(err, code, "database: %s: %s", what, sqlite3_errmsg(db->h));
}

int
wm_db_exec(struct wm_db *db, const char *sql, struct wm_err *err)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return wm_db_fail(db, "exec", err);
	return 0;
}

sqlite3_stmt *
wm_db_prepare(struct wm_db *db, const char *sql, struct wm_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		wm_db_fail(db, "prepare", err);
		return NULL;
	}
	return st;
}

int
wm_db_step_done(struct wm_db *db, sqlite3_stmt *st, const char *what,
    struct wm_err *err)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		wm_db_fail(db, what, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

const char *
wm_db_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

char *
wm_db_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? wm_strdup((const char *)t) : NULL;
}

int
wm_db_begin(struct wm_db *db, struct wm_err *err)
{
	return wm_db_exec(db, "BEGIN IMMEDIATE", err);
}

int
wm_db_commit(struct wm_db *db, struct wm_err *err)
{
	if (wm_db_exec(db, "COMMIT", err) == -1) {
		wm_db_rollback(db);
		return -1;
	}
	wal_reset(db);		/* after the commit: it is durable already */
	return 0;
}

void
wm_db_rollback(struct wm_db *db)
{
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
wm_db_version(struct wm_db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct wm_db *db, struct wm_err *err)
{
	char pragma[64];
	int v, target;

	target = wm_db_schema_version();
	/*
	 * Current already (all but the first open after an upgrade): no write
	 * lock, which every open would otherwise take, one delivery, CGI
	 * request and cron pass after the other.
	 */
	if (wm_db_version(db) == target)
		return 0;
	for (;;) {
		if (wm_db_begin(db, err) == -1)
			return -1;
		/* Re-read inside the write lock: another process may have migrated. */
		if ((v = wm_db_version(db)) < 0) {
			wm_db_rollback(db);
			return wm_db_fail(db, "user_version", err);
		}
		if (v > target) {
			wm_db_rollback(db);
			return wm_err_set(err, EX_CONFIG, "database schema %d is newer "
			    "than this program (%d)", v, target);
		}
		if (v == target) {
			wm_db_rollback(db);
			return 0;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (wm_db_exec(db, migrations[v], err) == -1 ||
		    wm_db_exec(db, pragma, err) == -1) {
			wm_db_rollback(db);
			return wm_err_wrap(err, "migration %d", v + 1);
		}
		if (wm_db_commit(db, err) == -1)
			return -1;
	}
}

struct wm_db *
wm_db_open(const char *path, int flags, struct wm_err *err)
{
	struct wm_db *db;
	int oflags;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	oflags = (flags & WM_DB_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (flags & WM_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, oflags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		wm_err_set(err, db->h == NULL ? EX_TEMPFAIL : EX_TEMPFAIL,
		    "database %s: %s", path, db->h ? sqlite3_errmsg(db->h) :
		    "out of memory");
		wm_db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->h, 10000);
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_wal_hook(db->h, wal_note, db);
	/*
	 * Every CGI request opens and closes the database: a checkpoint (with
	 * its fsyncs) at each last close would dominate a page view.  Writers
	 * checkpoint as the WAL grows (SQLite's auto-checkpoint).  Commits are
	 * synchronous = FULL instead: with no checkpoint at close, only a synced
	 * WAL keeps an index row that wm-deliver reported to Postfix as stored.
	 */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (wm_db_exec(db, "PRAGMA foreign_keys = ON", err) == -1)
		goto fail;
	if (!(flags & WM_DB_READONLY)) {
		if (wm_db_exec(db, "PRAGMA journal_mode = WAL", err) == -1 ||
		    wm_db_exec(db, "PRAGMA synchronous = FULL", err) == -1 ||
		    migrate(db, err) == -1)
			goto fail;
		if (!(flags & WM_DB_NOKEYS) && wm_keystore_attach(db, path,
		    flags & WM_DB_CREATE, err) == -1)
			goto fail;
	}
	return db;
fail:
	wm_err_wrap(err, "%s", path);
	wm_db_close(db);
	return NULL;
}

void
wm_db_close(struct wm_db *db)
{
	if (db == NULL)
		return;
	if (sqlite3_get_autocommit(db->h))
		wal_reset(db);	/* writes outside a transaction, too */
	sqlite3_close_v2(db->h);
	free(db);
}

int
wm_db_audit(struct wm_db *db, const char *actor, const char *action,
    const char *detail, struct wm_err *err)
{
	sqlite3_stmt *st;

	st = wm_db_prepare(db, "INSERT INTO audit (at, actor, action, detail) "
	    "VALUES (?, ?, ?, ?)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wm_now());
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
	return wm_db_step_done(db, st, "audit", err);
}

/* Tables a confined connection never touches. */
static const char *const secret_tables[] = { "private_keys", "key_pem", "admins",
    NULL };

static int
deny_secrets(void *arg, int action, const char *a1, const char *a2,
    const char *dbname, const char *trigger)
{
	const char *table = action == SQLITE_READ || action == SQLITE_UPDATE ||
	    action == SQLITE_INSERT || action == SQLITE_DELETE ? a1 : NULL;
	int i;

	(void)arg;
	(void)a2;
	(void)dbname;
	(void)trigger;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
		return SQLITE_DENY;
	for (i = 0; table != NULL && secret_tables[i] != NULL; i++)
		if (strcmp(table, secret_tables[i]) == 0)
			return SQLITE_DENY;
	return SQLITE_OK;
}

int
wm_db_deny_secrets(struct wm_db *db, struct wm_err *err)
{
	if (sqlite3_set_authorizer(db->h, deny_secrets, NULL) != SQLITE_OK)
		return wm_db_fail(db, "authorizer", err);
	return 0;
}

