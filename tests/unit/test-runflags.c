/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth run` / `berth create` flags → the Engine API create body: each
 * flag's JSON, the ways argv can say it, the defaults, and docker's errors.
 */
#include "base/cleanup.h"
#include "base/error.h"
#include "base/strutil.h"
#include "runflags.h"
#include "tap.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
        int rc;
        berth_run_flags f;
        berth_error err;
} result;

static result parse(bool is_run, const char *const *args)
{
        result r = {0};
        int argc = 0;
        while (args[argc])
                argc++;
        r.rc = berth_runflags_parse(argc, (char **)args, is_run, &r.f, &r.err);
        return r;
}

#define RUN(...)    parse(true, (const char *const[]){"run", __VA_ARGS__, NULL})
#define CREATE(...) parse(false, (const char *const[]){"create", __VA_ARGS__, NULL})

static void dump(const char *what, const json_t *j)
{
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        printf("#   %s: %s\n", what, s ? s : "(null)");
        free(s);
}

static json_t *load(const char *text)
{
        json_error_t jerr;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
        if (j == NULL)
                printf("# bad expected JSON %s: %s\n", text, jerr.text);
        return j;
}

/* Every key of `want` is in `got` with an equal value; "HostConfig" and
 * "NetworkingConfig" are compared the same way one level down. */
static bool subset(const json_t *got, const json_t *want, int depth)
{
        const char *key;
        json_t *w;
        if (!json_is_object(got) || !json_is_object(want))
                return false;
        json_object_foreach ((json_t *)want, key, w) {
                json_t *g = json_object_get(got, key);
                if (depth == 0 && strcmp(key, "HostConfig") == 0) {
                        if (!subset(g, w, 1))
                                return false;
                } else if (g == NULL || !json_equal(g, w)) {
                        return false;
                }
        }
        return true;
}

/* The body holds these fields with these values (others may be there too). */
static void expect(result r, const char *want_text, const char *name)
{
        json_t *want = load(want_text);
        bool pass = r.rc == 0 && want && subset(r.f.body, want, 0);
        if (!ok(pass, "%s", name)) {
                if (r.rc < 0)
                        printf("#   error: %s\n", r.err.msg);
                dump("got", r.f.body);
                dump("want", want);
        }
        json_decref(want);
        berth_run_flags_clear(&r.f);
}

/* The whole body is exactly this. */
static void expect_body(result r, const char *want_text, const char *name)
{
        json_t *want = load(want_text);
        bool pass = r.rc == 0 && want && json_equal(r.f.body, want);
        if (!ok(pass, "%s", name)) {
                if (r.rc < 0)
                        printf("#   error: %s\n", r.err.msg);
                dump("got", r.f.body);
                dump("want", want);
        }
        json_decref(want);
        berth_run_flags_clear(&r.f);
}

/* The key is absent from the body (or its HostConfig when hc). */
static void expect_no(result r, bool hc, const char *key, const char *name)
{
        json_t *o = hc ? json_object_get(r.f.body, "HostConfig") : r.f.body;
        if (!ok(r.rc == 0 && o && json_object_get(o, key) == NULL, "%s", name))
                dump("got", r.f.body);
        berth_run_flags_clear(&r.f);
}

static void expect_err(result r, const char *msg, const char *name)
{
        if (!ok(r.rc < 0 && r.f.body == NULL && strcmp(r.err.msg, msg) == 0, "%s", name)) {
                printf("#   rc %d\n#   got  '%s'\n#   want '%s'\n", r.rc, r.err.msg, msg);
                dump("body", r.f.body);
        }
        berth_run_flags_clear(&r.f);
}

static char tmpdir[] = "/tmp/test-runflags.XXXXXX";

static char *write_file(const char *name, const char *content)
{
        char *path = berth_xasprintf("%s/%s", tmpdir, name);
        FILE *f = fopen(path, "we");
        fputs(content, f);
        fclose(f);
        return path;
}

/* ---- defaults and the attach/stdin fields ---- */

static void test_defaults(void)
{
        static const char *const plain =
            "{\"AttachStdin\":false,\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,"
            "\"OpenStdin\":false,\"StdinOnce\":false,\"Image\":\"alpine\","
            "\"HostConfig\":{\"NetworkMode\":\"default\",\"AutoRemove\":false,"
            "\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0}}}";
        result r = parse(true, (const char *const[]){"run", "alpine", NULL});
        ok(r.rc == 0 && !r.f.detach && !r.f.rm && r.f.sig_proxy && !r.f.quiet && !r.f.help &&
               r.f.name == NULL && r.f.pull == NULL && r.f.cidfile == NULL &&
               r.f.detach_keys == NULL,
           "run alpine: foreground, signals proxied, nothing else asked");
        expect_body(r, plain, "run alpine: the whole body, stdout and stderr attached");
        expect_body(parse(false, (const char *const[]){"create", "alpine", NULL}), plain,
                    "create alpine: the same body as docker create sends");
        expect(RUN("-d", "alpine"),
               "{\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,"
               "\"OpenStdin\":false,\"StdinOnce\":false,\"Tty\":false}",
               "run -d: nothing attached");
        r = RUN("-d", "alpine");
        ok(r.rc == 0 && r.f.detach, "run -d: detach is set");
        berth_run_flags_clear(&r.f);
        expect(RUN("-it", "alpine", "sh"),
               "{\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":true,"
               "\"OpenStdin\":true,\"StdinOnce\":true,\"Tty\":true,\"Cmd\":[\"sh\"]}",
               "run -it: stdin attached, open, closed after the client leaves; a tty");
        expect(RUN("-i", "alpine"),
               "{\"AttachStdin\":true,\"OpenStdin\":true,\"StdinOnce\":true,\"Tty\":false}",
               "run -i: stdin without a tty");
        expect(RUN("-dit", "alpine"),
               "{\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,"
               "\"OpenStdin\":true,\"StdinOnce\":false,\"Tty\":true}",
               "run -dit: stdin kept open for a later attach, nothing attached now");
        expect(CREATE("-it", "alpine"),
               "{\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":true,"
               "\"OpenStdin\":true,\"StdinOnce\":true,\"Tty\":true}",
               "create -it: as docker create sets them");
        expect(RUN("-a", "stdout", "alpine"),
               "{\"AttachStdin\":false,\"AttachStdout\":true,\"AttachStderr\":false}",
               "-a stdout: only stdout");
        expect(RUN("-a", "STDIN", "--attach=stderr", "alpine"),
               "{\"AttachStdin\":true,\"AttachStdout\":false,\"AttachStderr\":true,"
               "\"OpenStdin\":false,\"StdinOnce\":false}",
               "-a STDIN -a stderr: any case; no -i, so stdin is not kept open");
        expect(RUN("-a", "stdin", "-i", "alpine"),
               "{\"AttachStdin\":true,\"AttachStdout\":false,\"OpenStdin\":true,"
               "\"StdinOnce\":true}",
               "-a stdin -i: StdinOnce");
        expect_err(RUN("-a", "bogus", "alpine"),
                   "invalid argument \"bogus\" for \"-a, --attach\" flag: valid streams are "
                   "STDIN, STDOUT and STDERR",
                   "-a bogus: docker's error");
        expect_err(RUN("-d", "-a", "stdout", "alpine"),
                   "conflicting options: cannot specify both --attach and --detach",
                   "-d with -a is refused");
        expect(RUN("-d", "--rm", "alpine"), "{\"HostConfig\":{\"AutoRemove\":true}}",
               "-d with --rm is fine");
}

/* ---- argv forms ---- */

static void test_forms(void)
{
        expect(RUN("-dit", "-eK=V", "-e=A=B", "-p80:80", "alpine"),
               "{\"Tty\":true,\"OpenStdin\":true,\"Env\":[\"K=V\",\"A=B\"],"
               "\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\","
               "\"HostPort\":\"80\"}]}}}",
               "combined shorts, -eK=V, -e=K=V, -p80:80");
        expect(RUN("--name=web", "--hostname", "box", "-w/srv", "alpine"),
               "{\"Hostname\":\"box\",\"WorkingDir\":\"/srv\"}",
               "--flag=value, --flag value, -wVALUE");
        result r = RUN("--name=web", "alpine");
        is_str(r.f.name, "web", "--name=web");
        berth_run_flags_clear(&r.f);
        r = RUN("--name", "db", "alpine");
        is_str(r.f.name, "db", "--name db");
        berth_run_flags_clear(&r.f);
        expect(RUN("alpine", "ls", "-la"), "{\"Image\":\"alpine\",\"Cmd\":[\"ls\",\"-la\"]}",
               "command arguments that look like flags stay the command");
        expect(RUN("alpine", "-d", "--rm"),
               "{\"Cmd\":[\"-d\",\"--rm\"],\"AttachStdout\":true,\"HostConfig\":{\"AutoRemove\":"
               "false}}",
               "flags after the image belong to the command");
        expect(RUN("-d", "--", "alpine", "echo", "hi"),
               "{\"Image\":\"alpine\",\"Cmd\":[\"echo\",\"hi\"],\"AttachStdout\":false}",
               "-- ends the flags; the image comes next");
        expect(RUN("--", "-weird-image"), "{\"Image\":\"-weird-image\"}",
               "after --, even a dash word is the image");
        expect_no(RUN("alpine"), false, "Cmd", "no command: no Cmd (the image's is used)");
        expect(RUN("--rm=false", "alpine"), "{\"HostConfig\":{\"AutoRemove\":false}}",
               "--rm=false");
        expect(RUN("--rm=1", "--privileged=True", "--read-only=t", "alpine"),
               "{\"HostConfig\":{\"AutoRemove\":true,\"Privileged\":true,\"ReadonlyRootfs\":true}}",
               "booleans take Go's spellings");
        expect_err(RUN("--rm=maybe", "alpine"),
                   "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing "
                   "\"maybe\": invalid syntax",
                   "a bad boolean");
        expect(RUN("--rm", "false"), "{\"Image\":\"false\",\"HostConfig\":{\"AutoRemove\":true}}",
               "a boolean takes no separate value: --rm false has image 'false'");
        expect_err(RUN("--foo", "alpine"), "unknown flag: --foo", "unknown long flag");
        expect_err(RUN("--foo=bar", "alpine"), "unknown flag: --foo", "unknown long flag with =");
        expect_err(RUN("-Z", "alpine"), "unknown shorthand flag: 'Z' in -Z", "unknown short flag");
        expect_err(RUN("-dZt", "alpine"), "unknown shorthand flag: 'Z' in -Zt",
                   "unknown short flag inside a group");
        expect_err(RUN("---x", "alpine"), "bad flag syntax: ---x", "three dashes");
        expect_err(parse(true, (const char *const[]){"run", "--name", NULL}),
                   "flag needs an argument: --name", "a long flag without its value");
        expect_err(parse(true, (const char *const[]){"run", "-e", NULL}),
                   "flag needs an argument: 'e' in -e", "a short flag without its value");
        expect_err(parse(true, (const char *const[]){"run", NULL}),
                   "\"berth run\" requires at least 1 argument.", "no image (run)");
        expect_err(parse(false, (const char *const[]){"create", "-d", NULL}),
                   "unknown shorthand flag: 'd' in -d", "create has no -d");
        expect_err(parse(false, (const char *const[]){"create", "-i", NULL}),
                   "\"berth create\" requires at least 1 argument.", "no image (create)");
        expect_err(CREATE("--sig-proxy=false", "alpine"), "unknown flag: --sig-proxy",
                   "create has no --sig-proxy");
        expect_err(CREATE("--detach-keys", "ctrl-a", "alpine"), "unknown flag: --detach-keys",
                   "create has no --detach-keys");
        r = parse(true, (const char *const[]){"run", "--help", NULL});
        ok(r.rc == 0 && r.f.help && r.f.body == NULL, "--help: no image needed, no body");
        berth_run_flags_clear(&r.f);
        r = parse(false, (const char *const[]){"create", "-it", "--help", NULL});
        ok(r.rc == 0 && r.f.help, "create --help after other flags");
        berth_run_flags_clear(&r.f);
        expect(RUN("-h", "myhost", "alpine"), "{\"Hostname\":\"myhost\"}",
               "-h is --hostname, as in docker (not help)");
}

/* ---- Config fields ---- */

static void test_env(void)
{
        setenv("RUNFLAGS_FROM_HOST", "hostval", 1);
        unsetenv("RUNFLAGS_UNSET");
        expect(RUN("-e", "A=1", "--env", "B=", "--env=C=x=y", "-e", "RUNFLAGS_FROM_HOST", "-e",
                   "RUNFLAGS_UNSET", "alpine"),
               "{\"Env\":[\"A=1\",\"B=\",\"C=x=y\",\"RUNFLAGS_FROM_HOST=hostval\"]}",
               "-e KEY=V, KEY= kept; KEY alone from our environment, dropped when unset");
        expect_no(RUN("-e", "RUNFLAGS_UNSET", "alpine"), false, "Env",
                  "only unset names: no Env at all");
        expect_err(RUN("-e", "=x", "alpine"),
                   "invalid argument \"=x\" for \"-e, --env\" flag: invalid environment "
                   "variable: =x",
                   "-e =x: empty name");

        _cleanup_free_ char *envfile = write_file("env", "\xef\xbb\xbf# a comment\n"
                                                         "\n"
                                                         "   FIRST=1\n"
                                                         "SPACED=  kept  \n"
                                                         "RUNFLAGS_FROM_HOST\n"
                                                         "RUNFLAGS_UNSET\n"
                                                         "QUOTED=\"as is\"\r\n"
                                                         "\t# indented comment\n"
                                                         "EMPTY=\n"
                                                         "A=from-file\n");
        expect(RUN("--env-file", envfile, "-e", "A=from-flag", "alpine"),
               "{\"Env\":[\"FIRST=1\",\"SPACED=  kept  \",\"RUNFLAGS_FROM_HOST=hostval\","
               "\"QUOTED=\\\"as is\\\"\",\"EMPTY=\",\"A=from-file\",\"A=from-flag\"]}",
               "--env-file: BOM, comments, blanks, leading space, KEY alone, CRLF; -e after");
        _cleanup_free_ char *noname = write_file("noname", "OK=1\n=value\n");
        _cleanup_free_ char *msg = berth_xasprintf(
            "--env-file: invalid env file (%s): no variable name on line '=value'", noname);
        expect_err(RUN("--env-file", noname, "alpine"), msg, "--env-file: a line without a name");
        _cleanup_free_ char *spaced = write_file("spaced", "MY VAR=1\n");
        free(msg);
        msg = berth_xasprintf(
            "--env-file: invalid env file (%s): variable 'MY VAR' contains whitespaces", spaced);
        expect_err(RUN("--env-file", spaced, "alpine"), msg, "--env-file: a name with a space");
        _cleanup_free_ char *latin1 = write_file("latin1", "OK=1\nBAD=caf\xe9\n");
        free(msg);
        msg = berth_xasprintf("--env-file: invalid env file (%s): invalid utf8 bytes at line 2",
                              latin1);
        expect_err(RUN("--env-file", latin1, "alpine"), msg, "--env-file: not UTF-8");
        free(msg);
        msg = berth_xasprintf("--env-file: open %s/missing: no such file or directory", tmpdir);
        _cleanup_free_ char *missing = berth_xasprintf("%s/missing", tmpdir);
        expect_err(RUN("--env-file", missing, "alpine"), msg, "--env-file: a missing file");
}

static void test_labels(void)
{
        _cleanup_free_ char *labels = write_file("labels", "# labels\n"
                                                           "com.example.a=1\n"
                                                           "RUNFLAGS_FROM_HOST\n"
                                                           "com.example.b=from-file\n");
        expect(RUN("-l", "x=1", "--label", "y", "--label=z=a=b", "alpine"),
               "{\"Labels\":{\"x\":\"1\",\"y\":\"\",\"z\":\"a=b\"}}",
               "-l k=v, k alone is empty, the value keeps its '='");
        expect(RUN("--label-file", labels, "-l", "com.example.b=from-flag", "alpine"),
               "{\"Labels\":{\"com.example.a\":\"1\",\"com.example.b\":\"from-flag\"}}",
               "--label-file, then -l wins; a name alone in the file is dropped");
        expect_no(RUN("alpine"), false, "Labels", "no labels: no Labels");
        expect_err(RUN("-l", "=x", "alpine"),
                   "invalid argument \"=x\" for \"-l, --label\" flag: invalid label '=x': empty "
                   "name",
                   "-l =x");
        expect_err(RUN("-l", "a b=c", "alpine"),
                   "invalid argument \"a b=c\" for \"-l, --label\" flag: label 'a b' contains "
                   "whitespaces",
                   "-l with a space in the name");
}

static void test_config_strings(void)
{
        expect(RUN("-w", "/app", "-u", "1000:1000", "--hostname=h", "--domainname", "example.org",
                   "alpine"),
               "{\"WorkingDir\":\"/app\",\"User\":\"1000:1000\",\"Hostname\":\"h\","
               "\"Domainname\":\"example.org\"}",
               "-w, -u, --hostname, --domainname");
        expect(RUN("--workdir=/x", "--user", "nobody", "alpine"),
               "{\"WorkingDir\":\"/x\",\"User\":\"nobody\"}", "--workdir, --user");
        expect_err(RUN("-w", "app", "alpine"),
                   "invalid argument \"app\" for \"-w, --workdir\" flag: the working directory "
                   "'app' is invalid, it needs to be an absolute path",
                   "a relative workdir");
        expect(RUN("--entrypoint", "", "alpine"), "{\"Entrypoint\":[\"\"]}",
               "--entrypoint '' resets the image's");
        expect(RUN("--entrypoint=/bin/sh -c", "alpine", "echo hi"),
               "{\"Entrypoint\":[\"/bin/sh -c\"],\"Cmd\":[\"echo hi\"]}",
               "--entrypoint is one word, not split");
        expect_no(RUN("alpine"), false, "Entrypoint", "no --entrypoint: none");
        expect(RUN("--stop-signal", "SIGINT", "--stop-timeout", "20", "alpine"),
               "{\"StopSignal\":\"SIGINT\",\"StopTimeout\":20}", "--stop-signal, --stop-timeout");
        expect(RUN("--stop-timeout=0", "alpine"), "{\"StopTimeout\":0}",
               "--stop-timeout 0 is sent (it was given)");
        expect_err(RUN("--stop-timeout", "ten", "alpine"),
                   "invalid argument \"ten\" for \"--stop-timeout\" flag: strconv.ParseInt: "
                   "parsing \"ten\": invalid syntax",
                   "--stop-timeout ten");
}

static void test_healthcheck(void)
{
        expect(RUN("--health-cmd", "curl -f http://localhost/ || exit 1", "--health-interval",
                   "1m30s", "--health-timeout=500ms", "--health-start-period", "10s",
                   "--health-start-interval", "1s", "--health-retries", "3", "alpine"),
               "{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/ || exit "
               "1\"],\"Interval\":90000000000,\"Timeout\":500000000,\"StartPeriod\":"
               "10000000000,\"StartInterval\":1000000000,\"Retries\":3}}",
               "--health-*: CMD-SHELL and nanoseconds");
        expect(RUN("--health-interval", "5s", "alpine"),
               "{\"Healthcheck\":{\"Interval\":5000000000}}",
               "only an interval: the image's test is kept");
        expect(RUN("--no-healthcheck", "alpine"), "{\"Healthcheck\":{\"Test\":[\"NONE\"]}}",
               "--no-healthcheck");
        expect_no(RUN("alpine"), false, "Healthcheck", "no health flags: no Healthcheck");
        expect_err(RUN("--no-healthcheck", "--health-cmd", "true", "alpine"),
                   "--no-healthcheck conflicts with --health-* options",
                   "--no-healthcheck with --health-cmd");
        expect_err(RUN("--health-interval", "abc", "alpine"),
                   "invalid argument \"abc\" for \"--health-interval\" flag: time: invalid "
                   "duration \"abc\"",
                   "a bad duration");
        expect_err(RUN("--health-timeout", "10", "alpine"),
                   "invalid argument \"10\" for \"--health-timeout\" flag: time: missing unit in "
                   "duration \"10\"",
                   "a duration without a unit");
        expect_err(RUN("--health-interval", "-1s", "alpine"),
                   "--health-interval cannot be negative", "a negative interval");
        expect_err(RUN("--health-retries", "-1", "alpine"), "--health-retries cannot be negative",
                   "negative retries");
}

/* ---- mounts ---- */

static void test_volumes(void)
{
        char cwd[4096];
        ok(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
        expect(RUN("-v", "/srv/data:/data", "-v", "/etc/hosts:/etc/hosts:ro,z",
                   "--volume=cache:/cache", "-v", "/anon", "-v", "db:/db:nocopy", "-v",
                   "/h:/c:rshared", "alpine"),
               "{\"Volumes\":{\"/anon\":{}},\"HostConfig\":{\"Binds\":[\"/srv/data:/data\","
               "\"/etc/hosts:/etc/hosts:ro,z\",\"cache:/cache\",\"db:/db:nocopy\","
               "\"/h:/c:rshared\"]}}",
               "-v: binds as given, named volumes are binds too, /ctr alone is a volume");
        _cleanup_free_ char *want =
            berth_xasprintf("{\"HostConfig\":{\"Binds\":[\"%s/rel/dir:/data:ro\",\"%s:/up\"]}}",
                            cwd, strcmp(cwd, "/") == 0 ? "/" : "");
        char *slash = strrchr(cwd, '/');
        _cleanup_free_ char *parent =
            slash == cwd ? berth_xstrdup("/") : strndup(cwd, (size_t)(slash - cwd));
        free(want);
        want = berth_xasprintf("{\"HostConfig\":{\"Binds\":[\"%s/rel/dir:/data:ro\",\"%s:/up\"]}}",
                               strcmp(cwd, "/") == 0 ? "" : cwd, parent);
        expect(RUN("-v", "./rel//dir/:/data:ro", "-v", "..:/up", "alpine"), want,
               "-v ./relative: made absolute against the working directory");
        expect(RUN("-v", "/a:/b", "-v", "/a:/b", "alpine"),
               "{\"HostConfig\":{\"Binds\":[\"/a:/b\"]}}", "the same -v twice is one bind");
        expect(RUN("-v", "/a:/b:Z,consistent,rprivate,rw", "alpine"),
               "{\"HostConfig\":{\"Binds\":[\"/a:/b:Z,consistent,rprivate,rw\"]}}",
               "one of each mode kind is fine");
        expect_no(RUN("alpine"), true, "Binds", "no -v: no Binds");
        expect_no(RUN("-v", "/a:/b", "alpine"), false, "Volumes", "binds only: no Volumes");

        static const struct {
                const char *spec, *msg;
        } bad[] = {
            {"/ctr:rw", "invalid volume specification: '/ctr:rw'"},
            {"/a:b", "invalid volume specification: '/a:b': invalid mount config for type "
                     "\"bind\": invalid mount path: 'b' mount path must be absolute"},
            {"/a:/", "invalid volume specification: '/a:/': invalid mount config for type "
                     "\"bind\": invalid specification: destination can't be '/'"},
            {"/a:/b:bogus", "invalid mode: bogus"},
            {"/a:/b:ro,rw", "invalid mode: ro,rw"},
            {"/a:/b:shared,slave", "invalid mode: shared,slave"},
            {"/a:/b:ro,", "invalid mode: ro,"},
            {"a:/b:/c:ro", "invalid spec: a:/b:/c:ro: too many colons"},
            {"/a::/b", "invalid spec: /a::/b: empty section between colons"},
            {"/a:/b:", "invalid spec: /a:/b:: empty section between colons"},
            {"", "invalid empty volume spec"},
            {"relative", "invalid volume specification: 'relative': invalid mount config for type "
                         "\"volume\": invalid mount path: 'relative' mount path must be absolute"},
            {"name:/b:shared", "invalid volume specification: 'name:/b:shared': invalid mount "
                               "config for type \"volume\": field BindOptions must not be "
                               "specified"},
            {"/a:/b:nocopy", "invalid volume specification: '/a:/b:nocopy': invalid mount config "
                             "for type \"bind\": field VolumeOptions must not be specified"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *q = NULL;
                _cleanup_free_ char *m =
                    berth_xasprintf("invalid argument \"%s\" for \"-v, --volume\" flag: %s",
                                    bad[i].spec, bad[i].msg);
                expect_err(RUN("-v", bad[i].spec, "alpine"), m,
                           bad[i].spec[0] ? bad[i].spec : "''");
        }
}

static void test_mount_flag(void)
{
        expect(RUN("--mount", "type=bind,source=/srv,target=/srv,readonly,bind-propagation=rshared",
                   "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv\",\"Target\":"
               "\"/srv\",\"ReadOnly\":true,\"BindOptions\":{\"Propagation\":\"rshared\"}}]}}",
               "--mount bind, readonly, propagation");
        expect(RUN("--mount",
                   "src=data,dst=/data,volume-nocopy,volume-label=a=b,volume-opt=type=nfs,"
                   "volume-driver=local,volume-subpath=sub",
                   "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"data\",\"Target\":"
               "\"/data\",\"VolumeOptions\":{\"NoCopy\":true,\"Labels\":{\"a\":\"b\"},"
               "\"Subpath\":\"sub\",\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":"
               "\"nfs\"}}}}]}}",
               "--mount volume (the default type) with its options");
        expect(RUN("--mount", "type=volume,target=/anon", "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/anon\"}]}}",
               "--mount anonymous volume: no Source");
        expect(RUN("--mount", "type=volume,destination=/v,volume-nocopy=true", "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/v\","
               "\"VolumeOptions\":{\"NoCopy\":true,\"DriverConfig\":{}}}]}}",
               "volume-* gives VolumeOptions with an empty DriverConfig, as docker sends it");
        expect(RUN("--mount", "type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1770", "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/run\","
               "\"TmpfsOptions\":{\"SizeBytes\":67108864,\"Mode\":1016}}]}}",
               "--mount tmpfs: size in bytes, mode octal");
        expect(RUN("--mount", "Type=BIND,Source=/a,Target=/b,ro=true", "--mount",
                   "type=bind,src=/c,dst=/d,bind-recursive=disabled", "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/a\",\"Target\":"
               "\"/b\",\"ReadOnly\":true},{\"Type\":\"bind\",\"Source\":\"/c\",\"Target\":\"/d\","
               "\"BindOptions\":{\"NonRecursive\":true}}]}}",
               "keys in any case, ro=true, two mounts in order");
        expect(RUN("--mount", "type=volume,\"volume-opt=o=addr=1.2.3.4,rw\",target=/nfs", "alpine"),
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/nfs\","
               "\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"o\":\"addr=1.2.3.4,rw\"}}}}]}}",
               "a CSV-quoted field keeps its commas");

        static const struct {
                const char *spec, *msg;
        } bad[] = {
            {"type=bind,source=/a", "target is required"},
            {"type=,target=/a", "type is required"},
            {"type=bind,target=/a,foo=bar", "unexpected key 'foo' in 'foo=bar'"},
            {"type=bind,target=/a,bogus", "invalid field 'bogus' must be a key=value pair"},
            {"type=bind,src=/a,target=/b,volume-nocopy",
             "cannot mix 'volume-*' options with mount type 'bind'"},
            {"type=volume,target=/b,bind-propagation=shared",
             "cannot mix 'bind-*' options with mount type 'volume'"},
            {"type=bind,src=/a,target=/b,tmpfs-size=1m",
             "cannot mix 'tmpfs-*' options with mount type 'bind'"},
            {"type=tmpfs,target=/b,tmpfs-size=lots", "invalid value for tmpfs-size: lots"},
            {"type=tmpfs,target=/b,tmpfs-mode=999", "invalid value for tmpfs-mode: 999"},
            {"type=bind,src=/a,target=/b,readonly=maybe", "invalid value for readonly: maybe"},
            {"type=bind,src=/a,target=/b,bind-recursive=sometimes",
             "invalid value for bind-recursive: sometimes (must be \"enabled\", \"disabled\", "
             "\"writable\", or \"readonly\")"},
            {"type=bind,src=/a,target=/b,bind-recursive=writable",
             "option 'bind-recursive=writable' requires 'readonly' to be specified in "
             "conjunction"},
            {"type=bind,target=/b", "invalid mount config for type \"bind\": field Source must "
                                    "not be empty"},
            {"type=bind,src=rel,target=/b", "invalid mount config for type \"bind\": invalid "
                                            "mount path: 'rel' mount path must be absolute"},
            {"type=bind,src=/a,target=b", "invalid mount config for type \"bind\": invalid mount "
                                          "path: 'b' mount path must be absolute"},
            {"type=bind,src=/a,target=/", "invalid mount config for type \"bind\": invalid "
                                          "specification: destination can't be '/'"},
            {"type=bind,src=/a,target=/b,bind-propagation=sideways",
             "invalid mount config for type \"bind\": invalid propagation mode: sideways"},
            {"type=tmpfs,src=/a,target=/b", "invalid mount config for type \"tmpfs\": field "
                                            "Source must not be specified"},
            {"type=volume,target=/b,readonly", "invalid mount config for type \"volume\": must "
                                               "not set ReadOnly mode when using anonymous "
                                               "volumes"},
            {"type=volume,src=v,target=/b,volume-subpath=../x",
             "invalid mount config for type \"volume\": subpath must be a relative path within "
             "the volume"},
            {"type=npipe,src=/a,target=/b", "invalid mount config for type \"npipe\": mount type "
                                            "unknown"},
            {"type=bind,\"src=/a,target=/b", "parse error on line 1, column 28: extraneous or "
                                             "missing \" in quoted-field"},
            {"type=bind,s\"rc=/a", "parse error on line 1, column 12: bare \" in "
                                   "non-quoted-field"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *q = NULL;
                _cleanup_free_ char *spec = berth_xstrdup(bad[i].spec);
                /* the value is quoted the way Go quotes it */
                size_t quotes = 0;
                for (const char *p = spec; *p; p++)
                        quotes += *p == '"';
                char *escaped = berth_xmalloc0(strlen(spec) + quotes + 1), *o = escaped;
                for (const char *p = spec; *p; p++) {
                        if (*p == '"')
                                *o++ = '\\';
                        *o++ = *p;
                }
                _cleanup_free_ char *m = berth_xasprintf(
                    "invalid argument \"%s\" for \"--mount\" flag: %s", escaped, bad[i].msg);
                free(escaped);
                expect_err(RUN("--mount", spec, "alpine"), m, bad[i].spec);
        }
}

static void test_tmpfs_volumes_from(void)
{
        expect(RUN("--tmpfs", "/run:rw,size=64m", "--tmpfs", "/tmp", "alpine"),
               "{\"HostConfig\":{\"Tmpfs\":{\"/run\":\"rw,size=64m\",\"/tmp\":\"\"}}}",
               "--tmpfs path:opts, path alone");
        expect_err(RUN("--tmpfs", "run", "alpine"),
                   "invalid argument \"run\" for \"--tmpfs\" flag: invalid mount path: 'run' "
                   "mount path must be absolute",
                   "--tmpfs relative");
        expect_err(RUN("--tmpfs", "/", "alpine"),
                   "invalid argument \"/\" for \"--tmpfs\" flag: invalid specification: "
                   "destination can't be '/'",
                   "--tmpfs on /");
        expect(RUN("--volumes-from", "data", "--volumes-from", "other:ro", "alpine"),
               "{\"HostConfig\":{\"VolumesFrom\":[\"data\",\"other:ro\"]}}", "--volumes-from");
        expect_err(RUN("--volumes-from", "c:shared", "alpine"),
                   "invalid argument \"c:shared\" for \"--volumes-from\" flag: invalid mode: "
                   "shared",
                   "--volumes-from with a propagation");
        expect_err(RUN("--volumes-from", "", "alpine"),
                   "invalid argument \"\" for \"--volumes-from\" flag: volumes-from "
                   "specification cannot be an empty string",
                   "--volumes-from ''");
        expect(RUN("--read-only", "alpine"), "{\"HostConfig\":{\"ReadonlyRootfs\":true}}",
               "--read-only");
}

static void test_devices(void)
{
        expect(RUN("--device", "/dev/fuse", "--device", "/dev/sda:/dev/xvda:r", "--device",
                   "/dev/snd:rw", "--device", "/dev/a/../b:/dev/c/", "alpine"),
               "{\"HostConfig\":{\"Devices\":["
               "{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/fuse\","
               "\"CgroupPermissions\":\"rwm\"},"
               "{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/xvda\","
               "\"CgroupPermissions\":\"r\"},"
               "{\"PathOnHost\":\"/dev/snd\",\"PathInContainer\":\"/dev/snd\","
               "\"CgroupPermissions\":\"rw\"},"
               "{\"PathOnHost\":\"/dev/a/../b\",\"PathInContainer\":\"/dev/c\","
               "\"CgroupPermissions\":\"rwm\"}]}}",
               "--device host[:ctr][:perms]");
        expect_err(RUN("--device", "/dev/sda:/dev/xvda:rwx", "alpine"),
                   "invalid argument \"/dev/sda:/dev/xvda:rwx\" for \"--device\" flag: bad mode "
                   "specified: rwx",
                   "--device bad mode");
        expect_err(RUN("--device", "/dev/sda:xvda", "alpine"),
                   "invalid argument \"/dev/sda:xvda\" for \"--device\" flag: xvda is not an "
                   "absolute path",
                   "--device relative container path");
        expect_err(RUN("--device", "/a:/b:r:x", "alpine"),
                   "invalid argument \"/a:/b:r:x\" for \"--device\" flag: bad format for path: "
                   "/a:/b:r:x",
                   "--device too many parts");
        expect(RUN("--device-cgroup-rule", "c 1:3 mr", "--device-cgroup-rule=a *:* rwm", "alpine"),
               "{\"HostConfig\":{\"DeviceCgroupRules\":[\"c 1:3 mr\",\"a *:* rwm\"]}}",
               "--device-cgroup-rule");
        expect_err(RUN("--device-cgroup-rule", "x 1:3 r", "alpine"),
                   "invalid argument \"x 1:3 r\" for \"--device-cgroup-rule\" flag: invalid "
                   "device cgroup format 'x 1:3 r'",
                   "--device-cgroup-rule bad type");
        expect_err(RUN("--device-cgroup-rule", "c 1:3 rwmw", "alpine"),
                   "invalid argument \"c 1:3 rwmw\" for \"--device-cgroup-rule\" flag: invalid "
                   "device cgroup format 'c 1:3 rwmw'",
                   "--device-cgroup-rule too many modes");
}

/* ---- resources ---- */

static void test_resources(void)
{
        expect(RUN("-m", "512m", "--memory-swap", "1g", "--memory-reservation=256M", "--shm-size",
                   "64m", "alpine"),
               "{\"HostConfig\":{\"Memory\":536870912,\"MemorySwap\":1073741824,"
               "\"MemoryReservation\":268435456,\"ShmSize\":67108864}}",
               "-m, --memory-swap, --memory-reservation, --shm-size in bytes");
        expect(RUN("--memory=1.5g", "--memory-swap", "-1", "alpine"),
               "{\"HostConfig\":{\"Memory\":1610612736,\"MemorySwap\":-1}}",
               "--memory 1.5g, --memory-swap -1 (unlimited)");
        expect(RUN("-m", "2GiB", "alpine"), "{\"HostConfig\":{\"Memory\":2147483648}}", "-m 2GiB");
        expect_err(RUN("-m", "abc", "alpine"),
                   "invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'",
                   "-m abc: docker's message");
        expect_err(RUN("-m", "10x", "alpine"),
                   "invalid argument \"10x\" for \"-m, --memory\" flag: invalid suffix: 'x'",
                   "-m 10x");
        expect_err(RUN("--memory-swap", "-2", "alpine"),
                   "invalid argument \"-2\" for \"--memory-swap\" flag: invalid size: '-2'",
                   "--memory-swap -2");
        expect(RUN("--cpus", "1.5", "alpine"), "{\"HostConfig\":{\"NanoCpus\":1500000000}}",
               "--cpus 1.5 → NanoCpus");
        expect(RUN("--cpus=0.001", "alpine"), "{\"HostConfig\":{\"NanoCpus\":1000000}}",
               "--cpus 0.001");
        expect(RUN("--cpus", "3/2", "alpine"), "{\"HostConfig\":{\"NanoCpus\":1500000000}}",
               "--cpus as a fraction");
        expect_err(RUN("--cpus", "0.0000000001", "alpine"),
                   "invalid argument \"0.0000000001\" for \"--cpus\" flag: value is too precise",
                   "--cpus too precise");
        expect_err(RUN("--cpus", "two", "alpine"),
                   "invalid argument \"two\" for \"--cpus\" flag: failed to parse two as a "
                   "rational number",
                   "--cpus two");
        expect(RUN("-c", "512", "--cpu-period", "100000", "--cpu-quota=50000", "--cpuset-cpus",
                   "0-3", "--cpuset-mems", "0", "alpine"),
               "{\"HostConfig\":{\"CpuShares\":512,\"CpuPeriod\":100000,\"CpuQuota\":50000,"
               "\"CpusetCpus\":\"0-3\",\"CpusetMems\":\"0\"}}",
               "-c, --cpu-period, --cpu-quota, --cpuset-*");
        expect(RUN("--cpu-shares", "0x400", "alpine"), "{\"HostConfig\":{\"CpuShares\":1024}}",
               "integers take Go's base prefixes (0x400)");
        expect_err(RUN("-c", "abc", "alpine"),
                   "invalid argument \"abc\" for \"-c, --cpu-shares\" flag: strconv.ParseInt: "
                   "parsing \"abc\": invalid syntax",
                   "-c abc");
        expect_err(RUN("--cpu-quota", "99999999999999999999", "alpine"),
                   "invalid argument \"99999999999999999999\" for \"--cpu-quota\" flag: "
                   "strconv.ParseInt: parsing \"99999999999999999999\": value out of range",
                   "--cpu-quota out of range");
        expect(RUN("--pids-limit", "100", "alpine"), "{\"HostConfig\":{\"PidsLimit\":100}}",
               "--pids-limit");
        expect(RUN("--pids-limit=-1", "alpine"), "{\"HostConfig\":{\"PidsLimit\":-1}}",
               "--pids-limit -1");
        expect(RUN("--oom-kill-disable", "--oom-score-adj", "-500", "alpine"),
               "{\"HostConfig\":{\"OomKillDisable\":true,\"OomScoreAdj\":-500}}",
               "--oom-kill-disable, --oom-score-adj");
        expect(RUN("--memory-swappiness", "60", "--blkio-weight", "500", "--cgroup-parent", "/mine",
                   "alpine"),
               "{\"HostConfig\":{\"MemorySwappiness\":60,\"BlkioWeight\":500,\"CgroupParent\":"
               "\"/mine\"}}",
               "--memory-swappiness, --blkio-weight, --cgroup-parent");
        expect_err(RUN("--memory-swappiness", "101", "alpine"),
                   "invalid value: 101. Valid memory swappiness range is 0-100",
                   "--memory-swappiness 101");
        expect_err(RUN("--blkio-weight", "70000", "alpine"),
                   "invalid argument \"70000\" for \"--blkio-weight\" flag: strconv.ParseUint: "
                   "parsing \"70000\": value out of range",
                   "--blkio-weight past uint16");
        static const char *const none[] = {"Memory",    "MemorySwap", "NanoCpus",       "CpuShares",
                                           "PidsLimit", "Ulimits",    "OomKillDisable", "ShmSize"};
        for (size_t i = 0; i < ARRAY_SIZE(none); i++)
                expect_no(RUN("alpine"), true, none[i], none[i]);
}

static void test_ulimits(void)
{
        expect(RUN("--ulimit", "nproc=512", "--ulimit", "nofile=1024:2048", "--ulimit=core=-1",
                   "--ulimit", "nproc=256:1024", "alpine"),
               "{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1},"
               "{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048},"
               "{\"Name\":\"nproc\",\"Soft\":256,\"Hard\":1024}]}}",
               "--ulimit: sorted by name, hard defaults to soft, the last one of a name wins");
        static const struct {
                const char *v, *msg;
        } bad[] = {
            {"nofiles=1", "invalid ulimit type: nofiles"},
            {"as=1", "invalid ulimit type: as"},
            {"nofile", "invalid ulimit argument: nofile"},
            {"nofile=2048:1024",
             "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"},
            {"nofile=-1:1024", "ulimit soft limit must be less than or equal to hard limit: "
                               "soft: -1 (unlimited), hard: 1024"},
            {"nofile=lots", "strconv.ParseInt: parsing \"lots\": invalid syntax"},
            {"nofile=1:lots", "strconv.ParseInt: parsing \"lots\": invalid syntax"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *m = berth_xasprintf(
                    "invalid argument \"%s\" for \"--ulimit\" flag: %s", bad[i].v, bad[i].msg);
                expect_err(RUN("--ulimit", bad[i].v, "alpine"), m, bad[i].v);
        }
}

/* ---- security, restart, logging, namespaces ---- */

static void test_security(void)
{
        expect(RUN("--cap-add", "NET_ADMIN", "--cap-add=SYS_TIME", "--cap-drop", "ALL",
                   "--privileged", "--group-add", "audio", "--group-add", "1000", "alpine"),
               "{\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\",\"SYS_TIME\"],\"CapDrop\":[\"ALL\"],"
               "\"Privileged\":true,\"GroupAdd\":[\"audio\",\"1000\"]}}",
               "--cap-add, --cap-drop, --privileged, --group-add");
        expect(RUN("--security-opt", "no-new-privileges", "--security-opt", "label=disable",
                   "--security-opt", "apparmor:unconfined", "--security-opt", "seccomp=unconfined",
                   "alpine"),
               "{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges\",\"label=disable\","
               "\"apparmor:unconfined\",\"seccomp=unconfined\"]}}",
               "--security-opt as given");
        _cleanup_free_ char *profile =
            write_file("seccomp.json", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                                       "  \"syscalls\": [ ]\n}\n");
        _cleanup_free_ char *opt = berth_xasprintf("seccomp=%s", profile);
        expect(RUN("--security-opt", opt, "alpine"),
               "{\"HostConfig\":{\"SecurityOpt\":[\"seccomp={\\\"defaultAction\\\":"
               "\\\"SCMP_ACT_ERRNO\\\",\\\"syscalls\\\":[]}\"]}}",
               "--security-opt seccomp=<file>: the profile itself goes, compacted");
        expect(RUN("--security-opt", "systempaths=unconfined", "alpine"),
               "{\"HostConfig\":{\"SecurityOpt\":[],\"MaskedPaths\":[],\"ReadonlyPaths\":[]}}",
               "systempaths=unconfined: empty MaskedPaths and ReadonlyPaths instead");
        expect_err(RUN("--security-opt", "foo", "alpine"), "invalid --security-opt: \"foo\"",
                   "--security-opt foo");
        expect_err(RUN("--security-opt", "label=", "alpine"), "invalid --security-opt: \"label=\"",
                   "--security-opt label=");
        _cleanup_free_ char *nofile = berth_xasprintf("seccomp=%s/none.json", tmpdir);
        _cleanup_free_ char *msg = berth_xasprintf(
            "opening seccomp profile (%s/none.json) failed: open %s/none.json: no such file or "
            "directory",
            tmpdir, tmpdir);
        expect_err(RUN("--security-opt", nofile, "alpine"), msg, "a missing seccomp profile");
        expect(RUN("--init", "alpine"), "{\"HostConfig\":{\"Init\":true}}", "--init");
        expect(RUN("--init=false", "alpine"), "{\"HostConfig\":{\"Init\":false}}",
               "--init=false is sent (overrides the engine's default)");
        expect_no(RUN("alpine"), true, "Init", "no --init: no Init");
}

static void test_restart(void)
{
        static const struct {
                const char *v, *want;
        } good[] = {
            {"no", "{\"Name\":\"no\",\"MaximumRetryCount\":0}"},
            {"always", "{\"Name\":\"always\",\"MaximumRetryCount\":0}"},
            {"unless-stopped", "{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0}"},
            {"on-failure", "{\"Name\":\"on-failure\",\"MaximumRetryCount\":0}"},
            {"on-failure:3", "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}"},
            {"always:0", "{\"Name\":\"always\",\"MaximumRetryCount\":0}"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                _cleanup_free_ char *want =
                    berth_xasprintf("{\"HostConfig\":{\"RestartPolicy\":%s}}", good[i].want);
                expect(RUN("--restart", good[i].v, "alpine"), want, good[i].v);
        }
        static const struct {
                const char *v, *msg;
        } bad[] = {
            {"sometimes", "invalid restart policy: unknown policy 'sometimes'; use one of 'no', "
                          "'always', 'on-failure', or 'unless-stopped'"},
            {"always:3", "invalid restart policy: maximum retry count can only be used with "
                         "'on-failure'"},
            {"no:-1", "invalid restart policy: maximum retry count can only be used with "
                      "'on-failure' and cannot be negative"},
            {"on-failure:x", "invalid restart policy format: maximum retry count must be an "
                             "integer"},
            {"on-failure:-2", "invalid restart policy: maximum retry count cannot be negative"},
            {":3", "invalid restart policy format: no policy provided before colon"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *m = berth_xasprintf(
                    "invalid argument \"%s\" for \"--restart\" flag: %s", bad[i].v, bad[i].msg);
                expect_err(RUN("--restart", bad[i].v, "alpine"), m, bad[i].v);
        }
        expect_err(RUN("--rm", "--restart", "always", "alpine"),
                   "conflicting options: cannot specify both --restart and --rm",
                   "--rm with --restart always");
        expect(RUN("--rm", "--restart=no", "alpine"),
               "{\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"no\","
               "\"MaximumRetryCount\":0}}}",
               "--rm with --restart no is fine");
}

static void test_logging_namespaces(void)
{
        expect(RUN("--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt",
                   "max-file=3", "alpine"),
               "{\"HostConfig\":{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":"
               "\"10m\",\"max-file\":\"3\"}}}}",
               "--log-driver, --log-opt");
        expect(RUN("--log-driver=none", "alpine"),
               "{\"HostConfig\":{\"LogConfig\":{\"Type\":\"none\",\"Config\":{}}}}",
               "--log-driver none");
        expect_no(RUN("alpine"), true, "LogConfig", "no log flags: the engine's default");
        expect_err(RUN("--log-driver", "none", "--log-opt", "a=b", "alpine"),
                   "invalid logging opts for driver none", "--log-opt with driver none");
        expect(RUN("--ipc", "host", "--pid", "host", "--uts", "host", "--cgroupns", "private",
                   "--userns", "host", "alpine"),
               "{\"HostConfig\":{\"IpcMode\":\"host\",\"PidMode\":\"host\",\"UTSMode\":\"host\","
               "\"CgroupnsMode\":\"private\",\"UsernsMode\":\"host\"}}",
               "--ipc, --pid, --uts, --cgroupns, --userns");
        expect(RUN("--pid", "container:db", "--ipc=shareable", "alpine"),
               "{\"HostConfig\":{\"PidMode\":\"container:db\",\"IpcMode\":\"shareable\"}}",
               "--pid container:NAME");
        expect_err(RUN("--pid", "bogus", "alpine"), "--pid: invalid PID mode", "--pid bogus");
        expect_err(RUN("--pid", "container:", "alpine"), "--pid: invalid PID mode",
                   "--pid container: without a name");
        expect_err(RUN("--uts", "private", "alpine"), "--uts: invalid UTS mode", "--uts private");
        expect_err(RUN("--cgroupns", "shared", "alpine"), "--cgroupns: invalid CGROUP mode",
                   "--cgroupns shared");
        expect_err(RUN("--userns", "private", "alpine"), "--userns: invalid USER mode",
                   "--userns private");
        expect(RUN("--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=1024",
                   "--runtime", "runc", "--volume-driver", "local", "alpine"),
               "{\"HostConfig\":{\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":"
               "\"1024\"},\"Runtime\":\"runc\",\"VolumeDriver\":\"local\"}}",
               "--sysctl, --runtime, --volume-driver");
        expect_err(RUN("--sysctl", "kernel.pid_max=1", "alpine"),
                   "invalid argument \"kernel.pid_max=1\" for \"--sysctl\" flag: sysctl "
                   "'kernel.pid_max=1' is not allowed",
                   "--sysctl outside the namespaced ones");
}

/* ---- network ---- */

static void test_ports(void)
{
        expect(RUN("-p", "8080:80", "alpine"),
               "{\"ExposedPorts\":{\"80/tcp\":{}},\"HostConfig\":{\"PortBindings\":{\"80/tcp\":"
               "[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}}}",
               "-p 8080:80");
        expect(RUN("-p", "80", "--publish=127.0.0.1:5353:53/udp", "-p", "127.0.0.1::443", "-p",
                   "[::1]:8443:443", "alpine"),
               "{\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{},\"443/tcp\":{}},"
               "\"HostConfig\":{\"PortBindings\":{"
               "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
               "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5353\"}],"
               "\"443/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"},"
               "{\"HostIp\":\"::1\",\"HostPort\":\"8443\"}]}}}",
               "-p forms: port alone, ip:host:ctr/proto, ip::ctr, [v6]:host:ctr");
        expect(RUN("-p", "8000-8002:9000-9002", "alpine"),
               "{\"ExposedPorts\":{\"9000/tcp\":{},\"9001/tcp\":{},\"9002/tcp\":{}},"
               "\"HostConfig\":{\"PortBindings\":{"
               "\"9000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000\"}],"
               "\"9001/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8001\"}],"
               "\"9002/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8002\"}]}}}",
               "-p ranges map one to one");
        expect(RUN("-p", "8000-8010:80", "alpine"),
               "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\","
               "\"HostPort\":\"8000-8010\"}]}}}",
               "-p host range to one port: the engine picks in the range");
        expect(RUN("-p", "published=8080,target=80,protocol=udp", "alpine"),
               "{\"ExposedPorts\":{\"80/udp\":{}},\"HostConfig\":{\"PortBindings\":{\"80/udp\":"
               "[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}}}",
               "-p long syntax");
        expect(RUN("-p", "80/TCP", "alpine"), "{\"ExposedPorts\":{\"80/tcp\":{}}}",
               "the protocol in any case");
        expect(RUN("--expose", "80", "--expose", "7000-7002/udp", "-P", "alpine"),
               "{\"ExposedPorts\":{\"80/tcp\":{},\"7000/udp\":{},\"7001/udp\":{},\"7002/udp\":{}},"
               "\"HostConfig\":{\"PublishAllPorts\":true}}",
               "--expose, ranges, -P");
        expect_no(RUN("--expose", "80", "alpine"), true, "PortBindings",
                  "--expose alone binds nothing");
        expect_no(RUN("alpine"), false, "ExposedPorts", "nothing exposed: no ExposedPorts");
        static const struct {
                const char *v, *msg;
        } bad[] = {
            {"8080:80/foo", "invalid proto: foo"},
            {"abc", "invalid containerPort: abc"},
            {"99999:80", "invalid hostPort: 99999"},
            {"1.2.3:80:80", "invalid IP address: 1.2.3"},
            {"80-82:90-91", "invalid ranges specified for container and host Ports: 90-91 and "
                            "80-82"},
            {"8080:", "invalid proto: "},
            {"published=80,bogus", "invalid publish opts format (should be name=value but got "
                                   "'bogus')"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *m = berth_xasprintf(
                    "invalid argument \"%s\" for \"-p, --publish\" flag: %s", bad[i].v, bad[i].msg);
                expect_err(RUN("-p", bad[i].v, "alpine"), m, bad[i].v);
        }
        expect_err(RUN("--expose", "80:80", "alpine"), "invalid port format for --expose: 80:80",
                   "--expose host:ctr");
        expect_err(RUN("--expose", "http", "alpine"),
                   "invalid range format for --expose: http, error: strconv.ParseUint: parsing "
                   "\"http\": invalid syntax",
                   "--expose http");
}

static void test_dns_hosts(void)
{
        expect(RUN("--dns", "8.8.8.8", "--dns", " 2001:0db8::0001 ", "--dns-search", "example.com.",
                   "--dns-search", ".", "--dns-option", "ndots:2", "--dns-opt", "rotate", "alpine"),
               "{\"HostConfig\":{\"Dns\":[\"8.8.8.8\",\"2001:db8::1\"],\"DnsSearch\":["
               "\"example.com\",\".\"],\"DnsOptions\":[\"ndots:2\",\"rotate\"]}}",
               "--dns normalized, --dns-search, --dns-option (and hidden --dns-opt)");
        expect_err(RUN("--dns", "8.8.8", "alpine"),
                   "invalid argument \"8.8.8\" for \"--dns\" flag: IP address is not correctly "
                   "formatted: 8.8.8",
                   "--dns bad");
        expect_err(RUN("--dns-search", "-bad-.com", "alpine"),
                   "invalid argument \"-bad-.com\" for \"--dns-search\" flag: -bad-.com is not a "
                   "valid domain",
                   "--dns-search bad");
        expect(RUN("--add-host", "db:10.0.0.5", "--add-host=v6=::1", "--add-host",
                   "gw=host-gateway", "--add-host", "b=[fe80::1]", "alpine"),
               "{\"HostConfig\":{\"ExtraHosts\":[\"db:10.0.0.5\",\"v6:::1\",\"gw:host-gateway\","
               "\"b:fe80::1\"]}}",
               "--add-host host:ip, host=ip, host-gateway, [v6]");
        expect_err(RUN("--add-host", "db", "alpine"),
                   "invalid argument \"db\" for \"--add-host\" flag: bad format for add-host: "
                   "\"db\"",
                   "--add-host without an address");
        expect_err(RUN("--add-host", "db:nowhere", "alpine"),
                   "invalid argument \"db:nowhere\" for \"--add-host\" flag: invalid IP address in "
                   "add-host: \"nowhere\"",
                   "--add-host with a bad address");
}

static void test_networks(void)
{
        expect(RUN("--network", "host", "alpine"), "{\"HostConfig\":{\"NetworkMode\":\"host\"}}",
               "--network host");
        expect(RUN("--net=none", "alpine"), "{\"HostConfig\":{\"NetworkMode\":\"none\"}}",
               "--net (hidden alias)");
        expect_no(RUN("--network", "mynet", "alpine"), false, "NetworkingConfig",
                  "one plain network: nothing per network");
        expect(RUN("--network", "mynet", "--network-alias", "web", "--net-alias=www", "alpine"),
               "{\"HostConfig\":{\"NetworkMode\":\"mynet\"},\"NetworkingConfig\":{"
               "\"EndpointsConfig\":{\"mynet\":{\"Aliases\":[\"web\",\"www\"]}}}}",
               "--network-alias on a user network");
        expect(RUN("--network", "name=front,alias=a,ip=10.1.0.5,driver-opt=com.x=1", "--network",
                   "back", "alpine"),
               "{\"HostConfig\":{\"NetworkMode\":\"front\"},\"NetworkingConfig\":{"
               "\"EndpointsConfig\":{\"front\":{\"Aliases\":[\"a\"],\"IPAMConfig\":{"
               "\"IPv4Address\":\"10.1.0.5\"},\"DriverOpts\":{\"com.x\":\"1\"}},\"back\":{}}}}",
               "--network long syntax, two networks");
        expect_err(RUN("--network-alias", "web", "alpine"),
                   "network-scoped aliases are only supported for user-defined networks",
                   "--network-alias on the default network");
        expect_err(RUN("--network", "bridge", "--network-alias", "web", "alpine"),
                   "network-scoped aliases are only supported for user-defined networks",
                   "--network-alias on bridge");
        expect_err(RUN("--network", "host", "--network", "mynet", "alpine"),
                   "conflicting options: cannot attach both user-defined and non-user-defined "
                   "network-modes",
                   "host and a user network");
        expect_err(RUN("--network", "a", "--network", "a", "alpine"),
                   "network \"a\" is specified multiple times", "the same network twice");
        expect_err(RUN("--network", "name=a,bogus=1", "alpine"),
                   "invalid argument \"name=a,bogus=1\" for \"--network\" flag: invalid field key "
                   "bogus",
                   "--network long syntax, unknown key");
        expect_err(RUN("--network", "alias=x", "alpine"),
                   "invalid argument \"alias=x\" for \"--network\" flag: network name/id is not "
                   "specified",
                   "--network long syntax without a name");
}

/* ---- the rest of the run options ---- */

static void test_run_options(void)
{
        result r =
            RUN("--sig-proxy=false", "--detach-keys", "ctrl-p,ctrl-q", "--cidfile", "/tmp/cid",
                "-q", "--pull", "always", "--platform", "linux/arm64", "--rm", "alpine");
        ok(r.rc == 0 && !r.f.sig_proxy && r.f.rm && r.f.quiet, "--sig-proxy=false, --rm, -q");
        is_str(r.f.detach_keys, "ctrl-p,ctrl-q", "--detach-keys");
        is_str(r.f.cidfile, "/tmp/cid", "--cidfile");
        is_str(r.f.pull, "always", "--pull");
        is_str(r.f.platform, "linux/arm64", "--platform");
        expect(r, "{\"HostConfig\":{\"ContainerIDFile\":\"/tmp/cid\",\"AutoRemove\":true}}",
               "--cidfile is also HostConfig.ContainerIDFile");
        r = CREATE("--quiet", "--pull=never", "alpine");
        ok(r.rc == 0 && r.f.quiet && !r.f.detach, "create --quiet");
        is_str(r.f.pull, "never", "create --pull never");
        berth_run_flags_clear(&r.f);
        expect_err(RUN("--pull", "sometimes", "alpine"),
                   "invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or "
                   "\"never\"",
                   "--pull sometimes");
        expect_err(RUN("--detach-keys", "ctrl-1", "alpine"),
                   "invalid detach keys (ctrl-1): Unknown character: 'ctrl-1'",
                   "--detach-keys with an unknown key");
        expect_err(RUN("--detach-keys", "ctrl-p,", "alpine"),
                   "invalid detach keys (ctrl-p,): Unknown character: ''",
                   "--detach-keys with an empty key");
        r = RUN("--detach-keys=a,ctrl-@,ctrl-\\,DEL", "alpine");
        ok(r.rc == 0, "--detach-keys: single characters, ctrl-@, ctrl-\\, DEL");
        berth_run_flags_clear(&r.f);
        setenv("DOCKER_DEFAULT_PLATFORM", "linux/amd64", 1);
        r = RUN("alpine");
        is_str(r.f.platform, "linux/amd64", "--platform defaults to $DOCKER_DEFAULT_PLATFORM");
        berth_run_flags_clear(&r.f);
        unsetenv("DOCKER_DEFAULT_PLATFORM");
}

static void test_usage(void)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        berth_runflags_usage(f, true);
        fclose(f);
        like(text, "Usage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n",
             "run --help: the usage line");
        like(text, "\n  -d, --detach ", "run --help lists -d");
        like(text, "\n  -m, --memory bytes ", "--memory with its type");
        like(text, "\n      --sig-proxy ", "run --help lists --sig-proxy");
        like(text, "\n  -v, --volume list ", "--volume is a list");
        ok(strstr(text, "--net ") == NULL && strstr(text, "--dns-opt ") == NULL &&
               strstr(text, "--net-alias ") == NULL,
           "hidden aliases are not listed");
        /* every description starts in the same column */
        const char *a = strstr(text, "  -a, --attach list");
        const char *w = strstr(text, "  -w, --workdir string");
        const char *da = a ? strstr(a, "Attach the") : NULL, *dw = w ? strstr(w, "Working") : NULL;
        ok(da && dw && da - a == dw - w, "descriptions line up");
        free(text);
        text = NULL;
        f = open_memstream(&text, &len);
        berth_runflags_usage(f, false);
        fclose(f);
        like(text, "Usage:  berth create [OPTIONS] IMAGE [COMMAND] [ARG...]\n",
             "create --help: the usage line");
        ok(strstr(text, "--detach ") == NULL && strstr(text, "--sig-proxy") == NULL,
           "create --help has no -d or --sig-proxy");
        like(text, "\n  -i, --interactive ", "create --help lists -i");
        free(text);
}

int main(void)
{
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        unsetenv("DOCKER_DEFAULT_PLATFORM");
        test_defaults();
        test_forms();
        test_env();
        test_labels();
        test_config_strings();
        test_healthcheck();
        test_volumes();
        test_mount_flag();
        test_tmpfs_volumes_from();
        test_devices();
        test_resources();
        test_ulimits();
        test_security();
        test_restart();
        test_logging_namespaces();
        test_ports();
        test_dns_hosts();
        test_networks();
        test_run_options();
        test_usage();
        _cleanup_free_ char *rm = berth_xasprintf("rm -rf '%s'", tmpdir);
        if (system(rm) != 0)
                printf("# could not remove %s\n", tmpdir);
        return tap_done();
}
