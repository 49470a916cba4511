/*
 * C test of the task board in libagor: create, list, board, optimistic locking, claims under a
 * lease, completion with artifacts, the review queue, then the error paths (permissions, bad
 * status names and JSON, NULL and non-UTF-8 arguments).
 *
 * Usage: test_tasks SCRATCH_DIR   (tests/c/run.sh creates the directory).
 * Prints one line per failed check and "N passed, N failed" last; exits 1 on any failure.
 * Every string and handle the library returns is freed, so valgrind reports no leak.
 */
#include "agor.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define ID_SIZE 64

typedef struct {
    agor_store *store;
    agor_actor *mgr;
    agor_actor *dev1;
    agor_actor *dev2;
    char parser[ID_SIZE];  /* todo, high priority: claimed and completed by dev-1 */
    char backlog[ID_SIZE]; /* created from JSON in backlog, with tags */
} board;

/* Copies the task id from a task's JSON (its first "id" field) into `buf`. */
static int task_id(const char *json, char *buf) {
    return json_string_field(json, "id", buf, ID_SIZE) != NULL;
}

static void setup(board *b) {
    CHECK_OK(agor_register_agent(b->store, "mgr-1", "Manager", "manager", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_register_agent(b->store, "dev-1", "Developer", "project", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_register_agent(b->store, "dev-2", "Second developer", "project", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(b->store, "mgr-1", &b->mgr));
    CHECK_OK(agor_actor_new(b->store, "dev-1", &b->dev1));
    CHECK_OK(agor_actor_new(b->store, "dev-2", &b->dev2));
}

/* Create (both ways), list with filters, get by prefix, board, comment. */
static void test_create_list_get_board(board *b) {
    char *json = NULL;
    char prefix[9];

    CHECK_OK(agor_create_task(b->mgr, "Write the parser", "tokens to AST", "high", NULL, NULL,
                              &json));
    CHECK(contains(json, "\"title\":\"Write the parser\""));
    CHECK(contains(json, "\"description\":\"tokens to AST\""));
    CHECK(contains(json, "\"priority\":\"high\""));
    CHECK(contains(json, "\"status\":\"todo\""));
    CHECK(contains(json, "\"version\":1"));
    CHECK(contains(json, "\"created_by\":\"mgr-1\""));
    CHECK(task_id(json, b->parser));
    agor_string_free(json);

    /* Optional strings may all be NULL: empty description, medium priority. */
    json = NULL;
    CHECK_OK(agor_create_task(b->mgr, "Tidy up", NULL, NULL, NULL, b->parser, &json));
    CHECK(contains(json, "\"priority\":\"medium\""));
    CHECK(contains(json, "\"description\":\"\""));
    CHECK(contains(json, b->parser)); /* parent_task_id */
    agor_string_free(json);

    json = NULL;
    CHECK_OK(agor_create_task_json(
        b->mgr,
        "{\"title\":\"Release notes\",\"tags\":[\"docs\",\"release\"],"
        "\"definition_of_done\":\"reviewed\",\"status\":\"backlog\",\"priority\":\"low\"}",
        &json));
    CHECK(contains(json, "\"status\":\"backlog\""));
    CHECK(contains(json, "\"tags\":[\"docs\",\"release\"]"));
    CHECK(contains(json, "\"definition_of_done\":\"reviewed\""));
    CHECK(contains(json, "\"priority\":\"low\""));
    CHECK(task_id(json, b->backlog));
    agor_string_free(json);

    /* Open tasks, then by status and by tag. */
    CHECK_OK(agor_list_tasks(b->dev1, false, NULL, NULL, &json));
    CHECK(contains(json, b->parser) && contains(json, b->backlog));
    CHECK(contains(json, "Tidy up"));
    agor_string_free(json);
    CHECK_OK(agor_list_tasks(b->dev1, false, "backlog", NULL, &json));
    CHECK(contains(json, b->backlog) && !contains(json, b->parser));
    agor_string_free(json);
    CHECK_OK(agor_list_tasks(b->dev1, true, NULL, "release", &json));
    CHECK(contains(json, b->backlog) && !contains(json, b->parser));
    agor_string_free(json);
    CHECK_OK(agor_list_tasks(b->dev1, false, "done", NULL, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);

    /* Comment, then read the task back by a unique prefix with its comments and subtasks. */
    CHECK_OK(agor_comment(b->dev1, b->parser, "starting with the lexer", &json));
    CHECK(contains(json, "\"agent_id\":\"dev-1\""));
    agor_string_free(json);
    memcpy(prefix, b->parser, 8);
    prefix[8] = '\0';
    CHECK_OK(agor_get_task(b->dev1, prefix, &json));
    CHECK(contains(json, b->parser));
    CHECK(contains(json, "starting with the lexer"));
    CHECK(contains(json, "\"subtasks\":[{"));
    CHECK(contains(json, "Tidy up"));
    CHECK(contains(json, "\"completion\":null"));
    agor_string_free(json);

    /* The board: one key per status, in board order. */
    CHECK_OK(agor_board(b->dev1, &json));
    CHECK(json != NULL && strncmp(json, "{\"backlog\":[{", 13) == 0);
    CHECK(contains(json, "\"todo\":[{"));
    CHECK(contains(json, "\"in_progress\":[]"));
    CHECK(contains(json, "\"cancelled\":[]"));
    agor_string_free(json);
}

/* A stale version is AGOR_CONFLICT and changes nothing; the current version succeeds. */
static void test_optimistic_locking(board *b) {
    char *json = (char *)"sentinel";

    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, "todo", 7, &json), AGOR_CONFLICT);
    CHECK(json == NULL);
    CHECK(last_error_mentions("version"));
    CHECK_OK(agor_get_task(b->mgr, b->backlog, &json));
    CHECK(contains(json, "\"status\":\"backlog\"") && contains(json, "\"version\":1"));
    agor_string_free(json);

    CHECK_OK(agor_set_task_status(b->mgr, b->backlog, "todo", 1, &json));
    CHECK(contains(json, "\"status\":\"todo\"") && contains(json, "\"version\":2"));
    agor_string_free(json);
    /* The same expected version again is now stale. */
    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, "backlog", 1, NULL), AGOR_CONFLICT);
    /* Status names are parsed leniently ("in-progress") but unknown ones are refused. */
    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, "sideways", 2, NULL),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("sideways"));
    /* A move the board does not allow is invalid input too. */
    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, "review", 2, NULL), AGOR_INVALID_INPUT);

    /* Edits hold the version too; the changes are a JSON object. */
    CHECK_OK(agor_update_task(b->mgr, b->backlog, 2, "{\"title\":\"Renamed\",\"tags\":[\"x\"]}", &json));
    CHECK(contains(json, "\"title\":\"Renamed\"") && contains(json, "\"version\":3"));
    agor_string_free(json);
    CHECK_STATUS(agor_update_task(b->mgr, b->backlog, 2, "{\"title\":\"Lost\"}", NULL), AGOR_CONFLICT);
    CHECK_STATUS(agor_update_task(b->mgr, b->backlog, 3, "{\"colour\":\"red\"}", NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_update_task(b->mgr, b->backlog, 3, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_update_task(b->dev1, b->backlog, 3, "{\"title\":\"Mine\"}", NULL), AGOR_PERMISSION_DENIED);
}

/* Claim, a second claimer, wrong tokens, renew, complete with artifacts, the review queue. */
static void test_claim_and_complete(board *b) {
    char *json = NULL;
    char *claim = NULL;
    char token[ID_SIZE];
    char other_token[ID_SIZE];
    int64_t count = -1;
    const char *artifacts[] = {"file:src/parser.rs", "msg:1234abcd"};
    const char *null_element[] = {"file:a.rs", NULL};
    const char bad[] = {'f', 'i', 'l', 'e', ':', (char)0xc3, (char)0x28, '\0'};
    const char *bad_element[] = {bad};

    CHECK_OK(agor_claim_task(b->dev1, b->parser, AGOR_DEFAULT_LEASE, &claim));
    CHECK(contains(claim, "\"status\":\"in_progress\""));
    CHECK(contains(claim, "\"assigned_to\":\"dev-1\""));
    CHECK(contains(claim, "\"expires_at\":"));
    CHECK(json_string_field(claim, "token", token, sizeof token) != NULL);
    agor_string_free(claim);

    /* Someone else holds it. */
    claim = (char *)"sentinel";
    CHECK_STATUS(agor_claim_task(b->dev2, b->parser, 60, &claim), AGOR_ALREADY_CLAIMED);
    CHECK(claim == NULL);
    CHECK(last_error_mentions("dev-1"));
    /* issue 21 item 3: a claim that waits for it gets the same answer once the wait is over
       (nobody releases it); a negative wait is refused. */
    claim = (char *)"sentinel";
    CHECK_STATUS(agor_claim_wait(b->dev2, b->parser, 60, 100, &claim), AGOR_ALREADY_CLAIMED);
    CHECK(claim == NULL);
    CHECK_STATUS(agor_claim_wait(b->dev2, NULL, 60, -1, &claim), AGOR_INVALID_INPUT);
    /* A lease over one day is refused. */
    CHECK_STATUS(agor_claim_task(b->dev2, NULL, 2 * 24 * 3600, &claim), AGOR_INVALID_INPUT);

    /* Wrong tokens and the wrong agent are lease errors; the lease stays with dev-1. */
    CHECK_STATUS(agor_renew_lease(b->dev1, b->parser, "not-the-token", 60, NULL), AGOR_LEASE);
    CHECK_STATUS(agor_release_task(b->dev1, b->parser, "not-the-token", NULL), AGOR_LEASE);
    CHECK_STATUS(agor_complete_task(b->dev2, b->parser, token, "stolen", NULL, 0, NULL, NULL,
                                    false, NULL),
                 AGOR_LEASE);
    CHECK_OK(agor_renew_lease(b->dev1, b->parser, token, 120, &json));
    CHECK(contains(json, token));
    agor_string_free(json);

    /* Bad artifact arrays are refused before anything changes. */
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, token, "done", NULL, 2, NULL, NULL, false,
                                    NULL),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("artifacts"));
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, token, "done", null_element, 2, NULL,
                                    NULL, false, NULL),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("artifacts") && last_error_mentions("element 1"));
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, token, "done", bad_element, 1, NULL,
                                    NULL, false, NULL),
                 AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, token, "two\nlines", artifacts, 2, NULL,
                                    NULL, false, NULL),
                 AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, "not-the-token", "done", artifacts, 2,
                                    NULL, NULL, true, NULL),
                 AGOR_LEASE);
    CHECK_OK(agor_review_queue_count(b->store, "core", &count));
    CHECK(count == 0);

    /* Complete into review with the completion record. */
    CHECK_OK(agor_complete_task(b->dev1, b->parser, token, "parser written", artifacts, 2,
                                "commit:abc123", NULL, true, &json));
    CHECK(contains(json, "\"status\":\"review\""));
    agor_string_free(json);
    CHECK_OK(agor_get_task(b->mgr, b->parser, &json));
    CHECK(contains(json, "\"completion\":{\"summary\":\"parser written\","
                         "\"artifacts\":[\"file:src/parser.rs\",\"msg:1234abcd\"],"
                         "\"result_ref\":\"commit:abc123\",\"next\":null}"));
    CHECK(contains(json, "Status: in_progress → review"));
    agor_string_free(json);
    CHECK_OK(agor_review_queue_count(b->store, "core", &count));
    CHECK(count == 1);
    CHECK_OK(agor_reviewer_attention(b->store, "core", &count));
    CHECK(count == 10);
    CHECK_OK(agor_review_queue_count(b->store, "no-such-group", &count));
    CHECK(count == 0);
    /* The token is spent once the task is completed. */
    CHECK_STATUS(agor_renew_lease(b->dev1, b->parser, token, 60, NULL), AGOR_LEASE);

    /* Assign, claim and release: the task goes back to todo, unassigned. */
    CHECK_OK(agor_assign_task(b->mgr, b->backlog, "dev-2", &json));
    CHECK(contains(json, "\"assigned_to\":\"dev-2\""));
    agor_string_free(json);
    CHECK_OK(agor_claim_task(b->dev2, b->backlog, 60, &claim));
    CHECK(json_string_field(claim, "token", other_token, sizeof other_token) != NULL);
    agor_string_free(claim);
    CHECK_OK(agor_release_task(b->dev2, b->backlog, other_token, &json));
    CHECK(contains(json, "\"status\":\"todo\"") && contains(json, "\"assigned_to\":null"));
    agor_string_free(json);

    /* Nothing left to claim for a project agent once every todo task is taken: NULL, AGOR_OK. */
    CHECK_OK(agor_claim_task(b->dev1, NULL, AGOR_DEFAULT_LEASE, &claim));
    CHECK(claim != NULL); /* the released task (or "Tidy up") */
    agor_string_free(claim);
    CHECK_OK(agor_claim_task(b->dev2, NULL, AGOR_DEFAULT_LEASE, &claim));
    CHECK(claim != NULL);
    agor_string_free(claim);
    claim = (char *)"sentinel";
    CHECK_OK(agor_claim_task(b->dev2, NULL, AGOR_DEFAULT_LEASE, &claim));
    CHECK(claim == NULL);
}

