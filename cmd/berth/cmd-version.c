/* SPDX-License-Identifier: Apache-2.0 */
/* `berth version`: docker's Client and Server sections (the engine is the library the CLI
 * runs, so its version is the CLI's), as text or through --format. */
#include "base/cleanup-json.h"
#include "cli.h"
#include "format.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define API_VERSION     "1.41"
#define MIN_API_VERSION "1.24"

static const char *arch(void)
{
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#else
        return "unknown";
#endif
}

/* what docker's `version --format '{{json .}}'` has, with berth's values */
static json_t *version_info(void)
{
        struct utsname u;
        if (uname(&u) < 0)
                strcpy(u.release, "");
        return json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s, "
                         "s:[{s:s, s:s}]}}",
                         "Client", "Version", BERTH_VERSION, "ApiVersion", API_VERSION,
                         "DefaultAPIVersion", API_VERSION, "Os", "linux", "Arch", arch(), "Server",
                         "Version", BERTH_VERSION, "ApiVersion", API_VERSION, "MinAPIVersion",
                         MIN_API_VERSION, "Os", "linux", "Arch", arch(), "KernelVersion", u.release,
                         "Components", "Name", "Engine", "Version", BERTH_VERSION);
}

int cmd_version(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *format = NULL;
        int c;
        while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
                if (c == 'f') {
                        format = optarg;
                        continue;
                }
                if (c == 'h') {
                        printf("Usage:  berth version [OPTIONS]\n\n"
                               "Show the berth version information\n\n"
                               "Options:\n"
                               "  -f, --format string   Format output using a custom template: "
                               "'json' or a Go template\n");
                        return 0;
                }
                return cli_bad_flag("version", argv, c);
        }
        _cleanup_json_ json_t *v = version_info();
        if (format) {
                char msg[512];
                _cleanup_free_ char *out = cli_format_json(
                    strcmp(format, "json") == 0 ? "{{json .}}" : format, v, msg, sizeof(msg));
                if (out == NULL) {
                        fprintf(stderr, "berth: %s\n", msg);
                        return 1;
                }
                printf("%s\n", out);
                return 0;
        }
        json_t *cl = json_object_get(v, "Client"), *sv = json_object_get(v, "Server");
        printf("Client:\n Version:           %s\n API version:       %s\n OS/Arch:           "
               "linux/%s\n\nServer: berth Engine\n Engine:\n  Version:          %s\n  API "
               "version:      %s (minimum version %s)\n  OS/Arch:          linux/%s\n  Kernel "
               "Version:   %s\n",
               json_string_value(json_object_get(cl, "Version")), API_VERSION, arch(),
               json_string_value(json_object_get(sv, "Version")), API_VERSION, MIN_API_VERSION,
               arch(), json_string_value(json_object_get(sv, "KernelVersion")));
        return 0;
}
