/*
 * test_keystore.c - private keys live in keys/keys.db beside the database
 * (keystore.c): a new key goes there, never into the main file; a process
 * with the store reads it back; the portal's connection (WM_DB_NOKEYS and
 * wm_db_deny_secrets) reads no key by any name; keys left in the main
 * database by an older schema move into the store; deleting a certificate
 * deletes its key.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "db.h"
#include "keystore.h"
#include "pki.h"
#include "testutil.h"

static char *dir, *path;
static struct wm_db *db;

static void
setup(void)
{
	struct wm_err err;

	dir = wm_test_tmpdir();
	path = wm_asprintf("%s/wm.db", dir);
	db = wm_db_open(path, WM_DB_CREATE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
	free(path);
}

static long long
count(struct wm_db *d, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(wm_db_handle(d), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static size_t
relay_keys(struct wm_db *d)
{
	struct wm_keypair *kp = NULL;
	struct wm_err err;
	size_t n = 0, i, have = 0;

	ck_assert_msg(wm_pki_relay_keys(d, &kp, &n, &err) == 0, "%s", err.msg);
	for (i = 0; i < n; i++)
		have += kp[i].key != NULL;
	wm_pki_keypairs_free(kp, n);
	return have;
}

START_TEST(test_new_key_goes_to_the_store_only)
{
	struct wm_err err;
	struct stat st;
	char *file = wm_keystore_path(path);

	ck_assert_int_eq(wm_keystore_attached(db), 1);
	ck_assert_int_eq(wm_pki_create_relay_cert(db, NULL, NULL, NULL, &err), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM keystore.key_pem"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM main.private_keys"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM main.private_keys "
	    "WHERE length(pem) > 0"), 0);
	ck_assert_int_eq(relay_keys(db), 1);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	*strrchr(file, '/') = '\0';
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	free(file);
}
END_TEST

START_TEST(test_portal_connection_reads_no_key)
{
	struct wm_db *p;
	struct wm_err err;

	ck_assert_int_eq(wm_pki_create_relay_cert(db, NULL, NULL, NULL, &err), 0);
	p = wm_db_open(path, WM_DB_NOKEYS, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(wm_db_deny_secrets(p, &err), 0);
	ck_assert_int_eq(wm_keystore_attached(p), 0);
	ck_assert_int_eq(count(p, "SELECT count(*) FROM keystore.key_pem"), -1);
	ck_assert_int_eq(count(p, "SELECT count(*) FROM private_keys"), -1);
	ck_assert_int_eq(count(p, "SELECT count(*) FROM certificates"), 1);
	ck_assert_int_eq(wm_db_exec(p, "ATTACH DATABASE 'keys/keys.db' AS k",
	    &err), -1);
	/* Nor does a key read without the store find a copy. */
	ck_assert_int_eq(wm_pki_relay_keys(p, &(struct wm_keypair *){ NULL },
	    &(size_t){ 0 }, &err), -1);
	wm_db_close(p);
}
END_TEST

START_TEST(test_legacy_key_moves_into_the_store)
{
	struct wm_db *again;
	struct wm_err err;

	ck_assert_int_eq(wm_pki_create_relay_cert(db, NULL, NULL, NULL, &err), 0);
	/* As an older schema kept it: the PEM in main, none in the store. */
	ck_assert_int_eq(wm_db_exec(db, "UPDATE main.private_keys SET pem = "
	    "(SELECT pem FROM keystore.key_pem); DELETE FROM keystore.key_pem",
	    &err), 0);
	wm_db_close(db);
	again = wm_db_open(path, 0, &err);
	ck_assert_ptr_nonnull(again);
	db = again;
	ck_assert_int_eq(count(db, "SELECT count(*) FROM main.private_keys "
	    "WHERE length(pem) > 0"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM keystore.key_pem"), 1);
	ck_assert_int_eq(relay_keys(db), 1);
}
END_TEST

START_TEST(test_delete_takes_the_key)
{
	struct wm_err err;
	long long id;

	ck_assert_int_eq(wm_pki_create_relay_cert(db, NULL, NULL, &id, &err), 0);
	ck_assert_int_eq(wm_pki_delete(db, id, &err), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM keystore.key_pem"), 0);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("keystore");

	WM_TEST_F(s, test_new_key_goes_to_the_store_only, setup, teardown);
	WM_TEST_F(s, test_portal_connection_reads_no_key, setup, teardown);
	WM_TEST_F(s, test_legacy_key_moves_into_the_store, setup, teardown);
	WM_TEST_F(s, test_delete_takes_the_key, setup, teardown);
	return s;
}
