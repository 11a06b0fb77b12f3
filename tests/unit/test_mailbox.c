/*
 * test_mailbox.c - mailbox names, and storing mail the maildir way.
 */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "mailbox.h"
#include "util.h"
#include "testutil.h"

START_TEST(test_mailbox_name_matches_design)
{
	char name[256];

	ck_assert_int_eq(wm_mailbox_name("bob@example.com", name, sizeof(name)), 0);
	ck_assert_str_eq(name, "bob=40example.com");
	ck_assert_int_eq(wm_mailbox_name("A.b_c+d-e=f@x", name, sizeof(name)), 0);
	ck_assert_str_eq(name, "A.b_c+d-e=3Df=40x");
	ck_assert_int_eq(wm_mailbox_name("\"a b\"@x", name, sizeof(name)), 0);
	ck_assert_str_eq(name, "=22a=20b=22=40x");
	ck_assert_int_eq(wm_mailbox_name("j\xc3\xb6rg@x", name, sizeof(name)), 0);
	ck_assert_str_eq(name, "j=C3=B6rg=40x");
}
END_TEST

START_TEST(test_mailbox_name_roundtrips_every_byte)
{
	char local[256], back[256], name[1024];
	int i;

	for (i = 1; i <= 0xff; i++)
		local[i - 1] = (char)i;
	local[255] = '\0';
	ck_assert_int_eq(wm_mailbox_name(local, name, sizeof(name)), 0);
	ck_assert(strchr(name, '/') == NULL);
	ck_assert_int_eq(wm_mailbox_address(name, back, sizeof(back)), 0);
	ck_assert(memcmp(local, back, 256) == 0);
	/* and each byte on its own, in first and in later position */
	for (i = 1; i <= 0xff; i++) {
		char one[4] = { (char)i, '\0' }, two[4] = { 'x', (char)i, '\0' };

		ck_assert_int_eq(wm_mailbox_name(one, name, sizeof(name)), 0);
		ck_assert_int_eq(wm_mailbox_address(name, back, sizeof(back)), 0);
		ck_assert_str_eq(back, one);
		ck_assert_int_eq(wm_mailbox_name(two, name, sizeof(name)), 0);
		ck_assert_int_eq(wm_mailbox_address(name, back, sizeof(back)), 0);
		ck_assert_str_eq(back, two);
	}
}
END_TEST

/* The path for x is root + "/" + one component that is neither . nor .. */
static void
assert_direct_child(const char *root, const char *x)
{
	char *path, *comp;
	size_t rl = strlen(root);

	path = wm_mailbox_path(root, x);
	ck_assert_ptr_nonnull(path);
	ck_assert_msg(strncmp(path, root, rl) == 0 && path[rl] == '/',
	    "%s -> %s", x, path);
	comp = path + rl + 1;
	ck_assert_msg(*comp != '\0' && strchr(comp, '/') == NULL &&
	    strcmp(comp, ".") != 0 && strcmp(comp, "..") != 0 && comp[0] != '.',
	    "%s -> %s", x, path);
	free(path);
}

