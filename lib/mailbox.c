/*
 * mailbox.c - see mailbox.h.
 *
 * Names: every byte outside [A-Za-z0-9._+-] becomes =XX (upper-case hex),
 * and so does a '.' in the first position.  The set holds no '/', so a name
 * is one path component; encoding a leading dot means no name is ".", "..",
 * or a dot-file (which maildir readers take for sub-folders or skip), and
 * the root can keep hidden work names (".purge...") that no address maps
 * to.  Decoding accepts only what encoding produces (upper-case hex, only
 * bytes that had to be encoded), so each directory belongs to exactly one
 * address and there is no second spelling of a name.
 *
 * Messages are plain maildir: tmp/ -> fsync -> rename into new/ -> fsync
 * new/.  File names are "<seconds>.<pid>.<32 random hex digits>": unique
 * without the host name (which would leak into backups and may contain '/'
 * or ':'), and free of ':' so stock readers keep their info suffix apart.
 *
 * Usage counts the apparent size (st_size) of the files in tmp/, new/ and
 * cur/: the same figure on every file system, matching the message sizes
 * the portal shows and what a quota is compared against.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "mailbox.h"
#include "util.h"

static const char *const subdirs[] = { "tmp", "new", "cur", NULL };

static int
is_plain(unsigned char c, size_t pos)
{
	if (c == '.')
		return pos > 0;
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-';
}

int
wm_mailbox_name(const char *address, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)address;
	size_t i, o = 0;

	if (address == NULL || *address == '\0')
		return -1;
	for (i = 0; p[i] != '\0'; i++) {
		if (is_plain(p[i], i)) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)p[i];
			continue;
		}
		if (o + 3 >= outlen)
			return -1;
		out[o++] = '=';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
	return 0;
}

static int
uhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* lower case is not what wm_mailbox_name writes */
}

