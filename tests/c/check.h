/*
 * The checks shared by the C tests: counters, CHECK/CHECK_STATUS macros, and small JSON and
 * error-text probes. Each test program includes it once and prints "N passed, N failed" last.
 */
#ifndef AGOR_TEST_CHECK_H
#define AGOR_TEST_CHECK_H

#include "agor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed;
static int failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            passed++;                                                                 \
        } else {                                                                      \
            failed++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

/* Checks the status of a call and, on a mismatch, shows both names and the error text. */
#define CHECK_STATUS(call, expected)                                                      \
    do {                                                                                  \
        agor_status got_ = (call);                                                        \
        if (got_ == (expected)) {                                                         \
            passed++;                                                                     \
        } else {                                                                          \
            failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__,        \
                    __LINE__, #call, agor_status_name(got_), agor_status_name(expected), \
                    agor_last_error_message());                                           \
        }                                                                                 \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, AGOR_OK)

/* True when `haystack` is non-NULL and contains `needle`. */
static inline int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static inline int last_error_mentions(const char *needle) {
    return contains(agor_last_error_message(), needle);
}

/* Copies the string value of `"key":"..."` from compact JSON into `buf`; returns buf or NULL. */
static inline char *json_string_field(const char *json, const char *key, char *buf, size_t size) {
    char pattern[64];
    const char *start;
    const char *end;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    start = json == NULL ? NULL : strstr(json, pattern);
    if (start == NULL) {
        return NULL;
    }
    start += strlen(pattern);
    end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) {
        return NULL;
    }
    memcpy(buf, start, (size_t)(end - start));
    buf[end - start] = '\0';
    return buf;
}

#endif /* AGOR_TEST_CHECK_H */
