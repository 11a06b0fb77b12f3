/*
 * test_mime.c - indexing a mail: decoded headers, attachments, and a
 * recorded reason instead of a failure when a header cannot be decoded.
 */
#include <check.h>
#include <dirent.h>
#include <string.h>

#include <glib.h>

#include "err.h"
#include "mime.h"
#include "util.h"
#include "testutil.h"

#define CORPUS "../shared/corpus/mime"

static void
index_str(const char *s, struct wm_mime_info *info)
{
	struct wm_err err;

	ck_assert_msg(wm_mime_index(s, strlen(s), info, &err) == 0, "%s", err.msg);
}

START_TEST(test_decodes_headers_to_utf8)
{
	struct wm_mime_info info;

	index_str("From: =?UTF-8?Q?Ren=C3=A9?= <rene@corp.example>\r\n"
	    "To: bob@customer.example, Carol <carol@other.example>\r\n"
	    "Cc: dave@x.example\r\n"
	    "Subject: =?ISO-8859-1?Q?caf=E9?= au lait\r\n"
	    "Date: Tue, 02 Feb 2027 00:00:00 +0000\r\n"
	    "Message-ID: <abc@corp.example>\r\n\r\nbody\r\n", &info);
	ck_assert_msg(strstr(info.from, "René") != NULL, "%s", info.from);
	ck_assert_msg(strstr(info.to, "carol@other.example") != NULL, "%s", info.to);
	ck_assert_msg(strstr(info.cc, "dave@x.example") != NULL, "%s", info.cc);
	ck_assert_str_eq(info.subject, "café au lait");
	ck_assert_str_eq(info.message_id, "abc@corp.example");
	ck_assert_int_eq(info.date, 1801526400);
	ck_assert_int_eq(info.has_attachments, 0);
	ck_assert_ptr_null(info.header_error);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_undecodable_date_is_recorded)
{
	struct wm_mime_info info;

	index_str("From: a@b.example\nDate: the day after tomorrow\n"
	    "Subject: x\n\nbody\n", &info);
	ck_assert_int_eq(info.date, 0);
	ck_assert_ptr_nonnull(info.header_error);
	ck_assert_msg(strstr(info.header_error, "Date") != NULL, "%s",
	    info.header_error);
	ck_assert_str_eq(info.subject, "x");
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_raw_8bit_subject_is_recorded_and_made_utf8)
{
	struct wm_mime_info info;

	index_str("From: a@b.example\nSubject: caf\xe9 \xff\xfe\n\nbody\n", &info);
	ck_assert(g_utf8_validate(info.subject, -1, NULL));
	ck_assert_ptr_nonnull(info.header_error);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_unparseable_from_is_recorded)
{
	struct wm_mime_info info;

	index_str("From: @@@ <<< >>>\nSubject: x\n\nbody\n", &info);
	ck_assert_ptr_nonnull(info.header_error);
	ck_assert_msg(strstr(info.header_error, "From") != NULL ||
	    strstr(info.header_error, "address") != NULL, "%s",
	    info.header_error);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_attachment_is_found)
{
	struct wm_mime_info info;

	index_str("From: a@b.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=XX\n\n--XX\n"
	    "Content-Type: text/plain\n\nhello\n--XX\n"
	    "Content-Type: application/pdf\n"
	    "Content-Disposition: attachment; filename=a.pdf\n"
	    "Content-Transfer-Encoding: base64\n\nAAAA\n--XX--\n", &info);
	ck_assert_int_eq(info.has_attachments, 1);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_alternative_and_signature_are_not_attachments)
{
	struct wm_mime_info info;

	index_str("From: a@b.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; "
	    "boundary=S\n\n--S\n"
	    "Content-Type: multipart/alternative; boundary=A\n\n--A\n"
	    "Content-Type: text/plain\n\nhi\n--A\nContent-Type: text/html\n\n"
	    "<p>hi</p>\n--A--\n\n--S\n"
	    "Content-Type: application/pkcs7-signature; name=smime.p7s\n"
	    "Content-Disposition: attachment; filename=smime.p7s\n\nAAAA\n--S--\n",
	    &info);
	ck_assert_int_eq(info.has_attachments, 0);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_single_part_attachment_is_found)
{
	struct wm_mime_info info;

	index_str("From: a@b.example\nContent-Type: application/zip; name=x.zip\n"
	    "Content-Disposition: attachment\n\nPK\n", &info);
	ck_assert_int_eq(info.has_attachments, 1);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_garbage_and_empty_never_fail)
{
	struct wm_mime_info info;
	struct wm_err err;
	char bin[1024];
	size_t i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7);
	ck_assert_int_eq(wm_mime_index(bin, sizeof(bin), &info, &err), 0);
	wm_mime_info_clear(&info);
	ck_assert_int_eq(wm_mime_index("", 0, &info, &err), 0);
	ck_assert_ptr_nonnull(info.subject);
	wm_mime_info_clear(&info);
	ck_assert_int_eq(wm_mime_index("\n\nbody", 6, &info, &err), 0);
	wm_mime_info_clear(&info);
}
END_TEST

START_TEST(test_every_corpus_file_indexes)
{
	struct wm_mime_info info;
	struct dirent *e;
	struct wm_buf b;
	struct wm_err err;
	char *path;
	DIR *d;
	int n = 0;

	d = opendir(CORPUS);
	ck_assert_msg(d != NULL, "no corpus at " CORPUS);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
			continue;
		path = wm_asprintf("%s/%s", CORPUS, e->d_name);
		wm_buf_init(&b);
		ck_assert_msg(wm_read_file(path, 1UL << 26, &b, &err) == 0, "%s",
		    err.msg);
		ck_assert_msg(wm_mime_index(b.data, b.len, &info, &err) == 0,
		    "%s: %s", path, err.msg);
		ck_assert_ptr_nonnull(info.from);
		ck_assert_ptr_nonnull(info.subject);
		wm_mime_info_clear(&info);
		wm_buf_free(&b);
		free(path);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 100);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("mime");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_decodes_headers_to_utf8);
	tcase_add_test(tc, test_undecodable_date_is_recorded);
	tcase_add_test(tc, test_raw_8bit_subject_is_recorded_and_made_utf8);
	tcase_add_test(tc, test_unparseable_from_is_recorded);
	tcase_add_test(tc, test_attachment_is_found);
	tcase_add_test(tc, test_alternative_and_signature_are_not_attachments);
	tcase_add_test(tc, test_single_part_attachment_is_found);
	tcase_add_test(tc, test_garbage_and_empty_never_fail);
	tcase_add_test(tc, test_every_corpus_file_indexes);
	suite_add_tcase(s, tc);
	return s;
}