START_TEST(test_mailbox_names_never_escape)
{
	static const char *const evil[] = {
		"../", "/", "..", ".", "a/../../etc", "../../etc/passwd", "./a",
		".hidden", "...", "a/b", "//", "/etc/passwd", "..@example.com",
		".@example.com", "a\\..\\b", "%2e%2e", "=2E=2E", NULL
	};
	char *root = wm_test_tmpdir();
	char *path;
	int i;

	for (i = 0; evil[i] != NULL; i++)
		assert_direct_child(root, evil[i]);
	/* the empty address would be the root itself */
	ck_assert_ptr_null(wm_mailbox_path(root, ""));
	/* a name longer than a directory entry can be is refused, not cut */
	{
		char longaddr[200];

		memset(longaddr, '/', sizeof(longaddr) - 1);
		longaddr[sizeof(longaddr) - 1] = '\0';
		ck_assert_ptr_null(wm_mailbox_path(root, longaddr));
	}
	path = wm_mailbox_path(root, "..");
	ck_assert_str_eq(path + strlen(root), "/=2E.");
	free(path);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_decode_refuses_what_encode_never_makes)
{
	static const char *const bad[] = {
		"", ".", "..", "...", ".x", "a/b", "/", "=2E=2E", "=2e.", "a=2Eb",
		"=", "=4", "=4G", "a=3d", "=41bc", "=00", "a b", "a@b",
		"bob=40example.com/", "a\xc3\xb6", NULL
	};
	char out[256];
	int i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(wm_mailbox_address(bad[i], out, sizeof(out)) == -1,
		    "decoded: %s", bad[i]);
	ck_assert_int_eq(wm_mailbox_address("=2E.", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "..");
	ck_assert_int_eq(wm_mailbox_address("bob=40example.com", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "bob@example.com");
	ck_assert_int_eq(wm_mailbox_address("bob=40example.com", out, 5), -1);
}
END_TEST

static int
count_files(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

START_TEST(test_mailbox_store_lands_in_new)
{
	char *root = wm_test_tmpdir(), *file = NULL, *path, *full;
	struct wm_buf b;
	struct wm_err err;
	struct stat st;
	const char msg[] = "From: a@b\r\nSubject: hi\r\n\r\nbody\r\n";

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", msg,
	    sizeof(msg) - 1, &file, &err), 0);
	ck_assert_ptr_nonnull(file);
	ck_assert_msg(strncmp(file, "new/", 4) == 0, "%s", file);
	ck_assert(strchr(file + 4, ':') == NULL && strchr(file + 4, '/') == NULL);
	path = wm_mailbox_path(root, "bob@example.com");
	full = wm_asprintf("%s/%s", path, file);
	wm_buf_init(&b);
	ck_assert_int_eq(wm_read_file(full, 1 << 20, &b, &err), 0);
	ck_assert_uint_eq(b.len, sizeof(msg) - 1);
	ck_assert(memcmp(b.data, msg, b.len) == 0);
	wm_buf_free(&b);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	free(full);
	full = wm_asprintf("%s/tmp", path);
	ck_assert_int_eq(count_files(full), 0);
	free(full);
	full = wm_asprintf("%s/cur", path);
	ck_assert(wm_path_exists(full));
	free(full);
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"),
	    (long long)sizeof(msg) - 1);
	ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", file, &err), 0);
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"), 0);
	free(file);
	free(path);
	wm_test_rmdir(root);
}
END_TEST

/* A stock maildir reader sees exactly the stored messages, byte for byte. */
START_TEST(test_mailbox_store_is_read_by_python_maildir)
{
	char *root = wm_test_tmpdir(), *path, *cmd, line[64] = "";
	const char msg[] = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
	struct wm_err err;
	FILE *p;

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", msg,
	    sizeof(msg) - 1, NULL, &err), 0);
	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", msg,
	    sizeof(msg) - 1, NULL, &err), 0);
	path = wm_mailbox_path(root, "bob@example.com");
	cmd = wm_asprintf("python3 -c 'import mailbox, sys; "
	    "m = mailbox.Maildir(sys.argv[1], create=False); "
	    "want = b\"From: a@example.com\\r\\nSubject: hi\\r\\n\\r\\nbody\\r\\n\"; "
	    "print(len(m), all(m.get_bytes(k) == want for k in m.keys()))' '%s'",
	    path);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(line, "2 True\n");
	free(cmd);
	free(path);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_store_names_are_unique)
{
	char *root = wm_test_tmpdir(), *a = NULL, *b = NULL;
	struct wm_err err;

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "x", 1, &a,
	    &err), 0);
	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "y", 1, &b,
	    &err), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"), 2);
	free(a);
	free(b);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_store_unwritable_is_tempfail)
{
	char *root = wm_test_tmpdir(), *bad;
	struct wm_err err;

	/* a file where the mail directory should be: the admin can fix it */
	bad = wm_asprintf("%s/notadir", root);
	wm_test_write(bad, "x");
	ck_assert_int_eq(wm_mailbox_store(bad, "bob@example.com", "x", 1, NULL,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	free(bad);
	/* a symlink in place of a mailbox is not followed */
	bad = wm_asprintf("%s/bob=40example.com", root);
	ck_assert_int_eq(symlink("/tmp", bad), 0);
	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "x", 1, NULL,
	    &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	free(bad);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_store_without_permission_is_tempfail)
{
	char *root = wm_test_tmpdir();
	struct wm_err err;
	pid_t pid;
	int status;

	ck_assert_int_eq(chmod(root, 0555), 0);
	/* root ignores modes: try as nobody in a child, clean up as ourselves */
	if ((pid = fork()) == 0) {
		if (geteuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
			_exit(100);
		if (wm_mailbox_store(root, "bob@example.com", "x", 1, NULL,
		    &err) == 0)
			_exit(101);
		_exit(err.code);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), EX_TEMPFAIL);
	chmod(root, 0700);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_remove_refuses_paths)
{
	char *root = wm_test_tmpdir();
	struct wm_err err;
	static const char *const bad[] = { "../x", "new/../x", "new/", "tmp/x",
	    "new/.x", "cur/a/b", "x", NULL };
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", bad[i],
		    &err), -1);
		ck_assert_int_eq(err.code, EX_DATAERR);
	}
	ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", "new/gone",
	    &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	wm_test_rmdir(root);
}
END_TEST

