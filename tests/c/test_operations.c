/*
 * The functions generated from the catalogue (agor_op_<name>): one handle convention for
 * every operation (store for the operator, actor for an agent), typed arguments, JSON back;
 * the catalogue's own checks (who may call, arguments) answer, as through agor_call.
 */
#include "check.h"

#define ID_SIZE 64

typedef struct {
    agor_store *store;
    agor_actor *mgr;
    agor_actor *dev;
    agor_actor *outsider;
} team;

static void setup(team *t) {
    /* The operator registers through the same functions an agent uses: actor NULL. */
    CHECK_OK(agor_op_register_agent(t->store, NULL, "mgr-1", "Manager", "manager", "core", NULL,
                                    NULL, NULL, NULL));
    CHECK_OK(agor_op_register_agent(t->store, NULL, "dev-1", "Developer", "project", "core", NULL,
                                    NULL, NULL, NULL));
    CHECK_OK(agor_op_register_agent(t->store, NULL, "out-1", "Outsider", "project", "other", NULL,
                                    NULL, NULL, NULL));
    CHECK_OK(agor_op_allow(t->store, NULL, "mgr-1", "dev-1", true, NULL));
    CHECK_OK(agor_actor_new(t->store, "mgr-1", &t->mgr));
    CHECK_OK(agor_actor_new(t->store, "dev-1", &t->dev));
    CHECK_OK(agor_actor_new(t->store, "out-1", &t->outsider));
}

/* A message out and back, with an optional limit given and left out. */
static void test_messages(team *t) {
    char *json = NULL;
    int64_t limit = 5;
    int64_t since = -1;
    double at_once = 0;
    CHECK_OK(agor_op_latest_change(NULL, t->dev, &json));
    since = strtoll(json, NULL, 10);
    agor_string_free(json);
    CHECK_OK(agor_op_send(NULL, t->mgr, "dev-1", "hello from C", "high", true, NULL, &json));
    CHECK(contains(json, "\"content\":\"hello from C\""));
    CHECK(contains(json, "\"importance\":\"high\"") && contains(json, "\"ack_required\":true"));
    agor_string_free(json);
    CHECK_OK(agor_op_inbox(NULL, t->dev, false, &limit, &json));
    CHECK(contains(json, "hello from C"));
    agor_string_free(json);
    CHECK_OK(agor_op_inbox(NULL, t->dev, true, NULL, &json));
    CHECK(contains(json, "hello from C"));
    agor_string_free(json);
    /* A wait returns the DM with its text and sender (issue 22 item 7). */
    CHECK_OK(agor_op_wait(NULL, t->dev, NULL, 0, &since, &at_once, NULL, &json));
    CHECK(contains(json, "\"text\":\"hello from C\"") && contains(json, "\"sender\":\"mgr-1\""));
    agor_string_free(json);
    /* NULL for the response: the call still happens. */
    CHECK_OK(agor_op_send(NULL, t->dev, "mgr-1", "no answer wanted", NULL, false, NULL, NULL));
}

/* Create, claim and complete a task with a list argument; the board shows it done. */
static void test_task_round_trip(team *t) {
    char *json = NULL;
    char id[ID_SIZE];
    char token[ID_SIZE];
    const char *tags[] = {"c", "generated"};
    const char *artifacts[] = {"out.txt"};
    CHECK_OK(agor_op_create_task(NULL, t->mgr, "write the C test", NULL, "high", NULL, NULL, tags,
                                 2, NULL, NULL, NULL, 0, false, NULL, NULL, &json));
    CHECK(contains(json, "\"generated\"") && contains(json, "\"priority\":\"high\""));
    CHECK(json_string_field(json, "id", id, sizeof id) != NULL);
    agor_string_free(json);
    CHECK_OK(agor_op_claim_task(NULL, t->dev, id, NULL, NULL, &json));
    CHECK(json_string_field(json, "token", token, sizeof token) != NULL);
    agor_string_free(json);
    CHECK_OK(agor_op_complete_task(NULL, t->dev, id, token, "written", artifacts, 1, NULL, NULL,
                                   false, &json));
    CHECK(contains(json, "\"status\":\"done\""));
    agor_string_free(json);
    CHECK_OK(agor_op_list_tasks(t->store, NULL, true, "done", NULL, "core", &json));
    CHECK(contains(json, id));
    agor_string_free(json);
}

