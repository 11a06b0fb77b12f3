/*
 * util.h - the small utility library every module leans on: growable buffers,
 * whole-file I/O with the tmp -> fsync -> rename discipline, randomness,
 * hex, constant-time compares, JSON string output and the settable clock.
 */
#ifndef WM_UTIL_H
#define WM_UTIL_H

#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct wm_err;

struct wm_buf {
	char	*data;		/* always NUL-terminated when not NULL */
	size_t	 len;
	size_t	 cap;
};

void	 wm_buf_init(struct wm_buf *);
/* Room for more bytes at once, when their number is known ahead. */
int	 wm_buf_reserve(struct wm_buf *, size_t more);
int	 wm_buf_append(struct wm_buf *, const void *, size_t);
int	 wm_buf_puts(struct wm_buf *, const char *);
int	 wm_buf_printf(struct wm_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (free() them); the buffer is empty after. */
char	*wm_buf_take(struct wm_buf *);
void	 wm_buf_free(struct wm_buf *);
/* Like wm_buf_free but wipes the bytes first: for passwords and keys. */
void	 wm_buf_free_secret(struct wm_buf *);

char	*wm_strdup(const char *);
char	*wm_asprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 wm_free_secret(char *);

/* Reads a whole file or descriptor; fails with EX_DATAERR past max bytes. */
int	 wm_read_file(const char *path, size_t max, struct wm_buf *, struct wm_err *);
int	 wm_read_fd(int fd, size_t max, struct wm_buf *, struct wm_err *);
/* Removes the blanks (space, tab) around s, in place; returns s. */
char	*wm_trim(char *s);
/* write(2) until all n bytes are out, through EINTR; -1 with errno. */
int	 wm_write_all(int fd, const void *, size_t n);
/* Writes path atomically: tmp in the same directory, fsync, rename, fsync dir. */
int	 wm_write_file_atomic(const char *path, const void *, size_t, mode_t,
	    struct wm_err *);
int	 wm_fsync_dir(const char *dir, struct wm_err *);
int	 wm_mkdir_p(const char *path, mode_t, struct wm_err *);
/* Removes a directory tree; used for purging mailboxes and test instances. */
int	 wm_rm_rf(const char *path, struct wm_err *);
int	 wm_path_exists(const char *);

int	 wm_random_bytes(void *, size_t, struct wm_err *);
/* Random string of lowercase letters and digits, for secrets shown to admins. */
int	 wm_random_token(char *out, size_t len, struct wm_err *);
void	 wm_hex(const unsigned char *, size_t, char *out);
int	 wm_unhex(const char *, unsigned char *out, size_t outlen);
int	 wm_ct_equal(const void *, const void *, size_t);
int	 wm_ct_streq(const char *, const char *);

/* Writes s as a JSON string literal, quotes included. */
void	 wm_json_str(FILE *, const char *);

/* The clock: $WM_NOW (seconds since the epoch) when set, so tests can move time. */
time_t	 wm_now(void);
/* RFC 3339 UTC "2027-01-31T00:00:00Z" <-> time_t. */
int	 wm_time_parse(const char *, time_t *);
void	 wm_time_format(time_t, char *out, size_t);

/* True when s contains CR or LF: header values a user types must not. */
int	 wm_has_crlf(const char *);

/*
 * Header blocks of a mail or MIME entity.  wm_header_length: bytes up to and
 * including the empty line that ends the block (len when there is none).
 * wm_header_value: the first top-level occurrence of name, unfolded, as it
 * stands after the colon (blanks kept), or NULL; stops at the empty line,
 * so a header quoted in a body never counts.
 */
size_t	 wm_header_length(const void *, size_t len);
char	*wm_header_value(const void *, size_t len, const char *name);

#endif
