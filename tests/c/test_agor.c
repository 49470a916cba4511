/*
 * C test of libagor through include/agor.h: a messaging round trip, then the error paths
 * (NULL and non-UTF-8 arguments, unknown ids, permissions, bad content, a non-database file).
 *
 * Usage: test_agor SCRATCH_DIR   (tests/c/run.sh creates the directory and sets AGOR_DB).
 * Prints one line per failed check and "N passed, N failed" last; exits 1 on any failure.
 * Every string and handle the library returns is freed, so valgrind reports no leak.
 */
#include "agor.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int64_t unread(const agor_actor *actor) {
    int64_t count = -1;
    CHECK_OK(agor_unread_count(actor, &count));
    return count;
}

static void test_status_helpers(void) {
    CHECK(strcmp(agor_status_name(AGOR_OK), "AGOR_OK") == 0);
    CHECK(strcmp(agor_status_name(AGOR_NOT_FOUND), "AGOR_NOT_FOUND") == 0);
    CHECK(strcmp(agor_status_name(AGOR_PANIC), "AGOR_PANIC") == 0);
    CHECK(strcmp(agor_status_name(9999), "AGOR_UNKNOWN_STATUS") == 0);
    CHECK(strlen(agor_version()) > 0);
    CHECK(agor_last_error_message() != NULL);
}