/* Batches: records travel as JSON text; a bad item refuses the batch, naming its index. */
static void test_batches(team *t) {
    char *json = NULL;
    char id[2][ID_SIZE];
    char token[2][ID_SIZE];
    char items[512];
    const char *second;
    int64_t lease = 60;
    CHECK_OK(agor_op_create_tasks(NULL, t->mgr,
                                  "[{\"title\":\"batch one\"},{\"title\":\"batch two\"}]", &json));
    CHECK(contains(json, "\"batch one\"") && contains(json, "\"batch two\""));
    agor_string_free(json);
    CHECK_OK(agor_op_claim_tasks(NULL, t->dev, 2, &lease, &json));
    second = json == NULL ? NULL : strstr(json + 2, "{\"task\"");
    CHECK(second != NULL);
    CHECK(json_string_field(json, "id", id[0], sizeof id[0]) != NULL);
    CHECK(json_string_field(json, "token", token[0], sizeof token[0]) != NULL);
    CHECK(json_string_field(second, "id", id[1], sizeof id[1]) != NULL);
    CHECK(json_string_field(second, "token", token[1], sizeof token[1]) != NULL);
    agor_string_free(json);
    /* The second claim's token is wrong: nothing is completed, and the error says which. */
    snprintf(items, sizeof items,
             "[{\"task_id\":\"%s\",\"token\":\"%s\"},{\"task_id\":\"%s\",\"token\":\"stale\"}]",
             id[0], token[0], id[1]);
    CHECK_STATUS(agor_op_complete_tasks(NULL, t->dev, items, &json), AGOR_LEASE);
    CHECK(last_error_mentions("item 1 of the batch"));
    snprintf(items, sizeof items,
             "[{\"task_id\":\"%s\",\"token\":\"%s\"},{\"task_id\":\"%s\",\"token\":\"%s\","
             "\"summary\":\"from C\"}]",
             id[0], token[0], id[1], token[1]);
    CHECK_OK(agor_op_complete_tasks(NULL, t->dev, items, &json));
    CHECK(contains(json, "\"from C\"") && !contains(json, "in_progress"));
    agor_string_free(json);
    CHECK_STATUS(agor_op_create_tasks(NULL, t->mgr, "[{\"title\":", &json), AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("not JSON"));
    CHECK_STATUS(agor_op_claim_tasks(NULL, t->dev, 0, NULL, &json), AGOR_INVALID_INPUT);
}

/* Who may call: a denied agent, the wrong kind of caller, another group. */
static void test_who_may_call(team *t) {
    char *json = (char *)"untouched";
    /* A developer may not register a manager. */
    CHECK_STATUS(agor_op_register_agent(NULL, t->dev, "mgr-2", "Another", "manager", "core",
                                        NULL, NULL, NULL, &json),
                 AGOR_PERMISSION_DENIED);
    CHECK(json == NULL); /* cleared on failure */
    /* Granting contacts is for the operator and managers, and sending needs an agent. */
    CHECK_STATUS(agor_op_allow(NULL, t->dev, "dev-1", "mgr-1", false, NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_op_send(t->store, NULL, "dev-1", "from nobody", NULL, false, NULL, NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK(last_error_mentions("agent identity"));
    /* Another group's agents are invisible without a contact: not found, not a hint. */
    CHECK_STATUS(
        agor_op_send(NULL, t->outsider, "dev-1", "hi from outside", NULL, false, NULL, NULL),
        AGOR_NOT_FOUND);
}

/* Arguments the boundary refuses before the core sees them. */
static void test_bad_arguments(team *t) {
    char *json = NULL;
    const char bad_utf8[] = {'d', 'e', 'v', (char)0xff, '\0'};
    const char *tags[] = {"fine", NULL};
    CHECK_STATUS(agor_op_send(NULL, NULL, "dev-1", "x", NULL, false, NULL, &json),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("store"));
    CHECK_STATUS(agor_op_send(NULL, t->mgr, NULL, "x", NULL, false, NULL, &json),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("`to`"));
    CHECK_STATUS(agor_op_send(NULL, t->mgr, bad_utf8, "x", NULL, false, NULL, &json),
                 AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_op_create_task(NULL, t->mgr, "t", NULL, NULL, NULL, NULL, tags, 2, NULL,
                                     NULL, NULL, 0, false, NULL, NULL, &json),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("element 1"));
    CHECK_STATUS(agor_op_create_task(NULL, t->mgr, "t", NULL, "sky-high", NULL, NULL, NULL, 0,
                                     NULL, NULL, NULL, 0, false, NULL, NULL, &json),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("sky-high"));
    CHECK_STATUS(agor_op_send(NULL, t->mgr, "dev-1", "", NULL, false, NULL, &json),
                 AGOR_INVALID_INPUT);
}

int main(int argc, char **argv) {
    char db[4096];
    team t;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    memset(&t, 0, sizeof t);
    /* run.sh sets AGOR_TEST_DB_URL to run the same checks on a PostgreSQL schema. */
    if (getenv("AGOR_TEST_DB_URL") != NULL) {
        snprintf(db, sizeof db, "%s", getenv("AGOR_TEST_DB_URL"));
    } else {
        snprintf(db, sizeof db, "%s/operations.db", argv[1]);
    }
    CHECK_OK(agor_store_open(db, &t.store));
    if (t.store == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", db, agor_last_error_message());
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    setup(&t);
    test_messages(&t);
    test_task_round_trip(&t);
    test_batches(&t);
    test_who_may_call(&t);
    test_bad_arguments(&t);

    agor_actor_free(t.mgr);
    agor_actor_free(t.dev);
    agor_actor_free(t.outsider);
    agor_store_free(t.store);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
