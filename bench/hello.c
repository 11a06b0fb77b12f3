/*
 * hello.c - the smallest CGI program: the baseline bench/portal.sh measures
 * the portal against, served by the same lighttpd in the same run, so the
 * ratio shows what the portal adds to the cost of a CGI fork and exec.
 */
#include <stdio.h>

int
main(void)
{
	fputs("Content-Type: text/plain\r\n\r\nhello\n", stdout);
	return 0;
}
