/* One check suite per pure module; tests/unit/main.c runs them all. */
#ifndef SSEHUB_TEST_SUITES_H
#define SSEHUB_TEST_SUITES_H

#include <check.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

Suite	*access_suite(void);
Suite	*acl_suite(void);
Suite	*args_suite(void);
Suite	*auth_suite(void);
Suite	*batch_suite(void);
Suite	*cookie_suite(void);
Suite	*cursor_suite(void);
Suite	*follow_suite(void);
Suite	*json_out_suite(void);
Suite	*grant_suite(void);
Suite	*jread_suite(void);
Suite	*jwt_verify_suite(void);
Suite	*pg_array_suite(void);
Suite	*notice_suite(void);
Suite	*presence_suite(void);
Suite	*publish_body_suite(void);
Suite	*query_suite(void);
Suite	*queue_policy_suite(void);
Suite	*quota_suite(void);
Suite	*revoke_suite(void);
Suite	*settings_suite(void);
Suite	*sse_frame_suite(void);
Suite	*stats_suite(void);
Suite	*sub_state_suite(void);
Suite	*topic_suite(void);
Suite	*utf8_suite(void);

#endif