struct seen {
	char	 list[1024];
};

static int
collect(const char *name, const char *address, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->list);

	snprintf(s->list + n, sizeof(s->list) - n, "%s %s;", name, address);
	return 0;
}

START_TEST(test_mailbox_foreach_lists_decodable_directories)
{
	char *root = wm_test_tmpdir(), *p;
	struct seen s = { "" };
	struct wm_err err;

	ck_assert_int_eq(wm_mailbox_create(root, "zed@example.com", &err), 0);
	ck_assert_int_eq(wm_mailbox_create(root, "amy@example.com", &err), 0);
	ck_assert_int_eq(wm_mailbox_create(root, ".x@example.com", &err), 0);
	/* not names the box makes: skipped */
	p = wm_asprintf("%s/lost+found=zz", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = wm_asprintf("%s/.purge.1234", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = wm_asprintf("%s/plainfile", root);
	wm_test_write(p, "x");
	free(p);
	ck_assert_int_eq(wm_mailbox_foreach(root, collect, &s, &err), 0);
	ck_assert_str_eq(s.list, "=2Ex=40example.com .x@example.com;"
	    "amy=40example.com amy@example.com;"
	    "zed=40example.com zed@example.com;");
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_sent_folder_apart_for_stock_readers)
{
	char *root = wm_test_tmpdir(), *path, *cmd, *file = NULL, line[64] = "";
	const char msg[] = "From: bob@example.com\r\nSubject: re\r\n\r\nok\r\n";
	struct wm_err err;
	FILE *p;

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", msg,
	    sizeof(msg) - 1, NULL, &err), 0);
	ck_assert_int_eq(wm_mailbox_store_folder(root, "bob@example.com", "Sent",
	    msg, sizeof(msg) - 1, &file, &err), 0);
	ck_assert_msg(strncmp(file, ".Sent/new/", 10) == 0, "%s", file);
	ck_assert(wm_mailbox_file_ok(file));
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"),
	    2 * (long long)(sizeof(msg) - 1));
	ck_assert_int_eq(wm_mailbox_store_folder(root, "bob@example.com", "../x",
	    msg, sizeof(msg) - 1, NULL, &err), -1);
	path = wm_mailbox_path(root, "bob@example.com");
	cmd = wm_asprintf("python3 -c 'import mailbox, sys; "
	    "m = mailbox.Maildir(sys.argv[1], create=False); "
	    "print(len(m), m.list_folders(), len(m.get_folder(\"Sent\")))' '%s'",
	    path);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(line, "1 ['Sent'] 1\n");
	ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", file, &err), 0);
	free(cmd);
	free(path);
	free(file);
	wm_test_rmdir(root);
}
END_TEST

