/*
 * sandbox.c - see sandbox.h.  The child inherits the parent's heap (the mail
 * is already read), so it needs no filesystem at all: open and socket fail
 * with EACCES (libraries that probe for files carry on without them), and
 * anything outside the list kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <seccomp.h>

#include "err.h"
#include "sandbox.h"
#include "util.h"

/* What computing and answering through the pipe needs, and no more. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close), SCMP_SYS(lseek),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getrandom),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sched_yield), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(tgkill), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(sysinfo), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit),
	SCMP_SYS(sigaltstack)
};

/* Refused, not fatal: the child may try and must carry on. */
static const int refused[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(socket), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(stat),
	SCMP_SYS(lstat), SCMP_SYS(readlink), SCMP_SYS(statx)
};

static int
confine(const struct wm_sandbox_limits *lim)
{
	/*
	 * The hard limit a second later: at the soft one the kernel sends
	 * SIGXCPU (read as a timeout); at an equal hard one it would send
	 * SIGKILL first, which reads as a crash.
	 */
	struct rlimit cpu = { (rlim_t)lim->cpu_seconds,
	    (rlim_t)lim->cpu_seconds + 1 };
	struct rlimit mem = { (rlim_t)lim->memory, (rlim_t)lim->memory };
	struct rlimit none = { 0, 0 };
	scmp_filter_ctx ctx;
	size_t i;
	int rc = 0;

	if (setrlimit(RLIMIT_CPU, &cpu) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &none) == -1 || setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
#ifndef __SANITIZE_ADDRESS__
	/* (ASan's shadow memory is terabytes of address space: not there.) */
	if (setrlimit(RLIMIT_AS, &mem) == -1)
		return -1;
#else
	(void)mem;
#endif
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -1;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), refused[i], 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}

static void __attribute__((noreturn))
child(int fd, int (*fn)(void *, struct wm_buf *), void *arg,
    const struct wm_sandbox_limits *lim)
{
	struct wm_buf out;

	/* Nothing of the parent's but the pipe: no database, no socket. */
	if (dup2(fd, 3) == -1)
		_exit(2);
	close_range(4, ~0U, 0);
	close(STDIN_FILENO);
	if (confine(lim) == -1)
		_exit(2);
	wm_buf_init(&out);
	if (fn(arg, &out) != 0)
		_exit(1);
	_exit(wm_write_all(3, out.data ? out.data : "", out.len) == 0 ? 0 : 2);
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's answer until EOF, the limit of time or of size. */
static enum wm_sandbox_outcome
collect(int fd, const struct wm_sandbox_limits *lim, struct wm_buf *result)
{
	long long end = ms_now() + lim->wall_ms;
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[65536];
	ssize_t n;

	for (;;) {
		long long left = end - ms_now();

		if (left <= 0)
			return WM_SANDBOX_TIMEOUT;
		switch (poll(&p, 1, (int)left)) {
		case -1:
			if (errno != EINTR)
				return WM_SANDBOX_CRASHED;
			/* FALLTHROUGH */
		case 0:
			continue;
		}
		if ((n = read(fd, buf, sizeof(buf))) == 0)
			return WM_SANDBOX_OK;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return WM_SANDBOX_CRASHED;
		}
		if (result->len + (size_t)n > lim->max_out)
			return WM_SANDBOX_TOOBIG;
		if (wm_buf_append(result, buf, (size_t)n) == -1)
			return WM_SANDBOX_MEMORY;
	}
}

static enum wm_sandbox_outcome
judge(int status, enum wm_sandbox_outcome read_as)
{
	if (read_as != WM_SANDBOX_OK)
		return read_as;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGXCPU ? WM_SANDBOX_TIMEOUT :
		    WM_SANDBOX_CRASHED;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WM_SANDBOX_EXIT_NOMEM)
		return WM_SANDBOX_MEMORY;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return WM_SANDBOX_FAILED;
	return WM_SANDBOX_OK;
}

/*
 * The child cannot open files, and iconv loads the converter of a charset
 * (a gconv module) from a file the first time it is used: a Latin-1 subject
 * decoded in the child came out as "Gr??e".  So the parent opens, once, the
 * converters mail uses and keeps them; the child finds them loaded.
 */
static const char *const charset_names[] = {
	"ISO-8859-1", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5",
	"ISO-8859-6", "ISO-8859-7", "ISO-8859-8", "ISO-8859-9", "ISO-8859-10",
	"ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
	"WINDOWS-1250", "WINDOWS-1251", "WINDOWS-1252", "WINDOWS-1253",
	"WINDOWS-1254", "WINDOWS-1255", "WINDOWS-1256", "WINDOWS-1257",
	"WINDOWS-1258", "KOI8-R", "KOI8-U", "ISO-2022-JP", "SHIFT_JIS", "EUC-JP",
	"GB2312", "GBK", "GB18030", "BIG5", "EUC-KR", "ISO-2022-KR", "TIS-620",
	"CP850", "IBM437", "MACINTOSH"
};
#define NCHARSETS	(sizeof(charset_names) / sizeof(charset_names[0]))
static iconv_t charsets_kept[NCHARSETS];	/* never closed */

static void
preload_charsets(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	done = 1;
	for (i = 0; i < NCHARSETS; i++)
		charsets_kept[i] = iconv_open("UTF-8", charset_names[i]);
}

int
wm_sandbox_run(int (*fn)(void *, struct wm_buf *), void *arg,
    const struct wm_sandbox_limits *lim, struct wm_buf *result,
    enum wm_sandbox_outcome *outcome, struct wm_err *err)
{
	enum wm_sandbox_outcome got;
	int fds[2], status = 0;
	pid_t pid;

	*outcome = WM_SANDBOX_FAILED;
	preload_charsets();
	if (pipe2(fds, O_CLOEXEC) == -1)
		return wm_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return wm_err_set(err, EX_TEMPFAIL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], fn, arg, lim);
	}
	close(fds[1]);
	got = collect(fds[0], lim, result);
	close(fds[0]);
	/* Whatever it was doing, it is over now. */
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	*outcome = judge(status, got);
	if (*outcome == WM_SANDBOX_OK)
		return 0;
	return wm_err_set(err, EX_DATAERR, "parser %s",
	    wm_sandbox_outcome_name(*outcome));
}

const char *
wm_sandbox_outcome_name(enum wm_sandbox_outcome o)
{
	switch (o) {
	case WM_SANDBOX_OK: return "ok";
	case WM_SANDBOX_FAILED: return "failed";
	case WM_SANDBOX_CRASHED: return "crashed";
	case WM_SANDBOX_TIMEOUT: return "took too long";
	case WM_SANDBOX_MEMORY: return "ran out of memory";
	case WM_SANDBOX_TOOBIG: return "answered too much";
	}
	return "failed";
}

void
wm_sandbox_test_fault(const char *raw)
{
	const char *on = getenv("WM_TEST_PARSE_FAULTS");
	volatile char *p;

	if (on == NULL || strcmp(on, "1") != 0 || raw == NULL)
		return;
	if (strstr(raw, "\nX-WM-Test-Fault: crash") != NULL)
		raise(SIGSEGV);
	if (strstr(raw, "\nX-WM-Test-Fault: loop") != NULL)
		for (;;)
			;
	if (strstr(raw, "\nX-WM-Test-Fault: memory") != NULL)
		for (;;) {
			if ((p = malloc(16 << 20)) == NULL)
				_exit(WM_SANDBOX_EXIT_NOMEM);
			memset((char *)p, 1, 16 << 20);
		}
}
