/*
 * tap.c - main() of every Check unit test: runs the file's suite and prints
 * one TAP line per test, which tests/run adds up into the final summary.
 * Each test file defines `Suite *wm_test_suite(void)`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

Suite	*wm_test_suite(void);

int
main(void)
{
	SRunner *sr;
	TestResult **res;
	int i, n, failed = 0;

	sr = srunner_create(wm_test_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_SILENT);
	n = srunner_ntests_run(sr);
	res = srunner_results(sr);
	printf("1..%d\n", n);
	for (i = 0; i < n; i++) {
		int ok = tr_rtype(res[i]) == CK_PASS;

		if (!ok)
			failed++;
		printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", i + 1,
		    tr_tcname(res[i]), ok ? "" : " # ", ok ? "" : tr_msg(res[i]));
		if (!ok)
			printf("# %s:%d\n", tr_lfile(res[i]), tr_lno(res[i]));
	}
	free(res);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