/* Register two agents, allow, send, inbox, read, reply, channel, heartbeat, unread count. */
static void test_round_trip(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    char *json = NULL;
    char *line = NULL;
    char msg_id[64];
    char reply_id[64];
    bool newly_seen = false;
    size_t cleared = 99;

    CHECK_OK(agor_register_agent(store, "mgr-1", "Manager", "manager", "core", AGOR_TIER_DEFAULT,
                                 "model-x", "/work", &json));
    CHECK(contains(json, "\"id\":\"mgr-1\""));
    CHECK(contains(json, "\"tier\":1"));
    CHECK(contains(json, "\"model\":\"model-x\""));
    agor_string_free(json);
    /* Optional strings and the optional result may all be NULL. */
    CHECK_OK(agor_register_agent(store, "dev-1", "Developer", "project", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_allow(store, "mgr-1", "dev-1", true));
    CHECK(strcmp(agor_last_error_message(), "") == 0);

    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK(mgr != NULL && dev != NULL);

    CHECK_OK(agor_whoami(mgr, &json));
    CHECK(contains(json, "\"role\":\"manager\""));
    agor_string_free(json);
    CHECK_OK(agor_contacts(dev, &json));
    CHECK(contains(json, "\"id\":\"mgr-1\""));
    agor_string_free(json);

    /* Send: the recipient sees it unread, in peek and inbox, and in the notify line. */
    CHECK_OK(agor_send(mgr, "dev-1", "please take the parser task", &json));
    CHECK(contains(json, "\"to_agent\":\"dev-1\""));
    CHECK(json_string_field(json, "id", msg_id, sizeof msg_id) != NULL);
    agor_string_free(json);
    CHECK(unread(dev) == 1);
    CHECK_OK(agor_notify(dev, &line));
    CHECK(contains(line, "1 unread message from mgr-1"));
    agor_string_free(line);
    CHECK_OK(agor_peek(dev, &json));
    CHECK(contains(json, "please take the parser task"));
    agor_string_free(json);
    CHECK(unread(dev) == 1);
    CHECK_OK(agor_inbox(dev, false, AGOR_DEFAULT_LIMIT, &json));
    CHECK(contains(json, msg_id));
    agor_string_free(json);

    /* Read one by a unique prefix: marked read, notify goes quiet (NULL line, AGOR_OK). */
    msg_id[8] = '\0';
    CHECK_OK(agor_read(dev, msg_id, &json));
    CHECK(contains(json, "\"read\":true"));
    CHECK(json_string_field(json, "id", msg_id, sizeof msg_id) != NULL);
    agor_string_free(json);
    CHECK(unread(dev) == 0);
    line = (char *)"sentinel";
    CHECK_OK(agor_notify(dev, &line));
    CHECK(line == NULL);
    CHECK_OK(agor_inbox(dev, true, 1, &json));
    CHECK(contains(json, msg_id));
    agor_string_free(json);

    /* Reply threads to the original and lands in the manager's inbox. */
    CHECK_OK(agor_reply(dev, msg_id, "on it", &json));
    CHECK(contains(json, "\"to_agent\":\"mgr-1\""));
    CHECK(contains(json, msg_id)); /* reply_to */
    CHECK(json_string_field(json, "id", reply_id, sizeof reply_id) != NULL);
    agor_string_free(json);
    CHECK(unread(mgr) == 1);
    CHECK_OK(agor_ack(mgr, reply_id, "session-1", &newly_seen));
    CHECK(newly_seen);
    CHECK_OK(agor_ack(mgr, reply_id, "session-1", &newly_seen));
    CHECK(!newly_seen);
    CHECK_OK(agor_read_unread(mgr, &json));
    CHECK(contains(json, "on it"));
    agor_string_free(json);
    CHECK(unread(mgr) == 0);
    CHECK_OK(agor_history(mgr, "dev-1", 10, &json));
    CHECK(contains(json, "please take the parser task") && contains(json, "on it"));
    agor_string_free(json);

    CHECK_OK(agor_send(mgr, "dev-1", "second", NULL));
    CHECK_OK(agor_mark_conversation_read(dev, "mgr-1", &cleared));
    CHECK(cleared == 1);
    CHECK(unread(dev) == 0);

    /* Channel: created by the manager, joined by the developer, posted to and listed. */
    CHECK_OK(agor_create_channel(mgr, "standup", &json));
    CHECK(contains(json, "\"name\":\"standup\""));
    agor_string_free(json);
    CHECK_OK(agor_add_member(mgr, "standup", "dev-1", NULL));
    CHECK_OK(agor_post(dev, "standup", "parser done, tests next", &json));
    CHECK(contains(json, "\"from_agent\":\"dev-1\""));
    agor_string_free(json);
    CHECK_OK(agor_list_channels(mgr, &json));
    CHECK(contains(json, "\"name\":\"standup\""));
    CHECK(contains(json, "\"member_count\":2"));
    CHECK(contains(json, "parser done, tests next")); /* last message */
    agor_string_free(json);
    CHECK_OK(agor_channel_history(dev, "standup", AGOR_DEFAULT_LIMIT, &json));
    CHECK(contains(json, "parser done, tests next"));
    agor_string_free(json);

    /* Fan-out, liveness and an empty dead-letter queue. */
    CHECK_OK(agor_broadcast(mgr, "release at five", &json));
    CHECK(contains(json, "\"sent\":[{"));
    agor_string_free(json);
    CHECK(unread(dev) == 1);
    CHECK_OK(agor_send_to_role(mgr, "project", "role mail", NULL));
    CHECK_OK(agor_send_to_pattern(mgr, "dev-*", "pattern mail", NULL));
    CHECK(unread(dev) == 3);
    CHECK_OK(agor_heartbeat(dev, &json));
    CHECK(contains(json, "\"agent_id\":\"dev-1\""));
    CHECK(contains(json, "\"redelivered\":[]"));
    agor_string_free(json);
    CHECK_OK(agor_heartbeat(mgr, NULL));
    CHECK_OK(agor_dead_letters(mgr, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);
    CHECK_OK(agor_redeliver_dead_letters(mgr, AGOR_ALL_DEAD_LETTERS, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);
    CHECK_OK(agor_clear_dead_letters(mgr, AGOR_ALL_DEAD_LETTERS, &cleared));
    CHECK(cleared == 0);

    /* Store-level look-ups with the unread counts. */
    CHECK_OK(agor_get_agent(store, "dev-1", &json));
    CHECK(contains(json, "\"unread\":3"));
    agor_string_free(json);
    CHECK_OK(agor_list_agents(store, "core", &json));
    CHECK(contains(json, "\"id\":\"mgr-1\"") && contains(json, "\"id\":\"dev-1\""));
    agor_string_free(json);
    CHECK_OK(agor_list_agents(store, NULL, &json));
    CHECK(contains(json, "\"id\":\"dev-1\""));
    agor_string_free(json);

    agor_actor_free(mgr);
    agor_actor_free(dev);
}

/* NULL for every kind of parameter: store handle, actor handle, required string, required
 * output. Outputs read NULL/0 afterwards and nothing was done. */
static void test_null_arguments(agor_store *store) {
    agor_actor *dev = NULL;
    agor_actor *actor_out = (agor_actor *)&passed; /* any non-NULL value; must be cleared */
    agor_store *store_out = (agor_store *)&passed;
    char *json = (char *)"sentinel";
    int64_t count = 42;
    char msg_id[64];

    CHECK_STATUS(agor_get_agent(NULL, "dev-1", &json), AGOR_NULL_ARGUMENT);
    CHECK(json == NULL);
    CHECK(last_error_mentions("store"));
    CHECK_STATUS(agor_actor_new(store, NULL, &actor_out), AGOR_NULL_ARGUMENT);
    CHECK(actor_out == NULL);
    CHECK(last_error_mentions("agent_id"));
    CHECK_STATUS(agor_actor_new(store, "dev-1", NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_store_open(NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(store_out != NULL);
    CHECK_STATUS(agor_allow(store, NULL, "dev-1", false), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("from"));
    CHECK_STATUS(agor_register_agent(store, "x-1", NULL, "project", "core", AGOR_TIER_DEFAULT,
                                     NULL, NULL, NULL),
                 AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("name"));

    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    json = (char *)"sentinel";
    CHECK_STATUS(agor_send(NULL, "mgr-1", "hi", &json), AGOR_NULL_ARGUMENT);
    CHECK(json == NULL);
    CHECK(last_error_mentions("actor"));
    CHECK_STATUS(agor_send(dev, NULL, "hi", NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("`to`"));
    CHECK_STATUS(agor_send(dev, "mgr-1", NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK(last_error_mentions("content"));
    CHECK_STATUS(agor_unread_count(dev, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_unread_count(NULL, &count), AGOR_NULL_ARGUMENT);
    CHECK(count == 0);
    CHECK_STATUS(agor_inbox(dev, false, AGOR_DEFAULT_LIMIT, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_heartbeat(NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_post(dev, NULL, "x", NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_store_path(store, NULL), AGOR_NULL_ARGUMENT);

    /* A missing required output is refused before the call acts: the message stays unread. */
    CHECK_OK(agor_inbox(dev, false, 1, &json));
    CHECK(json_string_field(json, "id", msg_id, sizeof msg_id) != NULL);
    agor_string_free(json);
    count = unread(dev);
    CHECK(count > 0);
    CHECK_STATUS(agor_read(dev, msg_id, NULL), AGOR_NULL_ARGUMENT);
    CHECK(unread(dev) == count);
    CHECK_STATUS(agor_read_unread(dev, NULL), AGOR_NULL_ARGUMENT);
    CHECK(unread(dev) == count);

    agor_actor_free(dev);
}

static void test_invalid_utf8(agor_store *store) {
    agor_actor *dev = NULL;
    agor_actor *other_actor = (agor_actor *)&passed;
    agor_store *other = (agor_store *)&passed;
    char *json = (char *)"sentinel";
    const char bad[] = {'d', 'e', 'v', (char)0xff, (char)0xfe, '\0'};

    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_STATUS(agor_send(dev, "mgr-1", bad, NULL), AGOR_INVALID_UTF8);
    CHECK(last_error_mentions("content"));
    CHECK_STATUS(agor_send(dev, bad, "hi", NULL), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_get_agent(store, bad, &json), AGOR_INVALID_UTF8);
    CHECK(json == NULL);
    CHECK_STATUS(agor_list_agents(store, bad, &json), AGOR_INVALID_UTF8);
    CHECK_STATUS(agor_actor_new(store, bad, &other_actor), AGOR_INVALID_UTF8);
    CHECK(other_actor == NULL);
    CHECK_STATUS(agor_store_open(bad, &other), AGOR_INVALID_UTF8);
    CHECK(other == NULL);
    CHECK(last_error_mentions("path"));
    agor_actor_free(dev);
}

static void test_domain_errors(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    agor_actor *dev2 = NULL;
    agor_actor *ghost = NULL;
    char *json = NULL;
    char *huge = NULL;
    int64_t count = 7;
    size_t cleared = 7;
    const size_t huge_len = 300 * 1024;

    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_OK(agor_register_agent(store, "dev-2", "Second developer", "project", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "dev-2", &dev2));

    /* Unknown ids. */
    CHECK_STATUS(agor_send(mgr, "nobody", "hello?", NULL), AGOR_NOT_FOUND);
    CHECK(last_error_mentions("nobody"));
    CHECK_STATUS(agor_read(dev, "ffffffff", &json), AGOR_NOT_FOUND);
    CHECK(json == NULL);
    CHECK_STATUS(agor_reply(dev, "ffffffff", "x", NULL), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_get_agent(store, "ghost", &json), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_channel_history(mgr, "no-such-channel", 5, &json), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_clear_dead_letters(mgr, 123456, &cleared), AGOR_NOT_FOUND);
    CHECK(cleared == 0);
    /* An actor for an id nobody registered: created, but every call says not found. */
    CHECK_OK(agor_actor_new(store, "ghost-1", &ghost));
    CHECK_STATUS(agor_unread_count(ghost, &count), AGOR_NOT_FOUND);
    CHECK(count == 0);
    agor_actor_free(ghost);

    /* Ambiguous prefix. */
    CHECK_STATUS(agor_get_agent(store, "dev-", &json), AGOR_AMBIGUOUS);
    CHECK(last_error_mentions("dev-1") && last_error_mentions("dev-2"));

    /* Permission denied: not a contact, not a manager, not an admin, not a member. */
    CHECK_STATUS(agor_send(dev2, "dev-1", "psst", NULL), AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_create_channel(dev, "skunkworks", NULL), AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_feed(mgr, NULL, 10, &json), AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_post(dev2, "standup", "let me in", NULL), AGOR_PERMISSION_DENIED);

    /* Invalid input: empty, blank and oversized content, malformed ids, bad tier. */
    CHECK_STATUS(agor_send(mgr, "dev-1", "", NULL), AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("content"));
    CHECK_STATUS(agor_send(mgr, "dev-1", "  \n\t ", NULL), AGOR_INVALID_INPUT);
    huge = malloc(huge_len + 1);
    CHECK(huge != NULL);
    if (huge != NULL) {
        memset(huge, 'x', huge_len);
        huge[huge_len] = '\0';
        CHECK_STATUS(agor_send(mgr, "dev-1", huge, NULL), AGOR_INVALID_INPUT);
        CHECK(last_error_mentions("over the limit"));
        free(huge);
    }
    CHECK_STATUS(agor_actor_new(store, "bad id!", &ghost), AGOR_INVALID_INPUT);
    CHECK(ghost == NULL);
    CHECK_STATUS(agor_register_agent(store, "x-1", "X", "project", "core", 7, NULL, NULL, NULL),
                 AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("tier"));

    /* A failure's text survives *_free calls made while cleaning up. */
    CHECK_STATUS(agor_get_agent(store, "ghost", &json), AGOR_NOT_FOUND);
    agor_string_free(NULL);
    agor_actor_free(NULL);
    agor_store_free(NULL);
    CHECK(last_error_mentions("ghost"));
    /* ... and a successful call clears it. */
    CHECK(unread(mgr) >= 0);
    CHECK(strcmp(agor_last_error_message(), "") == 0);

    agor_actor_free(mgr);
    agor_actor_free(dev);
    agor_actor_free(dev2);
}

/* A file that is not a database is refused with AGOR_SCHEMA and left byte-for-byte as it was;
 * an empty path is refused rather than opening a throwaway temporary database. */
/* SPEC §2.1: an agent acting through the C API cannot raise a rank, grant itself contacts or
 * reach another group's objects; a manager creates the roles below it. */
static void test_principals(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    agor_actor *far = NULL;
    char *json = NULL;

    CHECK_OK(agor_register_agent(store, "far-mgr", "Far", "manager", "far", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_OK(agor_actor_new(store, "far-mgr", &far));
    /* No self-promotion, through either the role or the tier. */
    CHECK_STATUS(agor_actor_register_agent(dev, "dev-1", "Dev", "admin", "core",
                                           AGOR_TIER_DEFAULT, NULL, NULL, NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_actor_register_agent(dev, "dev-1", "Dev", "project", "core", 0, NULL, NULL,
                                           NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_actor_allow(dev, "dev-1", "mgr-1", true), AGOR_PERMISSION_DENIED);
    /* A manager creates a project agent in its group, not a manager, not elsewhere. */
    CHECK_OK(agor_actor_register_agent(mgr, "dev-9", "Nine", "project", "core",
                                       AGOR_TIER_DEFAULT, NULL, NULL, &json));
    CHECK(contains(json, "\"tier\":2"));
    agor_string_free(json);
    CHECK_STATUS(agor_actor_register_agent(mgr, "mgr-9", "Peer", "manager", "core",
                                           AGOR_TIER_DEFAULT, NULL, NULL, NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_STATUS(agor_actor_register_agent(mgr, "dev-8", "Far", "project", "far",
                                           AGOR_TIER_DEFAULT, NULL, NULL, NULL),
                 AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_actor_allow(mgr, "dev-9", "dev-1", true));
    CHECK_STATUS(agor_actor_allow(mgr, "mgr-1", "dev-9", false), AGOR_PERMISSION_DENIED);
    /* Another group's manager cannot name this group's agents or tasks. */
    CHECK_STATUS(agor_actor_allow(far, "dev-9", "dev-1", false), AGOR_NOT_FOUND);
    CHECK_OK(agor_create_task(mgr, "core work", NULL, NULL, NULL, NULL, &json));
    {
        const char *id = strstr(json, "\"id\":\"");
        char task_id[64] = {0};
        CHECK(id != NULL);
        if (id != NULL) {
            memcpy(task_id, id + 6, 36);
        }
        agor_string_free(json);
        json = NULL;
        CHECK_STATUS(agor_move_task(far, task_id, "cancelled", &json), AGOR_NOT_FOUND);
        CHECK(json == NULL);
        CHECK_OK(agor_move_task(mgr, task_id, "blocked", &json));
        CHECK(contains(json, "\"status\":\"blocked\""));
        agor_string_free(json);
        CHECK_STATUS(agor_move_task(mgr, task_id, "nonsense", NULL), AGOR_INVALID_INPUT);
        CHECK_STATUS(agor_move_task(NULL, task_id, "todo", NULL), AGOR_NULL_ARGUMENT);
    }
    agor_actor_free(far);
    agor_actor_free(dev);
    agor_actor_free(mgr);
}

/* The change feed and a wait that returns at once: what arrived after a cursor, a timeout
 * with nothing, and bad kinds or timeouts refused. (Cross-process wake-ups: test_wait.py.) */
static void test_changes_and_wait(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    char *json = NULL;
    int64_t before = -1;
    int64_t after = -1;

    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_OK(agor_latest_change(dev, &before));
    CHECK(before >= 0);
    CHECK_OK(agor_send(mgr, "dev-1", "a change", NULL));
    CHECK_OK(agor_latest_change(dev, &after));
    CHECK(after > before);
    CHECK_OK(agor_changes(dev, before, AGOR_DEFAULT_LIMIT, &json));
    CHECK(contains(json, "\"kind\":\"message\"") && contains(json, "\"event\":\"message_sent\""));
    agor_string_free(json);
    /* Already there: the wait returns it without waiting. */
    CHECK_OK(agor_wait(dev, "message,task", before, AGOR_WAIT_FOREVER, &json));
    CHECK(contains(json, "message_sent") && contains(json, "\"text\":\"a change\""));
    agor_string_free(json);
    /* Nothing new for 10 ms: an empty array. */
    CHECK_OK(agor_wait(dev, NULL, AGOR_WAIT_FROM_NOW, 10, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);
    json = (char *)1;
    CHECK_STATUS(agor_wait(dev, "mail", AGOR_WAIT_FROM_NOW, 0, &json), AGOR_INVALID_INPUT);
    CHECK(json == NULL);
    CHECK(contains(agor_last_error_message(), "unknown change kind"));
    CHECK_STATUS(agor_wait(dev, NULL, AGOR_WAIT_FROM_NOW, -5, &json), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_wait(NULL, NULL, AGOR_WAIT_FROM_NOW, 0, &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_changes(dev, 0, 0, &json), AGOR_INVALID_INPUT);
    agor_actor_free(mgr);
    agor_actor_free(dev);
}

/* Full-text search: hits as JSON with the match marked, kinds filtered, errors named. */
static void test_search(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    char *json = NULL;

    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_OK(agor_send(mgr, "dev-1", "the zeppelin launch is on Tuesday", NULL));
    CHECK_OK(agor_search(dev, "zeppelin", NULL, AGOR_DEFAULT_LIMIT, &json));
    CHECK(contains(json, "\"kind\":\"message\"") && contains(json, "**zeppelin**"));
    agor_string_free(json);
    CHECK_OK(agor_search(dev, "zeppelin", "task,comment", AGOR_DEFAULT_LIMIT, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);
    json = (char *)1;
    CHECK_STATUS(agor_search(dev, "(zeppelin", NULL, AGOR_DEFAULT_LIMIT, &json), AGOR_INVALID_INPUT);
    CHECK(json == NULL && contains(agor_last_error_message(), "no matching )"));
    CHECK_STATUS(agor_search(dev, "zeppelin", "email", AGOR_DEFAULT_LIMIT, &json), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_search(dev, NULL, NULL, AGOR_DEFAULT_LIMIT, &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_search(dev, "\xff", NULL, AGOR_DEFAULT_LIMIT, &json), AGOR_INVALID_UTF8);
    agor_actor_free(mgr);
    agor_actor_free(dev);
}

/* File reservations: exclusive conflicts name the holder, all or none, own ones only. */
static void test_reservations(agor_store *store) {
    agor_actor *dev1 = NULL;
    agor_actor *mgr = NULL;
    char *json = NULL;
    size_t released = 99;

    CHECK_OK(agor_actor_new(store, "dev-1", &dev1));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_reserve(dev1, "src/*\ndocs/a.md\n", false, AGOR_DEFAULT_TTL, "refactor", &json));
    CHECK(contains(json, "\"pattern\":\"src/*\"") && contains(json, "\"pattern\":\"docs/a.md\""));
    agor_string_free(json);
    CHECK_STATUS(agor_reserve(mgr, "lib/x.rs\nsrc/main.rs", false, 60, NULL, NULL), AGOR_ALREADY_CLAIMED);
    CHECK(contains(agor_last_error_message(), "reserved by dev-1"));
    CHECK_OK(agor_reservations(mgr, "mgr-1", NULL, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    agor_string_free(json);
    CHECK_OK(agor_reservations(mgr, NULL, "src/main.rs", &json));
    CHECK(contains(json, "\"agent_id\":\"dev-1\""));
    agor_string_free(json);
    CHECK_STATUS(agor_release_reservations(mgr, "no-such-id", &released), AGOR_NOT_FOUND);
    CHECK_OK(agor_renew_reservations(dev1, NULL, 120, NULL));
    CHECK_STATUS(agor_reserve(dev1, NULL, false, 60, NULL, NULL), AGOR_NULL_ARGUMENT);
    /* issue 19 item 14: 0 seconds is an error, as for every count in C (the default is
       AGOR_DEFAULT_TTL, UINT32_MAX); it used to mean "an hour". */
    CHECK_STATUS(agor_reserve(dev1, "zero/ttl.rs", false, 0, NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_renew_reservations(dev1, NULL, 0, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_reserve(dev1, "x", false, 999999, NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_OK(agor_release_reservations(dev1, NULL, &released));
    CHECK(released == 2);
    agor_actor_free(dev1);
    agor_actor_free(mgr);
}

/* Work state: set, validated, hooks, read by a manager. */
static void test_work_state(agor_store *store) {
    agor_actor *dev2 = NULL;
    agor_actor *mgr = NULL;
    char *json = NULL;

    CHECK_OK(agor_actor_new(store, "dev-2", &dev2));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_set_work_state(dev2, "working", NULL, NULL, &json));
    CHECK(contains(json, "\"state\":\"working\""));
    agor_string_free(json);
    CHECK_OK(agor_set_work_state(dev2, NULL, NULL, "Stop", NULL));
    CHECK_OK(agor_work_state(mgr, "dev-2", &json));
    CHECK(contains(json, "\"state\":\"idle\""));
    agor_string_free(json);
    CHECK_STATUS(agor_set_work_state(dev2, "done", NULL, NULL, NULL), AGOR_INVALID_INPUT);
    CHECK(contains(agor_last_error_message(), "cannot go from idle to done"));
    CHECK_STATUS(agor_set_work_state(dev2, NULL, NULL, NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_work_state(mgr, "nobody", &json), AGOR_NOT_FOUND);
    agor_actor_free(dev2);
    agor_actor_free(mgr);
}

/* Usage and cost: a request recorded, summed, bad numbers refused. */
static void test_usage(agor_store *store) {
    agor_actor *dev1 = NULL;
    char *json = NULL;

    CHECK_OK(agor_actor_new(store, "dev-1", &dev1));
    CHECK_OK(agor_record_usage(dev1, 1000, 250, 0.125, "claude", NULL, &json));
    CHECK(contains(json, "\"cost_usd\":0.125") && contains(json, "\"model\":\"claude\""));
    agor_string_free(json);
    CHECK_OK(agor_usage_summary(dev1, "agent", &json));
    CHECK(contains(json, "\"key\":\"dev-1\"") && contains(json, "\"requests\":1"));
    agor_string_free(json);
    CHECK_STATUS(agor_record_usage(dev1, -1, 0, 0.0, "m", NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_record_usage(dev1, 0, 0, -1.0, "m", NULL, NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_record_usage(dev1, 0, 0, 0.0, NULL, NULL, NULL), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_record_usage(dev1, 0, 0, 0.0, "m", "no-such-task", NULL), AGOR_NOT_FOUND);
    CHECK_STATUS(agor_usage_summary(dev1, "hour", &json), AGOR_INVALID_INPUT);
    agor_actor_free(dev1);
}

/* Secrets for the MCP server's HTTP transport: issued as plain text once, listed only by
 * fingerprint, revoked by agent; an agent may not issue one through agor_call. */
static void test_tokens(agor_store *store) {
    char *secret = NULL;
    char *json = NULL;
    int64_t revoked = -1;
    agor_actor *dev = NULL;

    CHECK_OK(agor_issue_token(store, "dev-1", &secret));
    CHECK(secret != NULL && strncmp(secret, "agor_", 5) == 0 && strlen(secret) == 69);
    CHECK_OK(agor_tokens(store, &json));
    CHECK(contains(json, "\"agent_id\":\"dev-1\"") && contains(json, "\"fingerprint\""));
    CHECK(!contains(json, secret + 5));
    agor_string_free(json);
    agor_string_free(secret);
    secret = (char *)1;
    CHECK_STATUS(agor_issue_token(store, "nobody", &secret), AGOR_NOT_FOUND);
    CHECK(secret == NULL);
    CHECK_STATUS(agor_issue_token(store, NULL, &secret), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_issue_token(store, "\xff", &secret), AGOR_INVALID_UTF8);
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_STATUS(agor_call(store, dev, "{\"op\": \"issue_token\", \"agent_id\": \"dev-1\"}", &json),
                 AGOR_PERMISSION_DENIED);
    agor_actor_free(dev);
    CHECK_OK(agor_revoke_tokens(store, "dev-1", &revoked));
    CHECK(revoked == 1);
    CHECK_OK(agor_revoke_tokens(store, "dev-1", &revoked));
    CHECK(revoked == 0);
}

/* Roles as data through the generic entry: the operator defines a custom role whose row the
 * permission function then reads; an agent without can_modify_roles is denied; bad words are
 * invalid input; the public checks answer. */
static void test_roles(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *lead = NULL;
    char *json = NULL;

    CHECK_OK(agor_call(store, NULL,
                       "{\"op\":\"define_role\",\"name\":\"c-lead\",\"tier\":1,"
                       "\"capabilities\":[\"assign_work\"],\"permissions\":[\"can_send_messages\"]}",
                       &json));
    CHECK(contains(json, "\"built_in\":false"));
    agor_string_free(json);
    CHECK_STATUS(agor_call(store, NULL,
                           "{\"op\":\"define_role\",\"name\":\"c-odd\",\"capabilities\":[\"fly\"]}",
                           &json),
                 AGOR_INVALID_INPUT);
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_STATUS(agor_call(NULL, mgr, "{\"op\":\"define_role\",\"name\":\"c-helper\"}", &json),
                 AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_register_agent(store, "c-lead-1", "Lead", "c-lead", "core", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "c-lead-1", &lead));
    CHECK_OK(agor_call(NULL, lead, "{\"op\":\"create_task\",\"title\":\"led\"}", &json));
    agor_string_free(json);
    CHECK_STATUS(agor_call(NULL, lead, "{\"op\":\"create_channel\",\"name\":\"c-room\"}", &json),
                 AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_call(NULL, lead,
                       "{\"op\":\"check_permission\",\"agent_id\":\"c-lead-1\","
                       "\"permission\":\"can_create_channels\"}",
                       &json));
    CHECK(strcmp(json, "false") == 0);
    agor_string_free(json);
    /* The typed functions answer the same. */
    {
        bool yes = true;
        CHECK_OK(agor_has_capability(store, "c-lead-1", "assign_work", &yes));
        CHECK(yes);
        CHECK_OK(agor_check_permission(store, "c-lead-1", "can_create_channels", &yes));
        CHECK(!yes);
        CHECK_OK(agor_can_create_role(store, "manager", "project", &yes));
        CHECK(yes);
        CHECK_STATUS(agor_has_capability(store, "c-lead-1", "fly", &yes), AGOR_INVALID_INPUT);
        CHECK_STATUS(agor_can_create_role(store, "manager", "ghost", &yes), AGOR_NOT_FOUND);
        CHECK_STATUS(agor_has_capability(store, NULL, "assign_work", &yes), AGOR_NULL_ARGUMENT);
    }
    CHECK_OK(agor_roles(store, &json));
    CHECK(contains(json, "\"name\":\"c-lead\"") && contains(json, "\"name\":\"manager\""));
    agor_string_free(json);
    CHECK_OK(agor_define_role(store, "c-scribe", 2, "implement_tasks\n", "can_send_messages",
                              NULL, &json));
    CHECK(contains(json, "\"capabilities\":[\"implement_tasks\"]"));
    agor_string_free(json);
    CHECK_STATUS(agor_actor_define_role(mgr, "c-other", 2, NULL, NULL, NULL, NULL),
                 AGOR_PERMISSION_DENIED);
    agor_actor_free(mgr);
    agor_actor_free(lead);
}

/* Removing agents through the generic entry: a soft-deleted agent is not found by mail, its
 * id is reserved, restore brings it back; an agent may not remove a peer; purge needs a
 * stopped agent unless forced. */
static void test_removal(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *dev = NULL;
    char *json = NULL;

    CHECK_OK(agor_register_agent(store, "gone-1", "Gone", "project", "core", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "dev-1", &dev));
    CHECK_STATUS(agor_call(NULL, dev, "{\"op\":\"remove_agent\",\"agent_id\":\"gone-1\"}", &json),
                 AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_call(NULL, mgr, "{\"op\":\"remove_agent\",\"agent_id\":\"gone-1\"}", &json));
    agor_string_free(json);
    CHECK_STATUS(agor_call(NULL, mgr, "{\"op\":\"send\",\"to\":\"gone-1\",\"content\":\"hi\"}",
                           &json),
                 AGOR_NOT_FOUND);
    CHECK_STATUS(agor_register_agent(store, "gone-1", "Again", "project", "core",
                                     AGOR_TIER_DEFAULT, NULL, NULL, NULL),
                 AGOR_INVALID_INPUT);
    CHECK_OK(agor_call(store, NULL, "{\"op\":\"restore_agent\",\"agent_id\":\"gone-1\"}", &json));
    CHECK(contains(json, "\"name\":\"Gone\""));
    agor_string_free(json);
    CHECK_STATUS(agor_call(store, NULL, "{\"op\":\"purge_agent\",\"agent_id\":\"gone-1\"}", &json),
                 AGOR_INVALID_INPUT);
    CHECK_OK(agor_call(store, NULL,
                       "{\"op\":\"purge_agent\",\"agent_id\":\"gone-1\",\"force\":true}", &json));
    agor_string_free(json);
    /* The typed functions: operator and agent forms. */
    CHECK_OK(agor_register_agent(store, "gone-2", "Gone", "project", "core", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_STATUS(agor_actor_remove_agent(dev, "gone-2"), AGOR_PERMISSION_DENIED);
    CHECK_OK(agor_actor_remove_agent(mgr, "gone-2"));
    CHECK_OK(agor_restore_agent(store, "gone-2", NULL));
    CHECK_OK(agor_actor_rename_agent(mgr, "gone-2", "Back", &json));
    CHECK(contains(json, "\"name\":\"Back\""));
    agor_string_free(json);
    CHECK_STATUS(agor_purge_agent(store, "gone-2", false), AGOR_INVALID_INPUT);
    CHECK_OK(agor_actor_purge_agent(mgr, "gone-2", true));
    CHECK_STATUS(agor_remove_agent(store, NULL), AGOR_NULL_ARGUMENT);
    agor_actor_free(mgr);
    agor_actor_free(dev);
}

/* The generic entry: any operation of the catalogue from a JSON request, as the operator
 * (actor NULL) or as an agent, with the same rules and errors as the typed functions. */
static void test_generic_call(agor_store *store) {
    agor_actor *dev = NULL;
    char *json = NULL;

    CHECK_OK(agor_call(store, NULL,
                       "{\"op\":\"register_agent\",\"id\":\"call-1\",\"name\":\"Caller\","
                       "\"role\":\"project\",\"group\":\"core\"}",
                       &json));
    CHECK(contains(json, "\"id\":\"call-1\""));
    agor_string_free(json);
    CHECK_OK(agor_call(store, NULL,
                       "{\"op\":\"allow\",\"from\":\"call-1\",\"to\":\"mgr-1\"}", &json));
    CHECK(strcmp(json, "null") == 0);
    agor_string_free(json);
    CHECK_OK(agor_actor_new(store, "call-1", &dev));
    CHECK_OK(agor_call(NULL, dev, "{\"op\":\"send\",\"to\":\"mgr-1\",\"content\":\"via call\"}",
                       &json));
    CHECK(contains(json, "\"content\":\"via call\""));
    agor_string_free(json);
    CHECK_OK(agor_call(NULL, dev, "{\"op\":\"unread_count\"}", &json));
    CHECK(strcmp(json, "0") == 0);
    agor_string_free(json);
    /* Rules hold: no escalation, no operator-only calls as an agent. */
    json = NULL;
    CHECK_STATUS(agor_call(NULL, dev,
                           "{\"op\":\"register_agent\",\"id\":\"call-1\",\"name\":\"x\","
                           "\"role\":\"admin\",\"group\":\"core\"}",
                           &json),
                 AGOR_PERMISSION_DENIED);
    CHECK(json == NULL);
    CHECK_STATUS(agor_call(NULL, dev, "{\"op\":\"audit_log\"}", &json), AGOR_PERMISSION_DENIED);
    /* Bad requests name the problem. */
    CHECK_STATUS(agor_call(NULL, dev, "{\"op\":\"fly\"}", &json), AGOR_INVALID_INPUT);
    CHECK(contains(agor_last_error_message(), "unknown operation 'fly'"));
    CHECK_STATUS(agor_call(NULL, dev, "not json", &json), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_call(NULL, dev, NULL, &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_call(NULL, NULL, "{\"op\":\"peek\"}", &json), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_call(NULL, dev, "{\"op\":\"peek\"}", NULL), AGOR_NULL_ARGUMENT);
    /* The catalogue lists every operation with its schemas. */
    CHECK_OK(agor_operations(&json));
    CHECK(contains(json, "\"name\":\"claim_task\""));
    CHECK(contains(json, "\"request\""));
    agor_string_free(json);
    agor_actor_free(dev);
}

static void test_not_a_database(const char *dir) {
    static const char contents[] = "these are my notes, not a database\n";
    char path[4096];
    char back[sizeof contents + 16];
    size_t n;
    FILE *f;
    agor_store *store = (agor_store *)&passed;

    snprintf(path, sizeof path, "%s/notes.txt", dir);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    fwrite(contents, 1, sizeof contents - 1, f);
    fclose(f);

    CHECK_STATUS(agor_store_open("", &store), AGOR_INVALID_INPUT);
    CHECK(store == NULL);
    CHECK_STATUS(agor_store_open(path, &store), AGOR_SCHEMA);
    CHECK(store == NULL);
    CHECK(last_error_mentions("not an agor database"));

    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    n = fread(back, 1, sizeof back, f);
    fclose(f);
    CHECK(n == sizeof contents - 1 && memcmp(back, contents, n) == 0);
}

/* A read-only store reads the file but refuses every write with AGOR_READ_ONLY. */
/* issue 21 item 4.1: agor_store_open_existing never creates a database: a missing file is
   AGOR_NOT_FOUND naming the path, and nothing is left on disk; an existing one opens. */
static void test_open_existing(const char *db, const char *dir) {
    char missing[4096];
    agor_store *store = NULL;
    FILE *f;

    snprintf(missing, sizeof missing, "%s/no/such/dir/x.db", dir);
    CHECK_STATUS(agor_store_open_existing(missing, AGOR_DEFAULT_BUSY_TIMEOUT, false, &store),
                 AGOR_NOT_FOUND);
    CHECK(store == NULL);
    CHECK(last_error_mentions("database not found"));
    CHECK(last_error_mentions(missing));
    snprintf(missing, sizeof missing, "%s/no", dir);
    f = fopen(missing, "rb");
    CHECK(f == NULL);
    if (f != NULL) {
        fclose(f);
    }
    CHECK_OK(agor_store_open_existing(db, AGOR_DEFAULT_BUSY_TIMEOUT, false, &store));
    CHECK(store != NULL);
    agor_store_free(store);
}

static void test_read_only(const char *db, const char *dir) {
    agor_store *store = (agor_store *)&passed;
    agor_actor *mgr = NULL;
    char *json = NULL;
    char missing[4096];
    FILE *f;

    CHECK_OK(agor_store_open_with(db, 250, true, &store));
    CHECK_OK(agor_list_agents(store, NULL, &json));
    CHECK(contains(json, "\"id\":\"mgr-1\""));
    agor_string_free(json);
    CHECK_STATUS(agor_register_agent(store, "late-1", "Late", "project", "core",
                                     AGOR_TIER_DEFAULT, NULL, NULL, NULL),
                 AGOR_READ_ONLY);
    CHECK(last_error_mentions("read-only"));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK(unread(mgr) >= 0);
    CHECK_STATUS(agor_send(mgr, "dev-1", "from a read-only handle", NULL), AGOR_READ_ONLY);
    agor_actor_free(mgr);
    agor_store_free(store);

    /* Read-only never creates a file. */
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    store = (agor_store *)&passed;
    CHECK(agor_store_open_with(missing, AGOR_DEFAULT_BUSY_TIMEOUT, true, &store) != AGOR_OK);
    CHECK(store == NULL);
    f = fopen(missing, "rb");
    CHECK(f == NULL);
    if (f != NULL) {
        fclose(f);
    }
    CHECK_STATUS(agor_store_open_with(db, AGOR_DEFAULT_BUSY_TIMEOUT, true, NULL),
                 AGOR_NULL_ARGUMENT);
}

/* A NULL path opens $AGOR_DB; an actor outlives the store handle it came from. */
static void test_default_path_and_handle_lifetimes(void) {
    const char *env = getenv("AGOR_DB");
    agor_store *store = NULL;
    agor_actor *actor = NULL;
    char *path = NULL;

    CHECK(env != NULL);
    CHECK_OK(agor_store_open(NULL, &store));
    CHECK_OK(agor_store_path(store, &path));
    CHECK(env != NULL && path != NULL && strcmp(path, env) == 0);
    agor_string_free(path);

    CHECK_OK(agor_register_agent(store, "solo", "Solo", "admin", "ops", 0, NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "solo", &actor));
    agor_store_free(store);
    CHECK(unread(actor) == 0);
    CHECK_OK(agor_heartbeat(actor, NULL));
    agor_actor_free(actor);
}

/* The conventions on every surface. One meaning per number: a limit or lease length is
 * 1..=max or the AGOR_DEFAULT_* sentinel; 0 (once "all" for limits and "default" for leases),
 * values past the maximum and wrapped negatives are all AGOR_INVALID_INPUT with one message. */
static void test_conventions(agor_store *store) {
    agor_actor *mgr = NULL;
    agor_actor *boss = NULL;
    char *json = NULL;
    const uint32_t bad[] = {0, AGOR_MAX_LIMIT + 1, (uint32_t)-2, UINT32_MAX - 1};
    const uint32_t bad_lease[] = {0, AGOR_MAX_LEASE_SECS + 1, (uint32_t)-2};
    size_t i;

    CHECK_OK(agor_register_agent(store, "boss", "Boss", "admin", "core", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_actor_new(store, "boss", &boss));
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STATUS(agor_inbox(mgr, false, bad[i], &json), AGOR_INVALID_INPUT);
        CHECK(json == NULL);
        CHECK(last_error_mentions("invalid limit: must be between 1 and 10000"));
        CHECK_STATUS(agor_inbox(mgr, true, bad[i], &json), AGOR_INVALID_INPUT);
        CHECK_STATUS(agor_history(mgr, "dev-1", bad[i], &json), AGOR_INVALID_INPUT);
        CHECK_STATUS(agor_feed(boss, NULL, bad[i], &json), AGOR_INVALID_INPUT);
        CHECK_STATUS(agor_channel_history(mgr, "standup", bad[i], &json), AGOR_INVALID_INPUT);
        CHECK(last_error_mentions("between 1 and 10000"));
    }
    for (i = 0; i < sizeof bad_lease / sizeof bad_lease[0]; i++) {
        CHECK_STATUS(agor_claim_task(mgr, NULL, bad_lease[i], &json), AGOR_INVALID_INPUT);
        CHECK(last_error_mentions("invalid lease: must be between 1 and 86400"));
        CHECK_STATUS(agor_renew_lease(mgr, "whatever", "token", bad_lease[i], NULL),
                     AGOR_INVALID_INPUT);
    }
    /* The bounds themselves and the default sentinels work. */
    CHECK_OK(agor_history(mgr, "dev-1", 1, &json));
    agor_string_free(json);
    CHECK_OK(agor_history(mgr, "dev-1", AGOR_MAX_LIMIT, &json));
    agor_string_free(json);
    CHECK_OK(agor_history(mgr, "dev-1", AGOR_DEFAULT_LIMIT, &json));
    agor_string_free(json);
    CHECK_OK(agor_feed(boss, NULL, AGOR_DEFAULT_LIMIT, &json));
    agor_string_free(json);
    CHECK_OK(agor_channel_history(mgr, "standup", AGOR_DEFAULT_LIMIT, &json));
    agor_string_free(json);
    json = NULL;

    /* Blank is whatever shows nothing: zero-width space, word joiner, BOM (C strings cannot
     * carry NUL, the other case). */
    CHECK_STATUS(agor_send(mgr, "dev-1", "\xe2\x80\x8b", NULL), AGOR_INVALID_INPUT);
    CHECK(last_error_mentions("must not be empty"));
    CHECK_STATUS(agor_send(mgr, "dev-1", " \xe2\x81\xa0\xef\xbb\xbf\n", NULL), AGOR_INVALID_INPUT);
    CHECK_STATUS(agor_post(mgr, "standup", "\xe2\x80\x8c\xe2\x80\x8d", NULL), AGOR_INVALID_INPUT);
    /* Every text field has a cap: a model name of 257 bytes is refused, 256 accepted. */
    {
        char model[258];
        memset(model, 'm', sizeof model - 1);
        model[257] = '\0';
        CHECK_STATUS(agor_register_agent(store, "capped", "Capped", "project", "core",
                                         AGOR_TIER_DEFAULT, model, NULL, NULL),
                     AGOR_INVALID_INPUT);
        CHECK(last_error_mentions("model") && last_error_mentions("256 bytes"));
        model[256] = '\0';
        CHECK_OK(agor_register_agent(store, "capped", "Capped", "project", "core",
                                     AGOR_TIER_DEFAULT, model, NULL, NULL));
    }
    agor_actor_free(boss);
    agor_actor_free(mgr);
}

/* A wrong password and an unreachable server: AGOR_STORAGE, no handle, the cause named. */
static void test_postgres_errors(const char *url) {
    char bad[4096];
    agor_store *store = (agor_store *)1;
    const char *at = strchr(url + strlen("postgresql://"), '@');
    const char *colon = strchr(url + strlen("postgresql://"), ':');
    if (at == NULL || colon == NULL || colon > at) {
        CHECK(!"the test URL has the form postgresql://user:password@...");
        return;
    }
    snprintf(bad, sizeof bad, "%.*s:wrong-password%s", (int)(colon - url), url, at);
    CHECK_STATUS(agor_store_open(bad, &store), AGOR_STORAGE);
    CHECK(store == NULL);
    CHECK(contains(agor_last_error_message(), "refused the credentials"));
    CHECK(!contains(agor_last_error_message(), "wrong-password"));
    store = (agor_store *)1;
    CHECK_STATUS(agor_store_open("postgresql://agor@/agor?host=/nonexistent-dir", &store),
                 AGOR_STORAGE);
    CHECK(store == NULL);
    CHECK(contains(agor_last_error_message(), "cannot be reached"));
}

int main(int argc, char **argv) {
    char db[4096];
    agor_store *store = NULL;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    /* run.sh sets AGOR_TEST_DB_URL to run the same checks on a PostgreSQL schema; the checks
       of the file itself (read-only file, non-database file, default path) need SQLite. */
    const char *url = getenv("AGOR_TEST_DB_URL");
    if (url != NULL) {
        snprintf(db, sizeof db, "%s", url);
    } else {
        snprintf(db, sizeof db, "%s/team.db", argv[1]);
    }

    test_status_helpers();
    CHECK_OK(agor_store_open(db, &store));
    if (store == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", db, agor_last_error_message());
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    test_round_trip(store);
    test_null_arguments(store);
    test_invalid_utf8(store);
    test_domain_errors(store);
    test_principals(store);
    test_generic_call(store);
    test_removal(store);
    test_roles(store);
    test_changes_and_wait(store);
    test_tokens(store);
    test_search(store);
    test_reservations(store);
    test_usage(store);
    test_work_state(store);
    test_conventions(store);
    agor_store_free(store);
    if (url != NULL) {
        test_postgres_errors(url);
    } else {
        test_read_only(db, argv[1]);
        test_open_existing(db, argv[1]);
        test_not_a_database(argv[1]);
        test_default_path_and_handle_lifetimes();
    }

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
