/*
 * C test of agor_store_backup: a copy opens as an agor database, an existing file is never
 * overwritten, and copies taken while another process writes are consistent snapshots.
 *
 * Usage: test_backup SCRATCH_DIR   (tests/c/run.sh creates the directory).
 * Prints one line per failed check and "N passed, N failed" last; exits 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "agor.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WRITES 300

static void team(agor_store *store) {
    CHECK_OK(agor_register_agent(store, "mgr-1", "Manager", "manager", "core", AGOR_TIER_DEFAULT,
                                 NULL, NULL, NULL));
    CHECK_OK(agor_register_agent(store, "dev-1", "Developer", "project", "core",
                                 AGOR_TIER_DEFAULT, NULL, NULL, NULL));
    CHECK_OK(agor_allow(store, "mgr-1", "dev-1", true));
}

/* Opens `path` and returns dev-1's unread count, checking the snapshot holds exactly the
 * messages "m0".."m<count-1>" that the writer sent in order (a torn copy would not). */
static int64_t check_copy(const char *path) {
    agor_store *copy = NULL;
    agor_actor *dev = NULL;
    char *json = NULL;
    char needle[32];
    int64_t count = -1;
    CHECK_OK(agor_store_open(path, &copy));
    CHECK_OK(agor_actor_new(copy, "dev-1", &dev));
    CHECK_OK(agor_unread_count(dev, &count));
    CHECK_OK(agor_peek(dev, &json));
    if (count > 0) {
        snprintf(needle, sizeof needle, "\"m%lld\"", (long long)(count - 1));
        CHECK(contains(json, needle));
    }
    snprintf(needle, sizeof needle, "\"m%lld\"", (long long)count);
    CHECK(!contains(json, needle));
    agor_string_free(json);
    agor_actor_free(dev);
    agor_store_free(copy);
    return count;
}

/* The writer runs as its own program (this one, re-executed with --writer DB), so it shares
 * nothing with the parent's handles and valgrind checks only the parent. */
static int writer(const char *db) {
    agor_store *store = NULL;
    agor_actor *mgr = NULL;
    char body[32];
    int i;
    if (agor_store_open(db, &store) != AGOR_OK || agor_actor_new(store, "mgr-1", &mgr) != AGOR_OK) {
        return 2;
    }
    for (i = 1; i <= WRITES; i++) {
        snprintf(body, sizeof body, "m%d", i);
        if (agor_send(mgr, "dev-1", body, NULL) != AGOR_OK) {
            return 3;
        }
    }
    agor_actor_free(mgr);
    agor_store_free(store);
    return 0;
}

int main(int argc, char **argv) {
    char db[4096];
    char copy[4096];
    agor_store *store = NULL;
    agor_actor *mgr = NULL;
    pid_t child;
    int status = -1;
    int i;
    int64_t last = 0;
    if (argc == 3 && strcmp(argv[1], "--writer") == 0) {
        return writer(argv[2]);
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    snprintf(db, sizeof db, "%s/backup-source.db", argv[1]);
    CHECK_OK(agor_store_open(db, &store));
    team(store);

    /* A copy of a quiet database; then the same name again is refused, the file kept. */
    CHECK_OK(agor_actor_new(store, "mgr-1", &mgr));
    CHECK_OK(agor_send(mgr, "dev-1", "m0", NULL));
    agor_actor_free(mgr);
    snprintf(copy, sizeof copy, "%s/copy.db", argv[1]);
    CHECK_OK(agor_store_backup(store, copy));
    CHECK(check_copy(copy) == 1);
    CHECK_STATUS(agor_store_backup(store, copy), AGOR_STORAGE);
    CHECK(last_error_mentions("never overwrites"));
    CHECK(last_error_mentions("copy.db"));
    CHECK(check_copy(copy) == 1);
    CHECK_STATUS(agor_store_backup(NULL, copy), AGOR_NULL_ARGUMENT);
    CHECK_STATUS(agor_store_backup(store, NULL), AGOR_NULL_ARGUMENT);

    /* Copies taken while another process writes: each is a consistent snapshot. The writer
     * continues from m1 so the messages stay "m0".."mN" in order. */
    child = fork();
    if (child == 0) {
        char *args[] = {argv[0], "--writer", db, NULL};
        execv(argv[0], args);
        _exit(127);
    }
    CHECK(child > 0);
    for (i = 0; i < 5; i++) {
        int64_t count;
        snprintf(copy, sizeof copy, "%s/snap-%d.db", argv[1], i);
        CHECK_OK(agor_store_backup(store, copy));
        count = check_copy(copy);
        CHECK(count >= last);
        last = count;
        {
            struct timespec pause = {0, 2000000};
            nanosleep(&pause, NULL);
        }
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    agor_store_free(store);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