START_TEST(test_mailbox_file_names_checked)
{
	ck_assert(wm_mailbox_file_ok("new/1.2.ab"));
	ck_assert(wm_mailbox_file_ok("cur/1.2.ab:2,S"));
	ck_assert(wm_mailbox_file_ok(".Sent/cur/1.2.ab"));
	ck_assert(!wm_mailbox_file_ok(NULL));
	ck_assert(!wm_mailbox_file_ok("tmp/1"));
	ck_assert(!wm_mailbox_file_ok("new/"));
	ck_assert(!wm_mailbox_file_ok("new/.x"));
	ck_assert(!wm_mailbox_file_ok("new/../../etc/passwd"));
	ck_assert(!wm_mailbox_file_ok("../new/x"));
	ck_assert(!wm_mailbox_file_ok("./new/x"));
	ck_assert(!wm_mailbox_file_ok("../x/new/y"));
	ck_assert(!wm_mailbox_file_ok(".Sent/../new/x"));
	ck_assert(!wm_mailbox_file_ok(".Se1/new/x"));
	ck_assert(!wm_mailbox_file_ok(".Sent/.Sent/new/x"));
	ck_assert(!wm_mailbox_file_ok("/new/x"));
}
END_TEST

/* CRLF throughout: LF on disk; anything mixed or bare: as it came. */
START_TEST(test_mailbox_crlf_detection)
{
	static const struct { const char *s; int want; } cases[] = {
		{ "a\r\nb\r\n", 1 },
		{ "a\r\nno final line end", 1 },
		{ "a\r\n\r\nbody", 1 },
		{ "a\nb\n", 0 },
		{ "a\r\nb\n", 0 },
		{ "a\r\nb\rc\r\n", 0 },
		{ "a\r\n\r", 0 },
		{ "a\r\r\n", 0 },
		{ "\n", 0 },
		{ "no line end at all", 0 },
		{ "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(wm_mailbox_crlf_only(cases[i].s, strlen(cases[i].s)) ==
		    cases[i].want, "case %zu", i);
}
END_TEST

static void
read_stored(const char *root, const char *file, struct wm_buf *b)
{
	struct wm_err err;
	char *path = wm_mailbox_path(root, "bob@example.com");
	char *full = wm_asprintf("%s/%s", path, file);

	wm_buf_init(b);
	ck_assert_int_eq(wm_read_file(full, 1 << 26, b, &err), 0);
	free(full);
	free(path);
}

START_TEST(test_mailbox_store_unix_roundtrips)
{
	char *root = wm_test_tmpdir(), *file = NULL;
	const char crlf[] = "From: a@b\r\nSubject: hi\r\n\r\nbody\r\nend";
	const char mixed[] = "From: a@b\nSubject: hi\r\n\r\nbody\n";
	struct wm_buf b, back;
	struct wm_err err;
	int lf = -1;

	ck_assert_int_eq(wm_mailbox_store_unix(root, "bob@example.com", crlf,
	    sizeof(crlf) - 1, &file, &lf, &err), 0);
	ck_assert_int_eq(lf, 1);
	read_stored(root, file, &b);
	ck_assert_str_eq(b.data, "From: a@b\nSubject: hi\n\nbody\nend");
	wm_buf_init(&back);
	ck_assert_int_eq(wm_mailbox_restore_crlf(b.data, b.len, &back), 0);
	ck_assert_uint_eq(back.len, sizeof(crlf) - 1);
	ck_assert(memcmp(back.data, crlf, back.len) == 0);
	wm_buf_free(&b);
	wm_buf_free(&back);
	free(file);
	ck_assert_int_eq(wm_mailbox_store_unix(root, "bob@example.com", mixed,
	    sizeof(mixed) - 1, &file, &lf, &err), 0);
	ck_assert_int_eq(lf, 0);
	read_stored(root, file, &b);
	ck_assert_uint_eq(b.len, sizeof(mixed) - 1);
	ck_assert(memcmp(b.data, mixed, b.len) == 0);
	wm_buf_free(&b);
	free(file);
	wm_test_rmdir(root);
}
END_TEST

/* Lines of every length across the writer's 64 KB pieces: LF on disk, exact. */
START_TEST(test_mailbox_store_unix_big_mail)
{
	char *root = wm_test_tmpdir(), *file = NULL;
	struct wm_buf crlf, want, b;
	struct wm_err err;
	size_t i, k;
	int lf = -1;

	wm_buf_init(&crlf);
	wm_buf_init(&want);
	for (i = 0; crlf.len < 300000; i++) {
		for (k = 0; k < i % 997; k++) {
			wm_buf_append(&crlf, "x", 1);
			wm_buf_append(&want, "x", 1);
		}
		wm_buf_append(&crlf, "\r\n", 2);
		wm_buf_append(&want, "\n", 1);
	}
	ck_assert_int_eq(wm_mailbox_store_unix(root, "bob@example.com", crlf.data,
	    crlf.len, &file, &lf, &err), 0);
	ck_assert_int_eq(lf, 1);
	read_stored(root, file, &b);
	ck_assert_uint_eq(b.len, want.len);
	ck_assert(memcmp(b.data, want.data, b.len) == 0);
	wm_buf_free(&b);
	wm_buf_free(&crlf);
	wm_buf_free(&want);
	free(file);
	wm_test_rmdir(root);
}
END_TEST

/* What Dovecot does to a file: the index's name still finds it. */
START_TEST(test_mailbox_locate_follows_moves_and_flags)
{
	char *root = wm_test_tmpdir(), *file = NULL, *now, *flagged, *path, *a, *b;
	struct wm_err err;

	ck_assert_int_eq(wm_mailbox_store(root, "bob@example.com", "x\n", 2,
	    &file, &err), 0);
	now = wm_mailbox_locate(root, "bob@example.com", file, &err);
	ck_assert_str_eq(now, file);
	free(now);
	path = wm_mailbox_path(root, "bob@example.com");
	a = wm_asprintf("%s/%s", path, file);
	b = wm_asprintf("%s/cur/%s:2,RS", path, file + 4);
	ck_assert_int_eq(rename(a, b), 0);
	now = wm_mailbox_locate(root, "bob@example.com", file, &err);
	ck_assert_ptr_nonnull(now);
	ck_assert_str_eq(now + 4, strrchr(b, '/') + 1);
	ck_assert(wm_mailbox_has_flag(now, 'S') && wm_mailbox_has_flag(now, 'R'));
	ck_assert(!wm_mailbox_has_flag(now, 'T'));
	/* Flags stay in ASCII order; the portal's mark is the standard S. */
	ck_assert_int_eq(wm_mailbox_set_flag(root, "bob@example.com", file, 'T', 1,
	    &flagged, &err), 0);
	ck_assert_str_eq(wm_mailbox_flags(flagged), "RST");
	ck_assert_int_eq(strncmp(flagged, "cur/", 4), 0);
	free(now);
	now = wm_mailbox_locate(root, "bob@example.com", "new/none", &err);
	ck_assert_ptr_null(now);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	/* Removing by the old name removes the moved file. */
	ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", file, &err), 0);
	ck_assert_int_eq(wm_mailbox_usage(root, "bob@example.com"), 0);
	ck_assert_int_eq(wm_mailbox_remove(root, "bob@example.com", file, &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	free(flagged);
	free(file);
	free(a);
	free(b);
	free(path);
	wm_test_rmdir(root);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("mailbox");

	WM_TEST(s, test_mailbox_name_matches_design);
	WM_TEST(s, test_mailbox_name_roundtrips_every_byte);
	WM_TEST(s, test_mailbox_names_never_escape);
	WM_TEST(s, test_mailbox_decode_refuses_what_encode_never_makes);
	WM_TEST(s, test_mailbox_store_lands_in_new);
	WM_TEST(s, test_mailbox_store_is_read_by_python_maildir);
	WM_TEST(s, test_mailbox_store_names_are_unique);
	WM_TEST(s, test_mailbox_store_unwritable_is_tempfail);
	WM_TEST(s, test_mailbox_store_without_permission_is_tempfail);
	WM_TEST(s, test_mailbox_remove_refuses_paths);
	WM_TEST(s, test_mailbox_foreach_lists_decodable_directories);
	WM_TEST(s, test_mailbox_sent_folder_apart_for_stock_readers);
	WM_TEST(s, test_mailbox_file_names_checked);
	WM_TEST(s, test_mailbox_crlf_detection);
	WM_TEST(s, test_mailbox_store_unix_roundtrips);
	WM_TEST(s, test_mailbox_store_unix_big_mail);
	WM_TEST(s, test_mailbox_locate_follows_moves_and_flags);
	return s;
}