int
wm_mailbox_address(const char *name, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i = 0, o = 0;
	int hi, lo, c;

	if (name == NULL || *name == '\0' || outlen == 0)
		return -1;
	while (p[i] != '\0') {
		if (p[i] == '=') {
			if ((hi = uhex(p[i + 1])) < 0 || (lo = uhex(p[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			/* Only bytes that had to be encoded may appear encoded. */
			if (c == 0 || is_plain((unsigned char)c, o))
				return -1;
			i += 3;
		} else {
			if (!is_plain(p[i], o))
				return -1;
			c = p[i++];
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

char *
wm_mailbox_path(const char *root, const char *address)
{
	char name[NAME_MAX + 1];

	if (wm_mailbox_name(address, name, sizeof(name)) == -1)
		return NULL;
	return wm_asprintf("%s/%s", root, name);
}

/*
 * Delivery must not lose mail: a failure the administrator can clear (space,
 * quota, permissions, a read-only or failing disk) leaves the mail queued.
 */
static int
fs_code(int e)
{
	switch (e) {
	case ENAMETOOLONG:
		return EX_CANTCREAT;
	default:
		return EX_TEMPFAIL;
	}
}

static char *
box_path(const char *root, const char *address, struct wm_err *err)
{
	char *path;

	if ((path = wm_mailbox_path(root, address)) == NULL)
		wm_err_set(err, EX_DATAERR, "address cannot be a mailbox name "
		    "(empty or too long)");
	return path;
}

/*
 * Run as root (an administrator's wm-user, a test), new directories and files
 * would belong to root, and wm-deliver, which runs as the wm user, could no
 * longer write them: they are given to the owner of the mail directory.
 * Returns 1 and the owner when that applies.
 */
static int
adopter(const char *root, uid_t *uid, gid_t *gid)
{
	struct stat st;

	if (geteuid() != 0 || stat(root, &st) == -1 || st.st_uid == 0)
		return 0;
	*uid = st.st_uid;
	*gid = st.st_gid;
	return 1;
}

/*
 * The group bits of the mail directory: where the web programs run as a
 * user of the mail owner's group (wm-init --web-user), the mail root is
 * 0770 and what is made below it opens to that group too (directories
 * rwx, files r); elsewhere it is 0700 and everything stays the owner's.
 */
static mode_t
group_bits(const char *root)
{
	struct stat st;

	return stat(root, &st) == 0 ? st.st_mode & 0070 : 0;
}

/* mkdir that accepts an existing directory but never a symlink or file. */
static int
make_dir(const char *root, const char *path, struct wm_err *err)
{
	struct stat st;
	mode_t g = group_bits(root);
	uid_t uid;
	gid_t gid;

	if (mkdir(path, 0700) == 0) {
		if ((adopter(root, &uid, &gid) && chown(path, uid, gid) == -1) ||
		    (g != 0 && chmod(path, 0700 | g) == -1))
			return wm_err_set(err, fs_code(errno), "chown %s: %s",
			    path, strerror(errno));
		return 0;
	}
	if (errno != EEXIST)
		return wm_err_set(err, fs_code(errno), "mkdir %s: %s", path,
		    strerror(errno));
	if (lstat(path, &st) == -1)
		return wm_err_set(err, fs_code(errno), "%s: %s", path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return wm_err_set(err, EX_TEMPFAIL, "%s: exists and is not a "
		    "directory", path);
	return 0;
}

/* Creates path and its tmp/, new/ and cur/. */
static int
make_maildir(const char *root, const char *path, struct wm_err *err)
{
	char *sub;
	int i, rc;

	rc = make_dir(root, path, err);
	for (i = 0; rc == 0 && subdirs[i] != NULL; i++) {
		if ((sub = wm_asprintf("%s/%s", path, subdirs[i])) == NULL)
			return wm_err_set(err, EX_TEMPFAIL, "out of memory");
		rc = make_dir(root, sub, err);
		free(sub);
	}
	return rc;
}

int
wm_mailbox_create(const char *root, const char *address, struct wm_err *err)
{
	char *path;
	int rc;

	if ((path = box_path(root, address, err)) == NULL)
		return -1;
	rc = make_maildir(root, path, err);
	free(path);
	return rc;
}

static int
unique_name(char *out, size_t outlen, struct wm_err *err)
{
	unsigned char r[16];
	char hex[33];

	if (wm_random_bytes(r, sizeof(r), err) == -1)
		return -1;
	wm_hex(r, sizeof(r), hex);
	snprintf(out, outlen, "%lld.%ld.%s", (long long)wm_now(),
	    (long)getpid(), hex);
	return 0;
}

/* Writes tmp/<name>, syncs it and moves it into new/<name>. */
static int write_lf(int, const void *, size_t);

static int
store_file(const char *root, const char *path, const char *name,
    const void *data, size_t len, int lf, struct wm_err *err)
{
	char *tmp, *dst;
	int fd, e, rc = -1;
	uid_t uid;
	gid_t gid;

	tmp = wm_asprintf("%s/tmp/%s", path, name);
	dst = wm_asprintf("%s/new/%s", path, name);
	if (tmp == NULL || dst == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		wm_err_set(err, fs_code(errno), "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((adopter(root, &uid, &gid) && fchown(fd, uid, gid) == -1) ||
	    fchmod(fd, 0600 | (group_bits(root) & 0040)) == -1 ||
	    (lf ? write_lf(fd, data, len) : wm_write_all(fd, data, len)) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		wm_err_set(err, fs_code(e), "%s: %s", tmp, strerror(e));
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, dst) == -1) {
		e = errno;
		unlink(tmp);
		wm_err_set(err, fs_code(e), "%s: %s", dst, strerror(e));
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(dst);
	return rc;
}

int
wm_mailbox_stage(const char *root, const char *address, const char *name,
    const void *data, size_t len, int lf, char **tmp_out, struct wm_err *err)
{
	char uniq[128], *box, *tmp;
	int fd, e;
	uid_t uid;
	gid_t gid;

	*tmp_out = NULL;
	if (wm_mailbox_create(root, address, err) == -1 ||
	    unique_name(uniq, sizeof(uniq), err) == -1)
		return -1;
	if ((box = box_path(root, address, err)) == NULL)
		return -1;
	tmp = wm_asprintf("%s/tmp/%s.%s", box, name, uniq);
	free(box);
	if (tmp == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		e = errno;
		free(tmp);
		return wm_err_set(err, fs_code(e), "tmp file: %s", strerror(e));
	}
	if ((adopter(root, &uid, &gid) && fchown(fd, uid, gid) == -1) ||
	    fchmod(fd, 0600 | (group_bits(root) & 0040)) == -1 ||
	    (lf ? write_lf(fd, data, len) : wm_write_all(fd, data, len)) == -1 ||
	    fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		wm_err_set(err, fs_code(e), "%s: %s", tmp, strerror(e));
		free(tmp);
		return -1;
	}
	*tmp_out = tmp;
	return 0;
}

void
wm_mailbox_discard(const char *tmp)
{
	if (tmp != NULL)
		unlink(tmp);
}

int
wm_mailbox_publish(const char *root, const char *address, const char *tmp,
    const char *name, struct wm_err *err)
{
	char *box, *dst = NULL, *newdir = NULL;
	int rc = -1;

	if ((box = box_path(root, address, err)) == NULL)
		return -1;
	if ((dst = wm_asprintf("%s/new/%s", box, name)) == NULL ||
	    (newdir = wm_asprintf("%s/new", box)) == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (rename(tmp, dst) == -1)
		wm_err_set(err, fs_code(errno), "%s: %s", dst, strerror(errno));
	else
		rc = wm_fsync_dir(newdir, err);	/* the rename is durable now */
	free(newdir);
	free(dst);
	free(box);
	return rc;
}

int
wm_mailbox_has_new(const char *root, const char *address, const char *name)
{
	struct stat st;
	char *box, *path;
	int rc;

	if ((box = wm_mailbox_path(root, address)) == NULL)
		return 0;
	path = wm_asprintf("%s/new/%s", box, name);
	rc = path != NULL && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	free(box);
	return rc;
}

static int
sweep_dir(int dfd, DIR *d, time_t age, long long *removed)
{
	struct dirent *de;
	struct stat st;
	time_t now = wm_now();

	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < age)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			return -1;
	}
	return 0;
}

int
wm_mailbox_sweep_tmp(const char *root, const char *address, time_t age,
    long long *removed, struct wm_err *err)
{
	char *box, *dir;
	DIR *d;
	int rc;

	if ((box = box_path(root, address, err)) == NULL)
		return -1;
	dir = wm_asprintf("%s/tmp", box);
	free(box);
	if (dir == NULL)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if ((d = opendir(dir)) == NULL) {
		rc = errno == ENOENT ? 0 : wm_err_set(err, EX_IOERR, "%s: %s",
		    dir, strerror(errno));
		free(dir);
		return rc;
	}
	rc = sweep_dir(dirfd(d), d, age, removed);
	if (rc == -1)
		wm_err_set(err, EX_IOERR, "%s: %s", dir, strerror(errno));
	closedir(d);
	free(dir);
	return rc;
}

static int
folder_ok(const char *folder)
{
	const char *p;

	if (folder == NULL || *folder == '\0' || strlen(folder) > 32)
		return 0;
	for (p = folder; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return 0;
	return 1;
}

/* Creates <maildir>/.<folder>/{tmp,new,cur}; returns its path (malloc'd). */
static char *
folder_create(const char *root, const char *box, const char *folder,
    struct wm_err *err)
{
	char *path;

	if ((path = wm_asprintf("%s/.%s", box, folder)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (make_maildir(root, path, err) == -1) {
		free(path);
		return NULL;
	}
	return path;
}

int
wm_mailbox_store(const char *root, const char *address, const void *data,
    size_t len, char **file_out, struct wm_err *err)
{
	return wm_mailbox_store_folder(root, address, NULL, data, len, file_out,
	    err);
}

static int store_in(const char *, const char *, const char *, const void *,
    size_t, int, char **, struct wm_err *);

int
wm_mailbox_store_folder(const char *root, const char *address,
    const char *folder, const void *data, size_t len, char **file_out,
    struct wm_err *err)
{
	return store_in(root, address, folder, data, len, 0, file_out, err);
}

int
wm_mailbox_store_unix(const char *root, const char *address, const void *data,
    size_t len, char **file_out, int *lf, struct wm_err *err)
{
	*lf = wm_mailbox_crlf_only(data, len);
	return store_in(root, address, NULL, data, len, *lf, file_out, err);
}

static int
store_in(const char *root, const char *address, const char *folder,
    const void *data, size_t len, int lf, char **file_out, struct wm_err *err)
{
	char name[128], *box, *path, *newdir = NULL;
	int rc = -1;

	if (file_out != NULL)
		*file_out = NULL;
	if (folder != NULL && !folder_ok(folder))
		return wm_err_set(err, EX_SOFTWARE, "bad folder name");
	if (wm_mailbox_create(root, address, err) == -1)
		return -1;
	if ((box = box_path(root, address, err)) == NULL)
		return -1;
	path = folder ? folder_create(root, box, folder, err) : box;
	if (path == NULL) {
		free(box);
		return -1;
	}
	if (unique_name(name, sizeof(name), err) == -1 ||
	    store_file(root, path, name, data, len, lf, err) == -1)
		goto out;
	if ((newdir = wm_asprintf("%s/new", path)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	/* The rename is only durable once the directory is. */
	if (wm_fsync_dir(newdir, err) == -1)
		goto out;
	if (file_out != NULL && (*file_out = folder ?
	    wm_asprintf(".%s/new/%s", folder, name) :
	    wm_asprintf("new/%s", name)) == NULL) {
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(newdir);
	if (path != box)
		free(path);
	free(box);
	return rc;
}

int
wm_mailbox_file_ok(const char *file)
{
	const char *slash, *base;
	char folder[40];

	if (file == NULL)
		return 0;
	if (file[0] == '.') {
		if ((slash = strchr(file, '/')) == NULL ||
		    (size_t)(slash - file) >= sizeof(folder))
			return 0;
		memcpy(folder, file + 1, (size_t)(slash - file - 1));
		folder[slash - file - 1] = '\0';
		if (!folder_ok(folder))
			return 0;
		file = slash + 1;
	}
	if (strncmp(file, "new/", 4) != 0 && strncmp(file, "cur/", 4) != 0)
		return 0;
	base = file + 4;
	return *base != '\0' && *base != '.' && strchr(base, '/') == NULL;
}

static char *search_box(const char *, const char *, struct wm_err *);

/* A stock reader may have moved it to cur/ or changed its flags. */
static int
remove_moved(const char *box, const char *file, struct wm_err *err)
{
	char *now, *full;
	int rc = 0;

	if ((now = search_box(box, file, err)) == NULL)
		return -1;
	if ((full = wm_asprintf("%s/%s", box, now)) == NULL)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (unlink(full) == -1)
		rc = wm_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "%s: %s", full, strerror(errno));
	free(full);
	free(now);
	return rc;
}

int
wm_mailbox_remove(const char *root, const char *address, const char *file,
    struct wm_err *err)
{
	char *path, *full;
	int rc = 0;

	if (!wm_mailbox_file_ok(file))
		return wm_err_set(err, EX_DATAERR, "not a message file name");
	if ((path = box_path(root, address, err)) == NULL)
		return -1;
	if ((full = wm_asprintf("%s/%s", path, file)) == NULL)
		rc = wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (unlink(full) == -1)
		rc = errno == ENOENT ? remove_moved(path, file, err) :
		    wm_err_set(err, EX_IOERR, "%s: %s", full, strerror(errno));
	free(full);
	free(path);
	return rc;
}

/* Adds the sizes of the regular files in dir; a missing dir adds nothing. */
static int
dir_usage(const char *dir, long long *total)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* moved to cur/ meanwhile */
			closedir(d);
			return -1;
		}
		if (S_ISREG(st.st_mode))
			*total += (long long)st.st_size;
	}
	closedir(d);
	return 0;
}

long long
wm_mailbox_usage(const char *root, const char *address)
{
	long long total = 0;
	char *path, *sub;
	int i, rc = 0;

	if ((path = wm_mailbox_path(root, address)) == NULL)
		return -1;
	for (i = 0; rc == 0 && subdirs[i] != NULL; i++) {
		if ((sub = wm_asprintf("%s/%s", path, subdirs[i])) == NULL) {
			rc = -1;
			break;
		}
		rc = dir_usage(sub, &total);
		free(sub);
		/* The Sent folder counts against the quota too. */
		if (rc == 0 && (sub = wm_asprintf("%s/.Sent/%s", path,
		    subdirs[i])) != NULL) {
			rc = dir_usage(sub, &total);
			free(sub);
		}
	}
	free(path);
	return rc == -1 ? -1 : total;
}

int
wm_mailbox_foreach(const char *root,
    int (*fn)(const char *name, const char *address, void *), void *arg,
    struct wm_err *err)
{
	struct dirent **list = NULL;
	struct stat st;
	char address[NAME_MAX + 1];
	int i, n, dfd, rc = 0;

	if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;	/* no mail delivered yet */
		return wm_err_set(err, EX_IOERR, "%s: %s", root, strerror(errno));
	}
	if ((n = scandir(root, &list, NULL, alphasort)) == -1) {
		close(dfd);
		return wm_err_set(err, EX_IOERR, "%s: %s", root, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 &&
		    wm_mailbox_address(list[i]->d_name, address, sizeof(address)) == 0 &&
		    fstatat(dfd, list[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) && fn(list[i]->d_name, address, arg) == -1)
			rc = wm_err_set(err, EX_SOFTWARE, "mailbox listing stopped");
		free(list[i]);
	}
	free(list);
	close(dfd);
	return rc;
}

/* ---- Shared with stock maildir readers (Dovecot, mutt) ---- */

/*
 * A file name is "<unique>[:2,<flags>]".  Readers move a message from new/ to
 * cur/ and rewrite the flags after the colon, but never the unique part: it
 * is how a message is found again wherever it went.  pre gets the length of
 * the folder prefix ("" or ".Sent/").
 */
static int
split_file(const char *file, size_t *pre, const char **uniq, size_t *ulen)
{
	const char *base, *colon;

	if (!wm_mailbox_file_ok(file))
		return -1;
	*pre = file[0] == '.' ? (size_t)(strchr(file, '/') - file) + 1 : 0;
	base = file + *pre + 4;
	colon = strchr(base, ':');
	*uniq = base;
	*ulen = colon != NULL ? (size_t)(colon - base) : strlen(base);
	return *ulen > 0 ? 0 : -1;
}

const char *
wm_mailbox_flags(const char *file)
{
	const char *base = strrchr(file, '/'), *info;

	base = base != NULL ? base + 1 : file;
	if ((info = strchr(base, ':')) == NULL || strncmp(info, ":2,", 3) != 0)
		return "";
	return info + 3;
}

int
wm_mailbox_has_flag(const char *file, char flag)
{
	return strchr(wm_mailbox_flags(file), flag) != NULL && flag != '\0';
}

/* The entry of dir with this unique part, any flags: 1 found, 0 not, -1 error. */
static int
find_unique(const char *dir, const char *uniq, size_t ulen, char **name)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, uniq, ulen) != 0 ||
		    (de->d_name[ulen] != '\0' && de->d_name[ulen] != ':'))
			continue;
		*name = wm_strdup(de->d_name);
		closedir(d);
		return *name != NULL ? 1 : -1;
	}
	closedir(d);
	return 0;
}

/*
 * new/ before cur/: a message a reader moves meanwhile goes from new/ to
 * cur/, so it is seen in one or the other.
 */
static char *
search_box(const char *box, const char *file, struct wm_err *err)
{
	static const char *const where[] = { "new", "cur" };
	const char *uniq;
	char *dir, *name = NULL, *found;
	size_t pre, ulen, i;
	int rc = 0;

	if (split_file(file, &pre, &uniq, &ulen) == -1) {
		wm_err_set(err, EX_DATAERR, "not a message file name");
		return NULL;
	}
	for (i = 0; rc == 0 && i < 2; i++) {
		dir = wm_asprintf("%s/%.*s%s", box, (int)pre, file, where[i]);
		rc = dir != NULL ? find_unique(dir, uniq, ulen, &name) : -1;
		free(dir);
	}
	if (rc != 1) {
		wm_err_set(err, rc == 0 ? EX_NOINPUT : EX_IOERR, "message %.*s: %s",
		    (int)ulen, uniq, rc == 0 ? "in neither new/ nor cur/" :
		    strerror(errno));
		return NULL;
	}
	found = wm_asprintf("%.*s%s/%s", (int)pre, file, where[i - 1], name);
	free(name);
	if (found == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	return found;
}

char *
wm_mailbox_locate(const char *root, const char *address, const char *file,
    struct wm_err *err)
{
	struct stat st;
	char *box, *full, *found;

	if (!wm_mailbox_file_ok(file)) {
		wm_err_set(err, EX_DATAERR, "not a message file name");
		return NULL;
	}
	if ((box = box_path(root, address, err)) == NULL)
		return NULL;
	full = wm_asprintf("%s/%s", box, file);
	if (full != NULL && lstat(full, &st) == 0 && S_ISREG(st.st_mode))
		found = wm_strdup(file);
	else
		found = search_box(box, file, err);
	free(full);
	free(box);
	return found;
}

/* The flags of file with flag added or removed, in ASCII order as the spec asks. */
static void
new_flags(const char *file, char flag, int on, char *out, size_t outlen)
{
	const char *old = wm_mailbox_flags(file);
	size_t o = 0;
	int c;

	for (c = 'A'; c <= 'z' && o + 1 < outlen; c++) {
		if (c == flag ? on : strchr(old, c) != NULL)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

int
wm_mailbox_set_flag(const char *root, const char *address, const char *file,
    char flag, int on, char **file_out, struct wm_err *err)
{
	char flags[64], *cur, *box, *from = NULL, *to = NULL, *target = NULL;
	const char *uniq;
	size_t pre, ulen;
	int rc = -1;

	*file_out = NULL;
	if ((cur = wm_mailbox_locate(root, address, file, err)) == NULL)
		return -1;
	if ((box = box_path(root, address, err)) == NULL || split_file(cur, &pre,
	    &uniq, &ulen) == -1) {
		free(cur);
		free(box);
		return box == NULL ? -1 : wm_err_set(err, EX_DATAERR, "bad name");
	}
	new_flags(cur, flag, on, flags, sizeof(flags));
	target = wm_asprintf("%.*scur/%.*s:2,%s", (int)pre, cur, (int)ulen, uniq,
	    flags);
	from = wm_asprintf("%s/%s", box, cur);
	to = target ? wm_asprintf("%s/%s", box, target) : NULL;
	if (from == NULL || to == NULL)
		wm_err_set(err, EX_TEMPFAIL, "out of memory");
	else if (strcmp(cur, target) != 0 && rename(from, to) == -1)
		wm_err_set(err, errno == ENOENT ? EX_TEMPFAIL : EX_IOERR,
		    "%s: %s", from, strerror(errno));
	else {
		*file_out = target;
		target = NULL;
		rc = 0;
	}
	free(cur);
	free(box);
	free(from);
	free(to);
	free(target);
	return rc;
}

/* ---- Unix line ends ---- */

int
wm_mailbox_crlf_only(const void *data, size_t len)
{
	const char *p = data, *end = p + len, *q;
	int lines = 0;

	while (p < end && (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (q == p || q[-1] != '\r' || memchr(p, '\r', (size_t)(q - p - 1)))
			return 0;
		lines++;
		p = q + 1;
	}
	/* The last line may lack its line end, but not carry a lone CR. */
	return lines > 0 && memchr(p, '\r', (size_t)(end - p)) == NULL;
}

long long
wm_mailbox_stored_size(const void *data, size_t len, int *lf)
{
	const char *p = data, *end = p + len, *q;
	long long n = (long long)len;

	if (!(*lf = wm_mailbox_crlf_only(data, len)))
		return n;
	for (; p < end && (q = memchr(p, '\n', (size_t)(end - p))) != NULL; p = q + 1)
		n--;
	return n;
}

/* Writes data with each CRLF as LF, through a buffer: one write per 64 KB. */
/* Appends n bytes to buf (o used), writing it out each time it fills. */
static int
lf_put(int fd, char *buf, size_t cap, size_t *o, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = cap - *o < n ? cap - *o : n;
		memcpy(buf + *o, p, k);
		*o += k;
		p += k;
		n -= k;
		if (*o == cap) {
			if (wm_write_all(fd, buf, *o) == -1)
				return -1;
			*o = 0;
		}
	}
	return 0;
}

static int
write_lf(int fd, const void *data, size_t len)
{
	const char *p = data, *end = p + len, *cr;
	char buf[65536];
	size_t o = 0;

	/* Runs between CRs are copied whole: a CR before LF is left out. */
	while (p < end) {
		cr = memchr(p, '\r', (size_t)(end - p));
		if (lf_put(fd, buf, sizeof(buf), &o, p,
		    (size_t)((cr ? cr : end) - p)) == -1)
			return -1;
		if (cr == NULL)
			break;
		p = cr + 1;
		/* A lone CR stays. */
		if ((p == end || *p != '\n') &&
		    lf_put(fd, buf, sizeof(buf), &o, "\r", 1) == -1)
			return -1;
	}
	return wm_write_all(fd, buf, o);
}

int
wm_mailbox_restore_crlf(const void *data, size_t len, struct wm_buf *out)
{
	const char *p = data, *end = p + len, *q;

	while (p < end) {
		if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return wm_buf_append(out, p, (size_t)(end - p));
		if (wm_buf_append(out, p, (size_t)(q - p)) == -1 ||
		    wm_buf_append(out, "\r\n", 2) == -1)
			return -1;
		p = q + 1;
	}
	return 0;
}
