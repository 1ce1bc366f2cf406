/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/**
 * The part of docker's --format Go templates that people use: "{{.Field}}"
 * placeholders, "{{json .}}" for the whole row as JSON, "\t" and "\n"
 * escapes, and a leading "table " that prints a header of the field names
 * (as docker does: "{{.ID}}" → "IMAGE ID" via the names given).
 */
typedef struct {
        const char *field;  /* "Repository" */
        const char *header; /* "REPOSITORY" */
} cli_format_field;

/** Check tmpl against the fields; -EINVAL and a message naming the bad field. */
int cli_format_check(const char *tmpl, const cli_format_field *fields, size_t n, char *msg,
                     size_t msgsz);
/** Whether tmpl starts with "table". */
bool cli_format_is_table(const char *tmpl);
/** Expand one row: values[i] is the value of fields[i]. Returns a malloc'd line. */
char *cli_format_row(const char *tmpl, const cli_format_field *fields, const char *const *values,
                     size_t n);
/** Labels (an object of strings, nullable) as "k=v,k2=v2", sorted by key (malloc'd). */
char *cli_labels_text(const json_t *labels);
/** The header line for a "table …" template. */
char *cli_format_header(const char *tmpl, const cli_format_field *fields, size_t n);

/**
 * `inspect -f` (and the --format of info, events, container inspect): a Go
 * text/template over a JSON object, as docker's CLI has it (template.c):
 * fields and chains, pipelines, variables, if/else/range/with, comments and
 * trimming, Go's functions and docker's (json, join, split, lower, upper,
 * title, pad, truncate). A missing top-level field is an error, a missing map
 * key "<no value>"; values print as Go prints them (maps as "map[k:v]").
 * Returns the malloc'd text, or NULL with msg set ("template: …").
 */
char *cli_format_json(const char *tmpl, const json_t *v, char *msg, size_t msgsz);

/** In a table's header row (no field can be named so): methods such as .Label give their
 *  column's name. */
#define CLI_FORMAT_HEADER_KEY "."