/* Permissions, bad names and JSON, unknown ids, delete. */
static void test_domain_errors(board *b) {
    char *json = (char *)"sentinel";
    char doomed[ID_SIZE];

    CHECK_STATUS(agor_create_task(b->dev1, "Mine now", NULL, NULL, NULL, NULL, &json),
                 AGOR_PERMISSION_DENIED);
    CHECK(json == NULL);
    CHECK(last_error_mentions("dev-1"));
    CHECK_STATUS(agor_create_task_json(b->dev1, "{\"title\":\"Mine now\"}", NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_assign_task(b->dev1, b->backlog, "dev-1", NULL), AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_delete_task(b->dev1, b->backlog), AGOR_PERMISSION_DENIED);

    CHECK_STATUS(agor_create_task(b->mgr, "X", NULL, "urgent", NULL, NULL, NULL),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("urgent"));
    CHECK_STATUS(agor_create_task(b->mgr, "", NULL, NULL, NULL, NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_list_tasks(b->mgr, false, "sideways", NULL, &json), AGOR_INVALID_INPUT);
    CHECK(json == NULL);
    CHECK_STATUS(agor_create_task_json(b->mgr, "[1, 2]", NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_create_task_json(b->mgr, "{\"description\":\"no title\"}", NULL),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("title"));
    CHECK_STATUS(agor_create_task_json(b->mgr, "{\"title\":\"T\",\"defintion_of_done\":\"x\"}",
                                       NULL),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("defintion_of_done"));
    CHECK_STATUS(agor_create_task_json(b->mgr, "{\"title\":\"T\",\"tags\":\"not-a-list\"}", NULL),
                 AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_create_task_json(b->mgr, "{\"title\":\"T\",\"status\":\"done\"}", NULL),
                 AGOR_INVALID_INPUT);

    CHECK_STATUS(agor_get_task(b->mgr, "ffffffff", &json), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_create_task(b->mgr, "X", NULL, NULL, "nobody", NULL, NULL), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_claim_task(b->dev1, "ffffffff", 60, &json), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_comment(b->dev1, "ffffffff", "hello?", NULL), AGOR_NOT_FOUND);

    json = NULL;
    CHECK_OK(agor_create_task(b->mgr, "Short-lived", NULL, NULL, NULL, NULL, &json));
    CHECK(task_id(json, doomed));
    agor_string_free(json);
    CHECK_OK(agor_delete_task(b->mgr, doomed));
    CHECK_STATUS(agor_get_task(b->mgr, doomed, &json), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_delete_task(b->mgr, doomed), AGOR_NOT_FOUND);
}

/* NULL where a value is required, for every new function; outputs read NULL/0 afterwards. */
static void test_null_arguments(board *b) {
    char *json = (char *)"sentinel";
    int64_t count = 42;

    CHECK_STATUS(agor_create_task(NULL, "T", NULL, NULL, NULL, NULL, &json), AGOR_NULL_ARGUMENT);
    CHECK(json == NULL);
    CHECK(last_error_mentions("actor"));
    CHECK_STATUS(agor_create_task(b->mgr, NULL, NULL, NULL, NULL, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("title"));
    CHECK_STATUS(agor_create_task_json(b->mgr, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("new_task_json"));
    CHECK_STATUS(agor_list_tasks(b->mgr, false, NULL, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_list_tasks(NULL, false, NULL, NULL, &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_get_task(b->mgr, NULL, &json), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("task_id"));
    CHECK_STATUS(agor_get_task(b->mgr, b->parser, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_assign_task(b->mgr, b->backlog, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("agent_id"));
    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, NULL, 1, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("status"));
    CHECK_STATUS(agor_comment(b->mgr, b->backlog, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("content"));
    CHECK_STATUS(agor_delete_task(b->mgr, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_delete_task(NULL, b->backlog), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_board(b->mgr, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_board(NULL, &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_claim_task(b->dev1, NULL, 60, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("out_claim"));
    CHECK_STATUS(agor_renew_lease(b->dev1, b->parser, NULL, 60, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("token"));
    CHECK_STATUS(agor_release_task(b->dev1, NULL, "t", NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, NULL, "s", NULL, 0, NULL, NULL, false,
                                    NULL),
                 AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, "t", NULL, NULL, 0, NULL, NULL, false,
                                    NULL),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("summary"));
    CHECK_STATUS(agor_review_queue_count(NULL, "core", &count), AGOR_NULL_ARGUMENT);
    CHECK(count == 0);
    CHECK(last_error_mentions("store"));
    CHECK_STATUS(agor_review_queue_count(b->store, NULL, &count), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_review_queue_count(b->store, "core", NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_reviewer_attention(b->store, "core", NULL), AGOR_NULL_ARGUMENT);

    /* Freeing NULL is a no-op and keeps the last error for the caller to read. */
    agor_string_free(NULL);
    agor_actor_free(NULL);
    agor_store_free(NULL);
    CHECK(last_error_mentions("out_score"));
}

static void test_invalid_utf8(board *b) {
    char *json = (char *)"sentinel";
    int64_t count = 42;
    const char bad[] = {'t', 'o', 'd', 'o', (char)0xff, '\0'};

    CHECK_STATUS(agor_create_task(b->mgr, bad, NULL, NULL, NULL, NULL, &json), AGOR_INVALID_UTF8);
    CHECK(json == NULL);
    CHECK(last_error_mentions("title"));
    CHECK_STATUS(agor_create_task(b->mgr, "T", NULL, bad, NULL, NULL, NULL), AGOR_INVALID_UTF8);
    CHECK(last_error_mentions("priority"));
    CHECK_STATUS(agor_create_task_json(b->mgr, bad, NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_list_tasks(b->mgr, false, bad, NULL, &json), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_list_tasks(b->mgr, false, NULL, bad, &json), AGOR_INVALID_UTF8);
    CHECK(last_error_mentions("tag"));
    CHECK_STATUS(agor_get_task(b->mgr, bad, &json), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_set_task_status(b->mgr, b->backlog, bad, 1, NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_comment(b->mgr, b->backlog, bad, NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_claim_task(b->dev1, bad, 60, &json), AGOR_INVALID_UTF8);
    CHECK(json == NULL);
    CHECK_STATUS(agor_renew_lease(b->dev1, b->parser, bad, 60, NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_complete_task(b->dev1, b->parser, "t", "s", NULL, 0, bad, NULL, false,
                                    NULL),
                 AGOR_INVALID_UTF8);
    CHECK(last_error_mentions("result_ref"));
    CHECK_STATUS(agor_review_queue_count(b->store, bad, &count), AGOR_INVALID_UTF8);
    CHECK(count == 0);
}

/* The rest of the board through the generic entry: tasks.toml import and export (a malformed
 * file refused with its line, nothing imported; a project agent denied), archive, a lane and
 * a proposal only the proposed agent may accept. */
static void test_board_file_and_proposals(board *b) {
    char *json = NULL;
    char proposal[ID_SIZE];
    /* One task, imported twice: created, then unchanged. */
    const char *import_c1 =
        "{\"op\":\"import_tasks\",\"toml\":\"[[tasks]]\\nid = \\\"c-1\\\"\\n"
        "title = \\\"From C\\\"\\nstatus = \\\"assigned\\\"\\nagent = \\\"dev-2\\\"\\n\"}";

    CHECK_OK(agor_call(NULL, b->mgr, import_c1, &json));
    CHECK(contains(json, "\"created\":[\"c-1\"]"));
    agor_string_free(json);
    CHECK_OK(agor_call(NULL, b->mgr, import_c1, &json));
    CHECK(contains(json, "\"unchanged\":[\"c-1\"]"));
    agor_string_free(json);
    CHECK_STATUS(agor_call(NULL, b->mgr,
                           "{\"op\":\"import_tasks\",\"toml\":\"[[tasks]]\\nid = \\\"c-2\\\"\\n"
                           "title = \\\"x\\\"\\n\\n[[tasks]]\\nid = \\\"c-3\\\"\\ntitle = \\n\"}",
                           &json),
                 AGOR_INVALID_INPUT);
    CHECK(contains(agor_last_error_message(), "line 7"));
    CHECK_STATUS(agor_call(NULL, b->dev1,
                           "{\"op\":\"import_tasks\",\"toml\":\"[[tasks]]\\nid = \\\"c-4\\\"\\n"
                           "title = \\\"x\\\"\\n\"}",
                           &json),
                 AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_call(NULL, b->dev1, "{\"op\":\"export_tasks\"}", &json));
    CHECK(contains(json, "id = \\\"c-1\\\""));
    /* Quoted: a bare "c-2" can occur inside another task's uuid. */
    CHECK(!contains(json, "\\\"c-2\\\"") && !contains(json, "\\\"c-4\\\""));
    agor_string_free(json);
    /* The typed functions: export is plain TOML text; import of it changes nothing. */
    CHECK_OK(agor_export_tasks(b->dev1, &json));
    CHECK(contains(json, "[[tasks]]\nid = \"c-1\""));
    {
        char *report = NULL;
        CHECK_OK(agor_import_tasks(b->mgr, json, &report));
        CHECK(contains(report, "\"created\":[]") && contains(report, "\"updated\":[]"));
        agor_string_free(report);
    }
    agor_string_free(json);
    CHECK_STATUS(agor_import_tasks(b->mgr, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_import_tasks(b->mgr, "[[tasks]]\nid = \"\xff\"\n", NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_export_tasks(b->mgr, NULL), AGOR_NULL_ARGUMENT);
    CHECK_OK(agor_lane(b->dev2, NULL, &json));
    CHECK(contains(json, "\"id\":\"c-1\""));
    agor_string_free(json);

    CHECK_OK(agor_call(NULL, b->dev2, "{\"op\":\"lane\"}", &json));
    CHECK(contains(json, "\"id\":\"c-1\""));
    agor_string_free(json);
    CHECK_STATUS(agor_call(NULL, b->dev1,
                           "{\"op\":\"reorder_lane\",\"agent_id\":\"dev-2\",\"task_ids\":[\"c-1\"]}",
                           &json),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_call(NULL, b->mgr, "{\"op\":\"archive_task\",\"task_id\":\"c-1\"}", &json),
                 AGOR_INVALID_INPUT);

    CHECK_OK(agor_call(NULL, b->mgr,
                       "{\"op\":\"propose_task\",\"task_id\":\"c-1\",\"agent_id\":\"dev-1\"}",
                       &json));
    CHECK(json_string_field(json, "id", proposal, ID_SIZE) != NULL);
    agor_string_free(json);
    {
        char req[256];
        snprintf(req, sizeof req, "{\"op\":\"accept_proposal\",\"proposal_id\":\"%s\"}", proposal);
        CHECK_STATUS(agor_call(NULL, b->dev2, req, &json), AGOR_PERMISSION_DENIED);
        CHECK_OK(agor_call(NULL, b->dev1, req, &json));
        CHECK(contains(json, "\"assigned_to\":\"dev-1\""));
        agor_string_free(json);
    }
}

int main(int argc, char **argv) {
    char db[4096];
    board b;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    memset(&b, 0, sizeof b);
    /* run.sh sets AGOR_TEST_DB_URL to run the same checks on a PostgreSQL schema. */
    if (getenv("AGOR_TEST_DB_URL") != NULL) {
        snprintf(db, sizeof db, "%s", getenv("AGOR_TEST_DB_URL"));
    } else {
        snprintf(db, sizeof db, "%s/tasks.db", argv[1]);
    }
    CHECK_OK(agor_store_open(db, &b.store));
    if (b.store == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", db, agor_last_error_message());
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    setup(&b);
    test_create_list_get_board(&b);
    test_optimistic_locking(&b);
    test_claim_and_complete(&b);
    test_domain_errors(&b);
    test_null_arguments(&b);
    test_invalid_utf8(&b);
    test_board_file_and_proposals(&b);

    agor_actor_free(b.mgr);
    agor_actor_free(b.dev1);
    agor_actor_free(b.dev2);
    agor_store_free(b.store);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
