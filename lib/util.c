/*
 * util.c - see util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "err.h"
#include "util.h"

void
wm_buf_init(struct wm_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static int
buf_reserve(struct wm_buf *b, size_t more)
{
	size_t need, ncap;
	char *p;

	if (more > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL)
		return -1;
	/* A first allocation is terminated too: data is a string when set. */
	if (b->data == NULL)
		p[b->len] = '\0';
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
wm_buf_reserve(struct wm_buf *b, size_t more)
{
	return buf_reserve(b, more);
}

int
wm_buf_append(struct wm_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
wm_buf_puts(struct wm_buf *b, const char *s)
{
	return wm_buf_append(b, s, strlen(s));
}

int
wm_buf_printf(struct wm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
wm_buf_take(struct wm_buf *b)
{
	char *p;

	if (b->data == NULL && buf_reserve(b, 0) == -1)
		return NULL;
	p = b->data;
	wm_buf_init(b);
	return p;
}

void
wm_buf_free(struct wm_buf *b)
{
	free(b->data);
	wm_buf_init(b);
}

void
wm_buf_free_secret(struct wm_buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	wm_buf_free(b);
}

char *
wm_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

char *
wm_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void
wm_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int
wm_read_fd(int fd, size_t max, struct wm_buf *b, struct wm_err *err)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return wm_err_set(err, EX_IOERR, "read: %s", strerror(errno));
		if (n == 0)
			break;
		if (b->len + (size_t)n > max)
			return wm_err_set(err, EX_DATAERR,
			    "input larger than %zu bytes", max);
		if (wm_buf_append(b, chunk, (size_t)n) == -1)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	if (b->data == NULL && buf_reserve(b, 0) == -1)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return 0;
}

int
wm_read_file(const char *path, size_t max, struct wm_buf *b, struct wm_err *err)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return wm_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "%s: %s", path, strerror(errno));
	rc = wm_read_fd(fd, max, b, err);
	close(fd);
	if (rc == -1)
		return wm_err_wrap(err, "%s", path);
	return 0;
}

char *
wm_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
	return s;
}

int
wm_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
io_code(int e)
{
	/* A full disk or quota clears up later: Postfix should retry. */
	if (e == ENOSPC || e == EDQUOT || e == EAGAIN || e == EINTR ||
	    e == EACCES || e == EPERM || e == EROFS || e == EMFILE || e == ENFILE)
		return EX_TEMPFAIL;
	return EX_IOERR;
}

int
wm_fsync_dir(const char *dir, struct wm_err *err)
{
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return wm_err_set(err, io_code(errno), "%s: %s", dir, strerror(errno));
	if (fsync(fd) == -1 && errno != EINVAL) {
		close(fd);
		return wm_err_set(err, io_code(errno), "fsync %s: %s", dir,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

int
wm_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
    struct wm_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return wm_err_set(err, EX_SOFTWARE, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return wm_err_set(err, io_code(errno), "%s: %s", tmp, strerror(errno));
	if (wm_write_all(fd, p, n) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		return wm_err_set(err, io_code(e), "%s: %s", tmp, strerror(e));
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		return wm_err_set(err, io_code(e), "%s: %s", path, strerror(e));
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return wm_fsync_dir(".", err);
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return wm_fsync_dir(dir, err);
}

int
wm_mkdir_p(const char *path, mode_t mode, struct wm_err *err)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return wm_err_set(err, EX_SOFTWARE, "path too long");
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return wm_err_set(err, errno == EACCES ? EX_CANTCREAT :
			    io_code(errno), "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return wm_err_set(err, EX_CANTCREAT, "mkdir %s: %s", buf,
		    strerror(errno));
	return 0;
}

int
wm_rm_rf(const char *path, struct wm_err *err)
{
	struct dirent *de;
	struct stat st;
	char *child;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 :
		    wm_err_set(err, EX_IOERR, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == -1)
			return wm_err_set(err, EX_IOERR, "unlink %s: %s", path,
			    strerror(errno));
		return 0;
	}
	if ((d = opendir(path)) == NULL)
		return wm_err_set(err, EX_IOERR, "%s: %s", path, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((child = wm_asprintf("%s/%s", path, de->d_name)) == NULL) {
			rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
			break;
		}
		rc = wm_rm_rf(child, err);
		free(child);
	}
	closedir(d);
	if (rc == 0 && rmdir(path) == -1)
		return wm_err_set(err, EX_IOERR, "rmdir %s: %s", path, strerror(errno));
	return rc;
}

int
wm_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int
wm_random_bytes(void *p, size_t n, struct wm_err *err)
{
	if (n > INT_MAX || RAND_bytes(p, (int)n) != 1)
		return wm_err_set(err, EX_TEMPFAIL, "no randomness available");
	return 0;
}

int
wm_random_token(char *out, size_t len, struct wm_err *err)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r;
	size_t i = 0;

	if (len == 0)
		return 0;
	while (i < len - 1) {
		if (wm_random_bytes(&r, 1, err) == -1)
			return -1;
		/* 252 = 7 * 36: rejecting the rest keeps every letter equally likely. */
		if (r >= 252)
			continue;
		out[i++] = alphabet[r % 36];
	}
	out[i] = '\0';
	return 0;
}

void
wm_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
wm_unhex(const char *s, unsigned char *out, size_t outlen)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
wm_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
wm_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

void
wm_json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

time_t
wm_now(void)
{
	const char *s;
	char *end;
	long long v;

	if ((s = getenv("WM_NOW")) != NULL && *s != '\0') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return (time_t)v;
	}
	return time(NULL);
}

int
wm_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0))
		return -1;
	*out = timegm(&tm);
	return 0;
}

void
wm_time_format(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
wm_has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

size_t
wm_header_length(const void *mail, size_t len)
{
	const char *p = mail;
	size_t i;

	if (len > 0 && p[0] == '\n')
		return 1;
	if (len > 1 && p[0] == '\r' && p[1] == '\n')
		return 2;
	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

char *
wm_header_value(const void *mail, size_t len, const char *name)
{
	const char *p = mail, *end = p + len, *eol;
	size_t nl = strlen(name), n;
	struct wm_buf v;
	int in = 0;

	wm_buf_init(&v);
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((eol ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (in && (p[0] == ' ' || p[0] == '\t')) {
			wm_buf_append(&v, p, n);
		} else if (in)
			break;
		else if (n > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			in = 1;
			wm_buf_append(&v, p + nl + 1, n - nl - 1);
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	if (!in) {
		wm_buf_free(&v);
		return NULL;
	}
	wm_buf_puts(&v, "");
	return wm_buf_take(&v);
}
