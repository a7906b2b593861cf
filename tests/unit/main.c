/*
 * Runs every unit test suite. The exit status is nonzero when any test
 * failed, which is what make and CI look at.
 */

#include <stdlib.h>

#include <check.h>

#include "suites.h"

int
main(void)
{
	SRunner		*sr;
	int		 failed;

	sr = srunner_create(acl_suite());
	srunner_add_suite(sr, args_suite());
	srunner_add_suite(sr, access_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, batch_suite());
	srunner_add_suite(sr, cookie_suite());
	srunner_add_suite(sr, cursor_suite());
	srunner_add_suite(sr, follow_suite());
	srunner_add_suite(sr, json_out_suite());
	srunner_add_suite(sr, grant_suite());
	srunner_add_suite(sr, jread_suite());
	srunner_add_suite(sr, jwt_verify_suite());
	srunner_add_suite(sr, pg_array_suite());
	srunner_add_suite(sr, notice_suite());
	srunner_add_suite(sr, presence_suite());
	srunner_add_suite(sr, publish_body_suite());
	srunner_add_suite(sr, query_suite());
	srunner_add_suite(sr, queue_policy_suite());
	srunner_add_suite(sr, quota_suite());
	srunner_add_suite(sr, revoke_suite());
	srunner_add_suite(sr, settings_suite());
	srunner_add_suite(sr, sse_frame_suite());
	srunner_add_suite(sr, stats_suite());
	srunner_add_suite(sr, sub_state_suite());
	srunner_add_suite(sr, topic_suite());
	srunner_add_suite(sr, utf8_suite());

	/* CK_VERBOSITY=verbose in the environment lists every test. */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
