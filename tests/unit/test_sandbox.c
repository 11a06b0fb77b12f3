/*
 * test_sandbox.c - the parse sandbox: work runs and answers; a file or a
 * socket cannot be opened (EACCES); exec, a crash, a loop and a memory
 * blow-up end the child only, each with its own outcome.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "sandbox.h"
#include "testutil.h"

static const struct wm_sandbox_limits lim = { 2, 256UL << 20, 3000, 1 << 20 };

static int
w_hello(void *arg, struct wm_buf *out)
{
	return wm_buf_puts(out, "parsed");
}

/* Reports the errno of open and socket, for the parent to look at. */
static int
w_escape(void *arg, struct wm_buf *out)
{
	int fd = open("/etc/passwd", O_RDONLY), e1 = errno;
	int s = socket(AF_INET, SOCK_STREAM, 0), e2 = errno;

	return wm_buf_printf(out, "%d %d %d %d", fd, e1, s, e2);
}

static int
w_exec(void *arg, struct wm_buf *out)
{
	char *const argv[] = { "/bin/true", NULL };

	execv(argv[0], argv);
	return wm_buf_puts(out, "exec failed only");
}

static int
w_crash(void *arg, struct wm_buf *out)
{
	raise(SIGSEGV);
	return 0;
}

static int
w_loop(void *arg, struct wm_buf *out)
{
	for (;;)
		;
	return 0;
}

static int __attribute__((unused))
w_greedy(void *arg, struct wm_buf *out)
{
	char *p;

	for (;;) {
		if ((p = malloc(8 << 20)) == NULL)
			_exit(WM_SANDBOX_EXIT_NOMEM);
		memset(p, 1, 8 << 20);
	}
	return 0;
}

static enum wm_sandbox_outcome
run(int (*fn)(void *, struct wm_buf *), struct wm_buf *out)
{
	enum wm_sandbox_outcome o;
	struct wm_err err;

	wm_buf_init(out);
	wm_sandbox_run(fn, NULL, &lim, out, &o, &err);
	return o;
}

START_TEST(test_work_answers)
{
	struct wm_buf out;

	ck_assert_int_eq(run(w_hello, &out), WM_SANDBOX_OK);
	ck_assert_str_eq(out.data, "parsed");
	wm_buf_free(&out);
}
END_TEST

START_TEST(test_no_file_no_socket)
{
	struct wm_buf out;
	char want[64];

	ck_assert_int_eq(run(w_escape, &out), WM_SANDBOX_OK);
	snprintf(want, sizeof(want), "-1 %d -1 %d", EACCES, EACCES);
	ck_assert_str_eq(out.data, want);
	wm_buf_free(&out);
}
END_TEST

START_TEST(test_exec_kills_the_child)
{
	struct wm_buf out;

	ck_assert_int_eq(run(w_exec, &out), WM_SANDBOX_CRASHED);
	ck_assert_uint_eq(out.len, 0);
	wm_buf_free(&out);
}
END_TEST

START_TEST(test_crash_loop_and_memory_end_the_child_only)
{
	struct wm_buf out;

	ck_assert_int_eq(run(w_crash, &out), WM_SANDBOX_CRASHED);
	wm_buf_free(&out);
	ck_assert_int_eq(run(w_loop, &out), WM_SANDBOX_TIMEOUT);
	wm_buf_free(&out);
#ifndef __SANITIZE_ADDRESS__
	ck_assert_int_eq(run(w_greedy, &out), WM_SANDBOX_MEMORY);
	wm_buf_free(&out);
#endif
	/* And this process goes on: the next run works. */
	ck_assert_int_eq(run(w_hello, &out), WM_SANDBOX_OK);
	wm_buf_free(&out);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("sandbox");

	WM_TEST(s, test_work_answers);
	WM_TEST(s, test_no_file_no_socket);
	WM_TEST(s, test_exec_kills_the_child);
	WM_TEST(s, test_crash_loop_and_memory_end_the_child_only);
	return s;
}
