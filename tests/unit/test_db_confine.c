/*
 * test_db_confine.c - the portal's database connection (wm_db_deny_secrets)
 * cannot read or change the relay private keys or the administrators, nor
 * attach another database file; everything else works as before.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "testutil.h"

static char *dir;
static struct wm_db *db;

static void
setup(void)
{
	dir = wm_test_tmpdir();
	db = wm_test_db(dir);
}

static void
teardown(void)
{
	wm_db_close(db);
	wm_test_rmdir(dir);
}

static int
runs(const char *sql)
{
	struct wm_err err;

	return wm_db_exec(db, sql, &err) == 0;
}

START_TEST(test_keys_and_admins_out_of_reach)
{
	struct wm_err err;

	ck_assert(runs("SELECT count(*) FROM private_keys"));
	ck_assert(runs("SELECT count(*) FROM admins"));
	ck_assert_int_eq(wm_db_deny_secrets(db, &err), 0);
	ck_assert(!runs("SELECT pem FROM private_keys"));
	ck_assert(!runs("SELECT count(*) FROM private_keys"));
	ck_assert(!runs("SELECT c.id FROM certificates c WHERE EXISTS "
	    "(SELECT 1 FROM private_keys k WHERE k.cert_id = c.id)"));
	ck_assert(!runs("DELETE FROM private_keys"));
	ck_assert(!runs("SELECT * FROM admins"));
	ck_assert(!runs("UPDATE admins SET password = ''"));
	ck_assert(!runs("ATTACH DATABASE ':memory:' AS other"));
	/* The rest of the portal's work goes on. */
	ck_assert(runs("SELECT count(*) FROM users"));
	ck_assert(runs("SELECT count(*) FROM sessions"));
	ck_assert(runs("SELECT count(*) FROM certificates"));
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("db_confine");

	WM_TEST_F(s, test_keys_and_admins_out_of_reach, setup, teardown);
	return s;
}
