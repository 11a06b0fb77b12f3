/*
 * gpg.c - see gpg.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "err.h"
#include "gpg.h"
#include "util.h"

#define MAX_ARGS	32

struct call {
	const char	*argv[MAX_ARGS];
	int		 n;
	char		 home[64];
	struct wm_buf	 errout;	/* gpg's standard error */
};

static void
arg(struct call *c, const char *a)
{
	if (c->n < MAX_ARGS - 1)
		c->argv[c->n++] = a;
	c->argv[c->n] = NULL;
}

static int
prepare(const struct wm_config *cfg, struct call *c, struct wm_err *err)
{
	static const char *const common[] = { "--batch", "--no-tty",
	    "--no-autostart", "--pinentry-mode", "loopback", "--passphrase-fd",
	    "3", "--no-symkey-cache", "--quiet", "--yes", NULL };
	const char *gpg = wm_config_get(cfg, "commands", "gpg");
	int i;

	memset(c, 0, sizeof(*c));
	wm_buf_init(&c->errout);
	snprintf(c->home, sizeof(c->home), "/tmp/wm-gpg.XXXXXX");
	if (gpg == NULL || *gpg != '/')
		return wm_err_set(err, EX_CONFIG, "no usable [commands] gpg");
	if (mkdtemp(c->home) == NULL)
		return wm_err_set(err, EX_CANTCREAT, "gpg home: %s",
		    strerror(errno));
	arg(c, gpg);
	arg(c, "--homedir");
	arg(c, c->home);
	for (i = 0; common[i] != NULL; i++)
		arg(c, common[i]);
	return 0;
}

static void
child(struct call *c, int pass, int errfd)
{
	int null = open("/dev/null", O_RDWR);

	if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(errfd, 2) == -1 || dup2(pass, 3) == -1)
		_exit(127);
	closefrom(4);
	execv(c->argv[0], (char *const *)c->argv);
	_exit(127);
}

static void
collect(int fd, struct wm_buf *b)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n == -1 && errno == EINTR))
		if (n > 0 && b->len < 65536)
			wm_buf_append(b, buf, (size_t)n);
}

/* Runs gpg with the password on fd 3; returns its exit status or -1. */
static int
run(struct call *c, const char *password, struct wm_err *err)
{
	int pp[2], ep[2], status;
	pid_t pid;

	if (pipe(pp) == -1 || pipe(ep) == -1)
		return wm_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		return wm_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(pp[1]);
		close(ep[0]);
		child(c, pp[0], ep[1]);
	}
	close(pp[0]);
	close(ep[1]);
	signal(SIGPIPE, SIG_IGN);
	/* A password fits the pipe buffer: no deadlock with stderr.  A failed
	 * write shows as gpg failing. */
	if (write(pp[1], password, strlen(password)) != -1)
		(void)!write(pp[1], "\n", 1);
	close(pp[1]);
	collect(ep[0], &c->errout);
	close(ep[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return wm_err_set(err, EX_OSERR, "waitpid: %s",
			    strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
finish(struct call *c)
{
	struct wm_err e;

	wm_rm_rf(c->home, &e);
	wm_buf_free(&c->errout);
}

static char *
tmp_name(const char *out)
{
	return wm_asprintf("%s.gpg-tmp.%d", out, (int)getpid());
}

int
wm_gpg_encrypt(const struct wm_config *cfg, const char *in, const char *out,
    const char *password, struct wm_err *err)
{
	struct call c;
	char *tmp = tmp_name(out);
	int rc = -1, st;

	if (tmp == NULL || prepare(cfg, &c, err) == -1) {
		free(tmp);
		return tmp ? -1 : wm_err_set(err, EX_OSERR, "out of memory");
	}
	arg(&c, "--symmetric");
	arg(&c, "--cipher-algo");
	arg(&c, "AES256");
	arg(&c, "--s2k-digest-algo");
	arg(&c, "SHA512");
	arg(&c, "--s2k-count");
	arg(&c, "65011712");
	arg(&c, "--output");
	arg(&c, tmp);
	arg(&c, in);
	if ((st = run(&c, password, err)) == 0 && rename(tmp, out) == 0)
		rc = 0;
	else if (st > 0)
		wm_err_set(err, EX_SOFTWARE, "gpg could not encrypt (exit %d)", st);
	else if (st == 0)
		wm_err_set(err, EX_IOERR, "%s: %s", out, strerror(errno));
	unlink(tmp);
	free(tmp);
	finish(&c);
	return rc;
}

int
wm_gpg_decrypt(const struct wm_config *cfg, const char *in, const char *out,
    const char *password, enum wm_gpg_fail *why, struct wm_err *err)
{
	struct call c;
	char *tmp = tmp_name(out);
	int rc = -1, st;

	*why = WM_GPG_ERROR;
	if (tmp == NULL || prepare(cfg, &c, err) == -1) {
		free(tmp);
		return tmp ? -1 : wm_err_set(err, EX_OSERR, "out of memory");
	}
	arg(&c, "--decrypt");
	arg(&c, "--output");
	arg(&c, tmp);
	arg(&c, in);
	if ((st = run(&c, password, err)) == 0 && rename(tmp, out) == 0) {
		*why = WM_GPG_OK;
		rc = 0;
	} else if (st > 0 && c.errout.data != NULL &&
	    strstr(c.errout.data, "Bad session key") != NULL) {
		*why = WM_GPG_BAD_PASSWORD;
		wm_err_set(err, EX_DATAERR, "wrong password");
	} else if (st > 0) {
		*why = WM_GPG_CORRUPT;
		wm_err_set(err, EX_DATAERR, "the encrypted file is corrupt or "
		    "truncated (gpg exit %d)", st);
	}
	unlink(tmp);
	free(tmp);
	finish(&c);
	return rc;
}

int
wm_gpg_looks_encrypted(const char *path)
{
	unsigned char b[512];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 262 && memcmp(b + 257, "ustar", 5) == 0)
		return 0;
	/* An OpenPGP packet header has bit 7 set. */
	return n > 0 && (b[0] & 0x80) != 0;
}

char *
wm_password_from_fd(int fd, struct wm_err *err)
{
	struct wm_buf b;
	char *nl;

	wm_buf_init(&b);
	if (wm_read_fd(fd, 1024, &b, err) == -1) {
		wm_buf_free_secret(&b);
		return NULL;
	}
	if (b.data == NULL && wm_buf_append(&b, "", 0) == -1) {
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	if ((nl = strchr(b.data, '\n')) != NULL)
		*nl = '\0';
	if ((nl = strchr(b.data, '\r')) != NULL)
		*nl = '\0';
	return wm_buf_take(&b);
}
