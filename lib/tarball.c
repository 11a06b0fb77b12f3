/*
 * tarball.c - see tarball.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "err.h"
#include "tarball.h"
#include "util.h"

struct wm_tar {
	struct archive	*a;
};

void
wm_sha256_hex(const void *data, size_t len, char *out)
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	wm_hex(md, sizeof(md), out);
}

struct wm_tar *
wm_tar_create(const char *path, struct wm_err *err)
{
	struct wm_tar *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->a = archive_write_new()) == NULL) {
		free(t);
		wm_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_open_filename(t->a, path) != ARCHIVE_OK) {
		wm_err_set(err, EX_CANTCREAT, "%s: %s", path,
		    archive_error_string(t->a));
		wm_tar_abort(t);
		return NULL;
	}
	return t;
}

int
wm_tar_add_mem(struct wm_tar *t, const char *name, const void *data,
    size_t len, time_t mtime, struct wm_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (e == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, mtime, 0);
	if (archive_write_header(t->a, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(t->a, data, len) != (la_ssize_t)len))
		rc = wm_err_set(err, EX_IOERR, "writing %s into the archive: %s",
		    name, archive_error_string(t->a));
	archive_entry_free(e);
	return rc;
}

int
wm_tar_add_file(struct wm_tar *t, const char *name, const char *path,
    char *sha256, struct wm_err *err)
{
	struct wm_buf b;
	struct stat st;
	int rc;

	wm_buf_init(&b);
	if (stat(path, &st) == -1)
		return wm_err_set(err, EX_NOINPUT, "%s: %s", path, strerror(errno));
	if (wm_read_file(path, (size_t)1 << 31, &b, err) == -1)
		return -1;
	if (sha256 != NULL)
		wm_sha256_hex(b.data ? b.data : "", b.len, sha256);
	rc = wm_tar_add_mem(t, name, b.data, b.len, st.st_mtime, err);
	wm_buf_free_secret(&b);
	return rc;
}

int
wm_tar_close(struct wm_tar *t, struct wm_err *err)
{
	int rc = 0;

	if (archive_write_close(t->a) != ARCHIVE_OK)
		rc = wm_err_set(err, EX_IOERR, "finishing the archive: %s",
		    archive_error_string(t->a));
	archive_write_free(t->a);
	free(t);
	return rc;
}

void
wm_tar_abort(struct wm_tar *t)
{
	if (t == NULL)
		return;
	archive_write_free(t->a);
	free(t);
}

static int
read_member(struct archive *a, struct archive_entry *e, size_t max,
    struct wm_buf *b, struct wm_err *err)
{
	char chunk[65536];
	la_ssize_t n;

	if (archive_entry_filetype(e) != AE_IFREG)
		return wm_err_set(err, EX_DATAERR, "%s: not a regular file",
		    archive_entry_pathname(e));
	if (archive_entry_size(e) < 0 || (size_t)archive_entry_size(e) > max)
		return wm_err_set(err, EX_DATAERR, "%s: member too large",
		    archive_entry_pathname(e));
	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
		if (b->len + (size_t)n > max ||
		    wm_buf_append(b, chunk, (size_t)n) == -1)
			return wm_err_set(err, EX_DATAERR, "%s: member too large",
			    archive_entry_pathname(e));
	if (n < 0)
		return wm_err_set(err, EX_DATAERR, "truncated or corrupt "
		    "archive: %s", archive_error_string(a));
	return 0;
}

int
wm_tar_read(const char *path, size_t max,
    int (*fn)(const char *, const struct wm_buf *, void *), void *arg,
    struct wm_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct wm_buf b;
	int r, rc = -1;

	if (a == NULL)
		return wm_err_set(err, EX_OSERR, "out of memory");
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		wm_err_set(err, EX_DATAERR, "not a tar archive: %s",
		    archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		wm_buf_init(&b);
		if (read_member(a, e, max, &b, err) == -1 ||
		    fn(archive_entry_pathname(e), &b, arg) == -1) {
			wm_buf_free_secret(&b);
			goto out;
		}
		wm_buf_free_secret(&b);
	}
	if (r != ARCHIVE_EOF) {
		wm_err_set(err, EX_DATAERR, "truncated or corrupt archive: %s",
		    archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}
